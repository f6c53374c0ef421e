package room_test

import (
	"io"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/sock"
)

// A student host may hold MaxConnections connections to the lab server's
// services; one more is accepted and closed at once, and counted.
func TestMaxConnections(t *testing.T) {
	l := newLab(t, room.Config{MaxConnections: 2})
	r, h := l.Room, l.Host
	ctx := testContext(t)
	served := 0
	for range 3 {
		c, err := h.Sockets().Dial(ctx, echoTCP)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("x"))
		if _, err := io.ReadFull(c, make([]byte, 1)); err == nil {
			served++
		}
	}
	if served != 2 {
		t.Errorf("%d connections served, want 2", served)
	}
	if got := r.Counters().Refused; got != 1 {
		t.Errorf("refused %d, want 1", got)
	}
}

// The lab server of a room of many students is not bound by a student
// host's MaxSockets: it accepts a connection from each of more students
// than that, one at a time, and serves every one.
func TestServerSocketsScaleWithHosts(t *testing.T) {
	r, err := room.New(room.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := testContext(t)
	for i := range sock.MaxSockets + 20 {
		h, err := r.AddHost()
		if err != nil {
			t.Fatal(err)
		}
		c, err := h.Sockets().Dial(ctx, echoTCP)
		if err != nil {
			t.Fatalf("student %d: %v", i+1, err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("x"))
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			t.Fatalf("student %d is not served: %v", i+1, err)
		}
	}
}
