package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/room"
)

// TestMain fails the package if its tests leave goroutines behind.
func TestMain(m *testing.M) { labtest.Main(m) }

// labServer is a Server serving on a loopback port.
type labServer struct {
	*Server
	addr string // host:port
	url  string // ws://addr/bridge
	stop func() error
}

// serve runs a server for cfg on loopback until the test ends; setup, if
// set, adjusts it before it serves.
func serve(t *testing.T, cfg Config, setup ...func(*Server)) *labServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
		if testing.Verbose() {
			cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
		}
	}
	s := New(cfg)
	for _, f := range setup {
		f(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	var serveErr error
	ls := &labServer{Server: s, addr: ln.Addr().String(), url: "ws://" + ln.Addr().String() + "/bridge"}
	ls.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(10 * time.Second):
				serveErr = errors.New("Serve did not return within 10s of its context's end")
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := ls.stop(); err != nil {
			t.Error(err)
		}
	})
	return ls
}

// waitStats polls the server's counters until ok holds for them.
func (ls *labServer) waitStats(t *testing.T, what string, ok func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := ls.Stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; stats: %+v", what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// room is the room of the server's only session.
func (ls *labServer) room(t *testing.T) *room.Room {
	t.Helper()
	ls.sessions.mu.Lock()
	defer ls.sessions.mu.Unlock()
	if len(ls.sessions.sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(ls.sessions.sessions))
	}
	for s := range ls.sessions.sessions {
		return s.room
	}
	return nil
}

// client is a test's end of a session: a gorilla client, as a browser's
// WebSocket would be.
type client struct {
	t      *testing.T
	ws     *websocket.Conn
	hello  bridge.Hello
	addr   netip.Addr // the host's address
	events []lab.Event
}

// dial opens a session and reads its hello.
func dial(t *testing.T, ls *labServer, header http.Header) *client {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(ls.url, header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", ls.url, err, status)
	}
	t.Cleanup(func() { ws.Close() })
	c := &client{t: t, ws: ws}
	typ, b, err := c.next()
	if err != nil || typ != websocket.TextMessage {
		t.Fatalf("first message: type %d, %q, %v; want the hello", typ, b, err)
	}
	if err := json.Unmarshal(b, &c.hello); err != nil || c.hello.Type != bridge.TypeHello {
		t.Fatalf("first message %s is not a hello (%v)", b, err)
	}
	c.addr, err = netip.ParseAddr(c.hello.Host.Address)
	if err != nil {
		t.Fatalf("hello's address: %v", err)
	}
	return c
}

// next reads the next message, giving up after a while.
func (c *client) next() (int, []byte, error) {
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	return c.ws.ReadMessage()
}

// send writes a binary message.
func (c *client) send(pkt []byte) {
	c.t.Helper()
	c.write(websocket.BinaryMessage, pkt)
}

func (c *client) write(typ int, b []byte) {
	c.t.Helper()
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.ws.WriteMessage(typ, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// packet reads messages until a packet that match accepts, keeping the
// events it reads and returning the other packets it skipped.
func (c *client) packet(what string, match func(header.IPv4) bool) (got header.IPv4, skipped []header.IPv4) {
	c.t.Helper()
	for {
		typ, b, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v; packets before:%s\nevents:%s", what, err, describe(skipped), describeEvents(c.events))
		}
		if typ == websocket.TextMessage {
			c.keep(b)
			continue
		}
		ip := header.IPv4(b)
		if !ip.IsValid(len(b)) {
			c.t.Fatalf("waiting for %s: a binary message that is not an IPv4 packet: % x", what, b)
		}
		if match(ip) {
			return ip, skipped
		}
		skipped = append(skipped, ip)
	}
}

// keep keeps an event message.
func (c *client) keep(b []byte) {
	c.t.Helper()
	var env bridge.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		c.t.Fatalf("a text message that is not JSON: %q", b)
	}
	if env.Type != bridge.TypeEvent {
		return
	}
	var m bridge.EventMessage
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("an event message that does not decode: %q: %v", b, err)
	}
	c.events = append(c.events, m.Event)
}

// event reads messages until an event that match accepts, looking first
// at the events kept so far.
func (c *client) event(what string, match func(lab.Event) bool) lab.Event {
	c.t.Helper()
	for i := 0; ; i++ {
		for ; i < len(c.events); i++ {
			if match(c.events[i]) {
				return c.events[i]
			}
		}
		typ, b, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
		if typ == websocket.TextMessage {
			c.keep(b)
		}
		i--
	}
}

