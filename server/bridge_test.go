package server

import (
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/services"
)

// A session starts with a hello that sets up the student's host, and then
// carries real packets both ways: the lab server answers a SYN to its echo
// service with a SYN-ACK, a SYN to a closed port with a reset, a UDP
// datagram to its echo service with the datagram, and the lab server's
// calls and socket states come as events.
func TestBridgeSession(t *testing.T) {
	ls := serve(t, Config{})
	c := dial(t, ls, nil)

	h := c.hello
	if h.Version != bridge.Version || h.Host.Prefix != 16 || h.Host.Gateway != "10.0.0.1" || h.Host.MTU != 1500 {
		t.Errorf("hello = %+v, want version %d, prefix 16, gateway 10.0.0.1, MTU 1500", h, bridge.Version)
	}
	if id, err := hex.DecodeString(h.Session); err != nil || len(id) != 8 {
		t.Errorf("session id %q, want 16 hex digits", h.Session)
	}
	if !netip.MustParsePrefix("10.0.0.0/16").Contains(c.addr) || c.addr == labServerAddr {
		t.Errorf("host address %v is not a student's on 10.0.0.0/16", c.addr)
	}
	if !slices.Equal(h.Services, helloServices(services.Standard)) {
		t.Errorf("hello's services = %+v, want the standard ones", h.Services)
	}

	// The lab server's setup comes first: its echo service listening.
	c.event("the echo service's listen call", func(e lab.Event) bool {
		return e.Kind == lab.KindCall && e.Call.Name == "listen" && e.Call.Local.Port() == 7
	})

	src := netip.AddrPortFrom(c.addr, 40000)
	c.send(labtest.TCP(src, echoTCP, 1000, 0, header.TCPFlagSyn))
	ip, _ := c.packet("the SYN-ACK", fromPort(7, 40000))
	tcp := header.TCP(ip.Payload())
	if ip.DestinationAddress() != tcpip.AddrFrom4(c.addr.As4()) || !ip.IsChecksumValid() {
		t.Errorf("SYN-ACK's IP header: to %v, checksum valid %v", ip.DestinationAddress(), ip.IsChecksumValid())
	}
	if tcp.Flags() != header.TCPFlagSyn|header.TCPFlagAck || tcp.AckNumber() != 1001 {
		t.Errorf("answer to the SYN: flags %v ack %d, want SYN-ACK acking 1001", tcp.Flags(), tcp.AckNumber())
	}
	if !tcp.IsChecksumValid(ip.SourceAddress(), ip.DestinationAddress(), 0, 0) {
		t.Error("SYN-ACK's TCP checksum is wrong")
	}
	c.event("the lab server's SYN-RECEIVED", func(e lab.Event) bool {
		return e.Kind == lab.KindState && e.State.To == lab.StateSynReceived && e.State.Peer == src
	})
	// Reset the half-open connection, as a host that never sent the SYN would.
	c.send(labtest.TCP(src, echoTCP, 1001, 0, header.TCPFlagRst))

	c.send(labtest.TCP(netip.AddrPortFrom(c.addr, 40001), closedTCP, 5000, 0, header.TCPFlagSyn))
	ip, _ = c.packet("the reset", fromPort(9, 40001))
	if f := header.TCP(ip.Payload()).Flags(); f&header.TCPFlagRst == 0 {
		t.Errorf("answer to a SYN to a closed port: flags %v, want RST", f)
	}

	c.echoes(40002)

	// The writer counts a message once it is written: the client may have
	// it first.
	ls.waitStats(t, "the session's counts", func(st Stats) bool {
		return st.SessionsCurrent == 1 && st.SessionsTotal == 1 && st.PacketsIn == 4 && st.PacketsOut >= 3 && st.EventsOut > 0
	})
}

