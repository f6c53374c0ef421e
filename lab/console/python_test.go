package console_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/room"
)

// The transcripts below read as CPython 3.11's, run on Linux with the same
// lines (and "from socket import *"), except where a comment says how and
// why the lab differs.

func TestSocketTimeoutIsTimeoutError(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> import socket
>>> socket.timeout
<class 'TimeoutError'>
>>> timeout
<class 'TimeoutError'>
>>> TimeoutError
<class 'TimeoutError'>
>>> socket.timeout == TimeoutError
True
`)
}

func TestReuseAddr(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> SOL_SOCKET, SO_REUSEADDR
(1, 2)
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s.getsockopt(SOL_SOCKET, SO_REUSEADDR)
0
>>> s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
>>> s.getsockopt(SOL_SOCKET, SO_REUSEADDR)
1
>>> s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 5)
>>> s.getsockopt(SOL_SOCKET, SO_REUSEADDR)
1
>>> s.getsockopt(SOL_SOCKET, SO_REUSEADDR, 4)
b'\x01\x00\x00\x00'
>>> s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 0)
>>> s.getsockopt(SOL_SOCKET, SO_REUSEADDR)
0
>>> s.setsockopt(SOL_SOCKET, SO_REUSEADDR)
TypeError: setsockopt() takes exactly 3 arguments (2 given)
>>> s.setsockopt(SOL_SOCKET, SO_REUSEADDR, "a")
TypeError: a bytes-like object is required, not 'str'
>>> s.setsockopt(SOL_SOCKET, 999, 1)
OSError: [Errno 92] Protocol not available
>>> s.getsockopt(SOL_SOCKET, 999)
OSError: [Errno 92] Protocol not available
>>> s.setsockopt(999, 2, 1)
OSError: [Errno 92] Protocol not available
>>> s.getsockopt(SOL_SOCKET)
TypeError: getsockopt() takes at least 2 arguments (1 given)
>>> s.setsockopt("a", 2, 1)
TypeError: 'str' object cannot be interpreted as an integer
`)
	// The calls are traced as typed, with the options' names.
	var args []string
	for _, e := range l.h.Trace().Events() {
		if e.Kind == lab.KindCall && strings.HasSuffix(e.Call.Name, "sockopt") {
			args = append(args, e.Call.Name+"("+strings.Join(e.Call.Args, ", ")+")")
		}
	}
	if len(args) < 2 || args[1] != "setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)" {
		t.Errorf("sockopt calls traced: %q, want the second to be setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)", args)
	}
}

// SO_REUSEADDR has its real effect: a server that closed first leaves its
// connection in TIME_WAIT, holding the port; binding the port again fails
// without the option and works with it. gVisor, unlike Linux, lets the
// new socket share the port only if the old one had the option too, so
// the server sets it, as servers do.
func TestReuseAddrRebindsAfterTimeWait(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> srv = socket(AF_INET, SOCK_STREAM)
>>> srv.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
>>> srv.bind(("", 5000))
>>> srv.listen()
>>> c = socket(AF_INET, SOCK_STREAM)
>>> c.connect((gethostname(), 5000))
>>> conn, addr = srv.accept()
>>> conn.close(); srv.close()
>>> c.recv(10)
b''
>>> c.close()
>>> again = socket(AF_INET, SOCK_STREAM)
>>> again.bind(("", 5000))
OSError: [Errno 98] Address already in use
>>> again.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
>>> again.bind(("", 5000))
>>> again.listen()
`)
}

// A name outside the lab's zone does not exist, as CPython says of a name
// its resolver finds nowhere (NXDOMAIN).
func TestNameOutsideTheLab(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> gethostbyname("www.example.invalid")
socket.gaierror: [Errno -2] Name or service not known
>>> socket(AF_INET, SOCK_STREAM).connect(("www.example.invalid", 80))
socket.gaierror: [Errno -2] Name or service not known
`)
}

// recv and recvfrom are traced with the size typed, however large: the
// sequence diagram draws recv(100000), not the lab's bound.
func TestRecvTracedAsTyped(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s.connect(("10.0.0.1", 7))
>>> s.sendall(b"hello\n")
>>> s.recv(100000)
b'hello\n'
>>> u = socket(AF_INET, SOCK_DGRAM)
>>> u.sendto(b"hi", ("10.0.0.1", 7))
2
>>> u.recvfrom(10000000)
(b'hi', ('10.0.0.1', 7))
`)
	var got []string
	for _, e := range l.h.Trace().Events() {
		if e.Kind == lab.KindCall && strings.HasPrefix(e.Call.Name, "recv") && e.Host == l.h.Sockets().Addr().String() {
			got = append(got, e.Call.Name+"("+strings.Join(e.Call.Args, ", ")+")")
		}
	}
	if want := []string{"recv(100000)", "recvfrom(10000000)"}; !slices.Equal(got, want) {
		t.Errorf("recv calls traced: %q, want %q", got, want)
	}
}

// A line over the bound is refused with a short error that says the
// bound, not the line.
func TestOverlongLine(t *testing.T) {
	l := newLab(t, room.Config{})
	res := l.exec(`x = b"` + strings.Repeat("a", 200_000) + `"`)
	if res.Exception != "SyntaxError" || len(res.Error) > 200 || !strings.Contains(res.Error, "4096 bytes") || res.Output != "" {
		t.Errorf("a 200 KB line: %+v, want a short SyntaxError that says 4096 bytes", res)
	}
}

// A str where bytes belong raises what CPython raises, with a hint.
func TestSendStrHint(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s.connect(("10.0.0.1", 7))
>>> s.sendall("hello")
TypeError: a bytes-like object is required, not 'str'
hint: send bytes: b"hello"
>>> s.send("GET / HTTP/1.0\r\n\r\n")
TypeError: a bytes-like object is required, not 'str'
hint: send bytes: b"GET / HTTP/1.0\r\n\r\n"
>>> s.send("naïve")
TypeError: a bytes-like object is required, not 'str'
hint: send bytes: "...".encode()
>>> s.send(1)
TypeError: a bytes-like object is required, not 'int'
>>> u = socket(AF_INET, SOCK_DGRAM)
>>> u.sendto("hi", ("10.0.0.1", 7))
TypeError: a bytes-like object is required, not 'str'
hint: send bytes: b"hi"
`)
}
