# The DNS service (RFC 1035) asked by hand: a query for www.lab, type A.
u = socket(AF_INET, SOCK_DGRAM)
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x03www\x03lab\x00" + b"\x00\x01\x00\x01"
u.sendto(q, ("10.0.0.1", 53))
answer, addr = u.recvfrom(512)
addr
answer[:2]
answer.hex()
answer[-4:]
u.sendto(b"\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06nosuch\x03lab\x00\x00\x01\x00\x01", ("10.0.0.1", 53))
u.recvfrom(512)[0].hex()
u.close()
