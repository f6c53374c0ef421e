package check_test

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/check"
)

var (
	you     = netip.MustParseAddr("10.0.1.1")
	echoTCP = netip.MustParseAddrPort("10.0.0.1:7")
)

func tcp(dir lab.Direction, sport, dport uint16, seq, relSeq, ack, relAck uint32, flags lab.TCPFlags) lab.Event {
	src, dst := "10.0.1.1", "10.0.0.1"
	if dir == lab.In {
		src, dst = dst, src
	}
	return lab.Event{Host: you.String(), Kind: lab.KindPacket, Packet: &lab.Packet{
		Dir: dir, Protocol: "TCP", Length: 60,
		Src:  netip.AddrPortFrom(netip.MustParseAddr(src), sport).String(),
		Dst:  netip.AddrPortFrom(netip.MustParseAddr(dst), dport).String(),
		IPv4: lab.IPv4{TTL: 64},
		TCP:  &lab.TCP{SrcPort: sport, DstPort: dport, Seq: seq, RelSeq: relSeq, Ack: ack, RelAck: relAck, Flags: flags, Window: 64240},
	}}
}

func udp(dir lab.Direction, sport, dport uint16, payload int) lab.Event {
	src, dst := "10.0.1.1", "10.0.0.1"
	if dir == lab.In {
		src, dst = dst, src
	}
	return lab.Event{Host: you.String(), Kind: lab.KindPacket, Packet: &lab.Packet{
		Dir: dir, Protocol: "UDP", Length: 28 + payload,
		Src:  netip.AddrPortFrom(netip.MustParseAddr(src), sport).String(),
		Dst:  netip.AddrPortFrom(netip.MustParseAddr(dst), dport).String(),
		IPv4: lab.IPv4{TTL: 64},
		UDP:  &lab.UDP{SrcPort: sport, DstPort: dport, PayloadLen: payload},
	}}
}

func call(name string, local, peer netip.AddrPort) lab.Event {
	return lab.Event{Host: you.String(), Kind: lab.KindCall, Call: &lab.Call{Name: name, Proto: "tcp", Local: local, Peer: peer}}
}

// handshake is a connect to the echo service from port sport, with
// initial sequence numbers isn (yours) and 5000 (the server's), then a
// UDP echo of two datagrams.
func handshake(sport uint16, isn uint32) []lab.Event {
	return []lab.Event{
		call("socket", netip.AddrPort{}, netip.AddrPort{}),
		tcp(lab.Out, sport, 7, isn, 0, 0, 0, lab.TCPFlags{SYN: true}),
		tcp(lab.In, 7, sport, 5000, 0, isn+1, 1, lab.TCPFlags{SYN: true, ACK: true}),
		tcp(lab.Out, sport, 7, isn+1, 1, 5001, 1, lab.TCPFlags{ACK: true}),
		{Host: you.String(), Kind: lab.KindState, State: &lab.StateChange{Proto: "tcp", Local: netip.AddrPortFrom(you, sport), Peer: echoTCP, From: lab.StateSynSent, To: lab.StateEstablished}},
		call("connect", netip.AddrPortFrom(you, sport), echoTCP),
	}
}

var udpEcho = []lab.Event{
	udp(lab.Out, 50000, 7, 3),
	udp(lab.Out, 50000, 7, 3),
	udp(lab.In, 7, 50000, 3),
	udp(lab.In, 7, 50000, 3),
}

var (
	synOut    = &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"SYN"}, Dir: lab.Out, Port: 7}
	synAckIn  = &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"SYN", "ACK"}, Dir: lab.In, Port: 7}
	connected = &check.Pattern{Kind: lab.KindCall, Host: "you", Count: 1, Call: "connect"}
	udpOut    = &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "UDP", Dir: lab.Out, Port: 7}
	udpIn2    = &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 2, L4: "UDP", Dir: lab.In, Port: 7}
)

func TestQuestionAnswers(t *testing.T) {
	trace := append(handshake(49213, 1000), udpEcho...)
	for _, tc := range []struct {
		name string
		q    check.Question
		want []uint64
	}{
		{"your SYN's source port", check.Question{Event: synOut, Field: "sport"}, []uint64{49213}},
		{"your SYN's destination port", check.Question{Event: synOut, Field: "dport"}, []uint64{7}},
		{"your SYN's sequence number, relative and raw", check.Question{Event: synOut, Field: "seq"}, []uint64{0, 1000}},
		{"what the SYN-ACK acknowledged, relative and raw", check.Question{Event: synAckIn, Field: "ack"}, []uint64{1, 1001}},
		{"the SYN-ACK's window", check.Question{Event: synAckIn, Field: "window"}, []uint64{64240}},
		{"the SYN's TTL", check.Question{Event: synOut, Field: "ttl"}, []uint64{64}},
		{"a datagram's payload", check.Question{Event: udpOut, Field: "len"}, []uint64{3}},
		{"a datagram's length on the wire", check.Question{Event: udpOut, Field: "length"}, []uint64{31}},
		{"connect's local port", check.Question{Event: connected, Field: "local-port"}, []uint64{49213}},
		{"connect's peer port", check.Question{Event: connected, Field: "peer-port"}, []uint64{7}},
		{"the handshake's packets", check.Question{From: synOut, To: connected}, []uint64{3}},
		{"the UDP exchange's packets", check.Question{From: udpOut, To: udpIn2}, []uint64{4}},
		{"a RST's source port: none yet", check.Question{Event: &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"RST"}}, Field: "sport"}, nil},
		{"packets to a To that never comes", check.Question{From: udpOut, To: &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 3, L4: "UDP", Dir: lab.In}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.q.Answers(trace, you); !slices.Equal(got, tc.want) {
				t.Errorf("answers %v, want %v", got, tc.want)
			}
		})
	}
}

