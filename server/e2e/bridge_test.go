package e2e

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sock"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/server/servertest"
)

func dialBridge(t testing.TB, addr string) *bridge.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := bridge.Dial(ctx, "ws://"+addr+"/bridge", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestBridgeEndToEnd drives the real client through the real server over a
// real WebSocket: the student's stack here, the lab server's there.
func TestBridgeEndToEnd(t *testing.T) {
	addr := servertest.Start(t, server.Config{})
	c := dialBridge(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st := c.Sockets()
	if !strings.HasPrefix(c.Addr().String(), "10.0.") || c.Hello().Host.Gateway != "10.0.0.1" {
		t.Fatalf("hello = %+v", c.Hello())
	}

	// TCP echo.
	s, _ := st.Socket(sock.Stream)
	if err := s.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		t.Fatal(err)
	}
	if err := s.SendAll(ctx, []byte("over the bridge\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recv(ctx, 1024); string(got) != "over the bridge\n" {
		t.Fatalf("recv = %q, %v", got, err)
	}
	s.Close()

	// UDP echo.
	u, _ := st.Socket(sock.Datagram)
	u.SendTo(ctx, []byte("datagram"), netip.MustParseAddrPort("10.0.0.1:7"))
	if got, from, err := u.RecvFrom(ctx, 100); string(got) != "datagram" || from.Port() != 7 {
		t.Fatalf("recvfrom = %q, %v, %v", got, from, err)
	}

	// A closed port.
	r, _ := st.Socket(sock.Stream)
	if err := r.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:9")); sock.Python(err) != "ConnectionRefusedError: [Errno 111] Connection refused" {
		t.Fatalf("connect to a closed port: %v", err)
	}

	// The server's calls arrive, in order with the packets that caused
	// them.
	var evs []lab.Event
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs = c.Trace().Events()
		if slices.ContainsFunc(evs, func(e lab.Event) bool {
			return e.Kind == lab.KindCall && e.Host == "10.0.0.1" && e.Call.Name == "close" && e.Call.Proto == "tcp"
		}) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	find := func(what string, match func(lab.Event) bool) int {
		i := slices.IndexFunc(evs, match)
		if i < 0 {
			t.Fatalf("no %s in the trace", what)
		}
		return i
	}
	server := func(name string) func(lab.Event) bool {
		return func(e lab.Event) bool {
			return e.Kind == lab.KindCall && e.Host == "10.0.0.1" && e.Call.Name == name && e.Call.Proto == "tcp"
		}
	}
	synack := find("SYN-ACK", func(e lab.Event) bool {
		return e.Kind == lab.KindPacket && e.Packet.TCP != nil && e.Packet.TCP.Flags.SYN && e.Packet.TCP.Flags.ACK
	})
	dataOut := find("our data", func(e lab.Event) bool {
		return e.Kind == lab.KindPacket && e.Packet.Dir == lab.Out && e.Packet.TCP != nil && e.Packet.TCP.PayloadLen > 0
	})
	accept := find("server accept", server("accept"))
	recv := find("server recv", server("recv"))
	send := find("server sendall", server("sendall"))
	closed := find("server close", server("close"))
	if !(synack < accept && dataOut < recv && recv < send && send < closed) {
		t.Errorf("order: synack %d accept %d dataOut %d recv %d send %d close %d", synack, accept, dataOut, recv, send, closed)
	}
	if got := evs[recv].Call.Result; got != `b'over the bridge\n'` {
		t.Errorf("server recv = %s", got)
	}
	// One timeline: in time order, though not in order of seq (a server
	// call is placed before the packets it sent, recorded earlier).
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d at %v is before event %d's %v", i, evs[i].Time, i-1, evs[i-1].Time)
		}
	}
}

// TestBridgeReconnects ends a session from the server side (it idles out)
// and finds the client on a fresh session, saying so in its trace.
func TestBridgeReconnects(t *testing.T) {
	addr := servertest.Start(t, server.Config{IdleTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	trace := lab.NewTrace(0)
	clients := make(chan *bridge.Client, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bridge.Keep(ctx, "ws://"+addr+"/bridge", bridge.Options{Trace: trace}, func(c *bridge.Client) { clients <- c })
	}()
	defer func() { cancel(); <-done }()

	first := <-clients
	var second *bridge.Client
	select {
	case second = <-clients:
	case <-time.After(10 * time.Second):
		t.Fatal("no fresh session after the first idled out")
	}
	if first.Hello().Session == second.Hello().Session {
		t.Error("the second session has the first one's id")
	}
	var whats []string
	for _, e := range trace.Events() {
		if e.Kind == lab.KindSession {
			whats = append(whats, e.Session.What)
		}
	}
	got := strings.Join(whats, " ")
	for _, want := range []string{"connected", "closed", "reconnecting", "reconnected"} {
		if !strings.Contains(got, want) {
			t.Errorf("session events %q lack %q", got, want)
		}
	}
	if i := slices.IndexFunc(trace.Events(), func(e lab.Event) bool {
		return e.Kind == lab.KindSession && e.Session.What == "closed" && strings.Contains(e.Session.Message, "idle")
	}); i < 0 {
		t.Errorf("no event says the session ended for being idle: %q", got)
	}
	// The fresh session works.
	s, _ := second.Sockets().Socket(sock.Datagram)
	s.SendTo(ctx, []byte("again"), netip.MustParseAddrPort("10.0.0.1:7"))
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	if b, _, err := s.RecvFrom(rctx, 10); string(b) != "again" {
		t.Errorf("echo on the fresh session = %q, %v", b, err)
	}
}
