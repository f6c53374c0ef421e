package packet

import "github.com/socketlab/socketlab/lab"

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
	13:               "Timestamp request",
	14:               "Timestamp reply",
	15:               "Information request",
	16:               "Information reply",
	17:               "Address mask request",
	18:               "Address mask reply",
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

// appendICMP appends an ICMP message's line, such as
// "Destination unreachable (Port unreachable)" or
// "Echo (ping) request  id=0x0001, seq=1/256, ttl=64". ttl is the IPv4
// header's, which Wireshark shows for echoes.
func appendICMP(b []byte, m *lab.ICMP, ttl uint8) []byte {
	start := len(b)
	name, ok := icmpTypeNames[m.Type]
	if !ok {
		name = "Unknown ICMP (obsolete or malformed?)"
	}
	b = append(b, name...)
	// Wireshark pads the type's name to 20 characters when more follows.
	pad := func(b []byte) []byte {
		for len(b)-start < 20 {
			b = append(b, ' ')
		}
		return b
	}
	if codes, ok := icmpCodeNames[m.Type]; ok {
		b = append(pad(b), " ("...)
		if int(m.Code) < len(codes) {
			b = append(b, codes[m.Code]...)
		} else {
			b = appendField(b, "Unknown code: ", uint64(m.Code))
		}
		b = append(b, ')')
	}
	if m.Type == icmpEchoRequest || m.Type == icmpEchoReply {
		b = append(pad(b), " id=0x"...)
		b = appendHex4(b, m.ID)
		b = appendField(b, ", seq=", uint64(m.Seq))
		b = appendField(b, "/", uint64(m.Seq>>8|m.Seq<<8))
		b = appendField(b, ", ttl=", uint64(ttl))
	}
	return b
}
