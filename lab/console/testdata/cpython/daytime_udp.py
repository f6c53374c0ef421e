# Daytime over UDP: any datagram is answered with the time.
u = socket(AF_INET, SOCK_DGRAM)
u.sendto(b"what time is it?", ("10.0.0.1", 13))
data, addr = u.recvfrom(1024)
addr
data.decode()
data[-2:]
u.close()
