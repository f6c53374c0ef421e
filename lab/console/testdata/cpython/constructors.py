# socket()'s arguments.
s = socket()
s
s.family, s.type, s.proto
socket(AF_INET)
socket(AF_INET, SOCK_DGRAM)
socket(family=AF_INET, type=SOCK_DGRAM)
socket(AF_INET, SOCK_STREAM, 0)
socket(AF_INET, 5)
socket(99)
socket("x")
socket(AF_INET, SOCK_STREAM, 0, None)
socket(AF_INET, SOCK_STREAM, colour=1)
socket  # deliberate: socket is both the module and the class
