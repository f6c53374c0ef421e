package packet

import (
	"encoding/binary"

	"github.com/socketlab/socketlab/lab"
)

// The IP protocol numbers socketlab decodes.
const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
)

// ipv4MinLen is the length of an IPv4 header without options.
const ipv4MinLen = 20

// ipv4Header is a decoded IPv4 header with its addresses still as bytes:
// Decode formats them together with the transport's ports.
type ipv4Header struct {
	fields   lab.IPv4 // all but Src and Dst
	src, dst [4]byte
}

// fragment reports whether the packet is a fragment, whose transport header
// cannot be decoded alone (or, for a first fragment, not in full).
func (h *ipv4Header) fragment() bool {
	return h.fields.MoreFrags || h.fields.FragOffset > 0
}

// decodeIPv4 decodes the IPv4 header at the start of b and checks its
// lengths against b. Options are skipped by the header length.
func decodeIPv4(b []byte) (ipv4Header, error) {
	if len(b) < ipv4MinLen {
		return ipv4Header{}, truncated("header", len(b), ipv4MinLen)
	}
	version, ihl := b[0]>>4, int(b[0]&0x0f)*4
	if version != 4 {
		return ipv4Header{}, malformed("version %d, want 4", version)
	}
	if ihl < ipv4MinLen {
		return ipv4Header{}, malformed("header length %d bytes, below the minimum %d", ihl, ipv4MinLen)
	}
	if len(b) < ihl {
		return ipv4Header{}, truncated("header", len(b), ihl)
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	if total < ihl {
		return ipv4Header{}, malformed("total length %d bytes, below the header length %d", total, ihl)
	}
	if len(b) < total {
		return ipv4Header{}, truncated("packet", len(b), total)
	}
	frag := binary.BigEndian.Uint16(b[6:])
	h := ipv4Header{fields: lab.IPv4{
		Version:    version,
		IHL:        ihl,
		TOS:        b[1],
		TotalLen:   uint16(total),
		ID:         binary.BigEndian.Uint16(b[4:]),
		Reserved:   frag&0x8000 != 0,
		DontFrag:   frag&0x4000 != 0,
		MoreFrags:  frag&0x2000 != 0,
		FragOffset: (frag & 0x1fff) * 8,
		TTL:        b[8],
		Protocol:   b[9],
		Checksum:   binary.BigEndian.Uint16(b[10:]),
		ChecksumOK: valid(sum(0, b[:ihl])),
	}}
	copy(h.src[:], b[12:16])
	copy(h.dst[:], b[16:20])
	return h, nil
}

// knownProto names the IP protocols socketlab decodes as Wireshark does.
func knownProto(proto uint8) (name string, ok bool) {
	switch proto {
	case protoTCP:
		return "TCP", true
	case protoUDP:
		return "UDP", true
	case protoICMP:
		return "ICMP", true
	}
	return "", false
}
