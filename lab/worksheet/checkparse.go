package worksheet

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/check"
	"gopkg.in/yaml.v3"
)

// parseCheck reads a check block; line is where its YAML begins in the
// file.
func parseCheck(src string, line int) (check.Check, []Problem) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		return check.Check{}, []Problem{{Line: line, Msg: "check: " + err.Error()}}
	}
	c := check.Check{Line: line}
	var probs []Problem
	bad := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, Problem{Line: line + n.Line - 1, Msg: "check: " + fmt.Sprintf(format, args...)})
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return c, []Problem{{Line: line, Msg: "check: want a mapping with expect: [patterns]"}}
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var list *[]check.Pattern
		switch k.Value {
		case "expect":
			list = &c.Expect
		case "all":
			list = &c.All
		default:
			bad(k, "unknown key %q (want expect or all)", k.Value)
			continue
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			bad(v, "%s wants a list of patterns", k.Value)
			continue
		}
		for _, pn := range v.Content {
			p := parsePatternIn(pn, bad, k.Value)
			p.Line = line + pn.Line - 1
			*list = append(*list, p)
		}
	}
	if len(c.Expect)+len(c.All) == 0 && len(probs) == 0 {
		probs = append(probs, Problem{Line: line, Msg: "check: expects nothing, so it would always pass"})
	}
	return c, probs
}

// parsePattern reads one pattern of a question; bad is told of each
// problem, at its node.
func parsePattern(n *yaml.Node, bad func(*yaml.Node, string, ...any)) check.Pattern {
	return parsePatternIn(n, bad, "question")
}

