# The SQL database in PostgreSQL's protocol: a startup message and a
# Query by hand, each a length-prefixed binary message.
d = socket(AF_INET, SOCK_STREAM)
d.settimeout(5)
d.connect(("10.0.0.1", 5432))
d.sendall(b"\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00")
r = d.recv(4096)
r[:9]
r[-6:]
d.sendall(b"Q\x00\x00\x00\x1aselect * from courses\x00")
r = d.recv(4096)
r[:12]
r[-20:]
d.sendall(b"Q\x00\x00\x00\x1bselect * from teachers\x00")
d.recv(4096)
d.sendall(b"X\x00\x00\x00\x04")
d.recv(4096)
d.close()
