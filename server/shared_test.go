package server

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sock"
)

// connect opens a TCP connection from cl's host to the lab server's port.
func connect(ctx context.Context, t *testing.T, cl *bridge.Client, port uint16) *sock.Socket {
	t.Helper()
	s, err := cl.Sockets().Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx, netip.AddrPortFrom(labServerAddr, port)); err != nil {
		t.Fatalf("connect to port %d: %v", port, err)
	}
	return s
}

// say sends line on s and returns what comes back in one recv.
func say(ctx context.Context, t *testing.T, s *sock.Socket, line string) string {
	t.Helper()
	if err := s.SendAll(ctx, []byte(line)); err != nil {
		t.Fatal(err)
	}
	b, err := s.Recv(ctx, 1024)
	if err != nil {
		t.Fatalf("recv after %q: %v", line, err)
	}
	return string(b)
}

// Services shared by a workshop's students: the iterative echo makes a
// student wait for another's connection, and the waiting shows in their
// trace (the server's side of their connection ESTABLISHED, in the
// backlog, with no accept) until it closes; the counter counts each
// student's connection on its own, and call-me calls each student back
// on their own host.
func TestWorkshopSharedServices(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Shared"})
	a := ls.dialStudent(t, w.Code, ls.joinStudent(t, w.Code, "Ada"))
	b := ls.dialStudent(t, w.Code, ls.joinStudent(t, w.Code, "Bob"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The iterative echo: Ada is served, Bob waits in the backlog.
	ia := connect(ctx, t, a, 2007)
	if got := say(ctx, t, ia, "first\n"); got != "first\n" {
		t.Fatalf("Ada's echo = %q", got)
	}
	ib := connect(ctx, t, b, 2007)
	bobPort, _ := ib.LocalAddr()
	if err := ib.SendAll(ctx, []byte("second\n")); err != nil {
		t.Fatal(err)
	}
	ib.SetTimeout(300 * time.Millisecond)
	var se *sock.Error
	if _, err := ib.Recv(ctx, 1024); !errors.As(err, &se) || se.Exception() != "TimeoutError" {
		t.Fatalf("Bob's recv while Ada is served: %v, want a timeout", se)
	}
	waiting := func(e lab.Event) bool {
		return e.Host == labServerAddr.String() && e.Kind == lab.KindState && e.State.To == lab.StateEstablished && e.State.Peer == bobPort
	}
	accepted := func(e lab.Event) bool {
		return e.Host == labServerAddr.String() && e.Kind == lab.KindCall && e.Call.Name == "accept" && e.Call.Peer == bobPort
	}
	evs := b.Trace().Events()
	if !slices.ContainsFunc(evs, waiting) || slices.ContainsFunc(evs, accepted) {
		t.Errorf("Bob's trace: want the server's side of his connection ESTABLISHED and not accepted")
	}
	ia.Close()
	ib.SetTimeout(10 * time.Second)
	if got, err := ib.Recv(ctx, 1024); err != nil || string(got) != "second\n" {
		t.Fatalf("Bob's echo after Ada left = %q, %v", got, err)
	}
	if !slices.ContainsFunc(b.Trace().Events(), accepted) {
		t.Error("Bob's trace has no accept of his connection once he was served")
	}

	// The counter counts each connection, whoever else uses it.
	ca, cb := connect(ctx, t, a, 2001), connect(ctx, t, b, 2001)
	if say(ctx, t, ca, "x\n") != "1\n" || say(ctx, t, ca, "y\n") != "2\n" || say(ctx, t, cb, "z\n") != "1\n" {
		t.Error("the counter's counts are not per connection")
	}

	// Call-me calls each student back on their own host.
	for _, cl := range []*bridge.Client{a, b} {
		ln, err := cl.Sockets().Socket(sock.Stream)
		if err != nil {
			t.Fatal(err)
		}
		if err := ln.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 5000)); err != nil {
			t.Fatal(err)
		}
		if err := ln.Listen(1); err != nil {
			t.Fatal(err)
		}
		cm := connect(ctx, t, cl, 2000)
		if err := cm.SendAll(ctx, []byte("5000\n")); err != nil {
			t.Fatal(err)
		}
		back, from, err := ln.Accept(ctx)
		if err != nil || from.Addr() != labServerAddr {
			t.Fatalf("%v: call-me's call back: from %v, %v", cl.Addr(), from, err)
		}
		if hello, err := back.Recv(ctx, 1024); err != nil || len(hello) == 0 {
			t.Errorf("%v: call-me said %q, %v", cl.Addr(), hello, err)
		}
	}
}
