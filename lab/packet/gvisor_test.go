package packet_test

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/packet"
)

// These tests cross-check the decoder against gVisor's header package, the
// code that builds and parses the packets of a lab: packets gVisor encodes
// must decode to the fields it was given, and gVisor must read the
// hand-built test packets as Decode does.

var (
	gvClient = netip.MustParseAddr("10.0.0.2")
	gvServer = netip.MustParseAddr("10.0.0.1")
)

// gvSynOptions encodes the options gVisor puts in a SYN, in its order.
func gvSynOptions(opts []byte) int {
	n := header.EncodeMSSOption(1460, opts)
	n += header.EncodeNOP(opts[n:])
	n += header.EncodeWSOption(7, opts[n:])
	n += header.EncodeNOP(opts[n:])
	n += header.EncodeNOP(opts[n:])
	n += header.EncodeTSOption(1111, 0, opts[n:])
	n += header.EncodeNOP(opts[n:])
	n += header.EncodeNOP(opts[n:])
	return n + header.EncodeSACKPermittedOption(opts[n:])
}

func TestDecodeGVisorTCP(t *testing.T) {
	syn := labtest.TCPWith(gvClient, gvServer, header.TCPFields{
		SrcPort: 49152, DstPort: 7, SeqNum: 0x01020304, Flags: header.TCPFlagSyn, WindowSize: 65535,
	}, gvSynOptions, nil)
	p := mustDecode(t, syn)
	want := &lab.TCP{
		SrcPort: 49152, DstPort: 7, Seq: 0x01020304, DataOffset: 44, Flags: lab.TCPFlags{SYN: true, Bits: uint16(header.TCPFlagSyn)},
		Window: 65535, Checksum: header.TCP(syn[20:]).Checksum(), ChecksumOK: true,
		Options: lab.TCPOptions{MSS: 1460, HasWScale: true, WScale: 7, HasTimestamp: true, TSVal: 1111, SACKPermitted: true},
	}
	kinds := func(list []lab.TCPOption) (k []uint8) {
		for _, o := range list {
			k = append(k, o.Kind)
		}
		return k
	}
	if k := kinds(p.TCP.Options.List); !slices.Equal(k, []uint8{2, 1, 3, 1, 1, 8, 1, 1, 4}) {
		t.Errorf("gVisor SYN's options listed as kinds %v, want gVisor's order", k)
	}
	got := *p.TCP
	got.Options.List = nil
	if !reflect.DeepEqual(&got, want) || !p.IPv4.ChecksumOK || !p.IPv4.DontFrag || p.IPv4.ID != 0x4242 ||
		p.Src != "10.0.0.2:49152" || p.Dst != "10.0.0.1:7" {
		t.Errorf("gVisor SYN decoded as %+v\ntcp %+v\nwant %+v", p, p.TCP, want)
	}
	packet.Summarize(&p)
	if want := "49152 → 7 [SYN] Seq=16909060 Win=65535 Len=0 MSS=1460 WS=128 TSval=1111 TSecr=0 SACK_PERM"; p.Summary != want {
		t.Errorf("gVisor SYN summary\n%s\nwant\n%s", p.Summary, want)
	}

	blocks := []header.SACKBlock{{Start: 100, End: 200}, {Start: 300, End: 400}, {Start: 500, End: 600}}
	sack := labtest.TCPWith(gvServer, gvClient, header.TCPFields{
		SrcPort: 7, DstPort: 49152, SeqNum: 9, AckNum: 99, Flags: header.TCPFlagAck | header.TCPFlagPsh | header.TCPFlagFin,
		WindowSize: 512, UrgentPointer: 0,
	}, func(opts []byte) int {
		n := header.EncodeNOP(opts)
		n += header.EncodeNOP(opts[n:])
		n += header.EncodeTSOption(7, 8, opts[n:])
		n += header.EncodeNOP(opts[n:])
		n += header.EncodeNOP(opts[n:])
		return n + header.EncodeSACKBlocks(blocks, opts[n:])
	}, []byte("data!"))
	p = mustDecode(t, sack)
	wantOpts := lab.TCPOptions{HasTimestamp: true, TSVal: 7, TSEcr: 8, SACK: []lab.SACKBlock{{Left: 100, Right: 200}, {Left: 300, Right: 400}, {Left: 500, Right: 600}}}
	if k := kinds(p.TCP.Options.List); !slices.Equal(k, []uint8{1, 1, 8, 1, 1, 5}) {
		t.Errorf("gVisor SACK segment's options listed as kinds %v, want gVisor's order", k)
	}
	p.TCP.Options.List = nil
	if !reflect.DeepEqual(p.TCP.Options, wantOpts) || p.TCP.Flags != (lab.TCPFlags{FIN: true, PSH: true, ACK: true, Bits: 0x19}) ||
		p.TCP.PayloadLen != 5 || !p.TCP.ChecksumOK || p.TCP.Ack != 99 {
		t.Errorf("gVisor SACK segment decoded as %+v", p.TCP)
	}
}

