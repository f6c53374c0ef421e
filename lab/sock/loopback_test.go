package sock_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/sock"
)

func newLab(t *testing.T) *room.Lab {
	t.Helper()
	l, err := room.NewLab(room.Config{TimeWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// packets lists the host's TCP packet events as "iface dir flags", the
// flags as the summary names them ("lo out [SYN]"), and says when a
// checksum is wrong.
func packets(l *room.Lab) []string {
	var out []string
	for _, e := range l.Host.Trace().Events() {
		if p := e.Packet; p != nil && p.TCP != nil {
			flags := p.Summary[strings.Index(p.Summary, "[") : strings.Index(p.Summary, "]")+1]
			if !p.TCP.ChecksumOK || !p.IPv4.ChecksumOK {
				flags += " bad checksum"
			}
			out = append(out, p.Interface+" "+string(p.Dir)+" "+flags)
		}
	}
	return out
}

func TestConnectToLoopbackIsRefusedAtOnce(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := l.Host.Sockets().Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Connect(ctx, netip.MustParseAddrPort("127.0.0.1:7"))
	if serr := (*sock.Error)(nil); !errors.As(err, &serr) || serr.Errno != lab.ECONNREFUSED {
		t.Fatalf("connect to 127.0.0.1:7: %v, want ECONNREFUSED", err)
	}
	if got, want := packets(l), []string{"lo out [SYN]", "lo out [RST, ACK]"}; !slices.Equal(got, want) {
		t.Errorf("packets %q, want %q", got, want)
	}
}

func TestServerAndClientOnOneHost(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := l.Host.Sockets()
	ln, _ := st.Socket(sock.Stream)
	defer ln.Close()
	if err := ln.Bind(netip.MustParseAddrPort("0.0.0.0:5000")); err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(5); err != nil {
		t.Fatal(err)
	}
	c, _ := st.Socket(sock.Stream)
	if err := c.Connect(ctx, netip.MustParseAddrPort("127.0.0.1:5000")); err != nil {
		t.Fatal(err)
	}
	s, peer, err := ln.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if peer.Addr() != sock.Localhost {
		t.Errorf("accepted a connection from %v, want 127.0.0.1", peer)
	}
	if err := c.SendAll(ctx, []byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Recv(ctx, 100); err != nil || string(b) != "ping\n" {
		t.Fatalf("server got %q, %v", b, err)
	}
	if err := s.SendAll(ctx, []byte("pong\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := c.Recv(ctx, 100); err != nil || string(b) != "pong\n" {
		t.Fatalf("client got %q, %v", b, err)
	}
	c.Close()
	if b, err := s.Recv(ctx, 100); err != nil || len(b) != 0 {
		t.Fatalf("server got %q, %v after the FIN; want the end", b, err)
	}
	s.Close()
	if err := l.Room.WaitQuiet(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"lo out [SYN]", "lo out [SYN, ACK]", "lo out [ACK]",
		"lo out [PSH, ACK]", "lo out [ACK]", "lo out [PSH, ACK]", "lo out [ACK]",
		"lo out [FIN, ACK]", "lo out [ACK]", "lo out [FIN, ACK]", "lo out [ACK]",
	}
	if got := packets(l); !slices.Equal(got, want) {
		t.Errorf("packets\n%q\nwant\n%q", got, want)
	}
	// Both ends' states are on the trace, each socket its own.
	states := map[int][]lab.SocketState{}
	for _, e := range l.Host.Trace().Events() {
		if e.State != nil {
			states[e.State.Socket] = append(states[e.State.Socket], e.State.To)
		}
	}
	if got := states[c.FD()]; !slices.Contains(got, lab.StateEstablished) || !slices.Contains(got, lab.StateTimeWait) {
		t.Errorf("client's states %v", got)
	}
	if got := states[s.FD()]; !slices.Contains(got, lab.StateCloseWait) || !slices.Contains(got, lab.StateLastAck) {
		t.Errorf("server's states %v", got)
	}
	if n := l.Room.Counters().Forwarded; n != 0 {
		t.Errorf("the switch forwarded %d packets, want none", n)
	}
}

func TestDatagramsOnLoopback(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := l.Host.Sockets()
	u, _ := st.Socket(sock.Datagram)
	defer u.Close()
	if err := u.Bind(netip.MustParseAddrPort("127.0.0.1:9000")); err != nil {
		t.Fatal(err)
	}
	v, _ := st.Socket(sock.Datagram)
	defer v.Close()
	if _, err := v.SendTo(ctx, []byte("x"), netip.MustParseAddrPort("127.0.0.1:9000")); err != nil {
		t.Fatal(err)
	}
	b, from, err := u.RecvFrom(ctx, 10)
	if err != nil || string(b) != "x" || from.Addr() != sock.Localhost {
		t.Fatalf("recvfrom = %q, %v, %v; want x from 127.0.0.1", b, from, err)
	}
	// A datagram to a port nobody has: ICMP port unreachable, on lo.
	if err := v.Connect(ctx, netip.MustParseAddrPort("127.0.0.1:9001")); err != nil {
		t.Fatal(err)
	}
	v.Send(ctx, []byte("y"))
	if _, err := v.Recv(ctx, 10); sock.Python(err) != "ConnectionRefusedError: [Errno 111] Connection refused" {
		t.Errorf("recv after a datagram to a closed port: %v", sock.Python(err))
	}
	var ifaces []string
	for _, e := range l.Host.Trace().Events() {
		if p := e.Packet; p != nil {
			ifaces = append(ifaces, p.Interface+" "+p.Protocol)
			if p.UDP != nil && !p.UDP.ChecksumOK {
				t.Errorf("%s: bad checksum", p.Summary)
			}
		}
	}
	if want := []string{"lo UDP", "lo UDP", "lo ICMP"}; !slices.Equal(ifaces, want) {
		t.Errorf("packets %q, want %q", ifaces, want)
	}
}

// connect on a listening socket fails with EISCONN, as on Linux, and the
// socket goes on listening: a second connect does not replace it.
func TestConnectWhileListening(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := l.Host.Sockets().Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind(netip.MustParseAddrPort("0.0.0.0:5000")); err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(1); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		err = s.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7"))
		if serr := (*sock.Error)(nil); !errors.As(err, &serr) || serr.Errno != lab.EISCONN {
			t.Fatalf("connect while listening: %v, want EISCONN", err)
		}
	}
	c, err := l.Host.Sockets().Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Connect(ctx, netip.MustParseAddrPort("127.0.0.1:5000")); err != nil {
		t.Errorf("connect to the listener after: %v", err)
	}
}