// TestEveryHonestAnswer: two connections, two honest source ports; two
// handshakes, two stretches that do not overlap.
func TestEveryHonestAnswer(t *testing.T) {
	trace := append(handshake(49213, 1000), handshake(49999, 7000)...)
	ports := check.Question{Event: synOut, Field: "sport"}
	if got := ports.Answers(trace, you); !slices.Equal(got, []uint64{49213, 49999}) {
		t.Errorf("ports %v, want both connections'", got)
	}
	count := check.Question{From: synOut, To: connected}
	if got := count.Answers(trace, you); !slices.Equal(got, []uint64{3}) {
		t.Errorf("handshake packet counts %v, want 3 (each handshake counted on its own)", got)
	}
}

// TestRefusalWords: a refusal says where to count in plain English: "an
// ACK packet", "until a connect call returned", a wire's marks.
func TestRefusalWords(t *testing.T) {
	trace := handshake(49213, 1000)
	ackOut := &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"ACK"}, Dir: lab.Out}
	released := &check.Pattern{Kind: lab.KindWire, Host: "you", Count: 1, Wire: lab.WireReleased}
	for _, tc := range []struct {
		q    check.Question
		want string
	}{
		{check.Question{From: synOut, To: connected}, "from a SYN packet your host sent to port 7 until a connect call returned, both included."},
		{check.Question{From: synOut, To: connected, Count: ackOut}, "every ACK packet your host sent from a SYN packet"},
		{check.Question{Event: ackOut, Field: "seq"}, "Find an ACK packet your host sent in the packet list"},
		{check.Question{Count: released}, "in the diagram (the wire's marks at the switch), every packet the wire released."},
	} {
		v := tc.q.Answer(append(slices.Clone(trace), lab.Event{Host: you.String(), Kind: lab.KindWire, Wire: &lab.WireEvent{Action: lab.WireReleased, Dir: lab.Out}}), you, "99999")
		if v.Result != "wrong" || !strings.Contains(v.Message, tc.want) {
			t.Errorf("refusal %+v, want it to say %q", v, tc.want)
		}
	}
}

func TestAnswer(t *testing.T) {
	trace := handshake(49213, 4000000000)
	ack := check.Question{Ask: "What did the SYN-ACK acknowledge?", Event: synAckIn, Field: "ack"}
	port := check.Question{Ask: "Which port?", Event: synOut, Field: "sport"}
	for _, tc := range []struct {
		q          check.Question
		text       string
		result     string
		msgHas     string
		msgHasNone []string // the message must not give the answer away
	}{
		{port, "49213", "right", "Right: 49213.", nil},
		{port, " 49213\n", "right", "", nil},
		{port, "49,213", "right", "", nil},
		{port, "0xc03d", "right", "", nil},
		{port, "49214", "wrong", "a SYN packet your host sent to port 7", []string{"49213"}},
		{port, "49212", "wrong", "packet list", []string{"49213"}},
		{port, "-49213", "not-a-number", "whole number", []string{"49213"}},
		{port, "port 49213", "not-a-number", "", nil},
		{port, "", "not-a-number", "", nil},
		{port, "4.9", "not-a-number", "", nil},
		{port, strings.Repeat("1", check.MaxAnswer+1), "not-a-number", "", nil},
		{ack, "1", "right", "on the wire it is 4000000001", nil},
		{ack, "4000000001", "right", "packet list shows it relative", nil},
		{ack, "2", "wrong", "acknowledgment number", []string{"4000000001"}},
		{ack, "4000000002", "wrong", "", []string{"4000000001"}},
	} {
		v := tc.q.Answer(trace, you, tc.text)
		if v.Result != tc.result || v.OK != (tc.result == "right") {
			t.Errorf("%q to %q: %+v, want %s", tc.text, tc.q.Ask, v, tc.result)
		}
		if !strings.Contains(v.Message, tc.msgHas) {
			t.Errorf("%q to %q: message %q lacks %q", tc.text, tc.q.Ask, v.Message, tc.msgHas)
		}
		for _, s := range tc.msgHasNone {
			if strings.Contains(v.Message, s) {
				t.Errorf("%q to %q: message %q gives away %s", tc.text, tc.q.Ask, v.Message, s)
			}
		}
	}
}

