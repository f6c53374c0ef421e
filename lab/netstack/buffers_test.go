package netstack_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/netstack"
)

// A host with Config.Buffer holds no more than it for a connection's
// receive queue, however much its peer sends, and Buffered says what it
// holds from that peer.
func TestBufferBoundsWhatAPeerCanQueue(t *testing.T) {
	if _, err := netstack.New(netstack.Config{Addr: netip.MustParsePrefix("10.0.0.1/16"), Output: func([]byte) {}, Buffer: 100}); err == nil {
		t.Error("a buffer of 100 bytes taken, want it refused (under netstack.MinBuffer)")
	}
	var srv, cli *netstack.Host
	mk := func(addr string, buffer int, peer **netstack.Host) *netstack.Host {
		h, err := netstack.New(netstack.Config{
			Addr: netip.MustParsePrefix(addr), Buffer: buffer,
			Output: func(pkt []byte) { (*peer).Deliver(pkt) },
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}
	const buffer = 8 << 10
	srv = mk("10.0.0.1/16", buffer, &cli)
	cli = mk("10.0.1.1/16", 0, &srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ln, _ := srv.NewEndpoint(netstack.TCP, 1)
	defer ln.Close()
	if err := ln.Bind(netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(8); err != nil {
		t.Fatal(err)
	}
	c, _ := cli.NewEndpoint(netstack.TCP, 1)
	defer c.Close()
	if err := c.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		t.Fatal(err)
	}
	conn, _, err := ln.Accept(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The client writes 64 KiB in the background; the server reads none.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go c.Write(sctx, make([]byte, 64<<10))

	peer := cli.Addr()
	deadline := time.Now().Add(10 * time.Second)
	held, last := 0, -1
	for held != last || held == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server's queues still changing after 10 s: %d bytes", held)
		}
		time.Sleep(50 * time.Millisecond)
		last, held = held, srv.Buffered(peer)
	}
	if held < buffer/4 || held > buffer {
		t.Errorf("the server holds %d bytes from a peer that sent 64 KiB it does not read, want some, at most its buffer, %d", held, buffer)
	}
	if n := srv.Buffered(netip.MustParseAddr("10.0.9.9")); n != 0 {
		t.Errorf("Buffered for a host with no connection = %d, want 0", n)
	}
}
