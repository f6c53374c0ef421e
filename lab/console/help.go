package console

import (
	"sort"
	"strings"
)

// doc is the help for one function, method or name.
type doc struct {
	usage   string // how it is called: "s.connect(address)"
	summary string // one line, for listings
	text    string // what it does, on the wire first; lines without indent
}

// A doc's text may end with an example, which TestHelpExamples runs: a
// line, "Example: s.recv(1024)", which must raise no exception; or a
// session under a lone "Example:", each line after ">>> " and then what
// it prints (its exception, if it shows one), which must read the same.

// render formats a doc as help(x) prints it.
func (d doc) render() string {
	var sb strings.Builder
	sb.WriteString(d.usage + "\n")
	for _, line := range strings.Split(strings.TrimSpace(d.text), "\n") {
		if line == "" {
			sb.WriteString("\n")
			continue
		}
		sb.WriteString("    " + line + "\n")
	}
	return sb.String()
}

// methodOrder lists the socket methods in the order a program uses them.
var methodOrder = []string{
	"bind", "listen", "accept", "connect", "connect_ex", "send", "sendall", "recv",
	"sendto", "recvfrom", "shutdown", "close", "settimeout", "setblocking",
	"gettimeout", "setsockopt", "getsockopt", "getsockname", "getpeername",
	"fileno",
}

