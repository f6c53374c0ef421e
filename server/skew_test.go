package server

import (
	"context"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sock"
)

// A bridge client whose clock is 300 ms ahead of the server's, or behind
// it, estimates the skew over ping and pong to within the uncertainty it
// states, and its one timeline has each of the echo server's calls after
// the packet it took and before the packet it sent: recv after the data,
// sendall before the echo, recv after the FIN, close before its FIN.
func TestSkewedClientClock(t *testing.T) {
	ls := serve(t, Config{})
	for _, skew := range []time.Duration{300 * time.Millisecond, -300 * time.Millisecond} {
		t.Run(skew.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := bridge.Dial(ctx, ls.url, &bridge.Options{Now: func() time.Time { return time.Now().Add(skew) }})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for {
				if _, _, ok := c.Clock(); ok {
					break
				}
				if ctx.Err() != nil {
					t.Fatal("no clock estimate")
				}
				time.Sleep(10 * time.Millisecond)
			}
			offset, uncertainty, _ := c.Clock()
			// The server's times and the client's come from one clock here:
			// the true offset is the skew.
			if d := (offset - skew).Abs(); d > uncertainty {
				t.Errorf("offset %v, %v from the skew %v: more than the uncertainty %v", offset, d, skew, uncertainty)
			}

			s, err := c.Sockets().Socket(sock.Stream)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Connect(ctx, echoTCP); err != nil {
				t.Fatal(err)
			}
			if err := s.SendAll(ctx, []byte("hello\n")); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Recv(ctx, 1024); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// The server's close arrives after its FIN.
			var trace []lab.Event
			for {
				trace = c.Trace().Events()
				if closed(trace) || ctx.Err() != nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			pairs := 0
			for i, e := range trace {
				call := e.Call
				if call == nil || e.Host == c.Addr().String() || call.Peer.Port() == 0 {
					continue
				}
				// The first packet the call is about: the first it sent, or
				// the first that fits what it returned.
				j := -1
				for k, p := range trace {
					if p.Packet == nil || lab.Causality(call, p.Packet) == 0 {
						continue
					}
					fin := p.Packet.TCP != nil && p.Packet.TCP.Flags.FIN
					if call.Name != "recv" || (call.Bytes == 0) == fin {
						j = k
						break
					}
				}
				if j < 0 {
					continue
				}
				pairs++
				if before := lab.Causality(call, trace[j].Packet) < 0; before != (i < j) {
					t.Errorf("%s at %d, packet %q at %d: out of order", call.Name, i, trace[j].Packet.Summary, j)
				}
			}
			if pairs < 4 {
				t.Errorf("%d server calls ordered against a packet, want 4 (recv, sendall, recv, close)", pairs)
			}
			t.Logf("skew %v: offset %v ± %v, %d pairs", skew, offset, uncertainty, pairs)
		})
	}
}

// closed says whether the trace has the lab server's close.
func closed(trace []lab.Event) bool {
	for _, e := range trace {
		if e.Call != nil && e.Call.Name == "close" && e.Host == labServerAddr.String() {
			return true
		}
	}
	return false
}
