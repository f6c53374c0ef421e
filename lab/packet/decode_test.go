package packet_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/packet"
)

// mustDecode decodes b or fails the test.
func mustDecode(t testing.TB, b []byte) lab.Packet {
	t.Helper()
	p, err := packet.Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return p
}

func TestDecodeTCPSyn(t *testing.T) {
	b := buildTCPIP(tcpSeg{
		src: "10.0.0.2:49152", dst: "10.0.0.1:7", seq: 0xdeadbeef, ack: 0, flags: fSYN, win: 64240,
		opts: cat(optMSS(1460), optSACKPerm(), optTS(123456, 0), optNOP(), optWS(7)),
	}, ipOpts{id: 0x1234, ttl: 63, frag: 0x4000})
	p := mustDecode(t, b)
	want := lab.Packet{
		Protocol: "TCP",
		Src:      "10.0.0.2:49152",
		Dst:      "10.0.0.1:7",
		Length:   60,
		IPv4: lab.IPv4{
			Version: 4, IHL: 20, TotalLen: 60, ID: 0x1234, DontFrag: true, TTL: 63, Protocol: 6,
			Checksum: uint16(b[10])<<8 | uint16(b[11]), ChecksumOK: true,
			Src: "10.0.0.2", Dst: "10.0.0.1",
		},
		TCP: &lab.TCP{
			SrcPort: 49152, DstPort: 7, Seq: 0xdeadbeef, DataOffset: 40,
			Flags:  lab.TCPFlags{SYN: true, Bits: fSYN},
			Window: 64240, Checksum: uint16(b[36])<<8 | uint16(b[37]), ChecksumOK: true,
			Options: lab.TCPOptions{
				MSS: 1460, SACKPermitted: true, HasTimestamp: true, TSVal: 123456,
				HasWScale: true, WScale: 7,
				List: []lab.TCPOption{
					{Kind: 2, Length: 4, Name: "Maximum segment size", Value: "1460 bytes"},
					{Kind: 4, Length: 2, Name: "SACK permitted"},
					{Kind: 8, Length: 10, Name: "Timestamps", Value: "TSval 123456, TSecr 0"},
					{Kind: 1, Length: 1, Name: "No-Operation (NOP)"},
					{Kind: 3, Length: 3, Name: "Window scale", Value: "7 (multiply by 128)"},
				},
			},
		},
		Data: b,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Decode =\n%+v\n%+v\nwant\n%+v\n%+v", p, *p.TCP, want, *want.TCP)
	}
}

func TestDecodeFlags(t *testing.T) {
	for _, tc := range []struct {
		bits uint16
		want lab.TCPFlags
	}{
		{0, lab.TCPFlags{}},
		{fFIN, lab.TCPFlags{FIN: true}},
		{fSYN, lab.TCPFlags{SYN: true}},
		{fRST, lab.TCPFlags{RST: true}},
		{fPSH, lab.TCPFlags{PSH: true}},
		{fACK, lab.TCPFlags{ACK: true}},
		{fURG, lab.TCPFlags{URG: true}},
		{fECE, lab.TCPFlags{ECE: true}},
		{fCWR, lab.TCPFlags{CWR: true}},
		{fSYN | fACK, lab.TCPFlags{SYN: true, ACK: true}},
		{fFIN | fPSH | fACK, lab.TCPFlags{FIN: true, PSH: true, ACK: true}},
		{0xff, lab.TCPFlags{FIN: true, SYN: true, RST: true, PSH: true, ACK: true, URG: true, ECE: true, CWR: true}},
		{fAE | fACK, lab.TCPFlags{AE: true, ACK: true}},
		{0x200 | fSYN, lab.TCPFlags{Reserved: 1, SYN: true}},
		{fReserved, lab.TCPFlags{Reserved: 7}},
		{0xfff, lab.TCPFlags{FIN: true, SYN: true, RST: true, PSH: true, ACK: true, URG: true, ECE: true, CWR: true, AE: true, Reserved: 7}},
	} {
		tc.want.Bits = tc.bits
		p := mustDecode(t, buildTCP(tcpSeg{src: "10.0.0.2:1", dst: "10.0.0.1:2", flags: tc.bits, urg: 9}))
		if p.TCP.Flags != tc.want {
			t.Errorf("flags %#03x: got %+v, want %+v", tc.bits, p.TCP.Flags, tc.want)
		}
		if p.TCP.Urgent != 9 {
			t.Errorf("flags %#03x: urgent %d, want 9", tc.bits, p.TCP.Urgent)
		}
	}
}

func TestDecodeOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []byte
		want lab.TCPOptions
	}{
		{"none", nil, lab.TCPOptions{}},
		{"mss", optMSS(536), lab.TCPOptions{MSS: 536}},
		{"window scale", cat(optNOP(), optWS(14)), lab.TCPOptions{HasWScale: true, WScale: 14}},
		{"window scale zero", cat(optNOP(), optWS(0)), lab.TCPOptions{HasWScale: true}},
		{"sack permitted", cat(optNOP(), optNOP(), optSACKPerm()), lab.TCPOptions{SACKPermitted: true}},
		{"timestamps", cat(optNOP(), optNOP(), optTS(0xffffffff, 7)), lab.TCPOptions{HasTimestamp: true, TSVal: 0xffffffff, TSEcr: 7}},
		{"one sack block", cat(optNOP(), optNOP(), optSACK(100, 200)),
			lab.TCPOptions{SACK: []lab.SACKBlock{{Left: 100, Right: 200}}}},
		{"four sack blocks", cat(optNOP(), optNOP(), optSACK(1, 2, 3, 4, 5, 6, 7, 8)),
			lab.TCPOptions{SACK: []lab.SACKBlock{{Left: 1, Right: 2}, {Left: 3, Right: 4}, {Left: 5, Right: 6}, {Left: 7, Right: 8}}}},
		{"sack with timestamps", cat(optNOP(), optNOP(), optTS(5, 6), optNOP(), optNOP(), optSACK(10, 20, 30, 40, 50, 60)),
			lab.TCPOptions{HasTimestamp: true, TSVal: 5, TSEcr: 6, SACK: []lab.SACKBlock{{Left: 10, Right: 20}, {Left: 30, Right: 40}, {Left: 50, Right: 60}}}},
		{"unknown kinds in order", cat([]byte{30, 4, 0, 0}, []byte{34, 2}, optMSS(1200), []byte{254, 6, 1, 2, 3, 4}),
			lab.TCPOptions{MSS: 1200, Unknown: []uint8{30, 34, 254}}},
		{"everything", cat(optMSS(1460), optSACKPerm(), optTS(1, 2), optNOP(), optWS(7), optSACK(3, 4), []byte{99, 2}),
			lab.TCPOptions{MSS: 1460, SACKPermitted: true, HasTimestamp: true, TSVal: 1, TSEcr: 2, HasWScale: true, WScale: 7,
				SACK: []lab.SACKBlock{{Left: 3, Right: 4}}, Unknown: []uint8{99}}},
		// After EOL the rest of the options area is padding, whatever it holds.
		{"eol ends the options", cat(optMSS(1000), []byte{0, 2, 99, 3}), lab.TCPOptions{MSS: 1000}},
		{"only nops", []byte{1, 1, 1, 1, 1, 1, 1, 1}, lab.TCPOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustDecode(t, buildTCP(tcpSeg{src: "10.0.0.2:1", dst: "10.0.0.1:2", flags: fACK, opts: tc.opts, payload: []byte("xyz")}))
			got := p.TCP.Options
			got.List = nil // TestDecodeOptionList
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("options = %+v, want %+v", got, tc.want)
			}
			if p.TCP.PayloadLen != 3 || p.TCP.DataOffset != 20+(len(tc.opts)+3)/4*4 {
				t.Errorf("payload %d bytes, data offset %d", p.TCP.PayloadLen, p.TCP.DataOffset)
			}
		})
	}
}

// TestDecodeOptionList checks the options listed in wire order, NOP, EOL
// and unknown kinds included, as Wireshark names them.
func TestDecodeOptionList(t *testing.T) {
	opts := cat(optMSS(1460), optSACKPerm(), optTS(1, 2), optNOP(), optWS(7), optSACK(3, 4), []byte{99, 3, 0}, []byte{0, 2, 4})
	p := mustDecode(t, buildTCP(tcpSeg{src: "10.0.0.2:1", dst: "10.0.0.1:2", flags: fACK, opts: opts}))
	want := []lab.TCPOption{
		{Kind: 2, Length: 4, Name: "Maximum segment size", Value: "1460 bytes"},
		{Kind: 4, Length: 2, Name: "SACK permitted"},
		{Kind: 8, Length: 10, Name: "Timestamps", Value: "TSval 1, TSecr 2"},
		{Kind: 1, Length: 1, Name: "No-Operation (NOP)"},
		{Kind: 3, Length: 3, Name: "Window scale", Value: "7 (multiply by 128)"},
		{Kind: 5, Length: 10, Name: "SACK", Value: "3-4"},
		{Kind: 99, Length: 3, Name: "Unknown"},
		{Kind: 0, Length: 1, Name: "End of Option List (EOL)"},
	}
	if !reflect.DeepEqual(p.TCP.Options.List, want) {
		t.Errorf("options listed as\n%+v\nwant\n%+v", p.TCP.Options.List, want)
	}
}