// methodDocs are the socket methods' help.
var methodDocs = map[string]doc{
	"socket": {
		usage:   "socket(family=AF_INET, type=SOCK_STREAM)",
		summary: "make a socket: SOCK_STREAM is TCP, SOCK_DGRAM is UDP",
		text: `Make a new socket and return it. socket(AF_INET, SOCK_STREAM) makes a TCP
socket, socket(AF_INET, SOCK_DGRAM) a UDP one; socket() alone is TCP, as in
Python. socket(TCP) and socket(UDP) are the lab's shorthands for them.

On the wire: nothing yet. The socket is only an entry in your host's socket
table, with a file descriptor (see s.fileno()) and no address.

Example: s = socket(AF_INET, SOCK_STREAM)`,
	},
	"bind": {
		usage:   "s.bind(address)",
		summary: "give the socket a local (host, port) address",
		text: `Give the socket its local address, a (host, port) tuple. Host "" or
"0.0.0.0" means every address of your host; port 0 lets the system pick a
free port (see s.getsockname()). A server binds to a well-known port so that
clients know where to find it.

On the wire: nothing is sent. If another socket already has the port,
bind raises OSError: [Errno 98] Address already in use.

Example: s.bind(("0.0.0.0", 5000))`,
	},
	"listen": {
		usage:   "s.listen([backlog])",
		summary: "TCP: wait for connections on the bound port",
		text: `Make a TCP socket a server socket: it stops being able to connect or send
and goes to the LISTEN state. From now on, when a client's SYN arrives for
its port, your host's TCP answers SYN-ACK by itself, and once the client's
ACK completes the three-way handshake the new connection waits in the
accept queue (at most backlog of them) for s.accept().

On the wire: nothing is sent by listen itself.

Example: s.listen(5)`,
	},
	"accept": {
		usage:   "conn, address = s.accept()",
		summary: "TCP: take the next connection: (new socket, client address)",
		text: `Wait for a connection on a listening socket and return a pair: a new
socket connected to the client, and the client's (host, port). The
listening socket goes on listening; talk to the client through conn.

On the wire: nothing new. The three-way handshake (SYN, SYN-ACK, ACK) was
already done by your host's TCP when the client connected; accept only takes
the finished connection from the queue, waiting if there is none.

Example: conn, addr = s.accept()`,
	},
	"connect": {
		usage:   "s.connect(address)",
		summary: "TCP: three-way handshake with (host, port); UDP: set the peer",
		text: `Connect the socket to the remote address, a (host, port) tuple.

On the wire (TCP): starts the three-way handshake: your host sends SYN, the
server answers SYN-ACK, your host sends ACK, and connect returns: the
connection is ESTABLISHED. If nothing listens on that port, the server's
host answers the SYN with RST: ConnectionRefusedError. If nothing answers at
all, your host sends the SYN again, waiting longer each time, until the
timeout: TimeoutError. An unbound socket first gets a free local port.

On the wire (UDP): nothing is sent. connect only records the peer, so that
send and recv need no address and datagrams from anyone else are dropped.

Example: s.connect(("10.0.0.1", 7))`,
	},
	"connect_ex": {
		usage:   "err = s.connect_ex(address)",
		summary: "connect, returning the errno instead of raising it: 0 when connected",
		text: `Connect as connect does, but return 0 when connected and the error's
number when the connect failed, instead of raising it: 111 (ECONNREFUSED)
when the server's host answered RST, 106 (EISCONN) when already connected.

On a non-blocking socket (setblocking(False)) it returns 115 (EINPROGRESS)
at once: your host has sent its SYN, and the handshake goes on without you,
so that you can watch it, or step it with wire.step().

Example: s.connect_ex(("10.0.0.1", 7))`,
	},
	"send": {
		usage:   "n = s.send(bytes)",
		summary: "send some bytes; returns how many were taken",
		text: `Send bytes on a connected socket and return how many were sent, which may
be fewer than given: use sendall to send them all.

On the wire (TCP): the bytes go into your host's send buffer and leave as
one or more segments (flags PSH, ACK) carrying the next sequence numbers;
the peer's ACKs confirm them, and segments not acknowledged are sent again.
send returns once the bytes are in the buffer, not when they arrive.

On the wire (UDP): one datagram, carrying exactly these bytes.

Example: s.send(b"hello\n")`,
	},
	"sendall": {
		usage:   "s.sendall(bytes)",
		summary: "send all the bytes (calls send until done)",
		text: `Send all the bytes, calling send as often as it takes; return None.

On the wire (TCP): as send: the bytes leave as segments, perhaps several,
each acknowledged by the peer. How they are cut into segments is TCP's
choice, not yours: the receiver may get them in different pieces.

Example: s.sendall(b"hello\n")`,
	},
	"recv": {
		usage:   "data = s.recv(bufsize)",
		summary: "receive up to bufsize bytes; b'' means the peer closed",
		text: `Wait until data has arrived, then return at most bufsize bytes of it.

On the wire (TCP): nothing is sent for recv itself; it reads what arrived
in your host's receive buffer (your host has already ACKed it). TCP is a
byte stream: one recv may return part of what the peer sent in one send, or
the data of several sends. b'' means the peer sent FIN: it will send no
more (see shutdown and close).

On the wire (UDP): returns one datagram; bytes beyond bufsize are lost.

Blocks until data arrives; see settimeout. The lab reads at most 1048576
bytes per call, whatever bufsize asks for.

Example: s.recv(1024)`,
	},
	"sendto": {
		usage:   "n = s.sendto(bytes, address)",
		summary: "UDP: send one datagram to (host, port)",
		text: `Send one datagram to the address, a (host, port) tuple, and return the
number of bytes sent.

On the wire: one UDP datagram, from your socket's port to the address. An
unbound socket first gets a free local port. There is no handshake and no
acknowledgement: if nothing listens on the port, the datagram is lost (the
host may answer with an ICMP port unreachable).

Example: s.sendto(b"hi", ("10.0.0.1", 7))`,
	},
	"recvfrom": {
		usage:   "data, address = s.recvfrom(bufsize)",
		summary: "UDP: receive one datagram: (bytes, sender's address)",
		text: `Wait for a datagram and return a pair: its bytes (at most bufsize; the
rest is lost) and the (host, port) of its sender, which is where a reply
goes with sendto.

On the wire: nothing is sent; it takes a datagram that has arrived.

Example: data, addr = s.recvfrom(1024)`,
	},
	"shutdown": {
		usage:   "s.shutdown(how)",
		summary: "TCP: SHUT_WR sends FIN (no more sending); SHUT_RD, SHUT_RDWR",
		text: `Shut down one or both directions of a connection, without closing the
socket.

On the wire: SHUT_WR sends FIN: "I will send no more". The peer's recv then
returns b'' once it has read everything, and you can still recv what the
peer sends. SHUT_RD sends nothing: your recv returns b'' from now on.
SHUT_RDWR does both.

Example: s.shutdown(SHUT_WR)`,
	},
	"close": {
		usage:   "s.close()",
		summary: "close the socket (TCP: FIN, then the closing states)",
		text: `Close the socket: it can no longer be used and its port is freed.

On the wire (TCP): if the connection is open, your host sends FIN and the
connection goes through FIN-WAIT-1 and FIN-WAIT-2 to TIME-WAIT, or through
LAST-ACK if the peer had closed first. If received data was left unread,
your host sends RST instead.

On the wire (UDP): nothing.

Example: s.close()`,
	},
	"settimeout": {
		usage:   "s.settimeout(seconds)",
		summary: "make blocking calls give up after seconds (None: never)",
		text: `Set how long blocking calls (connect, accept, recv, recvfrom, send)
wait: a number of seconds, after which they raise TimeoutError; 0 for
non-blocking (a call that would wait raises BlockingIOError); None to wait
for ever, the default.

On the wire: nothing.

Example: s.settimeout(2.0)`,
	},
	"setblocking": {
		usage:   "s.setblocking(flag)",
		summary: "False: never wait (same as settimeout(0)); True: settimeout(None)",
		text: `setblocking(False) is settimeout(0): calls that would wait raise
BlockingIOError instead. setblocking(True) is settimeout(None).

On the wire: nothing.

Example: s.setblocking(False)`,
	},
	"gettimeout": {
		usage:   "s.gettimeout()",
		summary: "the timeout in seconds, or None when calls block",
		text: `Return the socket's timeout in seconds, 0.0 if it is non-blocking, or
None if its calls wait for ever.

Example: s.gettimeout()`,
	},
	"setsockopt": {
		usage:   "s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)",
		summary: "set an option: SO_REUSEADDR lets a server bind its port again at once",
		text: `Set a socket option. The lab has one, SO_REUSEADDR at level SOL_SOCKET,
as on Linux: with it set (1) before bind, a server may bind a port that
connections still hold, such as one a closed connection keeps in
TIME_WAIT, so that a restarted server gets its port back at once. Other
options raise OSError: [Errno 92] Protocol not available.

On the wire: nothing.

Example: s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`,
	},
	"getsockopt": {
		usage:   "value = s.getsockopt(SOL_SOCKET, SO_REUSEADDR)",
		summary: "read an option: 1 if SO_REUSEADDR is set, else 0",
		text: `Return a socket option's value: for SO_REUSEADDR, 1 if it is set, else 0.

Example: s.getsockopt(SOL_SOCKET, SO_REUSEADDR)`,
	},
	"getsockname": {
		usage:   "s.getsockname()",
		summary: "the socket's own (host, port)",
		text: `Return the socket's local address, a (host, port) tuple: ('0.0.0.0', 0)
before it is bound; after connect or sendto, the port the system picked.

Example: s.getsockname()`,
	},
	"getpeername": {
		usage:   "s.getpeername()",
		summary: "the connected peer's (host, port)",
		text: `Return the address of the peer the socket is connected to, a (host, port)
tuple. An unconnected socket raises OSError: [Errno 107] Transport endpoint
is not connected.

Example: s.getpeername()`,
	},
	"fileno": {
		usage:   "s.fileno()",
		summary: "the socket's file descriptor number (-1 once closed)",
		text: `Return the socket's file descriptor: the number your host's socket table
and the trace know it by. A closed socket's is -1.

Example: s.fileno()`,
	},
}