// A packet whose source is not the session's address is dropped and
// counted: the lab server never sees it.
func TestSpoofedSource(t *testing.T) {
	ls := serve(t, Config{})
	c := dial(t, ls, nil)
	spoof := netip.AddrPortFrom(netip.MustParseAddr("10.0.9.9"), 40000)
	c.send(labtest.TCP(spoof, echoTCP, 1000, 0, header.TCPFlagSyn))
	c.send(labtest.UDP(spoof, echoUDP, []byte("spoofed")))
	// The reader handles messages in order: once the echo is back, the
	// switch has seen the spoofed ones.
	if skipped := c.echoes(40001); len(skipped) != 0 {
		t.Errorf("packets besides the echo: %s", describe(skipped))
	}
	if st := ls.Stats(); st.Drops.Spoofed != 2 {
		t.Errorf("spoofed drops = %d, want 2", st.Drops.Spoofed)
	}
	// Had the lab server seen them, it would have answered 10.0.9.9, which
	// has no route.
	if rc := ls.room(t).Counters(); rc.Spoofed != 2 || rc.NoRoute != 0 {
		t.Errorf("switch counters %+v, want 2 spoofed and none without a route", rc)
	}
}

// A message over its bound closes the session with 1009 and a reason the
// client can read; a session beside it keeps working.
func TestTooBig(t *testing.T) {
	ls := serve(t, Config{})
	healthy := dial(t, ls, nil)
	for _, tc := range []struct {
		name   string
		typ    int
		size   int
		reason string
	}{
		{"packet over the MTU", websocket.BinaryMessage, MTU + 1, "MTU"},
		{"jumbo packet", websocket.BinaryMessage, 9000, "MTU"},
		{"text over MaxText", websocket.TextMessage, bridge.MaxText + 1, "text"},
		{"over the read limit in one frame", websocket.BinaryMessage, 1 << 20, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, ls, nil)
			// The client writes a message in frames of its write buffer's
			// size: the last case's is one frame, which the WebSocket
			// library refuses from its header.
			if tc.size > readLimit {
				d := websocket.Dialer{WriteBufferSize: tc.size + 64}
				ws, _, err := d.Dial(ls.url, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer ws.Close()
				c.ws.Close()
				c.ws = ws
			}
			c.write(tc.typ, make([]byte, tc.size))
			var ce *websocket.CloseError
			if tc.size > readLimit {
				// The WebSocket library closes the connection itself
				// from the frame's header, before the server can say
				// bye.
				ce, _ = c.closedBy()
			} else {
				ce = c.closed()
			}
			if ce.Code != bridge.CloseTooBig || !strings.Contains(ce.Text, tc.reason) {
				t.Errorf("close %d %q, want %d with a reason about %q", ce.Code, ce.Text, bridge.CloseTooBig, tc.reason)
			}
		})
	}
	ls.waitStats(t, "four drops for size", func(st Stats) bool {
		return st.Drops.TooBig == 4 && st.Closed[bridge.CloseTooBig] == 4 && st.SessionsCurrent == 1
	})
	healthy.echoes(40000)
}

// Only the lab's own pages, pages the server was told to allow, and
// native clients may open the bridge.
func TestOrigin(t *testing.T) {
	ls := serve(t, Config{AllowOrigins: []string{"https://lab.example.org", "workshop.example.org:8443"}})
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"http://" + ls.addr, true},
		{"https://lab.example.org", true},
		{"HTTPS://Lab.Example.org", true},
		{"http://workshop.example.org:8443", true},
		{"https://evil.example", false},
		{"http://lab.example.org", false},
		{"null", false},
		{"http://" + ls.addr + ".evil.example", false},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		ws, resp, err := websocket.DefaultDialer.Dial(ls.url, h)
		if tc.ok {
			if err != nil {
				t.Errorf("origin %q: %v, want a session", tc.origin, err)
				continue
			}
			ws.Close()
			continue
		}
		if err == nil {
			ws.Close()
			t.Errorf("origin %q: a session, want 403", tc.origin)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: %v, want HTTP 403", tc.origin, err)
		}
	}
	if st := ls.Stats(); st.Refused.Origin != 4 {
		t.Errorf("refused for origin: %d, want 4", st.Refused.Origin)
	}
}

