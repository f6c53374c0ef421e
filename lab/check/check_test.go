package check_test

import (
	"net/netip"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/check"
	"golang.org/x/net/dns/dnsmessage"
)

// withPayload is a TCP or UDP packet event carrying data, its bytes laid
// out as on the wire: a 20-byte IPv4 header, the transport header, data.
func withPayload(e lab.Event, data []byte) lab.Event {
	pk := *e.Packet
	pk.IPv4.IHL = 20
	hdr := 8
	if pk.TCP != nil {
		t := *pk.TCP
		t.DataOffset, t.PayloadLen, hdr = 20, len(data), 20
		pk.TCP = &t
	} else {
		u := *pk.UDP
		u.PayloadLen = len(data)
		pk.UDP = &u
	}
	pk.Data = append(make([]byte, 20+hdr), data...)
	e.Packet = &pk
	return e
}

// dnsAnswer is the name server's answer for name: addr, or NXDOMAIN when
// addr is not valid.
func dnsAnswer(t *testing.T, name string, addr netip.Addr) lab.Event {
	t.Helper()
	h := dnsmessage.Header{ID: 1, Response: true, RCode: dnsmessage.RCodeNameError}
	if addr.IsValid() {
		h.RCode = dnsmessage.RCodeSuccess
	}
	b := dnsmessage.NewBuilder(nil, h)
	b.StartQuestions()
	n := dnsmessage.MustNewName(name + ".")
	b.Question(dnsmessage.Question{Name: n, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	if addr.IsValid() {
		b.StartAnswers()
		b.AResource(dnsmessage.ResourceHeader{Name: n, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: addr.As4()})
	}
	msg, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return withPayload(udp(lab.In, 53, 40000, 0), msg)
}

func failed(name string, errno lab.Errno) lab.Event {
	e := call(name, netip.AddrPort{}, netip.AddrPort{})
	e.Call.Error, e.Call.Errno, e.Call.Exception = errno.Python(), errno, errno.Exception()
	return e
}

func TestErrorAndRaises(t *testing.T) {
	f, tr := false, true
	inUse := check.Pattern{Kind: lab.KindCall, Host: "you", Count: 1, Call: "bind", OK: &f, Errno: "EADDRINUSE"}
	oserror := check.Pattern{Kind: lab.KindCall, Host: "you", Count: 1, Call: "bind", OK: &f, Raises: "OSError"}
	refused := check.Pattern{Kind: lab.KindCall, Host: "you", Count: 1, Call: "bind", OK: &f, Raises: "ConnectionRefusedError"}
	returned := check.Pattern{Kind: lab.KindCall, Host: "you", Count: 1, Call: "bind", OK: &tr}
	for _, tc := range []struct {
		name  string
		event lab.Event
		p     check.Pattern
		want  bool
	}{
		{"EADDRINUSE is EADDRINUSE", failed("bind", lab.EADDRINUSE), inUse, true},
		{"EINVAL is not EADDRINUSE", failed("bind", lab.EINVAL), inUse, false},
		{"a bind that returned is not EADDRINUSE", call("bind", netip.AddrPort{}, netip.AddrPort{}), inUse, false},
		{"EINVAL raises OSError", failed("bind", lab.EINVAL), oserror, true},
		{"by the class, not a prefix of the message", failed("bind", lab.ECONNREFUSED), oserror, false},
		{"ConnectionRefusedError", failed("bind", lab.ECONNREFUSED), refused, true},
		{"ok: true", call("bind", netip.AddrPort{}, netip.AddrPort{}), returned, true},
		{"ok: true, and it raised", failed("bind", lab.EINVAL), returned, false},
	} {
		if got := (check.Check{Expect: []check.Pattern{tc.p}}).Match([]lab.Event{tc.event}, you); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPayload(t *testing.T) {
	status := check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"PSH", "ACK"}, Dir: lab.In, Port: 80, Payload: "HTTP/1.1 200"}
	resp := func(data string) []lab.Event {
		return []lab.Event{withPayload(tcp(lab.In, 80, 40000, 1, 1, 1, 1, lab.TCPFlags{PSH: true, ACK: true}), []byte(data))}
	}
	for _, tc := range []struct {
		events []lab.Event
		want   bool
	}{
		{resp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), true},
		{resp("HTTP/1.1 400 Bad Request\r\n\r\n"), false},
		{resp("xHTTP/1.1 200 OK"), false}, // anchored at the payload's start
		{resp("HTTP/1.1 20"), false},      // all of it
		{resp(""), false},
		{[]lab.Event{tcp(lab.In, 80, 40000, 1, 1, 1, 1, lab.TCPFlags{PSH: true, ACK: true})}, false}, // no bytes recorded
	} {
		if got := (check.Check{Expect: []check.Pattern{status}}).Match(tc.events, you); got != tc.want {
			t.Errorf("payload %q: got %v, want %v", tc.events[0].Packet.Data, got, tc.want)
		}
	}
	two := check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "UDP", Dir: lab.In, Payload: "2\n"}
	if !(check.Check{All: []check.Pattern{two}}).Match([]lab.Event{withPayload(udp(lab.In, 2001, 40000, 0), []byte("2\n"))}, you) {
		t.Error("a UDP payload of 2\\n does not match 2\\n")
	}
}

