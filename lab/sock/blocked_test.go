package sock_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/sock"
)

// waitBlocked waits until the host's stack has n calls blocked.
func waitBlocked(t *testing.T, st *sock.Stack, n int) []lab.Blocked {
	t.Helper()
	for range 500 {
		if b := st.Blocked(time.Now()); len(b) >= n {
			return b
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%d calls blocked, want %d", len(st.Blocked(time.Now())), n)
	return nil
}

// A blocked call says what it waits for, from the stack's state: an
// accept for a client on its port, a recv for data on its connection;
// and a recv on a connection the iterative echo has not accepted yet,
// that it waits in its backlog behind the connection it serves.
func TestBlocked(t *testing.T) {
	l := newLab(t)
	st := l.Host.Sockets()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ln, _ := st.Socket(sock.Stream)
	if err := ln.Bind(netip.MustParseAddrPort("0.0.0.0:5000")); err != nil {
		t.Fatal(err)
	}
	ln.Listen(5)
	done := make(chan struct{})
	go func() { defer close(done); ln.Accept(ctx) }()
	b := waitBlocked(t, st, 1)
	if got, want := b[0].Why, "accept() is waiting for a client to connect to port 5000"; got != want || b[0].Call.Name != "accept" {
		t.Errorf("blocked %s: %q, want %q", b[0].Call.Name, got, want)
	}
	ln.Close()
	<-done

	// Two connections to the iterative echo: the first is served, the
	// second waits in its listen queue.
	iter := netip.MustParseAddrPort("10.0.0.1:2007")
	first, _ := st.Socket(sock.Stream)
	if err := first.Connect(ctx, iter); err != nil {
		t.Fatal(err)
	}
	second, _ := st.Socket(sock.Stream)
	if err := second.Connect(ctx, iter); err != nil {
		t.Fatal(err)
	}
	// Let the server accept the first.
	if err := first.SendAll(ctx, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Recv(ctx, 10); err != nil {
		t.Fatal(err)
	}
	done = make(chan struct{})
	go func() { defer close(done); first.Recv(ctx, 10) }()
	b = waitBlocked(t, st, 1)
	if got, want := b[0].Why, "recv() is waiting: nothing has arrived on this connection"; got != want {
		t.Errorf("blocked recv: %q, want %q", got, want)
	}
	secondRecv := make(chan struct{})
	go func() { defer close(secondRecv); second.Recv(ctx, 10) }()
	b = waitBlocked(t, st, 2)
	local1, _ := first.LocalAddr()
	local2, _ := second.LocalAddr()
	connected := map[string]time.Time{local1.String(): time.Unix(1, 0), local2.String(): time.Unix(2, 0)}
	if b[0].InBacklog(l.Room.ServerSockets(), connected, "the iterative echo") {
		t.Errorf("the served connection's recv says it is in the backlog: %q", b[0].Why)
	}
	if !b[1].InBacklog(l.Room.ServerSockets(), connected, "the iterative echo") || !strings.Contains(b[1].Why, "1 connection is ahead of you") {
		t.Errorf("the queued connection's recv: %q, want it in the backlog behind 1", b[1].Why)
	}
	first.Close()
	second.Close()
	<-done
	<-secondRecv
}
