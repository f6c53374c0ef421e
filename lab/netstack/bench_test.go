package netstack_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/socketlab/socketlab/lab/netstack"
)

// BenchmarkStackEchoRoundTrip is what two of the lab's gVisor hosts cost
// alone: a 64-byte TCP round trip between two hosts joined by a cable
// (each one's output delivered to the other's inbound queue), an echo on
// raw endpoints, no trace, no switch, no WebSocket. It bounds from below
// every path that crosses a student's stack and a lab server's: compare it
// with lab/room's BenchmarkEchoRoundTrip and the root package's
// BenchmarkBridgeEchoRoundTrip.
func BenchmarkStackEchoRoundTrip(b *testing.B) {
	var a, srv *netstack.Host
	mk := func(addr string, peer **netstack.Host) *netstack.Host {
		h, err := netstack.New(netstack.Config{
			Addr:   netip.MustParsePrefix(addr),
			Output: func(pkt []byte) { (*peer).Deliver(pkt) },
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(h.Close)
		return h
	}
	a = mk("10.0.1.1/16", &srv)
	srv = mk("10.0.0.1/16", &a)
	ctx := context.Background()

	ln, _ := srv.NewEndpoint(netstack.TCP, 3)
	if err := ln.Bind(netip.MustParseAddrPort("0.0.0.0:7")); err != nil {
		b.Fatal(err)
	}
	if err := ln.Listen(5); err != nil {
		b.Fatal(err)
	}
	go func() {
		c, _, err := ln.Accept(ctx, 4)
		if err != nil {
			return
		}
		for {
			p, err := c.Read(ctx, 1024)
			if err != nil || len(p) == 0 {
				return
			}
			if _, err := c.Write(ctx, p); err != nil {
				return
			}
		}
	}()
	c, _ := a.NewEndpoint(netstack.TCP, 3)
	if err := c.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(ctx, msg); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(msg); {
			p, err := c.Read(ctx, len(msg)-got)
			if err != nil {
				b.Fatal(err)
			}
			got += len(p)
		}
	}
}
