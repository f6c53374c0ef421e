package packet_test

import (
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/packet"
)

func TestSummarizeAbsolute(t *testing.T) {
	conv := echoConversation()
	for i, want := range []string{
		"49152 → 7 [SYN] Seq=4294967290 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=1000 TSecr=0 WS=128",
		"7 → 49152 [SYN, ACK] Seq=12648430 Ack=4294967291 Win=65160 Len=0 MSS=1460 SACK_PERM TSval=2000 TSecr=1000 WS=128",
		"49152 → 7 [ACK] Seq=4294967291 Ack=12648431 Win=502 Len=0 TSval=1001 TSecr=2000",
		"49152 → 7 [PSH, ACK] Seq=4294967291 Ack=12648431 Win=502 Len=6 TSval=1002 TSecr=2000",
		"7 → 49152 [ACK] Seq=12648431 Ack=1 Win=509 Len=0 TSval=2001 TSecr=1002",
	} {
		p := mustDecode(t, conv[i].pkt)
		packet.Summarize(&p)
		if p.Summary != want {
			t.Errorf("packet %d: %q, want %q", i+1, p.Summary, want)
		}
		if p.TCP.RelSeq != 0 || p.TCP.RelAck != 0 {
			t.Errorf("packet %d: Summarize set relative numbers %d %d", i+1, p.TCP.RelSeq, p.TCP.RelAck)
		}
	}
}

func TestSummarizeTCPDetails(t *testing.T) {
	for _, tc := range []struct {
		name string
		seg  tcpSeg
		want string
	}{
		{"no flags", tcpSeg{seq: 5, ack: 6, win: 7}, "1 → 2 [<None>] Seq=5 Win=7 Len=0"},
		{"every flag, urgent pointer", tcpSeg{seq: 5, ack: 6, win: 7, flags: 0xff, urg: 3, payload: []byte("!")},
			"1 → 2 [FIN, SYN, RST, PSH, ACK, URG, ECE, CWR] Seq=5 Ack=6 Win=7 Urg=3 Len=1"},
		{"ecn syn", tcpSeg{flags: fSYN | fECE | fCWR}, "1 → 2 [SYN, ECE, CWR] Seq=0 Win=0 Len=0"},
		{"options in wire order", tcpSeg{flags: fSYN | fACK, opts: cat(optMSS(1400), optNOP(), optWS(14), optTS(1, 2), optNOP(), optNOP(), optSACKPerm())},
			"1 → 2 [SYN, ACK] Seq=0 Ack=0 Win=0 Len=0 MSS=1400 WS=16384 TSval=1 TSecr=2 SACK_PERM"},
		{"window scale capped", tcpSeg{flags: fSYN, opts: optWS(30)}, "1 → 2 [SYN] Seq=0 Win=0 Len=0 WS=16384"},
		{"unknown options not shown", tcpSeg{flags: fSYN, opts: cat([]byte{30, 4, 0, 0}, optMSS(536))}, "1 → 2 [SYN] Seq=0 Win=0 Len=0 MSS=536"},
		{"raw sack edges", tcpSeg{flags: fACK, ack: 9, opts: cat(optNOP(), optNOP(), optSACK(100, 200))},
			"1 → 2 [ACK] Seq=0 Ack=9 Win=0 Len=0 SLE=100 SRE=200"},
	} {
		tc.seg.src, tc.seg.dst = "10.0.0.2:1", "10.0.0.1:2"
		p := mustDecode(t, buildTCP(tc.seg))
		packet.Summarize(&p)
		if p.Summary != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, p.Summary, tc.want)
		}
	}
}

