# socket.timeout is TimeoutError since Python 3.10.
import socket
socket.timeout
timeout
TimeoutError
socket.timeout == TimeoutError
TimeoutError("x")  # deliberate: the console cannot make exceptions
