package packet

import (
	"encoding/binary"

	"github.com/socketlab/socketlab/lab"
)

// The TCP control bits, in the order of the flags byte.
const (
	flagFIN = 1 << iota
	flagSYN
	flagRST
	flagPSH
	flagACK
	flagURG
	flagECE
	flagCWR
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
	flags := seg[13]
	t := &lab.TCP{
		SrcPort:    binary.BigEndian.Uint16(seg[0:]),
		DstPort:    binary.BigEndian.Uint16(seg[2:]),
		Seq:        binary.BigEndian.Uint32(seg[4:]),
		Ack:        binary.BigEndian.Uint32(seg[8:]),
		DataOffset: off,
		Flags: lab.TCPFlags{
			FIN: flags&flagFIN != 0,
			SYN: flags&flagSYN != 0,
			RST: flags&flagRST != 0,
			PSH: flags&flagPSH != 0,
			ACK: flags&flagACK != 0,
			URG: flags&flagURG != 0,
			ECE: flags&flagECE != 0,
			CWR: flags&flagCWR != 0,
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

// decodeTCPOptions decodes the options area opts into o. Options of a kind
// socketlab does not know are recorded by kind; a known option of the wrong
// length is an error, as Wireshark marks it malformed.
func decodeTCPOptions(o *lab.TCPOptions, opts []byte) error {
	it := optionIter{opts: opts}
	for {
		kind, body, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		switch kind {
		case optMSS:
			if err := wantLen(kind, body, 2); err != nil {
				return err
			}
			o.MSS = binary.BigEndian.Uint16(body)
		case optWScale:
			if err := wantLen(kind, body, 1); err != nil {
				return err
			}
			o.HasWScale, o.WScale = true, body[0]
		case optSACKPerm:
			if err := wantLen(kind, body, 0); err != nil {
				return err
			}
			o.SACKPermitted = true
		case optTimestamp:
			if err := wantLen(kind, body, 8); err != nil {
				return err
			}
			o.HasTimestamp = true
			o.TSVal = binary.BigEndian.Uint32(body)
			o.TSEcr = binary.BigEndian.Uint32(body[4:])
		case optSACK:
			if len(body) == 0 || len(body)%8 != 0 {
				return malformed("option sack has length %d, want 2 plus a multiple of 8", len(body)+2)
			}
			o.SACK = make([]lab.SACKBlock, 0, len(body)/8)
			for ; len(body) > 0; body = body[8:] {
				o.SACK = append(o.SACK, lab.SACKBlock{
					Left:  binary.BigEndian.Uint32(body),
					Right: binary.BigEndian.Uint32(body[4:]),
				})
			}
		default:
			o.Unknown = append(o.Unknown, kind)
		}
	}
}

// wantLen checks that the option kind has a body of n bytes.
func wantLen(kind uint8, body []byte, n int) error {
	if len(body) != n {
		return malformed("option %s has length %d, want %d", optionName(kind), len(body)+2, n+2)
	}
	return nil
}
