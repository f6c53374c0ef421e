package services

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// maxPOP3Line bounds a POP3 command line, its CRLF included (RFC 2449
// says 255 octets); a longer one is answered -ERR and skipped.
const maxPOP3Line = 255

// pop3 serves one POP3 connection (RFC 1939): USER, PASS (any password:
// it is a lab), STAT, LIST, RETR, DELE, NOOP, RSET, QUIT, and CAPA (RFC
// 2449), which curl asks first. A session that says nothing for mailIdle
// is logged out, as RFC 1939's autologout timer would.
func (s *Server) pop3(c net.Conn) {
	r := bufio.NewReaderSize(deadlineReader{c, mailIdle}, 512)
	w := bufio.NewWriterSize(c, 512)
	servePOP3(r, w, &s.mail)
}

// deadlineReader is a connection whose every read waits at most idle.
type deadlineReader struct {
	c    net.Conn
	idle time.Duration
}

func (d deadlineReader) Read(b []byte) (int, error) {
	d.c.SetReadDeadline(time.Now().Add(d.idle))
	return d.c.Read(b)
}

// pop3Session is a POP3 session's state: AUTHORIZATION until PASS opens a
// mailbox, then TRANSACTION on its messages as they were when it opened.
type pop3Session struct {
	mail    *mailstore
	user    string // the mailbox USER named, until PASS
	box     string // the open mailbox; "" in AUTHORIZATION
	msgs    []*message
	deleted []bool
}

