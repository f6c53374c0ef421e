package packet

import (
	"encoding/binary"
	"net/netip"
	"strconv"

	"github.com/socketlab/socketlab/lab"
)

// The ICMP message types socketlab decodes beyond type and code.
const (
	icmpEchoReply    = 0
	icmpUnreachable  = 3
	icmpSourceQuench = 4
	icmpRedirect     = 5
	icmpEchoRequest  = 8
	icmpTimeExceeded = 11
	icmpParamProblem = 12
	icmpTimestamp    = 13 // through icmpMaskReply: requests and replies with an identifier
	icmpMaskReply    = 18
)

// icmpHasID reports whether an ICMP message of type typ carries an
// identifier and a sequence number: echoes, timestamps, information and
// address mask requests and replies (RFC 792, RFC 950).
func icmpHasID(typ uint8) bool {
	return typ == icmpEchoReply || typ == icmpEchoRequest || typ >= icmpTimestamp && typ <= icmpMaskReply
}

// icmpHeaderLen is the length of an ICMP header, echo identifier and
// sequence number included.
const icmpHeaderLen = 8

// decodeICMP decodes the ICMP message msg. For error messages the start of
// the datagram that caused it is summarised into Original.
func decodeICMP(msg []byte) (*lab.ICMP, error) {
	if len(msg) < icmpHeaderLen {
		return nil, truncated("header", len(msg), icmpHeaderLen)
	}
	m := &lab.ICMP{
		Type:       msg[0],
		Code:       msg[1],
		Checksum:   binary.BigEndian.Uint16(msg[2:]),
		ChecksumOK: valid(sum(0, msg)),
	}
	m.TypeName, m.CodeName = icmpNames(m.Type, m.Code)
	switch m.Type {
	case icmpUnreachable, icmpSourceQuench, icmpRedirect, icmpTimeExceeded, icmpParamProblem:
		m.Original = original(msg[icmpHeaderLen:])
	default:
		if icmpHasID(m.Type) {
			m.ID = binary.BigEndian.Uint16(msg[4:])
			m.Seq = binary.BigEndian.Uint16(msg[6:])
		}
	}
	return m, nil
}

// original summarises the start of a datagram quoted by an ICMP error, such
// as "10.0.0.2:49152 → 10.0.0.1:9 UDP". The quote is usually cut short, so
// its lengths are not checked against it; it returns "" when not even an
// IPv4 header is there.
func original(b []byte) string {
	if len(b) < ipv4MinLen || b[0]>>4 != 4 {
		return ""
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < ipv4MinLen || len(b) < ihl {
		return ""
	}
	src, dst := netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
	proto, rest := b[9], b[ihl:]
	name, ok := knownProto(proto)
	if !ok {
		name = "protocol " + strconv.Itoa(int(proto))
	}
	firstFragment := binary.BigEndian.Uint16(b[6:])&0x1fff == 0
	if (proto == protoTCP || proto == protoUDP) && firstFragment && len(rest) >= 4 {
		sport, dport := binary.BigEndian.Uint16(rest), binary.BigEndian.Uint16(rest[2:])
		return netip.AddrPortFrom(src, sport).String() + arrow + netip.AddrPortFrom(dst, dport).String() + " " + name
	}
	return src.String() + arrow + dst.String() + " " + name
}
