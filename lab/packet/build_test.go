package packet_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// This file builds packets by hand, byte by byte, with its own checksum
// code, so that the tests do not trust the package to check itself.

// TCP flag bits as they sit in the 12-bit flags field.
const (
	fFIN = 1 << iota
	fSYN
	fRST
	fPSH
	fACK
	fURG
	fECE
	fCWR
	fAE
	fReserved = 0xe00
)

// tcpSeg describes a TCP segment to build.
type tcpSeg struct {
	src, dst string // "10.0.0.2:49152"
	seq, ack uint32
	flags    uint16
	win      uint16
	urg      uint16
	opts     []byte // padded with EOL to a multiple of 4
	payload  []byte
}

// ipOpts holds IPv4 header fields the tests sometimes change.
type ipOpts struct {
	id      uint16
	ttl     uint8
	frag    uint16 // flags and offset field as on the wire
	options []byte // IPv4 options, a multiple of 4 bytes
}

// onesSum is the Internet checksum of the concatenation of bs.
func onesSum(bs ...[]byte) uint16 {
	var all []byte
	for _, b := range bs {
		all = append(all, b...)
	}
	if len(all)%2 == 1 {
		all = append(all, 0)
	}
	var s uint32
	for i := 0; i < len(all); i += 2 {
		s += uint32(binary.BigEndian.Uint16(all[i:]))
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// pseudo is the IPv4 pseudo-header for a transport checksum.
func pseudo(src, dst netip.Addr, proto uint8, length int) []byte {
	b := append(src.AsSlice(), dst.AsSlice()...)
	return append(b, 0, proto, byte(length>>8), byte(length))
}

// ipv4Packet wraps payload in an IPv4 header with a correct checksum.
func ipv4Packet(src, dst netip.Addr, proto uint8, o ipOpts, payload []byte) []byte {
	if o.ttl == 0 {
		o.ttl = 64
	}
	ihl := 20 + len(o.options)
	h := make([]byte, ihl, ihl+len(payload))
	h[0] = 0x40 | byte(ihl/4)
	binary.BigEndian.PutUint16(h[2:], uint16(ihl+len(payload)))
	binary.BigEndian.PutUint16(h[4:], o.id)
	binary.BigEndian.PutUint16(h[6:], o.frag)
	h[8], h[9] = o.ttl, proto
	copy(h[12:], src.AsSlice())
	copy(h[16:], dst.AsSlice())
	copy(h[20:], o.options)
	binary.BigEndian.PutUint16(h[10:], onesSum(h))
	return append(h, payload...)
}

// buildTCP builds an IPv4 packet holding the TCP segment s.
func buildTCP(s tcpSeg) []byte { return buildTCPIP(s, ipOpts{}) }

// buildTCPIP builds an IPv4 packet with header fields o holding segment s.
func buildTCPIP(s tcpSeg, o ipOpts) []byte {
	src, dst := netip.MustParseAddrPort(s.src), netip.MustParseAddrPort(s.dst)
	opts := append([]byte(nil), s.opts...)
	for len(opts)%4 != 0 {
		opts = append(opts, 0)
	}
	h := make([]byte, 20+len(opts))
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint32(h[4:], s.seq)
	binary.BigEndian.PutUint32(h[8:], s.ack)
	h[12] = byte(len(h)/4)<<4 | byte(s.flags>>8)
	h[13] = byte(s.flags)
	binary.BigEndian.PutUint16(h[14:], s.win)
	binary.BigEndian.PutUint16(h[18:], s.urg)
	copy(h[20:], opts)
	seg := append(h, s.payload...)
	binary.BigEndian.PutUint16(seg[16:], onesSum(pseudo(src.Addr(), dst.Addr(), 6, len(seg)), seg))
	return ipv4Packet(src.Addr(), dst.Addr(), 6, o, seg)
}

// buildUDP builds an IPv4 packet holding a UDP datagram with a checksum.
func buildUDP(from, to string, payload []byte) []byte {
	src, dst := netip.MustParseAddrPort(from), netip.MustParseAddrPort(to)
	d := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(d[0:], src.Port())
	binary.BigEndian.PutUint16(d[2:], dst.Port())
	binary.BigEndian.PutUint16(d[4:], uint16(8+len(payload)))
	d = append(d, payload...)
	c := onesSum(pseudo(src.Addr(), dst.Addr(), 17, len(d)), d)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(d[6:], c)
	return ipv4Packet(src.Addr(), dst.Addr(), 17, ipOpts{}, d)
}

// buildICMP builds an IPv4 packet holding an ICMP message: type, code, the
// four bytes after the checksum, and body.
func buildICMP(from, to string, typ, code uint8, rest [4]byte, body []byte) []byte {
	m := append([]byte{typ, code, 0, 0}, rest[:]...)
	m = append(m, body...)
	binary.BigEndian.PutUint16(m[2:], onesSum(m))
	return ipv4Packet(netip.MustParseAddr(from), netip.MustParseAddr(to), 1, ipOpts{}, m)
}

// TCP options, as raw bytes.

func optMSS(v uint16) []byte   { return []byte{2, 4, byte(v >> 8), byte(v)} }
func optWS(shift uint8) []byte { return []byte{3, 3, shift} }
func optSACKPerm() []byte      { return []byte{4, 2} }
func optNOP() []byte           { return []byte{1} }

func optTS(val, ecr uint32) []byte {
	b := []byte{8, 10}
	b = binary.BigEndian.AppendUint32(b, val)
	return binary.BigEndian.AppendUint32(b, ecr)
}

func optSACK(edges ...uint32) []byte {
	b := []byte{5, byte(2 + 4*len(edges))}
	for _, e := range edges {
		b = binary.BigEndian.AppendUint32(b, e)
	}
	return b
}

// cat concatenates options.
func cat(opts ...[]byte) []byte {
	var b []byte
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

// mustAddr parses an IPv4 address or fails the test.
func mustAddr(t testing.TB, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
