package services_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// say writes line and expects the reply to begin with want.
func say(t *testing.T, c net.Conn, r *bufio.Reader, line, want string) {
	t.Helper()
	if line != "" {
		c.Write([]byte(line + "\r\n"))
	}
	got, err := r.ReadString('\n')
	if !strings.HasPrefix(got, want) {
		t.Fatalf("%q: got %q, %v; want %q…", line, got, err, want)
	}
}

// In the lab, a mail sent over SMTP waits on the server until its reader
// connects over POP3, which shows it once and deletes it on QUIT; a
// malformed command gets the protocol's own error.
func TestMailInTheLab(t *testing.T) {
	s := newStudent(t)
	c, r := s.dial(25)
	say(t, c, r, "", "220 mail.lab ESMTP")
	say(t, c, r, "XYZZ", "500 ")
	say(t, c, r, "HELLO?", "501 ")
	say(t, c, r, "HELO me", "250 ")
	say(t, c, r, "MAIL FROM:<grace@lab>", "250 ")
	say(t, c, r, "RCPT TO:<someone@example.com>", "550 ")
	say(t, c, r, "RCPT TO:<Ada@lab>", "250 ")
	say(t, c, r, "DATA", "354 ")
	say(t, c, r, "Subject: hi\r\n\r\nhello, Ada\r\n..dot\r\n.", "250 ")
	say(t, c, r, "QUIT", "221 ")

	p, pr := s.dial(110)
	say(t, p, pr, "", "+OK mail.lab POP3 server ready")
	say(t, p, pr, "STAT", "-ERR log in first")
	say(t, p, pr, "XYZZY 1 2 3", "-ERR ")
	say(t, p, pr, "USER ada", "+OK ada@lab")
	say(t, p, pr, "PASS anything", "+OK ada@lab has 1 messages (")
	second, sr := s.dial(110)
	say(t, second, sr, "", "+OK")
	say(t, second, sr, "USER ada", "+OK")
	say(t, second, sr, "PASS x", "-ERR maildrop already locked")
	say(t, p, pr, "RETR 2", "-ERR no such message")
	say(t, p, pr, "RETR 1", "+OK ")
	for _, want := range []string{"Subject: hi\r\n", "\r\n", "hello, Ada\r\n", "..dot\r\n", ".\r\n"} {
		say(t, p, pr, "", want)
	}
	say(t, p, pr, "DELE 1", "+OK message 1 deleted")
	say(t, p, pr, "QUIT", "+OK bye: 1 messages deleted, 0 left")
	say(t, second, sr, "PASS x", "+OK ada@lab has 0 messages")
}

// What one connection SETs, another GETs: the database's state outlives
// them both, and is the lab server's (every student of a room shares it).
func TestKeyValueInTheLab(t *testing.T) {
	s := newStudent(t)
	a, ar := s.dial(6379)
	say(t, a, ar, "SET name ada", "+OK")
	say(t, a, ar, "INCR name", "-ERR value is not an integer")
	a.Close()
	b, br := s.dial(6379)
	say(t, b, br, "GET name", "$3")
	say(t, b, br, "", "ada")
	say(t, b, br, "SET "+strings.Repeat("k", 300)+" v", "-ERR the lab's database takes keys of at most 256 bytes")
	b.Write([]byte(strings.Repeat("x", 9000)))
	say(t, b, br, "", "-ERR Protocol error: request longer than 8192 bytes")
}

// A file comes over TFTP in blocks of 512 bytes from the transfer's own
// port, each after the ACK of the one before, the last one short; a
// block not acknowledged comes again, and a stranger on the transfer's
// port gets ERROR 5.
func TestTFTPInTheLab(t *testing.T) {
	s := newStudent(t)
	u, err := s.h.Sockets().ListenPacket(0)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	server := net.UDPAddrFromAddrPort(netip.MustParseAddrPort("10.0.0.1:69"))
	u.WriteTo([]byte("\x00\x01tftp.txt\x00octet\x00"), server)
	read := func() ([]byte, net.Addr) {
		t.Helper()
		u.SetReadDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 600)
		n, from, err := u.ReadFrom(b)
		if err != nil {
			t.Fatal(err)
		}
		return b[:n], from
	}
	var got []byte
	for block := uint16(1); ; block++ {
		b, from := read()
		if from.String() == server.String() || binary.BigEndian.Uint16(b) != 3 || binary.BigEndian.Uint16(b[2:]) != block {
			t.Fatalf("block %d: % x from %v, want DATA %d from the transfer's port", block, b[:4], from, block)
		}
		got = append(got, b[4:]...)
		if block == 1 {
			stranger, _ := s.h.Sockets().ListenPacket(0)
			stranger.WriteTo([]byte("\x00\x04\x00\x01"), from)
			stranger.SetReadDeadline(time.Now().Add(5 * time.Second))
			e := make([]byte, 100)
			n, _, err := stranger.ReadFrom(e)
			if err != nil || !bytes.HasPrefix(e[:n], []byte("\x00\x05\x00\x05unknown transfer ID")) {
				t.Errorf("a stranger's ACK: % x, %v; want ERROR 5", e[:n], err)
			}
			stranger.Close()
		}
		u.WriteTo(binary.BigEndian.AppendUint16([]byte{0, 4}, block), from)
		if len(b) < 516 {
			break
		}
	}
	want, _ := os.ReadFile("files/tftp.txt")
	if !bytes.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	u.WriteTo([]byte("\x00\x01nosuch\x00octet\x00"), server)
	if b, _ := read(); !bytes.HasPrefix(b, []byte("\x00\x05\x00\x01file not found")) {
		t.Errorf("RRQ nosuch: % x", b)
	}
}

