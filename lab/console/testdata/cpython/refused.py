# Nothing listens on port 9: the server's host answers RST.
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 9))
s.connect(("10.0.0.1", 9))
s.close()
s = socket(AF_INET, SOCK_STREAM)
s.connect(("127.0.0.1", 9))
