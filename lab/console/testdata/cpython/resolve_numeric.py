# Names that need no DNS server.
gethostbyname("10.0.0.1")
gethostbyname("127.0.0.1")
gethostbyname("localhost")
gethostbyname(gethostname())
gethostbyname(7)
gethostbyname()
getaddrinfo("10.0.0.1", 7)
getaddrinfo("10.0.0.1", 7, type=SOCK_STREAM)
getaddrinfo("10.0.0.1", 7, AF_INET, SOCK_DGRAM)
getaddrinfo("10.0.0.1", 7)[0][4]
getaddrinfo("127.0.0.1", None, type=SOCK_STREAM)
getaddrinfo("10.0.0.1", "7", type=SOCK_STREAM)
getaddrinfo("10.0.0.1")