// In the lab, a startup message and a Query typed as bytes get
// PostgreSQL's answers; a line of text, as a text protocol takes it, is
// read as a startup message's length and refused with a FATAL error, and
// the server closes.
func TestSQLInTheLab(t *testing.T) {
	s := newStudent(t)
	c, r := s.dial(5432)
	c.Write([]byte("\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00"))
	read := func(want string) {
		t.Helper()
		typ, err := r.ReadByte()
		var n uint32
		if err == nil {
			err = binary.Read(r, binary.BigEndian, &n)
		}
		body := make([]byte, max(int(n)-4, 0))
		if err == nil {
			_, err = io.ReadFull(r, body)
		}
		if err != nil || !strings.HasPrefix(string(typ)+string(body), want) {
			t.Fatalf("read %q %q, %v; want %q…", typ, body, err, want)
		}
	}
	read("R\x00\x00\x00\x00") // AuthenticationOk
	for range 4 {
		read("S")
	}
	read("K")
	read("ZI")
	c.Write([]byte("Q\x00\x00\x00\x1aselect * from courses\x00"))
	read("T\x00\x03code\x00")
	read("D\x00\x03\x00\x00\x00\x06NET101")
	read("D")
	read("D")
	read("CSELECT 3\x00")
	read("ZI")

	text, tr := s.dial(5432)
	text.Write([]byte("select count(*) from students\r\n"))
	all, _ := io.ReadAll(tr)
	if !bytes.HasPrefix(all, []byte("E")) || !bytes.Contains(all, []byte("C08P01\x00")) {
		t.Errorf("a line of text: %q, want a FATAL 08P01 and the end", all)
	}
}

// In the lab, FTP's data port is a lab socket of the server's: the
// student's trace holds the server listening on the port PASV named and
// accepting the student's second connection there, beside the control
// connection on 21.
func TestFTPInTheLab(t *testing.T) {
	s := newStudent(t)
	c, r := s.dial(21)
	say(t, c, r, "", "220 ")
	say(t, c, r, "USER anonymous", "331 ")
	say(t, c, r, "PASS me@lab", "230 ")
	c.Write([]byte("EPSV\r\n"))
	line, _ := r.ReadString('\n')
	var port uint16
	if _, err := fmt.Sscanf(line, "229 Entering Extended Passive Mode (|||%d|)", &port); err != nil {
		t.Fatalf("EPSV: %q: %v", line, err)
	}
	d, dr := s.dial(port)
	say(t, c, r, "RETR hello.txt", "150 ")
	if got, _ := io.ReadAll(dr); !strings.HasPrefix(string(got), "hello from") {
		t.Errorf("the data connection carried %q", got)
	}
	d.Close()
	say(t, c, r, "", "226 ")

	var calls []string
	for _, e := range s.h.Trace().Events() {
		switch {
		case e.Kind != lab.KindCall || e.Host != "10.0.0.1":
		case e.Call.Name == "listen":
			calls = append(calls, fmt.Sprintf("listen %d", e.Call.Local.Port()))
		case e.Call.Name == "accept":
			calls = append(calls, fmt.Sprintf("accept %d %v", e.Call.Local.Port(), e.Call.Peer.Addr()))
		}
	}
	me := s.h.Addr().String()
	for _, want := range []string{
		fmt.Sprintf("accept 21 %s", me),
		fmt.Sprintf("listen %d", port),
		fmt.Sprintf("accept %d %s", port, me),
	} {
		if !slices.Contains(calls, want) {
			t.Errorf("the student's trace lacks the server's %q: %q", want, calls)
		}
	}
}