// closed reads until the server closes the session and returns its close
// frame.
//
// The message before the close frame must be the server's bye, with the
// same code and reason (a browser learns them only from it).
func (c *client) closed() *websocket.CloseError {
	c.t.Helper()
	ce, last := c.closedBy()
	var bye bridge.ByeMessage
	if json.Unmarshal(last, &bye) != nil || bye.Type != bridge.TypeBye || bye.Code != ce.Code || bye.Reason != ce.Text {
		c.t.Errorf("before the close frame (%d %q) came %q, want the bye with the same code and reason", ce.Code, ce.Text, last)
	}
	return ce
}

// closedBy reads until the session's close frame, and returns it and the
// last text message before it, if the message just before was text.
func (c *client) closedBy() (*websocket.CloseError, []byte) {
	c.t.Helper()
	var last []byte
	for {
		typ, b, err := c.next()
		if err == nil {
			if typ == websocket.TextMessage {
				last = b
			} else {
				last = nil
			}
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("waiting for a close frame: %v", err)
		}
		return ce, last
	}
}

// echoes checks that the session reaches the lab server: a UDP datagram to
// the echo service comes back. It returns the packets that arrived before
// the echo.
func (c *client) echoes(sport uint16) []header.IPv4 {
	c.t.Helper()
	data := fmt.Appendf(nil, "probe %d", sport)
	c.send(labtest.UDP(netip.AddrPortFrom(c.addr, sport), echoUDP, data))
	got, skipped := c.packet("the echo", func(ip header.IPv4) bool {
		u := header.UDP(ip.Payload())
		return ip.TransportProtocol() == header.UDPProtocolNumber && u.DestinationPort() == sport
	})
	if p := header.UDP(got.Payload()).Payload(); string(p) != string(data) {
		c.t.Fatalf("echo of %q: got %q", data, p)
	}
	return skipped
}

// synAcked checks that the session reaches the lab server over TCP: a SYN
// to the echo service is answered with a SYN-ACK.
func (c *client) synAcked(sport uint16) header.TCP {
	c.t.Helper()
	c.send(labtest.TCP(netip.AddrPortFrom(c.addr, sport), echoTCP, 1000, 0, header.TCPFlagSyn))
	got, _ := c.packet("the SYN-ACK", fromPort(7, sport))
	tcp := header.TCP(got.Payload())
	if tcp.Flags() != header.TCPFlagSyn|header.TCPFlagAck || tcp.AckNumber() != 1001 {
		c.t.Fatalf("answer to a SYN: flags %v ack %d, want SYN-ACK acking 1001", tcp.Flags(), tcp.AckNumber())
	}
	return tcp
}

var (
	labServerAddr = netip.MustParseAddr("10.0.0.1")
	echoTCP       = netip.AddrPortFrom(labServerAddr, 7)
	echoUDP       = netip.AddrPortFrom(labServerAddr, 7)
	closedTCP     = netip.AddrPortFrom(labServerAddr, 9)
)

// fromPort matches a TCP segment from port sport to port dport.
func fromPort(sport, dport uint16) func(header.IPv4) bool {
	return func(ip header.IPv4) bool {
		if ip.TransportProtocol() != header.TCPProtocolNumber {
			return false
		}
		tcp := header.TCP(ip.Payload())
		return tcp.SourcePort() == sport && tcp.DestinationPort() == dport
	}
}

// describe is a packet in a line, for failures.
func describe(ips []header.IPv4) string {
	var b strings.Builder
	for _, ip := range ips {
		fmt.Fprintf(&b, "\n  %v > %v proto %d, %d bytes", ip.SourceAddress(), ip.DestinationAddress(), ip.Protocol(), len(ip))
		if ip.TransportProtocol() == header.TCPProtocolNumber {
			tcp := header.TCP(ip.Payload())
			fmt.Fprintf(&b, " tcp %d > %d %v", tcp.SourcePort(), tcp.DestinationPort(), tcp.Flags())
		}
	}
	return b.String()
}

// describeEvents is events a line each, for failures.
func describeEvents(evs []lab.Event) string {
	var b strings.Builder
	for _, e := range evs {
		switch {
		case e.Call != nil:
			fmt.Fprintf(&b, "\n  %s call %s %v = %s%s (local %s, peer %s)", e.Host, e.Call.Name, e.Call.Args, e.Call.Result, e.Call.Error, e.Call.Local, e.Call.Peer)
		case e.State != nil:
			fmt.Fprintf(&b, "\n  %s state %s > %s: %s -> %s", e.Host, e.State.Local, e.State.Peer, e.State.From, e.State.To)
		}
	}
	return b.String()
}

// clock is a clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
