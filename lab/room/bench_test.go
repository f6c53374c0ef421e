package room_test

import (
	"context"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/sock"
)

// BenchmarkEchoRoundTrip is a 64-byte round trip through a room: the
// student's stack, the switch, the lab server's stack, the traced echo
// service, and back. Compare it with server/e2e's
// BenchmarkKernelEchoRoundTrip, the same loop over the kernel's loopback,
// in the same run: go test -run '^$' -bench EchoRoundTrip ./lab/room/ ./server/e2e
func BenchmarkEchoRoundTrip(b *testing.B) {
	l := newLab(b, room.Config{})
	r, h := l.Room, l.Host
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

// BenchmarkSwitchForward is the switch alone: a packet from one student's
// port to another's (in a room whose students see each other), handed to
// a sink that drops it. Forwarding allocates nothing.
func BenchmarkSwitchForward(b *testing.B) {
	r, err := room.New(room.Config{StudentsSeeEachOther: true})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var delivered int
	from, _ := r.Attach(func([]byte) {}, nil)
	to, _ := r.Attach(func([]byte) { delivered++ }, nil)
	pkt := labtest.Ping(from.Addr(), to.Addr(), 1)
	b.ReportAllocs()
	for b.Loop() {
		from.Send(pkt)
	}
	if delivered != b.N {
		b.Fatalf("delivered %d of %d", delivered, b.N)
	}
}

// BenchmarkLabServerPing is a packet's way into the lab server and back,
// without a service: an ICMP echo request from a student's port through
// the switch into the lab server's stack, and the reply the stack sends
// at once back through the switch to the port. "queued" comes in as from
// a host's sending path (Port.Send: the lab server's inbound queue and its
// receive goroutine); "direct" as from a bridge's reader (Port.SendNow:
// into the stack on the caller's goroutine).
func BenchmarkLabServerPing(b *testing.B) {
	for _, direct := range []bool{false, true} {
		name := "queued"
		if direct {
			name = "direct"
		}
		b.Run(name, func(b *testing.B) {
			r, err := room.New(room.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			replies := make(chan struct{}, 1)
			port, _ := r.Attach(func(pkt []byte) {
				if len(pkt) > 20 && pkt[20] == 0 { // echo reply
					replies <- struct{}{}
				}
			}, nil)
			send := port.Send
			if direct {
				send = port.SendNow
			}
			pkt := labtest.Ping(port.Addr(), r.Server(), 1)
			b.ReportAllocs()
			for b.Loop() {
				send(pkt)
				<-replies
			}
		})
	}
}

// BenchmarkWire is what an idle wire costs the forwarding path: the echo
// round trip and the switch alone, with the ports' wires absent (never
// asked for) and present but clear (impaired, then cleared), in the same
// run. A clear wire is an atomic load of a nil pointer a port.
func BenchmarkWire(b *testing.B) {
	for _, wire := range []string{"absent", "clear"} {
		clear := func(ports ...*room.Port) {
			if wire == "clear" {
				for _, p := range ports {
					p.Wire().Set(lab.WireSettings{Loss: 0.5, Delay: time.Second})
					p.Wire().Set(lab.WireSettings{})
				}
			}
		}
		b.Run("EchoRoundTrip/"+wire, func(b *testing.B) {
			l := newLab(b, room.Config{})
			clear(l.Host.Port())
			ctx := context.Background()
			s, _ := l.Host.Sockets().Socket(sock.Stream)
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
		})
		b.Run("SwitchForward/"+wire, func(b *testing.B) {
			r, err := room.New(room.Config{StudentsSeeEachOther: true})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			from, _ := r.Attach(func([]byte) {}, nil)
			to, _ := r.Attach(func([]byte) {}, nil)
			clear(from, to)
			pkt := labtest.Ping(from.Addr(), to.Addr(), 1)
			b.ReportAllocs()
			for b.Loop() {
				from.Send(pkt)
			}
		})
	}
}
