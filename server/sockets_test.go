package server

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sock"
)

// A bridge client asks the real server for the lab server's socket table:
// the services' listening sockets, and the connection the client's host
// made, in the rows the host's own table has; many callers at once each
// get their answer.
func TestServerSockets(t *testing.T) {
	ls := serve(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := bridge.Dial(ctx, ls.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Sockets().Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	mine := c.Sockets().Table()
	i := slices.IndexFunc(mine, func(r lab.SocketInfo) bool { return r.Peer == echoTCP.String() })
	if i < 0 {
		t.Fatalf("the host's table has no connection to %v: %+v", echoTCP, mine)
	}
	local := mine[i].Local

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var rows []lab.SocketInfo
			var err error
			deadline := time.Now().Add(5 * time.Second)
			for {
				// The lab server's side may still be in the accept queue.
				rows, err = c.ServerSockets(ctx)
				if err != nil || slices.ContainsFunc(rows, func(r lab.SocketInfo) bool { return r.Peer == local && r.State == lab.StateEstablished }) || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err != nil {
				t.Errorf("ServerSockets: %v", err)
				return
			}
			listening := slices.IndexFunc(rows, func(r lab.SocketInfo) bool {
				return r.Proto == "tcp" && r.Local == "0.0.0.0:7" && r.State == lab.StateListen && r.Socket != 0
			})
			conn := slices.IndexFunc(rows, func(r lab.SocketInfo) bool {
				return r.Proto == "tcp" && r.Local == echoTCP.String() && r.Peer == local && r.State == lab.StateEstablished
			})
			if listening < 0 || conn < 0 {
				t.Errorf("server sockets %+v: want the echo service listening and its connection with %s", rows, local)
			}
			for _, r := range rows {
				if r.Peer != "" && r.Peer != local {
					t.Errorf("server sockets: a row with %s, not this host: %+v", r.Peer, r)
				}
			}
		})
	}
	wg.Wait()
	if st := ls.Stats(); st.Drops.BadText != 0 || st.TextIn < 8 {
		t.Errorf("bad text %d, text in %d; want 0 and at least 8", st.Drops.BadText, st.TextIn)
	}
	if n := c.ServerErrors(); n != 0 {
		t.Errorf("%d server errors, want 0", n)
	}

	// A session that has ended answers at once.
	c.Close()
	if _, err := c.ServerSockets(ctx); err == nil {
		t.Error("ServerSockets after Close: no error")
	}
}
