package room_test

import (
	"slices"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/sock"
)

// A port's view of the lab server's socket table holds the listening
// sockets and the port's own connections, not another student's.
func TestPortServerSockets(t *testing.T) {
	r, a := newHost(t)
	b, err := r.AddHost()
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	for _, h := range []interface{ Sockets() *sock.Stack }{a, b} {
		s, err := h.Sockets().Socket(sock.Stream)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ctx, echoTCP); err != nil {
			t.Fatal(err)
		}
	}
	aLocal := a.Sockets().Table()[0].Local
	bLocal := b.Sockets().Table()[0].Local
	var rows []lab.SocketInfo
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		// The lab server's side may still be in the accept queue.
		rows = a.Port().ServerSockets()
		if slices.ContainsFunc(rows, func(r lab.SocketInfo) bool { return r.Peer == aLocal && r.State == lab.StateEstablished }) {
			break
		}
	}
	if !slices.ContainsFunc(rows, func(r lab.SocketInfo) bool { return r.Peer == aLocal && r.State == lab.StateEstablished }) ||
		!slices.ContainsFunc(rows, func(r lab.SocketInfo) bool { return r.Local == "0.0.0.0:7" && r.State == lab.StateListen }) {
		t.Errorf("a's view of the server's sockets %+v: want the echo service listening and a's connection from %s", rows, aLocal)
	}
	for _, row := range rows {
		if row.Peer != "" && row.Peer != aLocal {
			t.Errorf("a's view of the server's sockets has %+v (b is %s)", row, bLocal)
		}
	}
	if all := r.ServerSockets(); !slices.ContainsFunc(all, func(r lab.SocketInfo) bool { return r.Peer == bLocal }) {
		t.Errorf("the server's whole table %+v has no connection from b at %s", all, bLocal)
	}
}
