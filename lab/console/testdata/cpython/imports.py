# The socket module, imported as tutorials do.
import socket
socket.socket(socket.AF_INET, socket.SOCK_STREAM)
socket.AF_INET, socket.SOCK_STREAM, socket.SOCK_DGRAM
socket.SHUT_RD, socket.SHUT_WR, socket.SHUT_RDWR
socket.AF_INET == 2
socket.gethostbyname("127.0.0.1")
socket.nosuch
import socket as so
so.socket(so.AF_INET, so.SOCK_DGRAM).type
from socket import AF_INET, SOCK_STREAM
from socket import *
import os  # deliberate: the console has only the socket module
import socket.x  # deliberate: the console has only the socket module
from os import path  # deliberate: the console has only the socket module
