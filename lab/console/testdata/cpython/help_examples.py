# The examples in the console's help, as Python runs them.
s = socket(AF_INET, SOCK_STREAM)
s.bind(("0.0.0.0", 5076))
s.listen(5)
c = socket(); c.connect((gethostname(), 5076))
conn, addr = s.accept()
c.close(); conn.close(); s.close()
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 7))
s.send(b"hello\n")
s.recv(1024)
s.sendall(b"hello\n")
s.recv(1024).decode()
data = b"hello\n"
print("got", data)
len(data)
s.settimeout(2.0)
s.gettimeout()
s.getsockname()[0]
s.getpeername()
s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
s.getsockopt(SOL_SOCKET, SO_REUSEADDR)
s.shutdown(SHUT_WR)
s.setblocking(False)
s.close()
s = socket(AF_INET, SOCK_DGRAM)
s.sendto(b"hi", ("10.0.0.1", 7))
data, addr = s.recvfrom(1024)
data, addr
"hello\n".encode()
b'hi'.hex()
getaddrinfo("echo.lab", 7)[0][4]  # lab-only: CPython's resolver does not know the lab's names
socket.timeout  # deliberate: socket is both the module and the class
TimeoutError
s.close()
