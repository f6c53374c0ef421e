# After "import socket", socket is the module; the console lets it make sockets too.
import socket
socket(AF_INET, SOCK_STREAM)  # deliberate: socket is both the module and the class
socket.socket
