package labtest

import (
	"encoding/binary"
	"net/netip"
)

// Ping builds an ICMP echo request with 56 bytes of data, as ping sends,
// with its checksums.
func Ping(src, dst netip.Addr, seq uint16) []byte {
	p := ipv4(src, dst, 1, 8+56)
	icmp := p[20:]
	icmp[0] = 8 // echo request
	binary.BigEndian.PutUint16(icmp[4:], 1)
	binary.BigEndian.PutUint16(icmp[6:], seq)
	binary.BigEndian.PutUint16(icmp[2:], ^onesSum(0, icmp))
	return p
}

// UDP builds an IPv4 UDP datagram with its checksums.
func UDP(src, dst netip.AddrPort, payload []byte) []byte {
	p := ipv4(src.Addr(), dst.Addr(), 17, 8+len(payload))
	u := p[20:]
	binary.BigEndian.PutUint16(u[0:], src.Port())
	binary.BigEndian.PutUint16(u[2:], dst.Port())
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	copy(u[8:], payload)
	binary.BigEndian.PutUint16(u[6:], ^onesSum(pseudo(p, 17), u))
	return p
}

// TCP builds an IPv4 TCP segment without data or options, with its
// checksums. flags are the header's flag bits (0x02 SYN, 0x10 ACK, …).
func TCP(src, dst netip.AddrPort, seq, ack uint32, flags byte) []byte {
	p := ipv4(src.Addr(), dst.Addr(), 6, 20)
	t := p[20:]
	binary.BigEndian.PutUint16(t[0:], src.Port())
	binary.BigEndian.PutUint16(t[2:], dst.Port())
	binary.BigEndian.PutUint32(t[4:], seq)
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12] = 5 << 4
	t[13] = flags
	binary.BigEndian.PutUint16(t[14:], 65535)
	binary.BigEndian.PutUint16(t[16:], ^onesSum(pseudo(p, 6), t))
	return p
}

// ipv4 is a packet with an IPv4 header (TTL 64, checksum set) for a
// payload of n bytes, left zero.
func ipv4(src, dst netip.Addr, proto byte, n int) []byte {
	p := make([]byte, 20+n)
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[8] = 64
	p[9] = proto
	s, d := src.As4(), dst.As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	binary.BigEndian.PutUint16(p[10:], ^onesSum(0, p[:20]))
	return p
}

// pseudo sums the TCP/UDP pseudo-header of packet p.
func pseudo(p []byte, proto byte) uint32 {
	return uint32(onesSum(0, p[12:20])) + uint32(proto) + uint32(len(p)-20)
}

// onesSum adds b to sum as 16-bit words, folded: the Internet checksum
// before its complement.
func onesSum(sum uint32, b []byte) uint16 {
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(binary.BigEndian.Uint16(b))
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return uint16(sum)
}
