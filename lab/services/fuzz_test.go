package services

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// A POP3 session on whatever a client sends answers every line with +OK
// or -ERR (or a listing after +OK), never panics, and ends when the input
// does, leaving its mailbox unlocked.
func FuzzPOP3(f *testing.F) {
	f.Add([]byte("USER ada\r\nPASS x\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nRSET\r\nQUIT\r\n"))
	f.Add([]byte("user ada\nPASS\nLIST 1 2 3\nRETR 0\nRETR 99999999999999999999\nXYZZY\n\n"))
	f.Add([]byte(strings.Repeat("A", 600) + "\r\nNOOP\r\n"))
	f.Add([]byte("USER ada@lab\r\nPASS x\r\nDELE 1\r\nDELE 1\r\nQUIT\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var mail mailstore
		if err := mail.deliver([]string{"ada"}, []byte("Subject: hi\n\n.dot\nbody\n")); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		servePOP3(bufio.NewReader(bytes.NewReader(in)), bufio.NewWriter(&out), &mail)
		if !strings.HasPrefix(out.String(), "+OK ") {
			t.Fatalf("greeting %q", out.String())
		}
		if len(mail.locked) != 0 {
			t.Fatalf("a mailbox is still locked after the session: %v", mail.locked)
		}
		for _, line := range strings.Split(out.String(), "\r\n") {
			if len(line) > 1024 {
				t.Fatalf("a reply line of %d bytes", len(line))
			}
		}
	})
}

// The key-value database answers each request with one RESP reply, or a
// protocol error and the end of the connection; it never panics and
// stays within its bounds.
func FuzzKeyValue(f *testing.F) {
	f.Add([]byte("SET name ada\r\nGET name\r\nINCR n\r\nEXISTS name n x\r\nKEYS *\r\nEXPIRE n 1\r\nTTL n\r\nDEL name\r\nPING\r\n"))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
	f.Add([]byte("*1\r\n$999999999\r\nx"))
	f.Add([]byte("SET \"unbalanced\r\n"))
	f.Add([]byte("*-1\r\nGET k\r\nINCR k k\r\nSET k 9223372036854775807\r\nINCR k\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var kv kvstore
		var out bytes.Buffer
		now := func() time.Time { return time.Unix(1e9, 0) }
		serveKV(struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(in), &out}, &kv, now)
		if o := out.Bytes(); len(o) > 0 && !bytes.ContainsAny(o[:1], "+-:$*") {
			t.Fatalf("reply %q is not RESP", o)
		}
		if len(kv.keys) > maxKeys || kv.bytes > maxKVBytes {
			t.Fatalf("%d keys, %d bytes: over the bounds", len(kv.keys), kv.bytes)
		}
	})
}

// noNetwork refuses every socket: the TFTP handler's transfers do not
// start, so the fuzzer sees only what port 69 answers.
type noNetwork struct{}

func (noNetwork) Addr() netip.Addr                    { return netip.MustParseAddr("10.0.0.1") }
func (noNetwork) Listen(uint16) (net.Listener, error) { return nil, errors.New("no network") }
func (noNetwork) ListenPacket(uint16) (net.PacketConn, error) {
	return nil, errors.New("no network")
}
func (noNetwork) Dial(context.Context, netip.AddrPort) (net.Conn, error) {
	return nil, errors.New("no network")
}

// TFTP's parser never panics; the file server's port answers every
// request it cannot serve, and everything that is not TFTP, with an
// ERROR packet, and ignores a transfer's packets.
func FuzzTFTP(f *testing.F) {
	f.Add([]byte("\x00\x01hello.txt\x00octet\x00"))
	f.Add([]byte("\x00\x01tftp.txt\x00netascii\x00blksize\x001428\x00"))
	f.Add([]byte("\x00\x02x\x00octet\x00"))
	f.Add([]byte("\x00\x04\x00\x01"))
	f.Add([]byte("\x00\x05\x00\x01oops\x00"))
	f.Add([]byte("\x00\x01../etc/passwd\x00octet\x00"))
	srv := NewServer(nil)
	defer srv.Close()
	reply := srv.tftp(noNetwork{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseTFTP(b)
		if err == nil && p.op == tftpDATA && len(p.data) != len(b)-4 {
			t.Fatalf("DATA of %d bytes from a packet of %d", len(p.data), len(b))
		}
		out := reply(b, &net.UDPAddr{})
		if out == nil {
			if err != nil || p.op == tftpRRQ || p.op == tftpWRQ {
				t.Fatalf("no answer to % x", b)
			}
			return // a transfer's packet, on the wrong port
		}
		if e, err := parseTFTP(out); err != nil || e.op != tftpERROR {
			t.Fatalf("answer % x to % x is not an ERROR", out, b)
		}
	})
}

