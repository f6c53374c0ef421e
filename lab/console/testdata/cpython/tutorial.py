# What a Python tutorial's client types first.
import socket
s = socket.create_connection(("10.0.0.1", 7))
s.type, s.family
s.proto  # deliberate: a socket's proto is always 0
s.fileno() != -1
s.fileno() > 2  # deliberate: the console compares only with == and !=
s.gettimeout()
s.sendall(b"hello world\n")
data = s.recv(1024)
data.upper()
data.split()
data.split()[1]
data.strip()
s.close()
c = socket.create_connection(("10.0.0.1", 7), timeout=2)
c.gettimeout()
c.close()
socket.create_connection(("10.0.0.1", 9))
socket.create_connection(("10.0.0.1", 80), 5).getpeername()
create_connection()