// otherDocs are the help of the other builtins, constants and methods.
var otherDocs = map[string]doc{
	"gethostname": {
		usage:   "gethostname()",
		summary: "your host's name: in the lab, its address",
		text:    "Return your host's name. A lab host's name is its address, such as '10.0.1.1', so that you can connect to yourself: s.connect((gethostname(), 5000)).",
	},
	"gethostbyname": {
		usage:   "gethostbyname(host)",
		summary: "a host's address, as a str",
		text:    "Return the IPv4 address of host as a str. A name such as \"www.lab\" is asked of the lab's DNS server (10.0.0.1, UDP port 53) by your host's resolver: its socket, connect, send, recv and close are in your trace, the query and answer on the wire. An address is itself; your host's name is your host's address; \"localhost\" is 127.0.0.1, your host's loopback interface (lo), without a query.\n\nOn the wire: a DNS query and its answer, one UDP datagram each.",
	},
	"getaddrinfo": {
		usage:   "getaddrinfo(host, port, family=0, type=0, proto=0, flags=0)",
		summary: "what to connect to: [(family, type, proto, canonname, (address, port)), ...]",
		text:    "Return a list of 5-tuples, one for each socket type (SOCK_STREAM, SOCK_DGRAM, or only type if given), each with what socket() and connect() need. host is resolved as gethostbyname does, over the lab's DNS.\n\nExample:\n>>> getaddrinfo(\"echo.lab\", 7)[0][4]\n('10.0.0.1', 7)",
	},
	"print": {
		usage:   "print(value, ..., sep=' ', end='\\n')",
		summary: "print values, str() of each, separated by sep",
		text:    "Print the values, each as str() gives it, separated by sep and followed by end.\n\nExample: print(\"got\", data)",
	},
	"len": {
		usage:   "len(x)",
		summary: "the length of bytes, a str or a tuple",
		text:    "Return the number of bytes in bytes, characters in a str, or items in a tuple.\n\nExample: len(data)",
	},
	"repr": {
		usage:   "repr(x)",
		summary: "x as the console prints it, as a str",
		text:    "Return x as the console prints it: b'hi' for bytes, 'hi' for a str.",
	},
	"str": {
		usage:   "str(x) or str(bytes, encoding)",
		summary: "x as a str; str(b, 'utf-8') decodes bytes",
		text:    "Return x as a str. With an encoding, decode bytes as bytes.decode does.",
	},
	"int": {
		usage:   "int(x)",
		summary: "x as an int: int('42') is 42",
		text:    "Return a number or a str of digits as an int.",
	},
	"help": {
		usage:   "help() or help(x)",
		summary: "this help; help(s.connect) explains a call",
		text:    "help() lists what the console has. help(x) explains x: a socket, a method such as s.connect, a function, or a name in quotes: help(\"connect\").",
	},
	"encode": {
		usage:   "text.encode(encoding='utf-8')",
		summary: "str to bytes, to send",
		text:    "Return the str as bytes, in UTF-8 unless you name another encoding ('ascii', 'latin-1'). Sockets send bytes, not str.\n\nExample: \"hello\\n\".encode()",
	},
	"decode": {
		usage:   "data.decode(encoding='utf-8')",
		summary: "bytes to str, to read",
		text:    "Return the bytes as a str, decoded from UTF-8 unless you name another encoding ('ascii', 'latin-1').\n\nExample: s.recv(1024).decode()",
	},
	"hex": {
		usage:   "data.hex()",
		summary: "bytes as hexadecimal digits",
		text:    "Return the bytes as a str of two hexadecimal digits each.\n\nExample:\n>>> b'hi'.hex()\n'6869'",
	},
	"create_connection": {
		usage:   "create_connection(address, timeout=None)",
		summary: "a TCP socket connected to (host, port), in one call",
		text:    "Make a TCP socket, set its timeout if given, connect it to address and return it: socket(), settimeout and connect in one call, as tutorials often write it. If the connect fails, the socket is closed and the error raised.\n\nOn the wire: the three-way handshake, as s.connect.\n\nExample: c = create_connection((\"10.0.0.1\", 7), timeout=2)",
	},
	"upper": {
		usage:   "text.upper()",
		summary: "the str or bytes in capitals",
		text:    "Return a copy in capitals (bytes: only ASCII letters).\n\nExample:\n>>> b\"hello\".upper()\nb'HELLO'",
	},
	"lower": {
		usage:   "text.lower()",
		summary: "the str or bytes in small letters",
		text:    "Return a copy in small letters (bytes: only ASCII letters).\n\nExample:\n>>> \"QUIT\".lower()\n'quit'",
	},
	"strip": {
		usage:   "text.strip([chars])",
		summary: "without whitespace (or chars) at either end",
		text:    "Return a copy without whitespace at either end, or without the characters in chars: data.strip() drops the \\r\\n a line ends with.\n\nExample:\n>>> b\"42\\r\\n\".strip()\nb'42'",
	},
	"split": {
		usage:   "text.split(sep=None, maxsplit=-1)",
		summary: "a list of the parts between sep (or whitespace)",
		text:    "Return a list of the parts of the str or bytes between each sep, or between runs of whitespace if sep is None; at most maxsplit splits. Index the list as a tuple: data.split()[0]. The console makes no lists of its own: [...] is a tuple (...) there.\n\nExample:\n>>> b\"HTTP/1.0 200 OK\".split(b\" \", 2)\n[b'HTTP/1.0', b'200', b'OK']",
	},
	"AF_INET": {
		usage:   "AF_INET",
		summary: "address family: IPv4, addresses are (host, port)",
		text:    "The IPv4 address family: socket(AF_INET, ...) makes a socket whose addresses are (host, port) tuples such as (\"10.0.0.1\", 7). The lab has only IPv4.",
	},
	"SOCK_STREAM": {
		usage:   "SOCK_STREAM",
		summary: "socket type: TCP, a reliable byte stream",
		text:    "The stream socket type: with AF_INET, TCP. A TCP socket connects (three-way handshake) and then carries a reliable, ordered stream of bytes, with no message boundaries.",
	},
	"SOCK_DGRAM": {
		usage:   "SOCK_DGRAM",
		summary: "socket type: UDP, separate datagrams",
		text:    "The datagram socket type: with AF_INET, UDP. A UDP socket sends separate datagrams with sendto, with no connection, no acknowledgement and no retransmission.",
	},
	"SHUT_RD": {
		usage:   "SHUT_RD",
		summary: "shutdown(SHUT_RD): stop receiving",
		text:    "For s.shutdown: stop receiving. Nothing is sent; recv returns b'' from now on.",
	},
	"SHUT_WR": {
		usage:   "SHUT_WR",
		summary: "shutdown(SHUT_WR): send FIN, stop sending",
		text:    "For s.shutdown: stop sending. Your host sends FIN; you can still recv.",
	},
	"SHUT_RDWR": {
		usage:   "SHUT_RDWR",
		summary: "shutdown(SHUT_RDWR): both",
		text:    "For s.shutdown: stop sending (FIN) and receiving.",
	},
	"SOL_SOCKET": {
		usage:   "SOL_SOCKET",
		summary: "setsockopt level: options of the socket itself",
		text:    "The level of the socket's own options, for setsockopt and getsockopt: s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1).",
	},
	"SO_REUSEADDR": {
		usage:   "SO_REUSEADDR",
		summary: "setsockopt option: bind a port connections still hold",
		text:    "The option that lets bind take a port that connections still hold, such as one in TIME_WAIT: s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1) before s.bind(...).",
	},
	"timeout": {
		usage:   "socket.timeout",
		summary: "the exception a call that times out raises: TimeoutError",
		text:    "Since Python 3.10, socket.timeout is another name for TimeoutError, the exception a call on a socket with a timeout (see settimeout) raises when the time runs out.\n\nExample:\n>>> socket.timeout\n<class 'TimeoutError'>",
	},
	"TimeoutError": {
		usage:   "TimeoutError",
		summary: "the exception a call that times out raises",
		text:    "The exception a call on a socket with a timeout (see settimeout) raises when the time runs out; socket.timeout is another name for it.\n\nExample:\n>>> TimeoutError\n<class 'TimeoutError'>",
	},
	"TCP": {
		usage:   "TCP",
		summary: "lab shorthand: socket(TCP) is socket(AF_INET, SOCK_STREAM)",
		text:    "The lab's shorthand: socket(TCP) is socket(AF_INET, SOCK_STREAM). Real Python has no TCP name: write the long form there.",
	},
	"UDP": {
		usage:   "UDP",
		summary: "lab shorthand: socket(UDP) is socket(AF_INET, SOCK_DGRAM)",
		text:    "The lab's shorthand: socket(UDP) is socket(AF_INET, SOCK_DGRAM). Real Python has no UDP name: write the long form there.",
	},
}