func TestAnswerBeforeTheTraceCan(t *testing.T) {
	trace := handshake(49213, 1000)
	q := check.Question{Event: &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"FIN"}, Dir: lab.Out, Port: 7}, Field: "seq"}
	v := q.Answer(trace, you, "1")
	if v.OK || v.Result != "not-yet" || !strings.Contains(v.Message, "a FIN packet your host sent to port 7") {
		t.Errorf("before any FIN: %+v", v)
	}
	q.First = "Close your socket first: s.close()."
	if v := q.Answer(trace, you, "1"); v.Message != q.First {
		t.Errorf("with first: message %q, want the instructor's", v.Message)
	}
	count := check.Question{From: udpOut, To: udpIn2}
	if v := count.Answer(trace, you, "4"); v.Result != "not-yet" || !strings.Contains(v.Message, "a UDP packet your host sent to port 7 and then a UDP packet your host received from port 7") {
		t.Errorf("before any datagram: %+v", v)
	}
}

// TestQuestionJSON: the browser judges a question it got as JSON.
func TestQuestionJSON(t *testing.T) {
	q := check.Question{Ask: "How many?", From: udpOut, To: udpIn2}
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var back check.Question
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if v := back.Answer(udpEcho, you, "4"); !v.OK {
		t.Errorf("after JSON (%s): %+v", b, v)
	}
	if v := back.Answer(udpEcho, you, "5"); v.OK {
		t.Errorf("after JSON (%s), 5 accepted: %+v", b, v)
	}
}

func TestCanRead(t *testing.T) {
	pkt := func(l4 string, flags ...string) check.Pattern {
		return check.Pattern{Kind: lab.KindPacket, L4: l4, Flags: flags}
	}
	for _, tc := range []struct {
		p     check.Pattern
		field string
		err   string // "" when it can
	}{
		{pkt("TCP", "SYN"), "sport", ""},
		{pkt("TCP", "SYN"), "seq", ""},
		{pkt("TCP", "SYN", "ACK"), "ack", ""},
		{pkt("TCP", "SYN"), "ack", "wants packets with ACK set"},
		{pkt("UDP"), "len", ""},
		{pkt("UDP"), "seq", "is a TCP packet's, not for UDP packets"},
		{pkt("ICMP"), "sport", "not an ICMP packet's"},
		{pkt("ICMP"), "ttl", ""},
		{pkt("TCP", "SYN"), "local-port", "is not one of a packet's"},
		{pkt("TCP", "SYN"), "colour", `unknown field "colour"`},
		{check.Pattern{Kind: lab.KindCall, Call: "connect"}, "local-port", ""},
		{check.Pattern{Kind: lab.KindCall, Call: "connect"}, "sport", "is not one of a call's"},
		{check.Pattern{Kind: lab.KindState, State: lab.StateEstablished}, "bytes", "is not one of a state's"},
	} {
		err := tc.p.CanRead(tc.field)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s of %+v: %v", tc.field, tc.p, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s of %+v: %v, want %q", tc.field, tc.p, err, tc.err)
		}
	}
}

// TestCountLabelled: a question that counts only the packets carrying an
// analysis label, in the whole trace or between two events.
func TestCountLabelled(t *testing.T) {
	retransmitted := func(e lab.Event) lab.Event {
		pk := *e.Packet
		pk.Analysis = []string{"retransmission"}
		e.Packet = &pk
		return e
	}
	hs := handshake(49213, 1000)
	syn := hs[1]
	// The SYN twice more, retransmitted, before the SYN-ACK; then a UDP echo.
	trace := append([]lab.Event{hs[0], syn, retransmitted(syn), retransmitted(syn)}, hs[2:]...)
	trace = append(trace, udpEcho...)
	retrans := &check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Analysis: "retransmission"}
	for _, tc := range []struct {
		name   string
		q      check.Question
		events []lab.Event
		want   []uint64
	}{
		{"retransmissions in the trace", check.Question{Count: retrans}, trace, []uint64{2}},
		{"retransmissions from the first SYN to connect", check.Question{From: synOut, To: connected, Count: retrans}, trace, []uint64{2}},
		{"every packet from the first SYN to connect", check.Question{From: synOut, To: connected}, trace, []uint64{5}},
		{"datagrams in the trace", check.Question{Count: udpOut}, trace, []uint64{2}},
		{"no retransmission: no answer yet", check.Question{Count: retrans}, append(handshake(49213, 1000), udpEcho...), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.q.Answers(tc.events, you); !slices.Equal(got, tc.want) {
				t.Errorf("answers %v, want %v", got, tc.want)
			}
		})
	}
	q := check.Question{Ask: "How many retransmissions?", Count: retrans}
	if v := q.Answer(trace, you, "3"); v.OK || v.Result != "wrong" || !strings.Contains(v.Message, "every TCP packet marked retransmission") || strings.Contains(v.Message, "2") {
		t.Errorf("a wrong count: %+v", v)
	}
	if v := q.Answer(trace, you, "2"); !v.OK {
		t.Errorf("the right count: %+v", v)
	}
	if v := q.Answer(handshake(49213, 1000), you, "0"); v.Result != "not-yet" || !strings.Contains(v.Message, "a TCP packet marked retransmission") {
		t.Errorf("before any retransmission: %+v", v)
	}
}
