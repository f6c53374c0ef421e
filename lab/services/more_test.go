package services_test

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/services"
)

// dialKernel connects to ln with a deadline on every read and write.
func dialKernel(t *testing.T, ln net.Listener) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c, bufio.NewReader(c)
}

func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	got, err := r.ReadString('\n')
	if got != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

// The counter keeps a count per connection: two connections count on
// their own, and a line of any length is one line.
func TestCounter(t *testing.T) {
	srv := services.NewServer(fixed)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeTCP(ln, services.Counter)
	a, ra := dialKernel(t, ln)
	b, rb := dialKernel(t, ln)
	a.Write([]byte("one\ntwo\n"))
	expectLine(t, ra, "1\n")
	expectLine(t, ra, "2\n")
	b.Write([]byte(strings.Repeat("x", 5000) + "\n"))
	expectLine(t, rb, "1\n")
	a.Write([]byte("three\n"))
	expectLine(t, ra, "3\n")
}

// An iterative server serves one connection at a time: the second
// client's handshake completes (the kernel's backlog), but its data is
// echoed only after the first leaves.
func TestOneAtATime(t *testing.T) {
	srv := services.NewServer(fixed)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeOneAtATime(ln, services.Echo)
	a, ra := dialKernel(t, ln)
	a.Write([]byte("first\n"))
	expectLine(t, ra, "first\n")
	b, rb := dialKernel(t, ln) // connected: the handshake is the kernel's
	b.Write([]byte("second\n"))
	b.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := rb.ReadString('\n'); err == nil {
		t.Fatalf("second client served while the first is connected: %q", line)
	}
	a.Close()
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	expectLine(t, rb, "second\n")
}

// The services that run on the host's network answer the standard
// clients: curl for HTTP, dig for DNS.
func TestHostServicesWithCurlAndDig(t *testing.T) {
	addr := netip.MustParseAddr("127.77.0.1")
	srv := services.NewServer(fixed)
	defer srv.Close()
	if err := srv.Start(services.Kernel{Host: addr}, services.OnHost()); err != nil {
		t.Fatal(err)
	}
	t.Run("curl", func(t *testing.T) {
		curl := labtest.Need(t, "curl", "curl", "HTTP against the standard client")
		out, err := exec.Command(curl, "-sS", "-i", "http://127.77.0.1:7080/hello").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(string(out), "\r\n\r\nhello, world\n") {
			t.Errorf("curl /hello: %v\n%s", err, out)
		}
		out, err = exec.Command(curl, "-sS", "-H", "X-Lab: yes", "http://www.lab:7080/headers", "--resolve", "www.lab:7080:127.77.0.1").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "GET /headers HTTP/1.1\nHost: www.lab:7080\n") || !strings.Contains(string(out), "X-Lab: yes\n") {
			t.Errorf("curl /headers: %v\n%s", err, out)
		}
		out, _ = exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.77.0.1:7080/nothing").CombinedOutput()
		if string(out) != "404" {
			t.Errorf("curl /nothing: status %s, want 404", out)
		}
	})
	t.Run("dig", func(t *testing.T) {
		dig := labtest.Need(t, "dig", "bind9-dnsutils", "DNS against the standard client")
		for _, tc := range []struct{ name, status, answer string }{
			{"www.lab", "NOERROR", "www.lab.\t\t60\tIN\tA\t127.77.0.1"},
			{"Echo.LAB.", "NOERROR", "Echo.LAB.\t\t60\tIN\tA\t127.77.0.1"},
			{"nosuch.lab", "NXDOMAIN", ""},
			{"example.com", "REFUSED", ""},
		} {
			out, err := exec.Command(dig, "@127.77.0.1", "-p", "7053", "+tries=1", "+time=2", tc.name).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "status: "+tc.status) || !strings.Contains(string(out), tc.answer) {
				t.Errorf("dig %s: %v, want status %s and %q:\n%s", tc.name, err, tc.status, tc.answer, out)
			}
		}
	})
}

// A host of a room, with helpers to listen, dial and read lines.
type student struct {
	t *testing.T
	h *room.Host
}

func newStudent(t *testing.T) student {
	l, err := room.NewLab(room.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return student{t, l.Host}
}

func (s student) listen(port uint16) net.Listener {
	ln, err := s.h.Sockets().Listen(port, 5)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { ln.Close() })
	return ln
}