// overview is what help() prints.
func overview() string {
	var sb strings.Builder
	sb.WriteString(`The socketlab console runs Python's socket calls, one line at a time, and
the lab shows every packet they put on the wire.

Make a socket:
  s = socket(AF_INET, SOCK_STREAM)   TCP; also socket(TCP), socket()
  u = socket(AF_INET, SOCK_DGRAM)    UDP; also socket(UDP)
  ("import socket" and socket.socket(socket.AF_INET, ...) work too)

Socket methods:
`)
	for _, name := range methodOrder {
		d := methodDocs[name]
		sb.WriteString("  " + pad(shortUsage(d.usage), 30) + d.summary + "\n")
	}
	sb.WriteString(`
Functions: print(...), len(x), repr(x), str(x), int(x), help(x),
           gethostname(), gethostbyname(host), getaddrinfo(host, port),
           create_connection(address, timeout=None)
Constants: AF_INET, SOCK_STREAM, SOCK_DGRAM, SHUT_RD, SHUT_WR, SHUT_RDWR, TCP, UDP,
           SOL_SOCKET, SO_REUSEADDR
Exceptions: TimeoutError (also socket.timeout)
Values:    7, 2.5, None, True, "text", b"bytes\n", ("10.0.0.1", 7), x[0], x[1:]
           "text".encode() makes bytes, b"bytes".decode() makes a str,
           b"bytes".hex() shows bytes as hexadecimal digits;
           str and bytes have upper(), lower(), strip() and split()
Statements: x = ..., a, b = ..., del x, import socket, # comments, ';' between

Addresses are (host, port) tuples: ("10.0.0.1", 7), or by name: ("echo.lab", 7).
The wire between your host and the switch (help(wire)): wire.pause(), wire.step(),
  wire.release(), wire.drop(), wire.loss(0.3), wire.delay(0.2, jitter=0.05),
  wire.duplicate(0.1), wire.reorder(0.1), wire.rate(64000), wire.seed(7), wire.clear()

Type help(s.connect), or help("connect"), to see what a call does on the wire.
The lab server's protocols: help("smtp"), help("pop3"), help("resp"), help("tftp"), help("sql"),
  help("ftp"), help("imap").

Where the console differs from Python (a test runs the same lines in both):
`)
	for _, d := range differences {
		sb.WriteString("  - " + d + "\n")
	}
	return sb.String()
}

