# UDP echo (RFC 862): each datagram comes back, from port 7.
u = socket(AF_INET, SOCK_DGRAM)
u
u.sendto(b"hi", ("10.0.0.1", 7))
u.recvfrom(1024)
u.sendto(b"hello, world", ("10.0.0.1", 7))
u.recvfrom(5)
u.getsockname()[0]
u.close()
