package main

import (
	"context"
	"io"
	"net"
	"net/netip"
	"testing"

	"github.com/socketlab/socketlab/lab/services"
	"github.com/socketlab/socketlab/lab/sock"
	"github.com/socketlab/socketlab/server"
)

// BenchmarkBridgeEchoRoundTrip is a 64-byte round trip through the full
// lab path: the client's stack, the WebSocket, the server's switch, the lab
// server's stack, the traced echo service, and back. Compare it with
// BenchmarkKernelEchoRoundTrip from the same run:
//
//	go test -run '^$' -bench EchoRoundTrip .
func BenchmarkBridgeEchoRoundTrip(b *testing.B) {
	addr := startServer(b, server.Config{PacketRate: -1})
	c := dialBridge(b, addr)
	ctx := context.Background()
	s, _ := c.Sockets().Socket(sock.Stream)
	if err := s.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SendAll(ctx, msg); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(msg); {
			p, err := s.Recv(ctx, len(msg)-got)
			if err != nil {
				b.Fatal(err)
			}
			got += len(p)
		}
	}
}

// BenchmarkKernelEchoRoundTrip is the floor: the same echo service and a
// 64-byte round trip over the kernel's TCP loopback.
func BenchmarkKernelEchoRoundTrip(b *testing.B) {
	srv := services.NewServer(nil)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv.ServeTCP(ln, services.Echo)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg, buf := make([]byte, 64), make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}
