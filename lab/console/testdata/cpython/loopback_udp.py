# Two UDP sockets on your own host, over lo.
a = socket(AF_INET, SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b = socket(AF_INET, SOCK_DGRAM)
b.bind(("localhost", 0))
b.sendto(b"hello a", a.getsockname())
data, addr = a.recvfrom(100)
data
addr == b.getsockname()
a.sendto(b"hello b", addr)
b.recvfrom(100)[0]
a.close(); b.close()
