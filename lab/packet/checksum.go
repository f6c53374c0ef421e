package packet

// sum adds b, as big-endian 16-bit words padded with a zero byte when its
// length is odd, to the running one's-complement sum acc.
func sum(acc uint64, b []byte) uint64 {
	for len(b) >= 2 {
		acc += uint64(b[0])<<8 | uint64(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// valid reports whether acc, the sum over data that includes its checksum
// field, folds to all ones: the Internet checksum of RFC 1071 verifies.
func valid(acc uint64) bool {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return acc == 0xffff
}

// pseudoHeader is the sum of the IPv4 pseudo-header that TCP and UDP
// checksums cover: the addresses, the protocol and the segment length.
func pseudoHeader(h *ipv4Header, length int) uint64 {
	acc := sum(0, h.src[:])
	acc = sum(acc, h.dst[:])
	return acc + uint64(h.fields.Protocol) + uint64(length)
}
