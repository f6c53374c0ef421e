package netstack_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/netstack"
)

// lone is one host whose link leads nowhere, with a log of what it saw:
// "lo out S", "eth0 out S", "state 3 SYN-SENT".
type lone struct {
	h    *netstack.Host
	mu   sync.Mutex
	log  []string
	sent int // packets out of the link
}

func newLone(t *testing.T) *lone {
	t.Helper()
	l := &lone{}
	h, err := netstack.New(netstack.Config{
		Addr:     netip.MustParsePrefix("10.0.1.1/16"),
		Gateway:  netip.MustParseAddr("10.0.0.1"),
		TimeWait: 200 * time.Millisecond,
		Output: func([]byte) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.sent++
		},
		Observe: func(iface string, dir lab.Direction, _ time.Time, pkt []byte) {
			if pkt[9] == 6 {
				l.add(iface + " " + string(dir) + " " + tcpFlags(pkt[20+13]))
			}
		},
		Recorder: lab.RecorderFunc(func(e lab.Event) {
			if e.State.Socket > 0 {
				l.add("state " + string(rune('0'+e.State.Socket)) + " " + string(e.State.To))
			}
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	l.h = h
	return l
}

func (l *lone) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log = append(l.log, s)
}

func (l *lone) lines() ([]string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.log), l.sent
}

// waitFor waits until the log holds want, for the states a timer ends.
func (l *lone) waitFor(t *testing.T, want string) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		log, _ := l.lines()
		if slices.Contains(log, want) || time.Now().After(deadline) {
			return log
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLoopbackRefusesAtOnce(t *testing.T) {
	l := newLone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _ := l.h.NewEndpoint(netstack.TCP, 3)
	if err := c.Connect(ctx, netip.MustParseAddrPort("127.0.0.1:7")); !errors.Is(err, lab.ECONNREFUSED) {
		t.Fatalf("connect to 127.0.0.1:7: %v, want ECONNREFUSED", err)
	}
	l.waitFor(t, "state 3 CLOSED")
	log, sent := l.lines()
	if want := []string{"state 3 SYN-SENT", "lo out S", "lo out RA", "state 3 CLOSED"}; !slices.Equal(log, want) {
		t.Errorf("log %q, want %q", log, want)
	}
	if sent != 0 {
		t.Errorf("%d packets out of the link, want none", sent)
	}
}

// serveAndConnect runs a server and a client on one host: the listener
// on bind, the client connecting to dial; they exchange a line each way
// and close, the client first.
func serveAndConnect(t *testing.T, l *lone, bind, dial string) (client, server netip.AddrPort) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln, _ := l.h.NewEndpoint(netstack.TCP, 3)
	defer ln.Close()
	if err := ln.Bind(netip.MustParseAddrPort(bind)); err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(5); err != nil {
		t.Fatal(err)
	}
	c, _ := l.h.NewEndpoint(netstack.TCP, 4)
	if err := c.Connect(ctx, netip.MustParseAddrPort(dial)); err != nil {
		t.Fatalf("connect to %s: %v", dial, err)
	}
	s, peer, err := ln.Accept(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if local, _ := c.LocalAddr(); local != peer {
		t.Errorf("client is %v, the server sees %v", local, peer)
	}
	server, _ = s.LocalAddr()
	for _, dir := range []struct{ from, to *netstack.Endpoint }{{c, s}, {s, c}} {
		if _, err := dir.from.Write(ctx, []byte("hello\n")); err != nil {
			t.Fatal(err)
		}
		if b, err := dir.to.Read(ctx, 100); err != nil || string(b) != "hello\n" {
			t.Fatalf("read %q, %v", b, err)
		}
	}
	c.Close()
	if b, err := s.Read(ctx, 100); err != nil || len(b) != 0 {
		t.Fatalf("server read after FIN = %q, %v; want end of stream", b, err)
	}
	s.Close()
	return peer, server
}

func TestLoopbackServerAndClientOnOneHost(t *testing.T) {
	for _, bind := range []string{"0.0.0.0:5000", "127.0.0.1:5000"} {
		t.Run(bind, func(t *testing.T) {
			l := newLone(t)
			client, server := serveAndConnect(t, l, bind, "127.0.0.1:5000")
			if client.Addr() != netip.MustParseAddr("127.0.0.1") || server != netip.MustParseAddrPort("127.0.0.1:5000") {
				t.Errorf("client %v, server %v; want both on 127.0.0.1", client, server)
			}
			log := l.waitFor(t, "state 4 CLOSED")
			var pkts []string
			for _, s := range log {
				if s[0] != 's' {
					pkts = append(pkts, s)
				}
			}
			// Every packet once, on lo: the handshake, a line each way
			// with its ACK, and the teardown.
			want := []string{"lo out S", "lo out SA", "lo out A", "lo out PA", "lo out A", "lo out PA", "lo out A", "lo out FA", "lo out A", "lo out FA", "lo out A"}
			if !slices.Equal(pkts, want) {
				t.Errorf("packets %q, want %q", pkts, want)
			}
			if _, sent := l.lines(); sent != 0 {
				t.Errorf("%d packets out of the link, want none", sent)
			}
			// Both ends' states, each socket its own.
			for _, s := range []string{
				"state 4 SYN-SENT", "state 4 ESTABLISHED", "state 4 FIN-WAIT-1", "state 4 FIN-WAIT-2", "state 4 TIME-WAIT", "state 4 CLOSED",
				"state 3 LISTEN", "state 5 CLOSE-WAIT", "state 5 LAST-ACK", "state 5 CLOSED",
			} {
				if !slices.Contains(log, s) {
					t.Errorf("missing %q in\n%q", s, log)
				}
			}
		})
	}
}

func TestOwnAddressGoesThroughLoopback(t *testing.T) {
	l := newLone(t)
	client, _ := serveAndConnect(t, l, "0.0.0.0:5000", "10.0.1.1:5000")
	if client.Addr() != l.h.Addr() {
		t.Errorf("client on %v, want the host's address", client)
	}
	log, sent := l.lines()
	if !slices.Contains(log, "lo out S") || sent != 0 {
		t.Errorf("%d packets out of the link, log %q; want all on lo", sent, log)
	}
}

func TestLoopbackNeverReachesTheLink(t *testing.T) {
	l := newLone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A socket on 127.0.0.1 has no route off the host.
	u, _ := l.h.NewEndpoint(netstack.UDP, 3)
	if err := u.Bind(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if _, err := u.WriteTo(ctx, []byte("x"), netip.MustParseAddrPort("10.0.0.1:7")); err == nil {
		t.Error("sendto 10.0.0.1 from 127.0.0.1 succeeded")
	}
	c, _ := l.h.NewEndpoint(netstack.TCP, 4)
	if err := c.Bind(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err == nil {
		t.Error("connect to 10.0.0.1 from 127.0.0.1 succeeded")
	}
	if _, sent := l.lines(); sent != 0 {
		t.Errorf("%d packets out of the link, want none", sent)
	}
	// A packet from or to 127/8 that arrives on the link is a martian:
	// the stack drops it, and nothing answers it.
	syn := []byte{
		0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 127, 0, 0, 1, 10, 0, 1, 1,
		0x30, 0x39, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	}
	l.h.Deliver(syn)
	deadline := time.Now().Add(5 * time.Second)
	for l.h.Pending() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, sent := l.lines(); sent != 0 {
		t.Errorf("%d packets out of the link after a martian, want none", sent)
	}
}
