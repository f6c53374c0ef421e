# The counter answers each line with how many lines this connection sent.
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 2001))
s.sendall(b"a\n")
s.recv(1024)
s.sendall(b"b\n")
s.recv(1024)
s.close()
