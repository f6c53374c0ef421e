# A connected socket cannot connect again, nor listen.
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 7))
s.connect(("10.0.0.1", 7))
s.connect(("10.0.0.1", 13))
s.listen()
s.sendto(b"x", ("10.0.0.1", 7))
s.close()
