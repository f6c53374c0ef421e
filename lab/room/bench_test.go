package room_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/services"
	"github.com/socketlab/socketlab/lab/sock"
)

// BenchmarkEchoRoundTrip is a 64-byte round trip through a room: the
// student's stack, the switch, the lab server's stack, the traced echo
// service, and back. Compare it with BenchmarkKernelEchoRoundTrip, the
// same loop over the kernel's loopback, from the same run.
func BenchmarkEchoRoundTrip(b *testing.B) {
	r, err := room.New(room.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	h, _ := r.AddHost()
	ctx := context.Background()
	s, _ := h.Sockets().Socket(sock.Stream)
	if err := s.Connect(ctx, echoTCP); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
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
	b.StopTimer()
	c := r.Counters()
	b.ReportMetric(float64(c.Forwarded)/float64(b.N), "packets/op")
}

// BenchmarkKernelEchoRoundTrip is the floor: the same echo service and
// loop over the kernel's TCP loopback.
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
