package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
)

// lab is a console on a student host of a room of its own.
type labHost struct {
	c *console.Console
	h *room.Host
}

func newLab(t *testing.T, cfg room.Config) *labHost {
	t.Helper()
	l, err := room.NewLab(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return &labHost{c: l.Console, h: l.Host}
}

// exec runs a line with a deadline, so that a test that blocks fails.
func (l *labHost) exec(line string) console.Result {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return l.c.Exec(ctx, line)
}

// transcript runs the lines of want, those after ">>> ", and checks that
// the session reads as want, in which HOST stands for the host's address.
func (l *labHost) transcript(t *testing.T, want string) {
	t.Helper()
	want = strings.ReplaceAll(strings.TrimLeft(want, "\n"), "HOST", l.h.Sockets().Addr().String())
	var got strings.Builder
	for _, line := range strings.Split(want, "\n") {
		input, ok := strings.CutPrefix(line, ">>> ")
		if !ok {
			continue
		}
		res := l.exec(input)
		got.WriteString(">>> " + input + "\n" + res.Output)
		if res.Error != "" {
			got.WriteString(res.Error + "\n")
		}
	}
	if got.String() != want {
		t.Errorf("session:\n%s\nwant:\n%s", got.String(), want)
	}
}

// calls returns the names of the socket calls made on the host.
func (l *labHost) calls() []string {
	var names []string
	for _, e := range l.h.Trace().Events() {
		if e.Kind == lab.KindCall && e.Host == l.h.Sockets().Addr().String() {
			names = append(names, e.Call.Name)
		}
	}
	return names
}

func TestTCPEcho(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s
<socket.socket fd=3, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('0.0.0.0', 0)>
>>> s.connect(("10.0.0.1", 7))
>>> s.getpeername()
('10.0.0.1', 7)
>>> s.getsockname()[0]
'HOST'
>>> s.sendall(b"hello\n")
>>> s.recv(1024)
b'hello\n'
>>> s.send("hi")
TypeError: a bytes-like object is required, not 'str'
hint: send bytes: b"hi"
>>> s.send("hi".encode())
2
>>> s.recv(1024).decode()
'hi'
>>> s.shutdown(SHUT_WR)
>>> s.recv(1024)
b''
>>> s.close()
>>> s.close()
>>> s
<socket.socket [closed] fd=-1, family=AF_INET, type=SOCK_STREAM, proto=0>
>>> s.fileno()
-1
>>> s.recv(1)
OSError: [Errno 9] Bad file descriptor
>>> s.settimeout(1)
OSError: [Errno 9] Bad file descriptor
`)
	// The trace has the calls as typed, and printing a socket adds none.
	got := strings.Join(l.calls(), " ")
	want := "socket connect getpeername getsockname sendall recv send recv shutdown recv close recv"
	if got != want {
		t.Errorf("calls traced: %s\nwant: %s", got, want)
	}
	var syn bool
	for _, e := range l.h.Trace().Events() {
		if e.Kind == lab.KindPacket && e.Packet.TCP != nil && e.Packet.TCP.Flags.SYN && !e.Packet.TCP.Flags.ACK {
			syn = true
		}
	}
	if !syn {
		t.Error("no SYN in the trace")
	}
}

func TestPythonSpelling(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> import socket
>>> s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
>>> s.connect(("10.0.0.1", 13))
>>> len(s.recv(1024)) == 0
False
>>> s.type, s.family, s.proto
(<SocketKind.SOCK_STREAM: 1>, <AddressFamily.AF_INET: 2>, 0)
>>> t = socket.socket()
>>> t.type
<SocketKind.SOCK_STREAM: 1>
>>> u = socket.socket(type=socket.SOCK_DGRAM)
>>> u.type
<SocketKind.SOCK_DGRAM: 2>
>>> socket(TCP).type, socket(UDP).type
(<SocketKind.SOCK_STREAM: 1>, <SocketKind.SOCK_DGRAM: 2>)
>>> socket.socket.getpeername(s)
('10.0.0.1', 13)
`)
}