// Thousands of random messages, binary and text, leave the abusive session
// open and another session working throughout.
func TestAbuse(t *testing.T) {
	ls := serve(t, Config{PacketRate: -1})
	bad, good := dial(t, ls, nil), dial(t, ls, nil)

	// The abuser reads everything it is sent, as a client must, and
	// reports pongs.
	pongs := make(chan struct{}, 100)
	readerDone := make(chan struct{})
	// It reads for as long as the abuse takes: on a busy machine, longer
	// than the deadline dial left (the test closes the connection at the
	// end).
	bad.ws.SetReadDeadline(time.Time{})
	go func() {
		defer close(readerDone)
		for {
			typ, b, err := bad.ws.ReadMessage()
			if err != nil {
				t.Logf("the abuser's read ended: %v", err)
				return
			}
			if typ == websocket.TextMessage && strings.Contains(string(b), `"pong"`) {
				pongs <- struct{}{}
			}
		}
	}()

	abuseDone := make(chan struct{})
	go func() {
		defer close(abuseDone)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 4000 {
			typ, msg := websocket.BinaryMessage, randomPacket(rng, bad.addr)
			if i%4 == 3 {
				typ, msg = websocket.TextMessage, randomText(rng)
			}
			bad.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := bad.ws.WriteMessage(typ, msg); err != nil {
				t.Errorf("abuse message %d: %v", i, err)
				return
			}
		}
	}()
	for i := uint16(0); ; i++ {
		good.synAcked(41000 + i)
		good.echoes(42000 + i)
		select {
		case <-abuseDone:
		default:
			continue
		}
		break
	}
	good.synAcked(43000)
	good.echoes(43001)

	// The abuser's session is still up, and answers. Its answers to the
	// bad texts may still fill the queue of answers (64), past which an
	// answer is dropped: it pings again each second until a pong comes.
	giveUp := time.After(10 * time.Second)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
ping:
	for {
		bad.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := bad.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case <-pongs:
			break ping
		case <-readerDone:
			t.Fatal("the abuser's session ended")
		case <-giveUp:
			t.Fatal("no pong for the abuser")
		case <-tick.C:
		}
	}
	// The pong came after every message before the ping was handled.
	st := ls.Stats()
	if st.SessionsCurrent != 2 || st.Drops.BadText != 1000 || st.Drops.Malformed == 0 || st.Errors != 0 {
		t.Errorf("stats = %+v, want two sessions, 1000 bad texts, malformed packets, no errors", st)
	}
	bad.ws.Close()
	<-readerDone
}

// randomPacket is a random binary message up to the MTU: random bytes; or
// an IPv4 header from src with a good checksum and random bytes after it;
// or a TCP segment or UDP datagram from src to the lab server or a random
// address, checksums right, with random ports, flags, numbers and data.
func randomPacket(rng *rand.Rand, src netip.Addr) []byte {
	junk := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	dst := labServerAddr
	if rng.IntN(4) == 0 {
		dst = netip.AddrFrom4([4]byte{10, 0, byte(rng.Uint32()), byte(rng.Uint32())})
	}
	from := netip.AddrPortFrom(src, uint16(rng.Uint32()))
	to := netip.AddrPortFrom(dst, []uint16{7, 13, 9, uint16(rng.Uint32())}[rng.IntN(4)])
	switch rng.IntN(4) {
	case 0:
		return junk(rng.IntN(MTU + 1))
	case 1:
		return labtest.IPv4(src, dst, []tcpip.TransportProtocolNumber{1, 6, 17, 99}[rng.IntN(4)], junk(rng.IntN(MTU-19)))
	case 2:
		return labtest.UDP(from, to, junk(rng.IntN(MTU-27)))
	}
	flags := header.TCPFlags(rng.Uint32())
	return labtest.TCP(from, to, rng.Uint32(), rng.Uint32(), flags)
}

// randomText is random JSON-ish text up to the MTU in length, never a ping.
func randomText(rng *rand.Rand) []byte {
	parts := []string{`{`, `}`, `[`, `]`, `"type"`, `:`, `,`, `"event"`, `"hello"`, `null`, `1e999`, `"\u0000"`, `"é"`, "\xff", ` `, `{"type":`, `"`}
	var b []byte
	for n := rng.IntN(MTU); len(b) < n; {
		if rng.IntN(8) == 0 {
			b = append(b, byte(rng.Uint32()))
			continue
		}
		b = append(b, parts[rng.IntN(len(parts))]...)
	}
	return b
}