func TestSummarizeWithoutData(t *testing.T) {
	// A packet built by hand, with no bytes: options come in Linux's order.
	p := lab.Packet{
		Protocol: "TCP",
		TCP: &lab.TCP{SrcPort: 49152, DstPort: 7, Seq: 1, Flags: lab.TCPFlags{SYN: true, Bits: 2}, Window: 64240, DataOffset: 40,
			Options: lab.TCPOptions{MSS: 1460, HasWScale: true, WScale: 7, SACKPermitted: true, HasTimestamp: true, TSVal: 9,
				SACK: []lab.SACKBlock{{Left: 1, Right: 2}}}},
	}
	packet.Summarize(&p)
	want := "49152 → 7 [SYN] Seq=1 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=9 TSecr=0 WS=128 SLE=1 SRE=2"
	if p.Summary != want {
		t.Errorf("%q\nwant %q", p.Summary, want)
	}
}

func TestSummarizeOthers(t *testing.T) {
	udp := buildUDP(client+":49152", server+":9", []byte("x"))
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"udp", buildUDP(client+":49152", server+":7", make([]byte, 1000)), "49152 → 7 Len=1000"},
		{"udp empty", buildUDP(client+":49152", server+":7", nil), "49152 → 7 Len=0"},
		{"port unreachable", buildICMP(server, client, 3, 3, [4]byte{}, udp), "Destination unreachable (Port unreachable)"},
		{"unknown unreachable code", buildICMP(server, client, 3, 99, [4]byte{}, udp), "Destination unreachable (Unknown code: 99)"},
		{"time exceeded", buildICMP(server, client, 11, 0, [4]byte{}, udp), "Time-to-live exceeded (Time to live exceeded in transit)"},
		{"parameter problem, padded", buildICMP(server, client, 12, 2, [4]byte{}, udp), "Parameter problem    (Bad length)"},
		{"redirect, padded", buildICMP(server, client, 5, 1, [4]byte{}, udp), "Redirect             (Redirect for host)"},
		{"source quench", buildICMP(server, client, 4, 0, [4]byte{}, udp), "Source quench (flow control)"},
		{"router solicitation, nothing follows", buildICMP(client, server, 10, 0, [4]byte{}, nil), "Router solicitation"},
		{"unknown type", buildICMP(client, server, 200, 0, [4]byte{}, nil), "Unknown ICMP (obsolete or malformed?)"},
		{"echo request", buildICMP(client, server, 8, 0, [4]byte{0xab, 0xcd, 0x12, 0x34}, nil), "Echo (ping) request  id=0xabcd, seq=4660/13330, ttl=64"},
		{"echo reply", buildICMP(server, client, 0, 0, [4]byte{0, 1, 0, 1}, nil), "Echo (ping) reply    id=0x0001, seq=1/256, ttl=64"},
		{"first fragment", buildTCPIP(tcpSeg{src: client + ":1", dst: server + ":2", payload: make([]byte, 100)}, ipOpts{id: 0xabc, frag: 0x2000}),
			"Fragmented IP protocol (proto=TCP 6, off=0, ID=0abc)"},
		{"later fragment", ipv4Packet(mustAddr(t, client), mustAddr(t, server), 17, ipOpts{id: 0xffff, frag: 185}, make([]byte, 100)),
			"Fragmented IP protocol (proto=UDP 17, off=1480, ID=ffff)"},
		{"fragment of another protocol", ipv4Packet(mustAddr(t, client), mustAddr(t, server), 47, ipOpts{id: 1, frag: 0x2000}, make([]byte, 100)),
			"Fragmented IP protocol (proto=47, off=0, ID=0001)"},
		{"another protocol", ipv4Packet(mustAddr(t, client), mustAddr(t, server), 47, ipOpts{}, make([]byte, 100)), "IPv4 protocol 47"},
	} {
		p := mustDecode(t, tc.b)
		packet.Summarize(&p)
		if p.Summary != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, p.Summary, tc.want)
		}
		q := mustDecode(t, tc.b)
		packet.NewTracker().Annotate(&q, t0)
		if q.Summary != tc.want {
			t.Errorf("%s: Annotate gave %q, Summarize %q", tc.name, q.Summary, tc.want)
		}
	}
}