// servePOP3 runs a POP3 session on r and w until QUIT or the connection
// ends; a mailbox it opened is closed, deleting what was marked only on
// QUIT (RFC 1939's UPDATE state).
func servePOP3(r *bufio.Reader, w *bufio.Writer, mail *mailstore) {
	ps := &pop3Session{mail: mail}
	defer func() {
		if ps.box != "" {
			mail.close(ps.box, nil)
		}
	}()
	w.WriteString("+OK " + MailHost + " POP3 server ready\r\n")
	for w.Flush() == nil {
		line, err := readLimitedLine(r, maxPOP3Line)
		if errors.Is(err, errLineTooLong) {
			w.WriteString("-ERR line too long: a command is at most 255 bytes\r\n")
			continue
		}
		if err != nil {
			return
		}
		cmd, args, err := parsePOP3(line)
		if err != nil {
			w.WriteString("-ERR " + err.Error() + "\r\n")
			continue
		}
		if ps.do(w, cmd, args) {
			w.Flush()
			return
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLimitedLine reads a line of at most max bytes, without its line
// ending; a longer line is read to its end and is errLineTooLong.
func readLimitedLine(r *bufio.Reader, max int) (string, error) {
	var line []byte
	long := false
	for {
		b, err := r.ReadSlice('\n')
		if long = long || len(line)+len(b) > max; !long {
			line = append(line, b...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return "", err
		}
		if long {
			return "", errLineTooLong
		}
		return strings.TrimRight(string(line), "\r\n"), nil
	}
}

// parsePOP3 splits a command line into its keyword, upper case, and its
// arguments (RFC 1939: a keyword of three or four letters, at most two
// arguments of at most 40 characters, separated by single spaces).
func parsePOP3(line string) (string, []string, error) {
	if line == "" {
		return "", nil, errors.New("empty command")
	}
	fields := strings.Split(line, " ")
	kw := fields[0]
	if len(kw) < 3 || len(kw) > 4 || strings.IndexFunc(kw, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}) >= 0 {
		return "", nil, errors.New("a command is a keyword of 3 or 4 letters, such as USER or STAT")
	}
	args := fields[1:]
	if len(args) > 2 {
		return "", nil, errors.New("too many arguments")
	}
	for _, a := range args {
		if a == "" || len(a) > 40 {
			return "", nil, errors.New("an argument is 1 to 40 characters, after one space")
		}
	}
	return strings.ToUpper(kw), args, nil
}

// do answers one command; true when the session ends.
func (ps *pop3Session) do(w io.Writer, cmd string, args []string) bool {
	ok := func(format string, a ...any) { fmt.Fprintf(w, "+OK "+format+"\r\n", a...) }
	fail := func(msg string) { io.WriteString(w, "-ERR "+msg+"\r\n") }
	if cmd == "QUIT" {
		ps.quit(ok)
		return true
	}
	if cmd == "CAPA" {
		io.WriteString(w, "+OK capabilities follow\r\nUSER\r\n.\r\n")
		return false
	}
	if ps.box == "" {
		switch cmd {
		case "USER":
			box, valid := mailbox(strings.Join(args, " "))
			if len(args) != 1 || !valid {
				fail("USER takes a mailbox: USER ada, for ada@" + MailDomain)
				return false
			}
			ps.user = box
			ok("%s@%s: now PASS, any password (it is a lab)", box, MailDomain)
		case "PASS":
			if ps.user == "" {
				fail("USER first, then PASS")
				return false
			}
			msgs, opened := ps.mail.open(ps.user)
			if !opened {
				fail("maildrop already locked: another session has " + ps.user + "@" + MailDomain + " open")
				return false
			}
			ps.box, ps.msgs, ps.deleted = ps.user, msgs, make([]bool, len(msgs))
			n, size := ps.stat()
			ok("%s@%s has %d messages (%d octets)", ps.box, MailDomain, n, size)
		default:
			fail("log in first: USER name, then PASS anything")
		}
		return false
	}
	switch cmd {
	case "STAT":
		if len(args) != 0 {
			fail("STAT takes no argument")
			return false
		}
		n, size := ps.stat()
		ok("%d %d", n, size)
	case "LIST":
		if len(args) == 0 {
			n, size := ps.stat()
			ok("%d messages (%d octets)", n, size)
			for i, m := range ps.msgs {
				if !ps.deleted[i] {
					fmt.Fprintf(w, "%d %d\r\n", i+1, len(m.data))
				}
			}
			io.WriteString(w, ".\r\n")
			return false
		}
		if i, msg := ps.message(args); msg != "" {
			fail(msg)
		} else {
			ok("%d %d", i+1, len(ps.msgs[i].data))
		}
	case "RETR":
		i, msg := ps.message(args)
		if msg != "" {
			fail(msg)
			return false
		}
		ok("message %d follows: %d octets", i+1, len(ps.msgs[i].data))
		w.Write(dotStuff(ps.msgs[i].data))
		io.WriteString(w, ".\r\n")
	case "DELE":
		i, msg := ps.message(args)
		if msg != "" {
			fail(msg)
			return false
		}
		ps.deleted[i] = true
		ok("message %d deleted (when you QUIT)", i+1)
	case "NOOP":
		ok("")
	case "RSET":
		clear(ps.deleted)
		n, size := ps.stat()
		ok("%d messages (%d octets)", n, size)
	case "USER", "PASS":
		fail("already logged in")
	default:
		fail("unknown command " + cmd)
	}
	return false
}

// quit ends the session: in TRANSACTION, the messages marked deleted go
// (the UPDATE state).
func (ps *pop3Session) quit(ok func(string, ...any)) {
	if ps.box == "" {
		ok("bye")
		return
	}
	var gone []*message
	for i, m := range ps.msgs {
		if ps.deleted[i] {
			gone = append(gone, m)
		}
	}
	ps.mail.close(ps.box, gone)
	ok("bye: %d messages deleted, %d left in %s@%s", len(gone), len(ps.msgs)-len(gone), ps.box, MailDomain)
	ps.box = ""
}

// stat counts the messages not marked deleted, and their octets.
func (ps *pop3Session) stat() (n, size int) {
	for i, m := range ps.msgs {
		if !ps.deleted[i] {
			n++
			size += len(m.data)
		}
	}
	return n, size
}

// message is the index of the message args name, or why there is none.
func (ps *pop3Session) message(args []string) (int, string) {
	if len(args) != 1 {
		return 0, "name one message by its number, such as 1"
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > len(ps.msgs) {
		return 0, fmt.Sprintf("no such message: there are %d", len(ps.msgs))
	}
	if ps.deleted[n-1] {
		return 0, fmt.Sprintf("message %d already deleted", n)
	}
	return n - 1, ""
}

// dotStuff doubles the dot that begins a line (RFC 1939, 3), so that
// only the terminating line is a lone dot.
func dotStuff(data []byte) []byte {
	out := make([]byte, 0, len(data)+8)
	start := true
	for _, b := range data {
		if start && b == '.' {
			out = append(out, '.')
		}
		out = append(out, b)
		start = b == '\n'
	}
	return out
}
