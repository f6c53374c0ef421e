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

// pair is two hosts joined by a cable, with one log of what both saw.
type pair struct {
	a, b *netstack.Host
	mu   sync.Mutex
	log  []string // "A state SYN-SENT", "A out 20+20"…
}

func (p *pair) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, s)
}

func (p *pair) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

func newPair(t *testing.T) *pair {
	t.Helper()
	p := &pair{}
	var a, b *netstack.Host
	mk := func(name, addr string, peer **netstack.Host) *netstack.Host {
		h, err := netstack.New(netstack.Config{
			Addr:     netip.MustParsePrefix(addr),
			TimeWait: 200 * time.Millisecond,
			Output:   func(pkt []byte) { (*peer).Deliver(pkt) },
			Observe: func(_ string, dir lab.Direction, _ time.Time, pkt []byte) {
				if pkt[9] == 6 { // TCP: log its flags
					p.add(name + " " + string(dir) + " " + tcpFlags(pkt[20+13]))
				}
			},
			Recorder: lab.RecorderFunc(func(e lab.Event) {
				if e.State.Socket > 0 { // our sockets, not accept-queue ones
					p.add(name + " state " + string(e.State.To))
				}
			}),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}
	a = mk("A", "10.0.0.2/16", &b)
	b = mk("B", "10.0.0.1/16", &a)
	p.a, p.b = a, b
	return p
}

func tcpFlags(f byte) string {
	names := []string{"F", "S", "R", "P", "A"}
	out := ""
	for i, n := range names {
		if f&(1<<i) != 0 {
			out += n
		}
	}
	return out
}

func TestTCPStatesAreRecordedBeforeThePacketsTheyCause(t *testing.T) {
	p := newPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ln, err := p.b.NewEndpoint(netstack.TCP, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Bind(netip.MustParseAddrPort("0.0.0.0:7")); err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(5); err != nil {
		t.Fatal(err)
	}
	accepted := make(chan *netstack.Endpoint, 1)
	go func() {
		c, _, err := ln.Accept(ctx, 4)
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()

	c, _ := p.a.NewEndpoint(netstack.TCP, 3)
	if err := c.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if _, err := c.Write(ctx, []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read(ctx, 100)
	if err != nil || string(got) != "hello\n" {
		t.Fatalf("server read %q, %v", got, err)
	}
	c.Close()
	if b, err := s.Read(ctx, 100); err != nil || len(b) != 0 {
		t.Fatalf("server read after FIN = %q, %v; want end of stream", b, err)
	}
	s.Close()

	// The client must pass through TIME-WAIT to CLOSED.
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(p.lines(), "A state CLOSED") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	log := p.lines()
	// Each state is recorded before the packet it makes the host send.
	for _, want := range [][2]string{
		{"A state SYN-SENT", "A out S"},
		{"A state ESTABLISHED", "A out A"},
		{"A state FIN-WAIT-1", "A out FA"},
		{"B state CLOSE-WAIT", "B out FA"},
		{"B state LAST-ACK", "B out FA"},
	} {
		i, j := slices.Index(log, want[0]), slices.Index(log, want[1])
		if i < 0 || j < 0 {
			t.Fatalf("missing %q or %q in\n%q", want[0], want[1], log)
		}
		if i > j {
			t.Errorf("%q came after %q:\n%q", want[0], want[1], log)
		}
	}
	// A state the peer's segment causes comes after that segment.
	for _, want := range [][2]string{
		{"B in FA", "B state CLOSE-WAIT"},
		{"A in FA", "A state TIME-WAIT"},
		{"A in A", "A state FIN-WAIT-2"},
		{"B in A", "B state CLOSED"},
	} {
		i, j := slices.Index(log, want[0]), slices.Index(log, want[1])
		if i < 0 || j < 0 || i > j {
			t.Errorf("want %q before %q in\n%q", want[0], want[1], log)
		}
	}
	for _, want := range []string{"A state FIN-WAIT-2", "A state CLOSED", "B state CLOSED"} {
		if !slices.Contains(log, want) {
			t.Errorf("missing %q in\n%q", want, log)
		}
	}
}

func TestErrorsAreErrnos(t *testing.T) {
	p := newPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, _ := p.a.NewEndpoint(netstack.TCP, 3)
	err := c.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:9"))
	if !errors.Is(err, lab.ECONNREFUSED) {
		t.Errorf("connect to closed port: %v, want ECONNREFUSED", err)
	}

	x, _ := p.a.NewEndpoint(netstack.TCP, 4)
	y, _ := p.a.NewEndpoint(netstack.TCP, 5)
	if err := x.Bind(netip.MustParseAddrPort("0.0.0.0:5000")); err != nil {
		t.Fatal(err)
	}
	if err := y.Bind(netip.MustParseAddrPort("0.0.0.0:5000")); !errors.Is(err, lab.EADDRINUSE) {
		t.Errorf("second bind: %v, want EADDRINUSE", err)
	}
	if err := y.Bind(netip.MustParseAddrPort("[::1]:5000")); !errors.Is(err, lab.EAFNOSUPPORT) {
		t.Errorf("bind to IPv6: %v, want EAFNOSUPPORT", err)
	}

	u, _ := p.a.NewEndpoint(netstack.UDP, 6)
	_ = u.Bind(netip.AddrPort{})
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, _, err := u.ReadFrom(short, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read with deadline: %v, want deadline exceeded", err)
	}
	done, cancelDone := context.WithCancel(ctx)
	cancelDone()
	if _, _, err := u.ReadFrom(done, 10); !errors.Is(err, lab.EAGAIN) {
		t.Errorf("non-blocking read: %v, want EAGAIN", err)
	}
}

func TestDeliverDropsWhatTheLinkDoesNotCarry(t *testing.T) {
	p := newPair(t)
	before := p.a.Dropped()
	p.a.Deliver(nil)
	p.a.Deliver(make([]byte, 1501))
	p.a.Deliver([]byte{0x60, 0, 0, 0}) // IPv6
	if got := p.a.Dropped() - before; got != 3 {
		t.Errorf("dropped %d, want 3", got)
	}
}

// A datagram of no bytes is read as an empty slice, not nil: it is a
// datagram, and the lab's UDP echo, which answers nil with nothing, must
// send it back, as RFC 862 and the kernel's echo do.
func TestReadFromEmptyDatagram(t *testing.T) {
	p := newPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, _ := p.b.NewEndpoint(netstack.UDP, 3)
	if err := srv.Bind(netip.MustParseAddrPort("0.0.0.0:7")); err != nil {
		t.Fatal(err)
	}
	u, _ := p.a.NewEndpoint(netstack.UDP, 3)
	if n, err := u.WriteTo(ctx, nil, netip.MustParseAddrPort("10.0.0.1:7")); n != 0 || err != nil {
		t.Fatalf("send an empty datagram: %d, %v", n, err)
	}
	b, from, err := srv.ReadFrom(ctx, 1024)
	if err != nil || b == nil || len(b) != 0 || from.Addr() != netip.MustParseAddr("10.0.0.2") {
		t.Errorf("read an empty datagram: %#v from %v, %v; want []byte{} from 10.0.0.2", b, from, err)
	}
}
