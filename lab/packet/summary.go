package packet

import (
	"slices"
	"strconv"

	"github.com/socketlab/socketlab/lab"
)

// arrow separates source and destination, as in Wireshark.
const arrow = " → "

// tcpNumbers are the numbers a TCP summary shows, which depend on what is
// known of the connection.
type tcpNumbers struct {
	seq, ack uint32  // relative or raw
	win      uint32  // the window, scaled when the handshake set a scale
	scale    int     // what the window was multiplied by, or a lab.WindowScale constant
	sackBase uint32  // subtracted from SACK edges: the peer's ISN, or zero
	verdict  verdict // the TCP analysis's labels
	dup      int     // the duplicate ACK's number
}

// rawNumbers are a TCP packet's numbers as on the wire.
func rawNumbers(t *lab.TCP) tcpNumbers {
	return tcpNumbers{seq: t.Seq, ack: t.Ack, win: uint32(t.Window), scale: lab.WindowScaleUnknown}
}

// Summarize sets p.Summary, in the style of Wireshark's Info column, for p
// seen alone: TCP sequence and acknowledgement numbers are the raw ones and
// windows are not scaled, as both need the connection's handshake (so
// p.TCP.CalcWindow is the window, its scale unknown). A Tracker's Annotate
// gives the connection-aware summary instead.
func Summarize(p *lab.Packet) {
	var n tcpNumbers
	if p.TCP != nil {
		n = rawNumbers(p.TCP)
		p.TCP.CalcWindow, p.TCP.WindowScale = n.win, n.scale
	}
	p.Summary = summary(p, n, p.UDP != nil && (p.UDP.SrcPort == tftpPort || p.UDP.DstPort == tftpPort))
}

// summary formats p's Info column line with the TCP numbers n; tftp: a
// UDP packet is TFTP's (to or from port 69, or of a transfer the Tracker
// saw requested), and is named so when its bytes are.
func summary(p *lab.Packet, n tcpNumbers, tftp bool) string {
	var buf [160]byte
	var b []byte
	switch {
	case p.TCP != nil:
		b = appendTCP(buf[:0], p, n)
	case p.UDP != nil:
		var ok bool
		if tftp {
			b, ok = appendTFTP(buf[:0], Payload(p))
		}
		if !ok {
			b = appendPorts(buf[:0], p.UDP.SrcPort, p.UDP.DstPort)
			b = appendField(b, " Len=", uint64(p.UDP.PayloadLen))
		}
	case p.ICMP != nil:
		b = appendICMP(buf[:0], p.ICMP, p.IPv4.TTL)
	case p.IPv4.MoreFrags || p.IPv4.FragOffset > 0:
		b = append(buf[:0], "Fragmented IP protocol (proto="...)
		if name, ok := knownProto(p.IPv4.Protocol); ok {
			b = append(b, name...)
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(p.IPv4.Protocol), 10)
		b = appendField(b, ", off=", uint64(p.IPv4.FragOffset))
		b = append(b, ", ID="...)
		b = appendHex4(b, p.IPv4.ID)
		b = append(b, ')')
	default:
		b = appendField(buf[:0], "IPv4 protocol ", uint64(p.IPv4.Protocol))
	}
	return string(b)
}

// appendTCP appends a TCP packet's line: ports, flags, numbers, options.
func appendTCP(b []byte, p *lab.Packet, n tcpNumbers) []byte {
	t := p.TCP
	b = appendInfo(b, n.verdict, n.dup)
	b = appendPorts(b, t.SrcPort, t.DstPort)
	b = appendFlags(append(b, " ["...), t.Flags)
	b = appendField(append(b, ']'), " Seq=", uint64(n.seq))
	if t.Flags.ACK {
		b = appendField(b, " Ack=", uint64(n.ack))
	}
	b = appendField(b, " Win=", uint64(n.win))
	if t.Flags.URG {
		b = appendField(b, " Urg=", uint64(t.Urgent))
	}
	b = appendField(b, " Len=", uint64(t.PayloadLen))
	var kinds [40]uint8
	o := &t.Options
	for _, kind := range optionOrder(kinds[:0], p) {
		switch kind {
		case optMSS:
			b = appendField(b, " MSS=", uint64(o.MSS))
		case optWScale:
			b = appendField(b, " WS=", 1<<min(o.WScale, maxWScale))
		case optSACKPerm:
			b = append(b, " SACK_PERM"...)
		case optTimestamp:
			b = appendField(b, " TSval=", uint64(o.TSVal))
			b = appendField(b, " TSecr=", uint64(o.TSEcr))
		case optSACK:
			for _, s := range o.SACK {
				b = appendField(b, " SLE=", uint64(s.Left-n.sackBase))
				b = appendField(b, " SRE=", uint64(s.Right-n.sackBase))
			}
		}
	}
	return b
}

// maxWScale is the largest window scale shift RFC 7323 allows; Wireshark
// (and TCP stacks) treat larger ones as this.
const maxWScale = 14

// optionOrder appends to dst the kinds of p's TCP options in the order
// Wireshark lists them: the order on the wire, as Options.List has it. For
// a packet without a List (one built by hand) it uses the order Linux
// sends them in.
func optionOrder(dst []uint8, p *lab.Packet) []uint8 {
	o := &p.TCP.Options
	if len(o.List) > 0 {
		for _, opt := range o.List {
			dst = append(dst, opt.Kind)
		}
		return dst
	}
	for _, k := range [...]struct {
		kind    uint8
		present bool
	}{
		{optMSS, o.MSS != 0},
		{optSACKPerm, o.SACKPermitted},
		{optTimestamp, o.HasTimestamp},
		{optWScale, o.HasWScale},
		{optSACK, len(o.SACK) > 0},
	} {
		if k.present {
			dst = append(dst, k.kind)
		}
	}
	return dst
}

// appendFlags appends the names of the flags set, in Wireshark's order
// (lowest bit first), or "<None>".
func appendFlags(b []byte, f lab.TCPFlags) []byte {
	start := len(b)
	for _, fl := range slices.Backward(lab.TCPFlagBits) {
		if f.Bits&fl.Mask == 0 {
			continue
		}
		if len(b) > start {
			b = append(b, ", "...)
		}
		b = append(b, fl.Name...)
	}
	if len(b) == start {
		b = append(b, "<None>"...)
	}
	return b
}

// appendPorts appends "src → dst".
func appendPorts(b []byte, src, dst uint16) []byte {
	b = strconv.AppendUint(b, uint64(src), 10)
	b = append(b, arrow...)
	return strconv.AppendUint(b, uint64(dst), 10)
}

// appendField appends label and the decimal v.
func appendField(b []byte, label string, v uint64) []byte {
	return strconv.AppendUint(append(b, label...), v, 10)
}

// appendHex4 appends v as four lowercase hexadecimal digits.
func appendHex4(b []byte, v uint16) []byte {
	const digits = "0123456789abcdef"
	return append(b, digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf])
}
