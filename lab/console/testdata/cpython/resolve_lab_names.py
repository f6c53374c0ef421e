# The lab's names are the lab DNS server's; CPython asks the machine's resolver.
gethostbyname("www.lab")  # lab-only: CPython's resolver does not know the lab's names
getaddrinfo("echo.lab", 7)[0][4]  # lab-only: CPython's resolver does not know the lab's names
s = socket(AF_INET, SOCK_STREAM)
s.connect(("echo.lab", 7))  # lab-only: CPython's resolver does not know the lab's names
gethostbyname("www.example.invalid")  # lab-only: CPython's resolver does not know the lab's names
s.close()
