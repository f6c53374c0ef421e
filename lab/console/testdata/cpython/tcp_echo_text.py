# Text goes as bytes: encode to send, decode to read.
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 7))
msg = "héllo, wörld\n"
s.sendall(msg.encode())
data = s.recv(1024)
data
data.decode()
data.decode() == msg
len(data), len(msg)
print("got", data)
print("got", data.decode(), end="")
s.close()