func TestUDPEcho(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> u = socket(AF_INET, SOCK_DGRAM)
>>> u.sendto(b"hi", ("10.0.0.1", 7))
2
>>> data, addr = u.recvfrom(1024)
>>> data
b'hi'
>>> addr
('10.0.0.1', 7)
>>> u.sendto(b"one", 0, ("10.0.0.1", 7))
3
>>> u.recvfrom(2)
(b'on', ('10.0.0.1', 7))
>>> u.settimeout(0.2)
>>> u.recvfrom(1024)
TimeoutError: timed out
>>> u.connect(("10.0.0.1", 7))
>>> u.send(b"x")
1
>>> u.recv(10)
b'x'
`)
}

func TestErrorsOnTheWire(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> s = socket(TCP)
>>> s.connect(("10.0.0.1", 9))
ConnectionRefusedError: [Errno 111] Connection refused
hint: the lab server 10.0.0.1 listens on TCP 7 (echo), 13 (daytime), 21 (ftp), 25 (smtp), 80 (http), 110 (pop3), 143 (imap), 2000 (callme), 2001 (counter), 2007 (iterecho), 5432 (sql), 6379 (kv), 9000 (peer)
>>> b = socket(TCP)
>>> b.bind(("0.0.0.0", 5000))
>>> b2 = socket(TCP)
>>> b2.bind(("", 5000))
OSError: [Errno 98] Address already in use
>>> u = socket(UDP)
>>> u.listen()
OSError: [Errno 95] Operation not supported
>>> s.getpeername()
OSError: [Errno 107] Transport endpoint is not connected
`)
	res := l.exec(`socket(TCP).connect(("10.0.0.1", 9))`)
	if res.Exception != "ConnectionRefusedError" || !strings.HasPrefix(res.Error, "ConnectionRefusedError: [Errno 111] Connection refused\nhint: ") {
		t.Errorf("got %+v", res)
	}
}

func TestArgumentErrors(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> s = socket()
>>> s.connect("10.0.0.1")
TypeError: connect(): AF_INET address must be tuple, not str
>>> s.connect(("10.0.0.1",))
TypeError: AF_INET address must be a pair (host, port)
>>> s.connect((1, 7))
TypeError: str, bytes or bytearray expected, not int
>>> s.connect(("10.0.0.1", "7"))
TypeError: 'str' object cannot be interpreted as an integer
>>> s.connect(("10.0.0.1", 70000))
OverflowError: connect(): port must be 0-65535.
>>> s.bind(("", -1))
OverflowError: bind(): port must be 0-65535.
>>> s.connect(("nosuch.lab", 80))
socket.gaierror: [Errno -2] Name or service not known
>>> s.connect(("example.com", 80))
socket.gaierror: [Errno -2] Name or service not known
>>> s.connect(("::1", 80))
socket.gaierror: [Errno -9] Address family for hostname not supported
>>> s.recv()
TypeError: recv() takes at least 1 argument (0 given)
>>> s.recv(1, 2, 3)
TypeError: recv() takes at most 2 arguments (3 given)
>>> s.recv(-1)
ValueError: negative buffersize in recv
>>> s.recvfrom(-1)
ValueError: negative buffersize in recvfrom
>>> s.recv("a")
TypeError: 'str' object cannot be interpreted as an integer
>>> s.send(1)
TypeError: a bytes-like object is required, not 'int'
>>> s.sendto(b"x")
TypeError: sendto() takes 2 or 3 arguments (1 given)
>>> s.sendto(b"x", "a")
TypeError: sendto(): AF_INET address must be tuple, not str
>>> s.settimeout(-1)
ValueError: Timeout value out of range
>>> s.settimeout("a")
TypeError: 'str' object cannot be interpreted as an integer
>>> s.settimeout(1e300)
OverflowError: timestamp out of range for platform time_t
>>> s.shutdown(5)
OSError: [Errno 22] Invalid argument
>>> s.fileno(1)
TypeError: socket.fileno() takes no arguments (1 given)
>>> s.connect(address=("10.0.0.1", 7))
TypeError: socket.connect() takes no keyword arguments
>>> s.foo
AttributeError: 'socket' object has no attribute 'foo'
>>> s.foo()
AttributeError: 'socket' object has no attribute 'foo'
>>> s.connect
<built-in method connect of socket object>
>>> s()
TypeError: 'socket' object is not callable
`)
}

func TestTimeouts(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> s = socket()
>>> s.gettimeout()
>>> s.connect(("10.0.0.1", 7))
>>> s.settimeout(0.2)
>>> s.gettimeout()
0.2
>>> s.recv(1024)
TimeoutError: timed out
>>> s.setblocking(False)
>>> s.gettimeout()
0.0
>>> s.recv(1024)
BlockingIOError: [Errno 11] Resource temporarily unavailable
>>> s.settimeout(2)
>>> s.gettimeout()
2.0
>>> s.settimeout(None)
>>> s.gettimeout()
>>> s.setblocking(True)
>>> s.gettimeout()
`)
	start := time.Now()
	res := l.exec(`t = socket(); t.settimeout(0.3); t.connect(("10.0.9.9", 7))`)
	if res.Exception != "TimeoutError" || time.Since(start) > 5*time.Second {
		t.Errorf("connect to nowhere: got %+v after %v, want TimeoutError after 0.3s", res, time.Since(start))
	}
}

