# Daytime (RFC 867) over TCP: the server sends the time and closes.
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 13))
s.recv(1024)
s.recv(1024)
s.recv(1024)
s.close()
