package console_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
)

func TestRunScript(t *testing.T) {
	l := newLab(t, room.Config{})
	script := `# Talk to the echo server.
s = socket(AF_INET, SOCK_STREAM)

s.connect(("10.0.0.1", 9))  # raises ConnectionRefusedError
s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 7))
s.sendall(b"hello\n"); s.recv(1024)
print("done")
s.recv(-1)  # raises ValueError: sizes are not negative
socket(AF_INET, 5)  # raises OSError
s.close()
`
	var out strings.Builder
	if err := console.RunScript(context.Background(), l.c, strings.NewReader(script), &out); err != nil {
		t.Fatal(err)
	}
	want := `# Talk to the echo server.
>>> s = socket(AF_INET, SOCK_STREAM)

>>> s.connect(("10.0.0.1", 9))  # raises ConnectionRefusedError
ConnectionRefusedError: [Errno 111] Connection refused
hint: the lab server 10.0.0.1 listens on TCP 7 (echo), 13 (daytime), 21 (ftp), 25 (smtp), 80 (http), 110 (pop3), 143 (imap), 2000 (callme), 2001 (counter), 2007 (iterecho), 5432 (sql), 6379 (kv), 9000 (peer)
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s.connect(("10.0.0.1", 7))
>>> s.sendall(b"hello\n"); s.recv(1024)
b'hello\n'
>>> print("done")
done
>>> s.recv(-1)  # raises ValueError: sizes are not negative
ValueError: negative buffersize in recv
>>> socket(AF_INET, 5)  # raises OSError
OSError: [Errno 94] Socket type not supported
>>> s.close()
`
	if out.String() != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunScriptFailures(t *testing.T) {
	l := newLab(t, room.Config{})
	tests := []struct {
		script, err, transcript string
	}{
		{
			"s = socket()\ns.connect((\"10.0.0.1\", 9))\nprint(\"not reached\")\n",
			"script line 2: ConnectionRefusedError: [Errno 111] Connection refused",
			">>> s = socket()\n>>> s.connect((\"10.0.0.1\", 9))\nConnectionRefusedError: [Errno 111] Connection refused\nhint: the lab server 10.0.0.1 listens on TCP 7 (echo), 13 (daytime), 21 (ftp), 25 (smtp), 80 (http), 110 (pop3), 143 (imap), 2000 (callme), 2001 (counter), 2007 (iterecho), 5432 (sql), 6379 (kv), 9000 (peer)\n",
		},
		{
			"x = 1  # raises NameError\n",
			"script line 1: expected NameError, but the line raised no exception",
			">>> x = 1  # raises NameError\n",
		},
		{
			"\n\nnope  # raises TypeError\n",
			"script line 3: NameError: name 'nope' is not defined (expected TypeError)",
			"\n\n>>> nope  # raises TypeError\nNameError: name 'nope' is not defined\n",
		},
		{
			"s = socket(AF_INET\n",
			"script line 1: SyntaxError: column 19: expected ')' but found end of line",
			">>> s = socket(AF_INET\n    s = socket(AF_INET\n                      ^\nSyntaxError: line 1, column 19: expected ')' but found end of line\n",
		},
		{
			"x = " + strings.Repeat("1", 100000) + "\n",
			"script line 1: SyntaxError: line too long: the lab console takes at most 4096 bytes per line",
			">>> x = " + strings.Repeat("1", 76) + "...\nSyntaxError: line 1: line too long: the lab console takes at most 4096 bytes per line\n",
		},
	}
	for _, tt := range tests {
		var out strings.Builder
		err := console.RunScript(context.Background(), l.c, strings.NewReader(tt.script), &out)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%q: got error %v, want %s", tt.script, err, tt.err)
		}
		if out.String() != tt.transcript {
			t.Errorf("%q: transcript\n%q\nwant\n%q", tt.script, out.String(), tt.transcript)
		}
	}
}

func TestRunScriptExpected(t *testing.T) {
	c := console.New(nil)
	defer c.Close()
	script := "s = socket(AF_INET  # raises SyntaxError\r\n" +
		"x  # raises Exception\r\n" +
		"1 + None # raises TypeError\r\n" +
		"socket()  # raises OSError\r\n" +
		"gethostbyname('x')  # raises socket.gaierror\r\n" +
		"gethostbyname('x')  # raises OSError\r\n" +
		`b"\xff".decode()  # raises ValueError` + "\r\n" +
		"x = 1"
	var out strings.Builder
	if err := console.RunScript(context.Background(), c, strings.NewReader(script), &out); err != nil {
		t.Errorf("%v\n%s", err, out.String())
	}
	if !strings.HasSuffix(out.String(), ">>> x = 1\n") {
		t.Errorf("transcript ends %q", out.String())
	}
}

func TestRunScriptCancelled(t *testing.T) {
	l := newLab(t, room.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, w := newLineWriter()
	go func() {
		<-r
		cancel()
	}()
	script := "s = socket(); s.connect((\"10.0.0.1\", 7))\nprint(\"waiting\")\ns.recv(1024)\nprint(\"not reached\")\n"
	err := console.RunScript(ctx, l.c, strings.NewReader(script), w)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "script line 3: KeyboardInterrupt") {
		t.Errorf("got %v, want script line 3: KeyboardInterrupt wrapping context.Canceled", err)
	}
	if !strings.HasSuffix(w.String(), ">>> s.recv(1024)\nKeyboardInterrupt\n") {
		t.Errorf("transcript:\n%s", w.String())
	}
}

// lineWriter signals on its channel when "waiting" is written.
type lineWriter struct {
	sb      strings.Builder
	waiting chan struct{}
}

func newLineWriter() (<-chan struct{}, *lineWriter) {
	w := &lineWriter{waiting: make(chan struct{})}
	return w.waiting, w
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "waiting\n") && !strings.Contains(w.sb.String(), "waiting\n") {
		close(w.waiting)
	}
	return w.sb.Write(p)
}

func (w *lineWriter) String() string { return w.sb.String() }

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestRunScriptWriteError(t *testing.T) {
	c := console.New(nil)
	defer c.Close()
	err := console.RunScript(context.Background(), c, strings.NewReader("1\n2\n"), failingWriter{})
	if err == nil || err.Error() != "disk full" {
		t.Errorf("got %v, want disk full", err)
	}
}