func TestInterrupt(t *testing.T) {
	l := newLab(t, room.Config{})
	if res := l.exec(`s = socket(); s.connect(("10.0.0.1", 7))`); res.Error != "" {
		t.Fatal(res.Error)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := l.c.Exec(ctx, `print("waiting"); s.recv(1024)`)
	if res.Error != "KeyboardInterrupt" || res.Exception != "KeyboardInterrupt" || res.Output != "waiting\n" {
		t.Errorf("got %+v, want KeyboardInterrupt after waiting", res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("interrupt took %v", d)
	}
	// The console goes on, and so does the connection.
	l.transcript(t, `
>>> s.sendall(b"still here")
>>> s.recv(1024)
b'still here'
`)
}

func TestServer(t *testing.T) {
	// A host reaches itself only if students see each other: room drops
	// what a student host sends itself as student-to-student traffic.
	l := newLab(t, room.Config{StudentsSeeEachOther: true})
	l.transcript(t, `
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s.bind(("", 5000))
>>> s.listen(5)
>>> s
<socket.socket fd=3, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('0.0.0.0', 5000)>
>>> c = socket(AF_INET, SOCK_STREAM)
>>> c.connect((gethostname(), 5000))
>>> conn, addr = s.accept()
>>> addr == c.getsockname()
True
>>> conn.getpeername() == c.getsockname()
True
>>> conn.getsockname()
('HOST', 5000)
>>> c.sendall(b"ping\n")
>>> conn.recv(1024)
b'ping\n'
>>> conn.sendall(b"pong\n")
>>> c.recv(1024)
b'pong\n'
>>> c.close()
>>> conn.recv(1024)
b''
>>> conn.close()
>>> d = socket()
>>> d.connect(("localhost", 5000))
`)
	// accept prints as Python prints it.
	port := strings.TrimSuffix(l.exec(`d.getsockname()[1]`).Output, "\n")
	res := l.exec(`s.accept()`)
	me := "127.0.0.1" // localhost: the connection is on lo
	want := fmt.Sprintf("(<socket.socket fd=7, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('%s', 5000), raddr=('%s', %s)>, ('%s', %s))\n", me, me, port, me, port)
	if res.Output != want || res.Error != "" {
		t.Errorf("s.accept() printed %q, error %q; want %q", res.Output, res.Error, want)
	}
	// The accepted socket is kept in _, as Python's REPL keeps it.
	if res := l.exec(`_[0].fileno()`); res.Output != "7\n" {
		t.Errorf("_[0].fileno(): %+v", res)
	}
}

func TestSocketsDroppedAreClosed(t *testing.T) {
	l := newLab(t, room.Config{})
	open := func() int { return len(l.h.Sockets().Sockets()) }
	l.exec(`s = socket()`)
	l.exec(`s = socket()`)
	if n := open(); n != 1 {
		t.Errorf("after rebinding s: %d sockets open, want 1", n)
	}
	l.exec(`t = (s, socket(UDP)); m = t[1].recv`)
	l.exec(`del s`)
	if n := open(); n != 2 {
		t.Errorf("sockets held in a tuple: %d open, want 2", n)
	}
	l.exec(`del t`)
	if n := open(); n != 1 {
		t.Errorf("a socket held by a method: %d open, want 1", n)
	}
	l.exec(`m = None`)
	if n := open(); n != 0 {
		t.Errorf("after dropping all: %d open, want 0", n)
	}
	l.exec(`socket()`)
	if n := open(); n != 1 {
		t.Errorf("a socket in _: %d open, want 1", n)
	}
	l.exec(`1`)
	if n := open(); n != 0 {
		t.Errorf("after _ changed: %d open, want 0", n)
	}
	l.exec(`s = socket(); u = socket(UDP)`)
	l.c.Close()
	if n := open(); n != 0 {
		t.Errorf("after Close: %d open, want 0", n)
	}
}

func TestTooManySockets(t *testing.T) {
	l := newLab(t, room.Config{})
	line := "t = (" + strings.Repeat("socket(), ", 64) + ")"
	if res := l.exec(line); res.Error != "" {
		t.Fatal(res.Error)
	}
	if res := l.exec(`socket()`); res.Error != "OSError: [Errno 24] Too many open files" {
		t.Errorf("the 65th socket: got %+v", res)
	}
	if res := l.exec(`del t; s = socket()`); res.Error != "" {
		t.Errorf("after closing them: %s", res.Error)
	}
}

func TestCloseUnblocks(t *testing.T) {
	l := newLab(t, room.Config{})
	if res := l.exec(`s = socket(); s.connect(("10.0.0.1", 7))`); res.Error != "" {
		t.Fatal(res.Error)
	}
	done := make(chan console.Result)
	go func() { done <- l.exec(`s.recv(1024)`) }()
	time.Sleep(100 * time.Millisecond)
	// Completion does not wait for the blocked line.
	if got := l.c.Complete("s.sh"); len(got) != 1 || got[0] != "s.shutdown(" {
		t.Errorf("Complete(s.sh) = %q", got)
	}
	l.c.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a blocked recv")
	}
}

func TestCompleteSocket(t *testing.T) {
	l := newLab(t, room.Config{})
	l.exec(`s = socket()`)
	got := l.c.Complete("s.re")
	if strings.Join(got, " ") != "s.recv( s.recvfrom(" {
		t.Errorf("Complete(s.re) = %q", got)
	}
	got = l.c.Complete("s.")
	if len(got) != 23 {
		t.Errorf("Complete(s.) = %q, want 20 methods and 3 attributes", got)
	}
	got = l.c.Complete("s.type.")
	if len(got) != 0 {
		t.Errorf("Complete(s.type.) = %q, want none", got)
	}
	if res := l.exec(`help(s)`); !strings.HasPrefix(res.Output, "<socket.socket fd=3,") || !strings.Contains(res.Output, "A TCP (SOCK_STREAM) socket") {
		t.Errorf("help(s): %+v", res)
	}
	if calls := l.calls(); len(calls) != 1 {
		t.Errorf("completion made socket calls: %q", calls)
	}
}

func TestLoopbackRefusesAtOnce(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> t = socket(AF_INET, SOCK_STREAM)
>>> t.connect(("127.0.0.1", 7))
ConnectionRefusedError: [Errno 111] Connection refused
>>> gethostbyname("localhost"), getaddrinfo("localhost", 7)[0][4]
('127.0.0.1', ('127.0.0.1', 7))
`)
	// The RST came back on lo, and no name was asked of the DNS server.
	var rst, dns bool
	for _, e := range l.h.Trace().Events() {
		if p := e.Packet; p != nil {
			rst = rst || p.Interface == "lo" && p.TCP != nil && p.TCP.Flags.RST
			dns = dns || p.UDP != nil
		}
	}
	if !rst || dns {
		t.Errorf("RST on lo %v, DNS asked %v; want an RST and no DNS", rst, dns)
	}
}

// A connect whose timeout runs out before TCP would send its SYN again
// says so: the step that shows the retries needs a longer one.
func TestShortTimeoutHint(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s.settimeout(0.5)
>>> s.connect(("10.0.0.99", 7))
TimeoutError: timed out
hint: the timeout (500ms) ran out before TCP sends its SYN again (after 1s, then twice as long each time): settimeout(3) shows the retries
`)
}