// An FTP session on whatever a client sends answers every line with a
// three-digit reply, never panics, stays within the area's bounds and
// ends when the input does. Its network refuses sockets, so a PASV's
// port does not open (425) and no transfer starts.
func FuzzFTP(f *testing.F) {
	f.Add([]byte("USER anonymous\r\nPASS x\r\nPWD\r\nTYPE I\r\nPASV\r\nEPSV\r\nLIST\r\nRETR hello.txt\r\nSTOR up.txt\r\nSIZE hello.txt\r\nQUIT\r\n"))
	f.Add([]byte("user ftp\nPASS\nCWD /x\nTYPE Q\nMODE B\nEPSV 2\nPORT 1,2,3,4,5,6\nXYZZY\n\n"))
	f.Add([]byte(strings.Repeat("A", 600) + "\r\nNOOP\r\nFEAT\r\nSYST\r\n"))
	srv := NewServer(nil)
	defer srv.Close()
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		sess := &ftpSession{s: srv, n: noNetwork{}, ctrl: fakeConn{}, area: &srv.files}
		serveFTP(bufio.NewReader(bytes.NewReader(in)), bufio.NewWriter(&out), sess)
		sess.closePassive()
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\r\n"), "\r\n") {
			if strings.HasPrefix(line, " ") || line == "211 End" {
				continue // FEAT's list
			}
			if len(line) < 4 || line[0] < '1' || line[0] > '5' || line[3] != ' ' && line[3] != '-' || len(line) > 1024 {
				t.Fatalf("reply line %q", line)
			}
		}
		if n := srv.passive.Load(); n != 0 {
			t.Fatalf("%d passive ports counted after the session", n)
		}
	})
}

// fakeConn is a control connection's addresses, for FuzzFTP.
type fakeConn struct{ net.Conn }

func (fakeConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 21} }
func (fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 0, 1, 1), Port: 40000} }

// An IMAP session on whatever a client sends answers every line with
// an untagged or tagged response, never panics, never changes the
// mailbox, and ends when the input does.
func FuzzIMAP(f *testing.F) {
	f.Add([]byte("A1 CAPABILITY\r\nA2 LOGIN ada x\r\nA3 SELECT INBOX\r\nA4 FETCH 1:* (FLAGS RFC822.SIZE BODY[])\r\nA5 UID FETCH 1 BODY.PEEK[]\r\nA6 LOGOUT\r\n"))
	f.Add([]byte("a login \"ada\" \"p w\"\r\nb list \"\" *\r\nc examine inbox\r\nd fetch *,1:2,0 uid\r\ne store 1 +flags (\\Deleted)\r\nf expunge\r\n"))
	f.Add([]byte("A1 LOGIN {3}\r\nada\r\n" + strings.Repeat("X", 2000) + "\r\n* NOOP\r\nA FETCH 4294967296 BODY[]\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var mail mailstore
		if err := mail.deliver([]string{"ada"}, []byte("Subject: hi\n\nbody\n")); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		serveIMAP(bufio.NewReader(bytes.NewReader(in)), bufio.NewWriter(&out), &mail)
		if !strings.HasPrefix(out.String(), "* OK ") {
			t.Fatalf("greeting %q", out.String())
		}
		if n := len(mail.peek("ada")); n != 1 {
			t.Fatalf("the session left %d messages of 1", n)
		}
		for _, line := range strings.Split(out.String(), "\r\n") {
			if len(line) > 2048 {
				t.Fatalf("a reply line of %d bytes", len(line))
			}
		}
	})
}