// parsePatternIn reads one pattern of a check's expect or all list, or of
// a question (in says which): a socket label binds only in expect, and a
// question reads one event at a time, so distinct is for checks.
func parsePatternIn(n *yaml.Node, bad func(*yaml.Node, string, ...any), in string) check.Pattern {
	p := check.Pattern{Host: "you", Count: 1}
	if n.Kind != yaml.MappingNode {
		bad(n, "a pattern is a mapping, such as {call: connect}")
		return p
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		val := strings.TrimSpace(v.Value)
		switch k.Value {
		case "call":
			p.Kind, p.Call = lab.KindCall, val
			if !slices.Contains(check.KnownCalls, val) {
				bad(v, "unknown call %q (known: %s)", val, strings.Join(check.KnownCalls, ", "))
			}
		case "packet":
			p.Kind = lab.KindPacket
			switch up := strings.ToUpper(val); up {
			case "UDP", "ICMP":
				p.L4 = up
			case "TCP": // any TCP packet
				p.L4 = up
			default:
				p.L4 = "TCP"
				for _, f := range strings.Split(up, ",") {
					f = strings.TrimSpace(f)
					if !slices.Contains(check.KnownFlags, f) {
						bad(v, "unknown TCP flag %q (known: %s, or TCP for any, UDP, ICMP)", f, strings.Join(check.KnownFlags, ", "))
					}
					p.Flags = append(p.Flags, f)
				}
			}
		case "wire":
			p.Kind, p.Wire = lab.KindWire, lab.WireAction(val)
			if !slices.Contains(check.KnownWire, p.Wire) {
				bad(v, "unknown wire action %q (known: held, released, dropped, delayed, duplicated, reordered)", val)
			}
		case "analysis":
			p.Analysis = val
			if !slices.Contains(check.KnownAnalysis, val) {
				bad(v, "unknown analysis %q (known: %s)", val, strings.Join(check.KnownAnalysis, ", "))
			}
		case "state":
			p.Kind, p.State = lab.KindState, lab.SocketState(strings.ToUpper(val))
			if !slices.Contains(check.KnownStates, p.State) {
				bad(v, "unknown state %q", val)
			}
		case "host":
			if val != "you" && val != "server" && val != "any" {
				bad(v, "host is you, server or any, not %q", val)
			}
			p.Host = val
		case "count":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 1000 {
				bad(v, "count wants a number from 1 to 1000")
			}
			p.Count = n
		case "proto":
			if val != "tcp" && val != "udp" {
				bad(v, "proto is tcp or udp")
			}
			p.Proto = val
		case "peer":
			p.Peer = val
			if _, err := netip.ParseAddrPort(val); err != nil && !strings.HasPrefix(val, ":") {
				bad(v, "peer wants address:port or :port, not %q", val)
			}
		case "ok", "data", "sack":
			b, err := strconv.ParseBool(val)
			if err != nil {
				bad(v, "%s wants true or false", k.Value)
			}
			switch k.Value {
			case "ok":
				p.OK = &b
			case "data":
				p.Data = &b
			default:
				p.SACK = &b
			}
		case "raises", "error":
			if k.Value == "error" {
				// A connect_ex that returned the errno has it too.
				p.Errno = val
				if !knownErrno(val) {
					bad(v, "unknown errno %q (such as EADDRINUSE, ECONNREFUSED)", val)
				}
				break
			}
			p.Raises = val
			if p.OK == nil {
				f := false
				p.OK = &f
			}
		case "lookup":
			p.Lookup = val
			if _, err := netip.ParseAddr(val); err == nil || val == "" || strings.ContainsAny(val, " \t/:") {
				bad(v, "lookup wants a name, such as echo.lab, not %q", val)
			}
		case "payload":
			p.Payload = v.Value // spaces and line ends are its bytes
			if why := badPayload(p.Payload); why != "" {
				bad(v, "payload %s", why)
			}
		case "dir":
			if val != "out" && val != "in" {
				bad(v, "dir is out or in")
			}
			p.Dir = lab.Direction(val)
		case "port":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 65535 {
				bad(v, "port wants 1 to 65535")
			}
			p.Port = n
		case "local":
			p.Local = val
			if !validLocal(val) {
				bad(v, "local wants your side's port (5000), address (127.0.0.1) or both (127.0.0.1:5000), not %q", val)
			}
		case "dns":
			p.DNS = strings.ToUpper(val)
			if !slices.Contains(check.Rcodes, p.DNS) {
				bad(v, "dns wants a response code: %s", strings.Join(check.Rcodes, ", "))
			}
		case "socket":
			p.Socket = val
			switch {
			case in != "expect":
				bad(k, "socket labels the calls of one socket in expect: (they are found in order), not in %s", in)
			case !validLabel(val):
				bad(v, "socket wants a label of letters, digits and _, such as p, not %q", val)
			}
		case "distinct":
			p.Distinct = val
			switch {
			case in == "question":
				bad(k, "distinct is for a check's patterns")
			case val != "peer":
				bad(v, "distinct knows peer")
			}
		case "icmp":
			if val != "port-unreachable" {
				bad(v, "icmp knows port-unreachable")
			}
			p.ICMP = val
		default:
			bad(k, "unknown key %q", k.Value)
		}
	}
	switch {
	case p.Kind == "":
		bad(n, "a pattern needs one of call, packet, state or wire")
	case (p.Kind == lab.KindPacket || p.Kind == lab.KindWire) && p.Host == "server":
		bad(n, "packets and the wire are seen on your host's link: a packet or wire pattern takes dir, not host")
	case p.Kind != lab.KindPacket && p.Kind != lab.KindWire && p.Dir != "":
		bad(n, "dir is for packet and wire patterns")
	case p.Kind != lab.KindPacket && (p.Port != 0 || p.Data != nil || p.ICMP != "" || p.Payload != "" || p.SACK != nil || p.Analysis != ""):
		bad(n, "port, data, payload, icmp, sack and analysis are for packet patterns")
	case p.Kind != lab.KindPacket && (p.Local != "" || p.DNS != ""):
		bad(n, "local and dns are for packet patterns")
	case p.DNS != "" && p.L4 != "UDP":
		bad(n, "dns is for UDP packets (packet: UDP)")
	case p.Socket != "" && p.Kind != lab.KindCall:
		bad(n, "socket is for call patterns")
	case p.Distinct != "" && p.Kind == lab.KindWire:
		bad(n, "distinct peer is for calls, packets and states")
	case p.Distinct != "" && p.Count < 2:
		bad(n, "distinct wants a count of 2 or more: one event is always distinct")
	case (p.SACK != nil || p.Analysis != "") && p.L4 != "TCP":
		bad(n, "sack and analysis are for TCP packets")
	case p.Kind != lab.KindCall && (p.OK != nil || p.Raises != "" || p.Errno != "" || p.Lookup != ""):
		bad(n, "ok, raises, error and lookup are for call patterns")
	case p.Payload != "" && p.L4 == "ICMP":
		bad(n, "payload is for TCP and UDP packets")
	case p.Payload != "" && p.Data != nil && !*p.Data:
		bad(n, "payload with data: false can never match")
	case p.OK != nil && *p.OK && (p.Raises != "" || p.Errno != ""):
		bad(n, "ok: true with raises or error can never match")
	}
	return p
}

// validLocal reports whether s is a port, an IPv4 address, or both, as a
// packet pattern's local side.
func validLocal(s string) bool {
	if n, err := strconv.Atoi(s); err == nil {
		return n >= 1 && n <= 65535
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Is4()
	}
	ap, err := netip.ParseAddrPort(s)
	return err == nil && ap.Addr().Is4() && ap.Port() != 0
}

// validLabel reports whether s is a socket label: 1 to 16 letters, digits
// and underscores.
func validLabel(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// knownErrno reports whether name is an errno lab knows, such as
// EADDRINUSE.
func knownErrno(name string) bool {
	for e := lab.Errno(1); e < 256; e++ {
		if e.Name() == name {
			return true
		}
	}
	return false
}

// badPayload says what is wrong with a payload pattern, or "": it is
// ASCII (text, or bytes such as a TFTP header's "\x00\x03\x00\x02",
// written with YAML's escapes), at most check.MaxPayload bytes, so that
// it means the same bytes in the YAML, in the JSON the browser judges and
// on the wire (a byte over 0x7f would be read as UTF-8 on the way).
func badPayload(s string) string {
	switch {
	case s == "":
		return "is empty: for any payload, write data: true"
	case len(s) > check.MaxPayload:
		return fmt.Sprintf("is %d bytes, over the bound of %d", len(s), check.MaxPayload)
	}
	for _, c := range []byte(s) {
		if c > 0x7f {
			return fmt.Sprintf("has the byte 0x%02x: ASCII only (\\x00 to \\x7f)", c)
		}
	}
	return ""
}
