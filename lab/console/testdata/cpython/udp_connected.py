# connect on a UDP socket only records the peer: send and recv need no address.
u = socket(AF_INET, SOCK_DGRAM)
u.connect(("10.0.0.1", 7))
u.getpeername()
u.send(b"ping")
u.recv(1024)
u.sendto(b"x", ("10.0.0.1", 7))
u.recv(1024)
u.close()
