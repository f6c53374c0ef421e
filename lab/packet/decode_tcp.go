package packet

import (
	"encoding/binary"

	"github.com/socketlab/socketlab/lab"
)

// The bits of the TCP flags field, lowest first.
const (
	flagFIN = 1 << iota
	flagSYN
	flagRST
	flagPSH
	flagACK
	flagURG
	flagECE
	flagCWR
	flagAE
)

// tcpMinLen is the length of a TCP header without options.
const tcpMinLen = 20

// decodeTCP decodes the TCP segment seg carried by the IPv4 header h,
// verifying its checksum with the pseudo-header.
func decodeTCP(seg []byte, h *ipv4Header) (*lab.TCP, error) {
	if len(seg) < tcpMinLen {
		return nil, truncated("header", len(seg), tcpMinLen)
	}
	off := int(seg[12]>>4) * 4
	if off < tcpMinLen {
		return nil, malformed("data offset %d bytes, below the minimum %d", off, tcpMinLen)
	}
	if len(seg) < off {
		return nil, truncated("header", len(seg), off)
	}
	flags := binary.BigEndian.Uint16(seg[12:]) & 0x0fff
	t := &lab.TCP{
		SrcPort:    binary.BigEndian.Uint16(seg[0:]),
		DstPort:    binary.BigEndian.Uint16(seg[2:]),
		Seq:        binary.BigEndian.Uint32(seg[4:]),
		Ack:        binary.BigEndian.Uint32(seg[8:]),
		DataOffset: off,
		Flags: lab.TCPFlags{
			FIN:      flags&flagFIN != 0,
			SYN:      flags&flagSYN != 0,
			RST:      flags&flagRST != 0,
			PSH:      flags&flagPSH != 0,
			ACK:      flags&flagACK != 0,
			URG:      flags&flagURG != 0,
			ECE:      flags&flagECE != 0,
			CWR:      flags&flagCWR != 0,
			AE:       flags&flagAE != 0,
			Reserved: uint8(flags >> 9),
			Bits:     flags,
		},
		Window:     binary.BigEndian.Uint16(seg[14:]),
		Checksum:   binary.BigEndian.Uint16(seg[16:]),
		ChecksumOK: valid(sum(pseudoHeader(h, len(seg)), seg)),
		Urgent:     binary.BigEndian.Uint16(seg[18:]),
		PayloadLen: len(seg) - off,
	}
	if err := decodeTCPOptions(&t.Options, seg[tcpMinLen:off]); err != nil {
		return nil, err
	}
	return t, nil
}
