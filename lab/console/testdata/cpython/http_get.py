# HTTP (RFC 9112) by hand: a request, then the response.
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 80))
s.sendall(b"GET /hello HTTP/1.0\r\nHost: 10.0.0.1\r\n\r\n")
s.settimeout(5)
r = s.recv(4096)
r[:17]
r[-20:]
s.close()