// differences are the console's differences from CPython, which the
// differential test (cpython_test.go) forgives: each is the reason a line
// of its corpus gives, or one of its normalisations.
var differences = []string{
	"the console has no lists",
	"the console has no blocks: one statement per line",
	"socket is both the module and the class",
	"TCP and UDP are the lab's shorthands",
	"the console has only the socket module",
	"the console's ints are 64-bit",
	"the console compares only with == and !=",
	"a socket's proto is always 0",
	"the console cannot make exceptions",
	"bytes.hex() takes no separator",
	"help() explains what each call does on the wire",
	"CPython's resolver does not know the lab's names: they are the lab DNS server's",
	"a socket shows its family and type by name, where Python 3.11 shows numbers",
	"a SyntaxError says where, in the console's words",
	"some errors end with a hint: line that Python does not print",
}

// shortUsage is a usage line without its result: "s.accept()".
func shortUsage(usage string) string {
	if i := strings.Index(usage, " = "); i >= 0 {
		return usage[i+3:]
	}
	return usage
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-len(s))
}

// help is help() and help(x).
func help(ev *evaluator, a *args) (value, *pyError) {
	if err := a.want(0, 1); err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		ev.out.write(overview())
	} else {
		ev.out.write(helpFor(a.pos[0]))
	}
	return none, nil
}

