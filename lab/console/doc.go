// Package console is the socketlab console: a small language modelled on
// Python's socket module, so that what a student types here is what they
// will later write in Python, run one line at a time on a lab host.
//
// # The language
//
// A line holds statements separated by ';', and may end with a comment:
//
//	s = socket(AF_INET, SOCK_STREAM)      # also socket(TCP), socket()
//	s.connect(("10.0.0.1", 7))
//	s.sendall(b"hello\n"); s.recv(1024)
//	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
//	u.sendto(b"hi", ("10.0.0.1", 7))
//	data, addr = u.recvfrom(1024)
//
// Statements are assignments, to names and (nested) tuples of names
// ("a, b = ...", "(a, b) = ...", "a = b = ..."), expressions, "import
// socket [as name]", "from socket import *" (or names), "del names" and
// "pass". Expressions are names, ints, floats, None, True, False, str and
// bytes literals (b"...", '...', r"...", with Python's escapes such as \n,
// \xNN and \0), tuples, calls with positional and keyword arguments,
// attributes, indexing and slicing (x[0], x[1:]), unary - and +, binary
// +, - and *, and == and !=. There are no blocks, loops or function
// definitions: the console runs one line at a time.
//
// The names every console knows are the socket module's, as after "from
// socket import *" (socket, AF_INET, SOCK_STREAM, SOCK_DGRAM, SHUT_RD,
// SHUT_WR, SHUT_RDWR, gethostname, gethostbyname, getaddrinfo), the lab's
// shorthands TCP and UDP for socket(TCP) and socket(UDP), and the builtins
// print, len, repr, str, int and help. "socket" is both the module and the class:
// socket(...) and socket.socket(...) both make a socket. Sockets have
// Python's methods: accept, bind, close, connect, connect_ex, fileno, getpeername,
// getsockname, gettimeout, listen, recv, recvfrom, send, sendall, sendto,
// setblocking, settimeout and shutdown; str has encode and bytes decode
// and hex. help() lists all of this and help(s.connect), or
// help("connect"), tells what a call does on the wire; a test checks that
// the help and the language name the same things, and runs every example
// the help shows.
//
// Hosts are dotted quads, "" (any address), gethostname(), which is the
// host's own address, "localhost", which is 127.0.0.1 (every host has a
// loopback interface, lo), or names, which the host's resolver asks the
// lab's DNS server (10.0.0.1) for.
//
// # What a line prints
//
// Exec returns what the Python REPL would show: the repr of a bare
// expression's value (nothing for None), what print wrote, and the
// exception the line raised, formatted as Python formats it:
//
//	>>> s.recv(1024)
//	b'hello\n'
//	>>> s.connect(("10.0.0.1", 9))
//	ConnectionRefusedError: [Errno 111] Connection refused
//	>>> s = socket(AF_INET
//	    s = socket(AF_INET
//	                      ^
//	SyntaxError: line 1, column 19: expected ')' but found end of line
//
// A line whose context is cancelled raises KeyboardInterrupt. As in
// Python, a socket no variable refers to any more is closed, after the
// statement that dropped it, and the value of the last bare expression is
// kept in "_".
//
// # Bounds
//
// No line can crash the console or make it hold much: a line is at most
// 4096 bytes and 64 levels deep; a console keeps at most 64 variables
// holding 16 MiB in all and 64 open sockets; a str, bytes or tuple holds
// at most 1 MiB; a line makes at most 32 MiB of values and prints at most
// 1 MiB; ints are 64-bit (OverflowError beyond); recv and recvfrom read
// at most 1 MiB, whatever size they ask for (a negative one raises
// ValueError), and are traced with the size asked for; listen backlogs
// are clamped to 128. Going beyond raises MemoryError, RecursionError, OverflowError or
// OSError: [Errno 24] Too many open files, as Python would.
//
// # Scripts
//
// RunScript runs a file of lines, as "socketlab run SCRIPT" does, writing
// the transcript of the session. It stops at the first line that raises an
// exception not expected of it; a line expects one with a trailing comment
// "# raises" and the exception's class (or a base class, such as OSError
// for ConnectionRefusedError):
//
//	s = socket(AF_INET, SOCK_STREAM)
//	s.connect(("10.0.0.1", 9))  # raises ConnectionRefusedError
//	s.connect(("10.0.0.1", 7))
package console
