# A datagram of no bytes is a datagram: the echo sends it back.
u = socket(AF_INET, SOCK_DGRAM)
u.settimeout(2)
u.sendto(b"", ("10.0.0.1", 7))
u.recvfrom(1024)
u.sendto(b"", ("10.0.0.1", 7)); data, addr = u.recvfrom(1024)
data, addr
len(data)
u.close()
