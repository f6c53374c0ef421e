package labtest

import (
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// The tests' packets, every one encoded by gVisor's header package (the
// code that builds a lab host's own packets) with its checksums: the one
// packet builder of the tests.

// IPv4 wraps segment, a message of transport protocol proto, in an IPv4
// header: TTL 64, Don't Fragment set (as Linux sets it), and the
// identification 0x4242, easy to spot in a dump.
func IPv4(src, dst netip.Addr, proto tcpip.TransportProtocolNumber, segment []byte) []byte {
	b := make([]byte, header.IPv4MinimumSize+len(segment))
	ip := header.IPv4(b)
	ip.Encode(&header.IPv4Fields{
		TotalLength: uint16(len(b)),
		ID:          0x4242,
		Flags:       header.IPv4FlagDontFragment,
		TTL:         64,
		Protocol:    uint8(proto),
		SrcAddr:     addr(src),
		DstAddr:     addr(dst),
	})
	ip.SetChecksum(^ip.CalculateChecksum())
	copy(b[header.IPv4MinimumSize:], segment)
	return b
}

// TCP is a TCP segment without options or data, window 65535, in an
// IPv4 packet. flags are the header's flag bits (header.TCPFlagSyn, …).
func TCP(src, dst netip.AddrPort, seq, ack uint32, flags header.TCPFlags) []byte {
	return TCPWith(src.Addr(), dst.Addr(), header.TCPFields{
		SrcPort: src.Port(), DstPort: dst.Port(), SeqNum: seq, AckNum: ack, Flags: flags, WindowSize: 65535,
	}, nil, nil)
}

// TCPWith is a TCP segment with the header fields f (its data offset is
// set here), the options that options writes, as gVisor's option encoders
// do (nil for none), padded, and payload, in an IPv4 packet.
func TCPWith(src, dst netip.Addr, f header.TCPFields, options func(opts []byte) int, payload []byte) []byte {
	var opts [header.TCPOptionsMaximumSize]byte
	n := 0
	if options != nil {
		n = options(opts[:])
		n += header.AddTCPOptionPadding(opts[:], n)
	}
	f.DataOffset = uint8(header.TCPMinimumSize + n)
	seg := make([]byte, int(f.DataOffset)+len(payload))
	tcp := header.TCP(seg)
	tcp.Encode(&f)
	copy(seg[header.TCPMinimumSize:], opts[:n])
	copy(seg[f.DataOffset:], payload)
	xsum := header.PseudoHeaderChecksum(header.TCPProtocolNumber, addr(src), addr(dst), uint16(len(seg)))
	tcp.SetChecksum(^tcp.CalculateChecksum(checksum.Checksum(payload, xsum)))
	return IPv4(src, dst, header.TCPProtocolNumber, seg)
}

// UDP is a UDP datagram in an IPv4 packet.
func UDP(src, dst netip.AddrPort, payload []byte) []byte {
	seg := make([]byte, header.UDPMinimumSize+len(payload))
	u := header.UDP(seg)
	u.Encode(&header.UDPFields{SrcPort: src.Port(), DstPort: dst.Port(), Length: uint16(len(seg))})
	copy(u.Payload(), payload)
	xsum := header.PseudoHeaderChecksum(header.UDPProtocolNumber, addr(src.Addr()), addr(dst.Addr()), uint16(len(seg)))
	u.SetChecksum(^u.CalculateChecksum(checksum.Checksum(payload, xsum)))
	return IPv4(src.Addr(), dst.Addr(), header.UDPProtocolNumber, seg)
}

// Ping is an ICMP echo request with 56 bytes of data, as ping sends, in
// an IPv4 packet.
func Ping(src, dst netip.Addr, seq uint16) []byte {
	msg := make([]byte, header.ICMPv4MinimumSize+56)
	icmp := header.ICMPv4(msg)
	icmp.SetType(header.ICMPv4Echo)
	icmp.SetIdent(1)
	icmp.SetSequence(seq)
	icmp.SetChecksum(header.ICMPv4Checksum(icmp[:header.ICMPv4MinimumSize], checksum.Checksum(icmp.Payload(), 0)))
	return IPv4(src, dst, header.ICMPv4ProtocolNumber, msg)
}

func addr(a netip.Addr) tcpip.Address { return tcpip.AddrFrom4(a.As4()) }
