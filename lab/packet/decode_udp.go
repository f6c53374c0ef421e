package packet

import (
	"encoding/binary"

	"github.com/socketlab/socketlab/lab"
)

// decodeUDP decodes the UDP datagram seg carried by the IPv4 header h,
// verifying its checksum with the pseudo-header unless the sender sent none
// (a zero checksum), which counts as OK. Bytes after the UDP length are
// ignored, as Wireshark does.
func decodeUDP(seg []byte, h *ipv4Header) (*lab.UDP, error) {
	const hdrLen = 8
	if len(seg) < hdrLen {
		return nil, truncated("header", len(seg), hdrLen)
	}
	length := int(binary.BigEndian.Uint16(seg[4:]))
	if length < hdrLen {
		return nil, malformed("length %d bytes, below the header's %d", length, hdrLen)
	}
	if len(seg) < length {
		return nil, truncated("datagram", len(seg), length)
	}
	u := &lab.UDP{
		SrcPort:    binary.BigEndian.Uint16(seg[0:]),
		DstPort:    binary.BigEndian.Uint16(seg[2:]),
		Length:     uint16(length),
		Checksum:   binary.BigEndian.Uint16(seg[6:]),
		PayloadLen: length - hdrLen,
	}
	u.ChecksumOK = u.Checksum == 0 || valid(sum(pseudoHeader(h, length), seg[:length]))
	return u, nil
}