// helpFor is what help(v) prints.
func helpFor(v value) string {
	switch v := v.(type) {
	case moduleValue:
		return moduleHelp()
	case *socketObj:
		return socketHelp(v)
	case *methodValue:
		if d, ok := lookupDoc(v.name); ok {
			return d.render()
		}
	case *builtinValue:
		if v == socketClass {
			return moduleHelp()
		}
		if d, ok := lookupDoc(v.name); ok {
			return d.render()
		}
	case enumValue:
		return otherDocs[v.name].render()
	case shorthandValue:
		return otherDocs[v.name].render()
	case wireValue:
		return wireHelp()
	case strValue:
		if d, ok := lookupDoc(string(v)); ok {
			return d.render()
		}
		return "No lab help for " + reprValue(v) + ". Type help() to see what the console has.\n" +
			"(A str is text: .encode() turns it into bytes, to send.)\n"
	}
	return typeHelp(v)
}

// lookupDoc finds the doc of a name, with or without "socket." or "s.".
func lookupDoc(name string) (doc, bool) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, "()")
	if d, ok := methodDocs[name]; ok {
		return d, true
	}
	if d, ok := protocolDocs[strings.ToLower(name)]; ok {
		return d, true
	}
	if d, ok := wireDocs[name]; ok {
		return d, true
	}
	d, ok := otherDocs[name]
	return d, ok
}

