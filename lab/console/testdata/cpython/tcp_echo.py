# TCP echo (RFC 862): what you send comes back.
s = socket(AF_INET, SOCK_STREAM)
s
s.connect(("10.0.0.1", 7))
s.getpeername()
s.getsockname()[0]
s.sendall(b"hello\n")
s.recv(1024)
s.send(b"abc")
s.recv(2)
s.recv(1)
s.close()
s
s.fileno()