// Two sessions are two lab networks: nothing one sends reaches the other,
// not even to the address the other has.
func TestSessionsAreIsolated(t *testing.T) {
	ls := serve(t, Config{})
	a, b := dial(t, ls, nil), dial(t, ls, nil)
	from := netip.AddrPortFrom(a.addr, 40000)
	for _, to := range []netip.Addr{b.addr, b.addr.Next(), a.addr} {
		a.send(labtest.UDP(from, netip.AddrPortFrom(to, 7), []byte("hello, neighbour")))
		a.send(labtest.TCP(from, netip.AddrPortFrom(to, 7), 1, 0, header.TCPFlagSyn))
	}
	// Once a's echo is back, the switch has handled all of a's packets.
	if skipped := a.echoes(40001); len(skipped) != 0 {
		t.Errorf("a got packets: %s", describe(skipped))
	}
	if skipped := b.echoes(40002); len(skipped) != 0 {
		t.Errorf("b got packets: %s", describe(skipped))
	}
}

// Messages over the session's rate are dropped and counted; a client that
// stays over it is closed with 1008.
func TestPacketRate(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)} // never moves
	ls := serve(t, Config{PacketRate: 100, PacketBurst: 10, RateDropLimit: 50}, func(s *Server) { s.now = clk.Now })

	c := dial(t, ls, nil)
	for i := range 30 {
		c.send(labtest.UDP(netip.AddrPortFrom(c.addr, uint16(40000+i)), echoUDP, []byte("x")))
	}
	st := ls.waitStats(t, "30 packets in", func(st Stats) bool { return st.PacketsIn == 30 })
	if st.Drops.Rate != 20 {
		t.Errorf("rate drops = %d, want 20 (30 packets, a burst of 10, a clock that does not move)", st.Drops.Rate)
	}
	for range 30 {
		c.send(labtest.UDP(netip.AddrPortFrom(c.addr, 40000), echoUDP, []byte("x")))
	}
	if ce := c.closed(); ce.Code != bridge.ClosePolicy || ce.Text != "packet rate" {
		t.Errorf("close %d %q, want %d %q", ce.Code, ce.Text, bridge.ClosePolicy, "packet rate")
	}
}

// A session whose client sends nothing for IdleTimeout is closed with 1001.
func TestIdle(t *testing.T) {
	ls := serve(t, Config{IdleTimeout: 100 * time.Millisecond})
	c := dial(t, ls, nil)
	if ce := c.closed(); ce.Code != bridge.CloseGoingAway || ce.Text != "idle" {
		t.Errorf("close %d %q, want %d %q", ce.Code, ce.Text, bridge.CloseGoingAway, "idle")
	}
	ls.waitStats(t, "no sessions", func(st Stats) bool { return st.SessionsCurrent == 0 })
}

// Text messages that are not requests are counted and answered with
// errors; a ping is answered; the session stays up.
func TestText(t *testing.T) {
	ls := serve(t, Config{})
	c := dial(t, ls, nil)
	for _, s := range []string{"", "not json", "[]", "{}", `{"type":7}`, `{"type":"nope"}`, `null`} {
		c.write(websocket.TextMessage, []byte(s))
	}
	c.write(websocket.TextMessage, []byte(`{"type":"ping"}`))
	errs := 0
	for {
		typ, b, err := c.next()
		if err != nil {
			t.Fatal(err)
		}
		if typ == websocket.TextMessage && strings.HasPrefix(string(b), `{"type":"error",`) {
			errs++
		}
		if typ == websocket.TextMessage && strings.HasPrefix(string(b), `{"type":"pong",`) {
			var pong bridge.PongMessage
			if err := json.Unmarshal(b, &pong); err != nil || pong.Received.IsZero() || pong.Sent.Before(pong.Received) {
				t.Errorf("pong %s: want the server's times, received then sent (%v)", b, err)
			}
			break
		}
	}
	if errs != 7 {
		t.Errorf("%d error messages before the pong, want 7", errs)
	}
	if st := ls.Stats(); st.Drops.BadText != 7 || st.TextIn != 1 {
		t.Errorf("bad text %d, text in %d; want 7 and 1", st.Drops.BadText, st.TextIn)
	}
	c.echoes(40000)
}