func TestDecodeGVisorUDPAndICMP(t *testing.T) {
	datagram := labtest.UDP(netip.AddrPortFrom(gvClient, 49152), netip.AddrPortFrom(gvServer, 7), []byte("hello\n"))
	udp := header.UDP(header.IPv4(datagram).Payload())

	p := mustDecode(t, datagram)
	if p.UDP == nil || *p.UDP != (lab.UDP{SrcPort: 49152, DstPort: 7, Length: 14, Checksum: udp.Checksum(), ChecksumOK: true, PayloadLen: 6}) {
		t.Errorf("gVisor UDP decoded as %+v", p.UDP)
	}

	// The port unreachable gVisor sends back quotes the datagram.
	quote := datagram
	msg := make([]byte, header.ICMPv4MinimumSize+len(quote))
	icmp := header.ICMPv4(msg)
	icmp.SetType(header.ICMPv4DstUnreachable)
	icmp.SetCode(header.ICMPv4PortUnreachable)
	copy(msg[header.ICMPv4MinimumSize:], quote)
	icmp.SetChecksum(header.ICMPv4Checksum(icmp[:header.ICMPv4MinimumSize], checksum.Checksum(quote, 0)))
	p = mustDecode(t, labtest.IPv4(gvServer, gvClient, header.ICMPv4ProtocolNumber, msg))
	want := lab.ICMP{Type: 3, Code: 3, TypeName: "Destination unreachable", CodeName: "Port unreachable", Checksum: icmp.Checksum(), ChecksumOK: true, Original: "10.0.0.2:49152 → 10.0.0.1:7 UDP"}
	if p.ICMP == nil || *p.ICMP != want || p.Src != "10.0.0.1" || p.Dst != "10.0.0.2" {
		t.Errorf("gVisor port unreachable decoded as %+v from %s to %s, want %+v", p.ICMP, p.Src, p.Dst, want)
	}
}