func TestLookup(t *testing.T) {
	server := netip.MustParseAddr("10.0.0.1")
	connect := call("connect", netip.AddrPortFrom(you, 40001), echoTCP)
	byName := check.Check{Expect: []check.Pattern{{Kind: lab.KindCall, Host: "you", Count: 1, Call: "connect", Lookup: "echo.lab"}}}
	for _, tc := range []struct {
		name   string
		events []lab.Event
		want   bool
	}{
		{"looked up, then connected", []lab.Event{dnsAnswer(t, "echo.lab", server), connect}, true},
		{"case and a final dot are one name", []lab.Event{dnsAnswer(t, "ECHO.lab", server), connect}, true},
		{"no lookup", []lab.Event{connect}, false},
		{"another name's lookup", []lab.Event{dnsAnswer(t, "www.lab", server), connect}, false},
		{"another lookup since", []lab.Event{dnsAnswer(t, "echo.lab", server), dnsAnswer(t, "nosuch.lab", netip.Addr{}), connect}, false},
		{"another address", []lab.Event{dnsAnswer(t, "echo.lab", netip.MustParseAddr("10.0.0.2")), connect}, false},
		{"the lookup after the connect", []lab.Event{connect, dnsAnswer(t, "echo.lab", server)}, false},
		{"not DNS from port 53", []lab.Event{withPayload(udp(lab.In, 53, 40000, 0), []byte("echo.lab 10.0.0.1")), connect}, false},
	} {
		if got := byName.Match(tc.events, you); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// wire is what the wire did to a packet, on your host's trace.
func wire(action lab.WireAction, dir lab.Direction) lab.Event {
	return lab.Event{Host: you.String(), Kind: lab.KindWire, Wire: &lab.WireEvent{Action: action, Dir: dir, Summary: "40000 → 7 [SYN] Seq=1 Win=64240 Len=0"}}
}

func TestWireEvents(t *testing.T) {
	releasedOut := check.Pattern{Kind: lab.KindWire, Host: "you", Count: 1, Wire: lab.WireReleased, Dir: lab.Out}
	dropped := check.Pattern{Kind: lab.KindWire, Host: "you", Count: 1, Wire: lab.WireDropped}
	for _, tc := range []struct {
		name   string
		p      check.Pattern
		events []lab.Event
		want   bool
	}{
		{"released out", releasedOut, []lab.Event{wire(lab.WireReleased, lab.Out)}, true},
		{"released in is not out", releasedOut, []lab.Event{wire(lab.WireReleased, lab.In)}, false},
		{"held is not released", releasedOut, []lab.Event{wire(lab.WireHeld, lab.Out)}, false},
		{"a packet is not the wire's event", releasedOut, []lab.Event{tcp(lab.Out, 40000, 7, 1, 0, 0, 0, lab.TCPFlags{SYN: true})}, false},
		{"no dir: either", dropped, []lab.Event{wire(lab.WireDropped, lab.In)}, true},
		{"another host's wire", releasedOut, []lab.Event{func() lab.Event { e := wire(lab.WireReleased, lab.Out); e.Host = "10.0.1.2"; return e }()}, false},
	} {
		if got := (check.Check{Expect: []check.Pattern{tc.p}}).Match(tc.events, you); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}

	// A step through the handshake: each packet released in order.
	stepped := check.Check{Expect: []check.Pattern{
		{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"SYN"}, Dir: lab.Out},
		releasedOut,
		{Kind: lab.KindWire, Host: "you", Count: 1, Wire: lab.WireReleased, Dir: lab.In},
		{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"SYN", "ACK"}, Dir: lab.In},
	}}
	hs := handshake(40000, 1000)
	syn, synack := hs[1], hs[2]
	if !stepped.Match([]lab.Event{syn, wire(lab.WireHeld, lab.Out), wire(lab.WireReleased, lab.Out), wire(lab.WireHeld, lab.In), wire(lab.WireReleased, lab.In), synack}, you) {
		t.Error("a stepped handshake does not match")
	}
	if stepped.Match([]lab.Event{wire(lab.WireReleased, lab.Out), syn, wire(lab.WireReleased, lab.In), synack}, you) {
		t.Error("a release before the SYN matches")
	}
	if stepped.Match([]lab.Event{syn, synack}, you) {
		t.Error("a handshake the wire never held matches")
	}
}

