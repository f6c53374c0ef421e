package room_test

import (
	"context"
	"testing"

	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/sock"
)

// BenchmarkEchoRoundTrip is a 64-byte round trip through a room: the
// student's stack, the switch, the lab server's stack, the traced echo
// service, and back. Compare it with the root package's
// BenchmarkKernelEchoRoundTrip, the same loop over the kernel's loopback,
// in the same run: go test -run '^$' -bench EchoRoundTrip ./lab/room/ .
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
