package packet

import (
	"strconv"

	"github.com/socketlab/socketlab/lab"
)

// icmpTypeNames are Wireshark's names of ICMP message types.
var icmpTypeNames = map[uint8]string{
	icmpEchoReply:    "Echo (ping) reply",
	icmpUnreachable:  "Destination unreachable",
	icmpSourceQuench: "Source quench (flow control)",
	icmpRedirect:     "Redirect",
	icmpEchoRequest:  "Echo (ping) request",
	9:                "Router advertisement",
	10:               "Router solicitation",
	icmpTimeExceeded: "Time-to-live exceeded",
	icmpParamProblem: "Parameter problem",
	icmpTimestamp:    "Timestamp request",
	14:               "Timestamp reply",
	15:               "Information request",
	16:               "Information reply",
	17:               "Address mask request",
	icmpMaskReply:    "Address mask reply",
}

// icmpCodeNames are Wireshark's names of the codes of the ICMP types whose
// code it shows, indexed by code.
var icmpCodeNames = map[uint8][]string{
	icmpUnreachable: {
		"Network unreachable",
		"Host unreachable",
		"Protocol unreachable",
		"Port unreachable",
		"Fragmentation needed",
		"Source route failed",
		"Destination network unknown",
		"Destination host unknown",
		"Source host isolated",
		"Network administratively prohibited",
		"Host administratively prohibited",
		"Network unreachable for TOS",
		"Host unreachable for TOS",
		"Communication administratively filtered",
		"Host precedence violation",
		"Precedence cutoff in effect",
	},
	icmpRedirect: {
		"Redirect for network",
		"Redirect for host",
		"Redirect for TOS and network",
		"Redirect for TOS and host",
	},
	icmpTimeExceeded: {
		"Time to live exceeded in transit",
		"Fragment reassembly time exceeded",
	},
	icmpParamProblem: {
		"Pointer indicates the error",
		"Required option missing",
		"Bad length",
	},
}

// icmpNames names an ICMP message's type and code as Wireshark does. code
// is "" for a type whose codes Wireshark does not name.
func icmpNames(typ, code uint8) (typeName, codeName string) {
	typeName, ok := icmpTypeNames[typ]
	if !ok {
		typeName = "Unknown ICMP (obsolete or malformed?)"
	}
	if codes, ok := icmpCodeNames[typ]; ok {
		if int(code) < len(codes) {
			codeName = codes[code]
		} else {
			codeName = "Unknown code: " + strconv.Itoa(int(code))
		}
	}
	return typeName, codeName
}

// appendICMP appends an ICMP message's line, such as
// "Destination unreachable (Port unreachable)" or
// "Echo (ping) request  id=0x0001, seq=1/256, ttl=64". ttl is the IPv4
// header's, which Wireshark shows for messages with an identifier.
func appendICMP(b []byte, m *lab.ICMP, ttl uint8) []byte {
	start := len(b)
	name, code := icmpNames(m.Type, m.Code)
	b = append(b, name...)
	// Wireshark pads the type's name to 20 characters when more follows.
	pad := func(b []byte) []byte {
		for len(b)-start < 20 {
			b = append(b, ' ')
		}
		return b
	}
	if code != "" {
		b = append(pad(b), " ("...)
		b = append(b, code...)
		b = append(b, ')')
	}
	if icmpHasID(m.Type) {
		b = append(pad(b), " id=0x"...)
		b = appendHex4(b, m.ID)
		b = appendField(b, ", seq=", uint64(m.Seq))
		b = appendField(b, "/", uint64(m.Seq>>8|m.Seq<<8))
		b = appendField(b, ", ttl=", uint64(ttl))
	}
	return b
}