func TestDecodeChecksums(t *testing.T) {
	tcp := buildTCP(tcpSeg{src: "10.0.0.2:1", dst: "10.0.0.1:2", flags: fACK, payload: []byte("payload")})
	udp := buildUDP("10.0.0.2:1", "10.0.0.1:2", []byte("payload"))
	icmp := buildICMP("10.0.0.2", "10.0.0.1", 8, 0, [4]byte{0, 1, 0, 2}, []byte("payload"))
	// flip returns a copy of b with byte i inverted.
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0xff
		return b
	}
	noUDPSum := bytes.Clone(udp)
	noUDPSum[26], noUDPSum[27] = 0, 0

	type oks struct{ ip, transport bool }
	for _, tc := range []struct {
		name string
		b    []byte
		want oks
	}{
		{"tcp good", tcp, oks{true, true}},
		{"tcp payload damaged", flip(tcp, len(tcp)-1), oks{true, false}},
		{"tcp checksum damaged", flip(tcp, 36), oks{true, false}},
		{"ip ttl damaged", flip(tcp, 8), oks{false, true}},
		{"udp good", udp, oks{true, true}},
		{"udp payload damaged", flip(udp, len(udp)-1), oks{true, false}},
		{"udp without checksum", noUDPSum, oks{true, true}},
		{"icmp good", icmp, oks{true, true}},
		{"icmp payload damaged", flip(icmp, len(icmp)-1), oks{true, false}},
		{"ip checksum damaged", flip(icmp, 10), oks{false, true}},
	} {
		p := mustDecode(t, tc.b)
		var got oks
		got.ip = p.IPv4.ChecksumOK
		switch {
		case p.TCP != nil:
			got.transport = p.TCP.ChecksumOK
		case p.UDP != nil:
			got.transport = p.UDP.ChecksumOK
		case p.ICMP != nil:
			got.transport = p.ICMP.ChecksumOK
		}
		if got != tc.want {
			t.Errorf("%s: checksums ok %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestDecodeIPv4Options(t *testing.T) {
	// Router alert, then NOPs and an EOL to fill the 8 option bytes.
	b := buildTCPIP(tcpSeg{src: "10.0.0.2:1000", dst: "10.0.0.1:2000", seq: 42, flags: fSYN},
		ipOpts{options: []byte{0x94, 4, 0, 0, 1, 1, 1, 0}})
	p := mustDecode(t, b)
	if p.IPv4.IHL != 28 || !p.IPv4.ChecksumOK || p.TCP == nil || p.TCP.Seq != 42 || !p.TCP.ChecksumOK {
		t.Errorf("with ip options: ihl %d, ip ok %v, tcp %+v", p.IPv4.IHL, p.IPv4.ChecksumOK, p.TCP)
	}
}

func TestDecodeFragments(t *testing.T) {
	seg := tcpSeg{src: "10.0.0.2:1000", dst: "10.0.0.1:2000", seq: 42, flags: fACK, payload: make([]byte, 64)}
	for _, tc := range []struct {
		name   string
		frag   uint16
		mf, rb bool
		offset uint16
	}{
		{"first fragment", 0x2000, true, false, 0},
		{"middle fragment", 0x2000 | 10, true, false, 80},
		{"last fragment", 0x4000 | 10, false, false, 80},
		{"reserved bit", 0x8000 | 0x2000 | 10, true, true, 80},
	} {
		p := mustDecode(t, buildTCPIP(seg, ipOpts{id: 0xabc, frag: tc.frag}))
		if p.Protocol != "IPv4" || p.TCP != nil || p.Src != "10.0.0.2" || p.Dst != "10.0.0.1" ||
			p.IPv4.MoreFrags != tc.mf || p.IPv4.Reserved != tc.rb || p.IPv4.FragOffset != tc.offset {
			t.Errorf("%s: got %+v", tc.name, p)
		}
	}
}

func TestDecodeUDP(t *testing.T) {
	b := buildUDP("10.0.0.2:49152", "10.0.0.1:7", []byte("hello\n"))
	p := mustDecode(t, b)
	want := &lab.UDP{SrcPort: 49152, DstPort: 7, Length: 14, Checksum: uint16(b[26])<<8 | uint16(b[27]), ChecksumOK: true, PayloadLen: 6}
	if p.Protocol != "UDP" || p.Src != "10.0.0.2:49152" || p.Dst != "10.0.0.1:7" || !reflect.DeepEqual(p.UDP, want) {
		t.Errorf("Decode = %+v, udp %+v", p, p.UDP)
	}
}

func TestDecodeICMP(t *testing.T) {
	const unreachable = "Destination unreachable"
	udp := buildUDP("10.0.0.2:49152", "10.0.0.1:9", []byte("discard me"))
	tcp := buildTCP(tcpSeg{src: "10.0.0.2:49153", dst: "10.0.0.1:80", flags: fSYN})
	for _, tc := range []struct {
		name string
		b    []byte
		want lab.ICMP
	}{
		{"port unreachable, whole datagram quoted", buildICMP("10.0.0.1", "10.0.0.2", 3, 3, [4]byte{}, udp),
			lab.ICMP{Type: 3, Code: 3, TypeName: unreachable, CodeName: "Port unreachable", Original: "10.0.0.2:49152 → 10.0.0.1:9 UDP"}},
		{"port unreachable, header and 8 bytes quoted", buildICMP("10.0.0.1", "10.0.0.2", 3, 3, [4]byte{}, udp[:28]),
			lab.ICMP{Type: 3, Code: 3, TypeName: unreachable, CodeName: "Port unreachable", Original: "10.0.0.2:49152 → 10.0.0.1:9 UDP"}},
		{"time exceeded for tcp", buildICMP("10.0.0.254", "10.0.0.2", 11, 0, [4]byte{}, tcp[:28]),
			lab.ICMP{Type: 11, Code: 0, TypeName: "Time-to-live exceeded", CodeName: "Time to live exceeded in transit", Original: "10.0.0.2:49153 → 10.0.0.1:80 TCP"}},
		{"quote too short for ports", buildICMP("10.0.0.1", "10.0.0.2", 3, 1, [4]byte{}, udp[:22]),
			lab.ICMP{Type: 3, Code: 1, TypeName: unreachable, CodeName: "Host unreachable", Original: "10.0.0.2 → 10.0.0.1 UDP"}},
		{"quote of another protocol", buildICMP("10.0.0.1", "10.0.0.2", 3, 2,
			[4]byte{}, ipv4Packet(mustAddr(t, "10.0.0.2"), mustAddr(t, "10.0.0.1"), 47, ipOpts{}, []byte{1, 2, 3, 4})),
			lab.ICMP{Type: 3, Code: 2, TypeName: unreachable, CodeName: "Protocol unreachable", Original: "10.0.0.2 → 10.0.0.1 protocol 47"}},
		{"quote not ipv4", buildICMP("10.0.0.1", "10.0.0.2", 3, 3, [4]byte{}, make([]byte, 28)),
			lab.ICMP{Type: 3, Code: 3, TypeName: unreachable, CodeName: "Port unreachable"}},
		{"no quote", buildICMP("10.0.0.1", "10.0.0.2", 3, 3, [4]byte{}, nil),
			lab.ICMP{Type: 3, Code: 3, TypeName: unreachable, CodeName: "Port unreachable"}},
		{"echo request", buildICMP("10.0.0.2", "10.0.0.1", 8, 0, [4]byte{0xbe, 0xef, 0, 7}, []byte("ping")),
			lab.ICMP{Type: 8, TypeName: "Echo (ping) request", ID: 0xbeef, Seq: 7}},
		{"echo reply", buildICMP("10.0.0.1", "10.0.0.2", 0, 0, [4]byte{0xbe, 0xef, 0, 7}, []byte("ping")),
			lab.ICMP{Type: 0, TypeName: "Echo (ping) reply", ID: 0xbeef, Seq: 7}},
	} {
		p := mustDecode(t, tc.b)
		if p.ICMP == nil {
			t.Errorf("%s: no ICMP in %+v", tc.name, p)
			continue
		}
		got, want := *p.ICMP, tc.want
		want.Checksum, want.ChecksumOK = uint16(tc.b[22])<<8|uint16(tc.b[23]), true
		if got != want || p.Protocol != "ICMP" || p.Src != p.IPv4.Src || p.Dst != p.IPv4.Dst || strings.Contains(p.Src, ":") {
			t.Errorf("%s: got %+v from %s to %s, want %+v", tc.name, got, p.Src, p.Dst, want)
		}
	}
}

func TestDecodeOtherProtocol(t *testing.T) {
	p := mustDecode(t, ipv4Packet(mustAddr(t, "10.0.0.2"), mustAddr(t, "224.0.0.1"), 2, ipOpts{}, []byte{0x11, 0, 0xee, 0xff, 0, 0, 0, 0}))
	if p.Protocol != "IPv4" || p.Src != "10.0.0.2" || p.Dst != "224.0.0.1" || p.TCP != nil || p.UDP != nil || p.ICMP != nil {
		t.Errorf("igmp: got %+v", p)
	}
}

func TestDecodeCopiesAndTrims(t *testing.T) {
	b := buildUDP("10.0.0.2:1", "10.0.0.1:2", []byte("abc"))
	n := len(b)
	padded := append(bytes.Clone(b), 0, 0, 0, 0, 0, 0) // Ethernet-style padding
	p := mustDecode(t, padded)
	if !bytes.Equal(p.Data, b) || p.Length != n {
		t.Fatalf("Data = % x (length %d), want % x", p.Data, p.Length, b)
	}
	for i := range padded {
		padded[i] = 0xff
	}
	if !bytes.Equal(p.Data, b) {
		t.Errorf("Data changed with the caller's buffer: % x", p.Data)
	}
}

func TestDecodeErrors(t *testing.T) {
	syn := buildTCP(tcpSeg{src: "10.0.0.2:1", dst: "10.0.0.1:2", flags: fSYN, opts: cat(optMSS(1460), optNOP(), optWS(7))}) // 48 bytes
	udp := buildUDP("10.0.0.2:1", "10.0.0.1:2", []byte("abcd"))                                                             // 32 bytes
	icmp := buildICMP("10.0.0.1", "10.0.0.2", 8, 0, [4]byte{}, nil)                                                         // 28 bytes
	// edit returns syn, or other if given, with its bytes changed by f and
	// the IPv4 header checksum left as it is (Decode reports, not rejects, it).
	edit := func(b []byte, f func(b []byte)) []byte {
		b = bytes.Clone(b)
		f(b)
		return b
	}
	// tcpOpts is syn with its options area replaced (same length, 8 bytes).
	tcpOpts := func(opts ...byte) []byte {
		return edit(syn, func(b []byte) { copy(b[40:48], opts) })
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
		is   error
	}{
		{"empty", nil, "decode ipv4: header truncated: 0 of 20 bytes", packet.ErrTruncated},
		{"short", syn[:19], "decode ipv4: header truncated: 19 of 20 bytes", packet.ErrTruncated},
		{"ipv6", edit(syn, func(b []byte) { b[0] = 0x65 }), "decode ipv4: malformed header: version 6, want 4", packet.ErrMalformed},
		{"ihl 4", edit(syn, func(b []byte) { b[0] = 0x44 }), "decode ipv4: malformed header: header length 16 bytes, below the minimum 20", packet.ErrMalformed},
		{"ihl past the buffer", edit(syn[:24], func(b []byte) { b[0] = 0x47 }), "decode ipv4: header truncated: 24 of 28 bytes", packet.ErrTruncated},
		{"total length below ihl", edit(syn, func(b []byte) { b[2], b[3] = 0, 19 }), "decode ipv4: malformed header: total length 19 bytes, below the header length 20", packet.ErrMalformed},
		{"total length past the buffer", syn[:47], "decode ipv4: packet truncated: 47 of 48 bytes", packet.ErrTruncated},
		{"tcp header cut", reframe(syn, 32), "decode tcp: header truncated: 12 of 20 bytes", packet.ErrTruncated},
		{"tcp options cut", reframe(syn, 44), "decode tcp: header truncated: 24 of 28 bytes", packet.ErrTruncated},
		{"tcp data offset 4", edit(syn, func(b []byte) { b[32] = 0x40 }), "decode tcp: malformed header: data offset 16 bytes, below the minimum 20", packet.ErrMalformed},
		{"tcp data offset past the segment", edit(syn, func(b []byte) { b[32] = 0xf0 }), "decode tcp: header truncated: 28 of 60 bytes", packet.ErrTruncated},
		{"option without length", tcpOpts(1, 1, 1, 1, 1, 1, 1, 2), "decode tcp: malformed header: option mss at option byte 7 has no length", packet.ErrMalformed},
		{"option length 0", tcpOpts(30, 0, 1, 1, 1, 1, 1, 1), "decode tcp: malformed header: option kind 30 at option byte 0 has length 0, below the minimum 2", packet.ErrMalformed},
		{"option length 1", tcpOpts(1, 8, 1, 1, 1, 1, 1, 1), "decode tcp: malformed header: option timestamps at option byte 1 has length 1, below the minimum 2", packet.ErrMalformed},
		{"option past the header", tcpOpts(1, 1, 8, 10, 0, 0, 0, 0), "decode tcp: malformed header: option timestamps at option byte 2 has length 10, past the 8 bytes of options", packet.ErrMalformed},
		{"mss length 3", tcpOpts(2, 3, 5, 1, 1, 1, 1, 0), "decode tcp: malformed header: option mss has length 3, want 4", packet.ErrMalformed},
		{"window scale length 4", tcpOpts(3, 4, 5, 5, 0, 0, 0, 0), "decode tcp: malformed header: option window scale has length 4, want 3", packet.ErrMalformed},
		{"sack permitted length 3", tcpOpts(4, 3, 0, 0, 0, 0, 0, 0), "decode tcp: malformed header: option sack permitted has length 3, want 2", packet.ErrMalformed},
		{"timestamps length 8", tcpOpts(8, 8, 0, 0, 0, 0, 0, 0), "decode tcp: malformed header: option timestamps has length 8, want 10", packet.ErrMalformed},
		{"sack length 6", tcpOpts(5, 6, 0, 0, 0, 0, 0, 0), "decode tcp: malformed header: option sack has length 6, want 2 plus a multiple of 8", packet.ErrMalformed},
		{"sack without blocks", tcpOpts(5, 2, 0, 0, 0, 0, 0, 0), "decode tcp: malformed header: option sack has length 2, want 2 plus a multiple of 8", packet.ErrMalformed},
		{"udp header cut", reframe(udp, 27), "decode udp: header truncated: 7 of 8 bytes", packet.ErrTruncated},
		{"udp length 7", edit(udp, func(b []byte) { b[24], b[25] = 0, 7 }), "decode udp: malformed header: length 7 bytes, below the header's 8", packet.ErrMalformed},
		{"udp length past the packet", edit(udp, func(b []byte) { b[24], b[25] = 0, 13 }), "decode udp: datagram truncated: 12 of 13 bytes", packet.ErrTruncated},
		{"icmp header cut", reframe(icmp, 27), "decode icmp: header truncated: 7 of 8 bytes", packet.ErrTruncated},
	} {
		p, err := packet.Decode(tc.b)
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v, want %q wrapping %v", tc.name, err, tc.want, tc.is)
		}
		if !reflect.DeepEqual(p, lab.Packet{}) {
			t.Errorf("%s: packet %+v with the error, want the zero Packet", tc.name, p)
		}
	}
}

// TestDecodeEveryCut cuts each scenario packet at every length, both as it
// arrives (the IPv4 total length then points past the end) and reframed so
// that the IPv4 header is consistent and the cut hits the transport header.
func TestDecodeEveryCut(t *testing.T) {
	for i, s := range labSession() {
		full := mustDecode(t, s.pkt)
		hdrLen := len(s.pkt) - full.IPv4.IHL
		switch {
		case full.TCP != nil:
			hdrLen = full.TCP.DataOffset
		case full.UDP != nil:
			hdrLen = int(full.UDP.Length)
		case full.ICMP != nil:
			hdrLen = 8
		}
		for n := range len(s.pkt) {
			if _, err := packet.Decode(s.pkt[:n]); !errors.Is(err, packet.ErrTruncated) {
				t.Errorf("packet %d cut to %d bytes: error %v, want one wrapping ErrTruncated", i+1, n, err)
			}
			if n < 20 {
				continue
			}
			p, err := packet.Decode(reframe(s.pkt, n))
			if n < 20+hdrLen {
				if !errors.Is(err, packet.ErrTruncated) || !strings.HasPrefix(err.Error(), "decode "+strings.ToLower(full.Protocol)+": ") {
					t.Errorf("packet %d reframed to %d bytes: error %v, want a %s one wrapping ErrTruncated", i+1, n, err, full.Protocol)
				}
			} else if err != nil || p.Length != n {
				t.Errorf("packet %d reframed to %d bytes, past its headers: %v", i+1, n, err)
			}
		}
	}
}
