package room_test

import (
	"io"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/room"
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