// TestGVisorReadsTestPackets has gVisor parse every hand-built scenario
// packet and compares what it reads with what Decode reads.
func TestGVisorReadsTestPackets(t *testing.T) {
	for i, s := range labSession() {
		p := mustDecode(t, s.pkt)
		ip := header.IPv4(s.pkt)
		if !ip.IsValid(len(s.pkt)) || !ip.IsChecksumValid() {
			t.Errorf("packet %d: gVisor finds the IPv4 header invalid", i+1)
			continue
		}
		if ip.SourceAddress().String() != p.IPv4.Src || ip.DestinationAddress().String() != p.IPv4.Dst ||
			ip.TTL() != p.IPv4.TTL || ip.ID() != p.IPv4.ID || int(ip.HeaderLength()) != p.IPv4.IHL {
			t.Errorf("packet %d: gVisor reads the IPv4 header otherwise than %+v", i+1, p.IPv4)
		}
		src, dst := ip.SourceAddress(), ip.DestinationAddress()
		switch {
		case p.TCP != nil:
			tcp := header.TCP(ip.Payload())
			payload := tcp.Payload()
			if !tcp.IsChecksumValid(src, dst, checksum.Checksum(payload, 0), uint16(len(payload))) {
				t.Errorf("packet %d: gVisor finds the TCP checksum bad", i+1)
			}
			f := tcp.Flags()
			got := lab.TCPFlags{
				FIN: f.Contains(header.TCPFlagFin), SYN: f.Contains(header.TCPFlagSyn), RST: f.Contains(header.TCPFlagRst),
				PSH: f.Contains(header.TCPFlagPsh), ACK: f.Contains(header.TCPFlagAck), URG: f.Contains(header.TCPFlagUrg),
				ECE: f.Contains(header.TCPFlagEce), CWR: f.Contains(header.TCPFlagCwr), Bits: uint16(f),
			}
			// gVisor reads the flags byte only, not AE and the reserved bits.
			want := lab.TCPFlags{FIN: p.TCP.Flags.FIN, SYN: p.TCP.Flags.SYN, RST: p.TCP.Flags.RST, PSH: p.TCP.Flags.PSH,
				ACK: p.TCP.Flags.ACK, URG: p.TCP.Flags.URG, ECE: p.TCP.Flags.ECE, CWR: p.TCP.Flags.CWR, Bits: p.TCP.Flags.Bits & 0xff}
			if got != want || tcp.SequenceNumber() != p.TCP.Seq || tcp.AckNumber() != p.TCP.Ack ||
				tcp.WindowSize() != p.TCP.Window || int(tcp.DataOffset()) != p.TCP.DataOffset || len(payload) != p.TCP.PayloadLen {
				t.Errorf("packet %d: gVisor reads the TCP header otherwise than %+v", i+1, p.TCP)
			}
			o := &p.TCP.Options
			if p.TCP.Flags.SYN {
				syn := header.ParseSynOptions(tcp.Options(), p.TCP.Flags.ACK)
				ws := -1
				if o.HasWScale {
					ws = int(o.WScale)
				}
				if syn.MSS != o.MSS || syn.WS != ws || syn.TS != o.HasTimestamp || syn.TSVal != o.TSVal || syn.SACKPermitted != o.SACKPermitted {
					t.Errorf("packet %d: gVisor reads SYN options %+v, Decode %+v", i+1, syn, o)
				}
			}
			opts := header.ParseTCPOptions(tcp.Options())
			if opts.TS != o.HasTimestamp || opts.TSVal != o.TSVal || opts.TSEcr != o.TSEcr || len(opts.SACKBlocks) != len(o.SACK) {
				t.Errorf("packet %d: gVisor reads options %+v, Decode %+v", i+1, opts, o)
			}
		case p.UDP != nil:
			udp := header.UDP(ip.Payload())
			if !udp.IsChecksumValid(src, dst, checksum.Checksum(udp.Payload(), 0)) || udp.Length() != p.UDP.Length ||
				udp.SourcePort() != p.UDP.SrcPort || udp.DestinationPort() != p.UDP.DstPort {
				t.Errorf("packet %d: gVisor reads the UDP header otherwise than %+v", i+1, p.UDP)
			}
		case p.ICMP != nil:
			icmp := header.ICMPv4(ip.Payload())
			if uint8(icmp.Type()) != p.ICMP.Type || uint8(icmp.Code()) != p.ICMP.Code ||
				header.ICMPv4Checksum(icmp[:header.ICMPv4MinimumSize], checksum.Checksum(icmp.Payload(), 0)) != p.ICMP.Checksum {
				t.Errorf("packet %d: gVisor reads the ICMP header otherwise than %+v", i+1, p.ICMP)
			}
			if p.ICMP.Type == 0 || p.ICMP.Type == 8 {
				if icmp.Ident() != p.ICMP.ID || icmp.Sequence() != p.ICMP.Seq {
					t.Errorf("packet %d: gVisor reads echo id %d seq %d, Decode %+v", i+1, icmp.Ident(), icmp.Sequence(), p.ICMP)
				}
			}
		}
	}
}