func moduleHelp() string {
	var sb strings.Builder
	sb.WriteString(methodDocs["socket"].render())
	sb.WriteString("\nA socket's methods:\n")
	for _, name := range methodOrder {
		sb.WriteString("  " + pad(shortUsage(methodDocs[name].usage), 30) + methodDocs[name].summary + "\n")
	}
	sb.WriteString("\nType help(s.connect), or help(\"connect\"), for one of them.\n")
	return sb.String()
}

func socketHelp(so *socketObj) string {
	var sb strings.Builder
	proto := "TCP (SOCK_STREAM)"
	if so.kind() == sockDgram {
		proto = "UDP (SOCK_DGRAM)"
	}
	sb.WriteString(so.repr() + "\n    A " + proto + " socket. Its methods:\n")
	for _, name := range methodOrder {
		sb.WriteString("    " + pad(shortUsage(methodDocs[name].usage), 30) + methodDocs[name].summary + "\n")
	}
	return sb.String()
}

// typeHelp describes a value of a type with no doc of its own.
func typeHelp(v value) string {
	var what string
	switch v := v.(type) {
	case noneValue:
		what = "None: no value. Calls that return nothing return None, and the console prints nothing for it."
	case boolValue:
		what = "a bool: True or False."
	case intValue:
		what = "an int: a whole number, such as a port."
	case floatValue:
		what = "a float: a number with a fraction, such as a timeout in seconds."
	case bytesValue:
		what = "bytes: what sockets send and receive. b'...' makes them; .decode() turns them into a str.\n    Methods: " + methodNames(bytesMethods)
	case *tupleValue:
		what = "a tuple: values in parentheses, such as an address (host, port). t[0] is its first item; a, b = t unpacks it."
	default:
		what = "a " + v.typeName() + "."
	}
	r := reprValue(v)
	if len(r) > 60 {
		r = strings.ToValidUTF8(r[:57], "") + "..."
	}
	return r + " is " + what + "\n"
}

func methodNames[M ~map[string]F, F any](m M) string {
	var names []string
	for name := range m {
		names = append(names, name+"()")
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