func TestAnalysisAndSACK(t *testing.T) {
	ack := func(analysis []string, sack []lab.SACKBlock) lab.Event {
		e := tcp(lab.Out, 40000, 7, 1, 1, 5001, 1, lab.TCPFlags{ACK: true})
		e.Packet.Analysis = analysis
		e.Packet.TCP.Options.SACK = sack
		return e
	}
	tr, f := true, false
	dupAck := check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"ACK"}, Dir: lab.Out, Analysis: "duplicate_ack"}
	withSACK := check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"ACK"}, SACK: &tr}
	noSACK := check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"ACK"}, SACK: &f}
	block := []lab.SACKBlock{{Left: 2001, Right: 3001}}
	for _, tc := range []struct {
		name  string
		p     check.Pattern
		event lab.Event
		want  bool
	}{
		{"a duplicate ACK", dupAck, ack([]string{"duplicate_ack"}, nil), true},
		{"one label of two", dupAck, ack([]string{"window_update", "duplicate_ack"}, nil), true},
		{"no label", dupAck, ack(nil, nil), false},
		{"another label", dupAck, ack([]string{"retransmission"}, nil), false},
		{"a label's prefix is not the label", check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"ACK"}, Analysis: "retransmission"}, ack([]string{"fast_retransmission"}, nil), false},
		{"SACK blocks", withSACK, ack(nil, block), true},
		{"no SACK blocks", withSACK, ack(nil, nil), false},
		{"sack: false, none", noSACK, ack(nil, nil), true},
		{"sack: false, some", noSACK, ack(nil, block), false},
		{"analysis of a UDP packet", check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "UDP", Analysis: "duplicate_ack"}, udp(lab.Out, 40000, 7, 3), false},
		{"sack of a UDP packet", check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "UDP", SACK: &f}, udp(lab.Out, 40000, 7, 3), false},
	} {
		if got := (check.Check{Expect: []check.Pattern{tc.p}}).Match([]lab.Event{tc.event}, you); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