func (s student) dial(port uint16) (net.Conn, *bufio.Reader) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := s.h.Sockets().Dial(ctx, netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), port))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c, bufio.NewReader(c)
}

func (s student) accept(ln net.Listener) (net.Conn, *bufio.Reader) {
	c, err := ln.Accept()
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c, bufio.NewReader(c)
}

// Call-me connects back to the port its caller names, on the caller's
// address only, and says why when it cannot; the student sees the lab
// server's socket and connect calls for the connection back.
func TestCallMe(t *testing.T) {
	s := newStudent(t)
	ln := s.listen(5000)
	c, r := s.dial(2000)
	c.Write([]byte("hello\n"))
	expectLine(t, r, "send a port number (1-65535) and a newline, such as 5000\n")
	c.Write([]byte("5000\n"))
	expectLine(t, r, "calling you back on port 5000\n")
	back, br := s.accept(ln)
	expectLine(t, br, "hello from 10.0.0.1, call 1: you called, so I connected to you\n")
	if got := back.RemoteAddr().String(); !strings.HasPrefix(got, "10.0.0.1:") {
		t.Errorf("the call came from %s, want the lab server", got)
	}
	expectLine(t, r, "said hello on your port 5000\n")
	c.Write([]byte("5001\n"))
	expectLine(t, r, "calling you back on port 5001\n")
	expectLine(t, r, "could not connect to your port 5001: connect: Connection refused\n")

	var serverCalls []string
	me := s.h.Addr().String()
	started := false // past the lab server's setup, replayed first
	for _, e := range s.h.Trace().Events() {
		started = started || e.Host == me
		if started && e.Kind == lab.KindCall && e.Host == "10.0.0.1" && (e.Call.Name == "socket" || e.Call.Name == "connect") {
			peer := ""
			if e.Call.Peer.IsValid() {
				peer = e.Call.Peer.String()
			}
			serverCalls = append(serverCalls, e.Call.Name+" "+peer)
		}
	}
	want := "socket , connect " + me + ":5000, socket , connect " + me + ":5001"
	if got := strings.Join(serverCalls, ", "); got != want {
		t.Errorf("the lab server's calls in the student's trace: %s\nwant %s", got, want)
	}
}

// The peer is client and server at once: it accepts the student's
// connection and connects back to the student's port 9000, echoing on
// both.
func TestPeer(t *testing.T) {
	s := newStudent(t)
	ln := s.listen(9000)
	c, r := s.dial(9000)
	expectLine(t, r, "hello, I am the peer at 10.0.0.1: I will connect to your port 9000 too\n")
	back, br := s.accept(ln)
	expectLine(t, br, "hello from the peer at 10.0.0.1: this time I connected to you\n")
	back.Write([]byte("ping\n"))
	expectLine(t, br, "ping\n")
	c.Write([]byte("pong\n"))
	expectLine(t, r, "pong\n")

	lonely := newStudent(t)
	_, lr := lonely.dial(9000)
	expectLine(t, lr, "hello, I am the peer at 10.0.0.1: I will connect to your port 9000 too\n")
	expectLine(t, lr, "could not connect to your port 9000: connect: Connection refused; listen there and connect again\n")
}

// The DNS server never panics on what a student's host sends it, and
// answers only queries.
func FuzzZoneAnswer(f *testing.F) {
	z := services.LabZone(netip.MustParseAddr("10.0.0.1"))
	f.Add([]byte{})
	f.Add([]byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x03lab\x00\x00\x01\x00\x01"))
	f.Add([]byte("\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x03lab\x00\x00\x01\x00\x01"))
	f.Add([]byte("\x12\x34\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x03www\x03lab\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01"))
	f.Fuzz(func(t *testing.T, q []byte) {
		resp := z.Answer(q)
		if len(resp) > 512 {
			t.Fatalf("answer of %d bytes, over a UDP DNS message's 512", len(resp))
		}
		if resp != nil && (len(q) < 12 || resp[0] != q[0] || resp[1] != q[1] || resp[2]&0x80 == 0) {
			t.Fatalf("answer % x to % x: not a response with the query's id", resp, q)
		}
	})
}