// A server at MaxSessions refuses the next session with 1013, and takes
// one again once a session has ended.
func TestMaxSessions(t *testing.T) {
	ls := serve(t, Config{MaxSessions: 1})
	first := dial(t, ls, nil)
	ws, _, err := websocket.DefaultDialer.Dial(ls.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	second := &client{t: t, ws: ws}
	if ce := second.closed(); ce.Code != bridge.CloseTryAgain {
		t.Errorf("second session: close %d, want %d", ce.Code, bridge.CloseTryAgain)
	}
	if st := ls.Stats(); st.Refused.Full != 1 {
		t.Errorf("refused for being full: %d, want 1", st.Refused.Full)
	}
	first.ws.Close()
	ls.waitStats(t, "no sessions", func(st Stats) bool { return st.SessionsCurrent == 0 })
	dial(t, ls, nil).echoes(40000)
}

// A session's host may hold MaxConnections connections to the lab server;
// one more is accepted and closed at once. (Which one is the lab server's
// accept queue's business: gVisor may complete handshakes out of order.)
func TestMaxConnections(t *testing.T) {
	ls := serve(t, Config{MaxConnections: 2})
	c := dial(t, ls, nil)
	for port := uint16(40001); port <= 40003; port++ {
		src := netip.AddrPortFrom(c.addr, port)
		synAck := c.synAcked(port)
		c.send(labtest.TCP(src, echoTCP, 1001, synAck.SequenceNumber()+1, header.TCPFlagAck))
	}
	fin, _ := c.packet("a FIN", func(ip header.IPv4) bool {
		return ip.TransportProtocol() == header.TCPProtocolNumber && header.TCP(ip.Payload()).Flags()&header.TCPFlagFin != 0
	})
	closed := header.TCP(fin.Payload()).DestinationPort()
	ls.waitStats(t, "a refused connection", func(st Stats) bool { return st.ConnsRefused == 1 })
	// Once the echo is back, every FIN the lab server sent is in.
	for _, ip := range c.echoes(40000) {
		tcp := header.TCP(ip.Payload())
		if tcp.Flags()&header.TCPFlagFin != 0 && tcp.DestinationPort() != closed {
			t.Errorf("the lab server closed a second connection, to port %d (the first to %d)", tcp.DestinationPort(), closed)
		}
	}
}

// A client that cannot take the lab server's events as fast as they come is
// closed with 1008: its trace would have holes.
func TestEventsOverflow(t *testing.T) {
	ls := serve(t, Config{EventQueue: 1})
	c := dial(t, ls, nil) // the lab server's setup is more than one event
	if ce := c.closed(); ce.Code != bridge.ClosePolicy || ce.Text != "too slow reading events" {
		t.Errorf("close %d %q, want %d %q", ce.Code, ce.Text, bridge.ClosePolicy, "too slow reading events")
	}
}

// When Serve's context ends, every session is closed with 1001 and Serve
// returns, leaving no goroutine behind.
func TestShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	ls := serve(t, Config{})
	a, b := dial(t, ls, nil), dial(t, ls, nil)
	a.echoes(40000)
	b.synAcked(40001)

	stopped := make(chan error, 1)
	go func() { stopped <- ls.stop() }()
	for _, c := range []*client{a, b} {
		if ce := c.closed(); ce.Code != bridge.CloseGoingAway || ce.Text != "server shutting down" {
			t.Errorf("close %d %q, want %d %q", ce.Code, ce.Text, bridge.CloseGoingAway, "server shutting down")
		}
		c.ws.Close()
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return within 5s of its context's end")
	}
	if _, _, err := websocket.DefaultDialer.Dial(ls.url, nil); err == nil {
		t.Error("a session after shutdown")
	}
	if err := labtest.WaitGoroutines(before, 5*time.Second); err != nil {
		t.Error(err)
	}
}
