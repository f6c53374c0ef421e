package worksheet

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/lab"
	"gopkg.in/yaml.v3"
)

// A Check passes when the trace holds events matching each of its expect
// patterns, in order, with anything between them, and somewhere events
// matching each of its all patterns, in any order: any route to the same
// wire passes, and extra calls or packets never fail it. A call is
// recorded when it returns, after the packets it sent.
//
// In the exercise's Markdown a check is a fenced block with the info string
// "check", holding YAML:
//
//	expect:
//	  - call: connect          # a call that returned
//	    peer: 10.0.0.1:7
//	    ok: true
//	  - packet: SYN, ACK       # a packet, by its TCP flags, or UDP / ICMP
//	    dir: in
//	  - state: ESTABLISHED     # a socket reaching a state
//	    host: server
//	all:                       # these too, in any order
//	  - call: close
//
// Fields of every pattern: host (you, the default; server; any), count
// (how many such events, in order; default 1).
// call: name; proto (tcp, udp); peer (address:port, or :port); ok (true:
// returned, false: raised); raises (an exception name).
// packet: flags ("SYN", "SYN, ACK", "FIN", "RST", "PSH, ACK"… all of them
// set, others free) or UDP or ICMP; dir (out: from your host, in: to it);
// port (the server side's port: the destination of out, the source of in);
// data (true: carries a payload; false: carries none); icmp
// (port-unreachable).
// state: name (LISTEN, SYN-SENT, …); peer.
type Check struct {
	Expect []Pattern // in order
	All    []Pattern // in any order
	Line   int
}

// Pattern matches one kind of event.
type Pattern struct {
	Kind  lab.Kind
	Host  string // "you", "server" or "any"
	Count int
	Line  int

	Call   string
	Proto  string
	Peer   string
	OK     *bool
	Raises string

	Flags []string // TCP flags that must be set
	L4    string   // "TCP", "UDP" or "ICMP"
	Dir   lab.Direction
	Port  int
	Data  *bool
	ICMP  string

	State lab.SocketState
}

// Calls the console can make, and the services' calls on the server.
var knownCalls = []string{"socket", "bind", "listen", "accept", "connect", "send", "sendall", "recv", "sendto", "recvfrom", "shutdown", "close", "getsockname", "getpeername"}

var knownFlags = []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

var knownStates = []lab.SocketState{lab.StateListen, lab.StateSynSent, lab.StateSynReceived, lab.StateEstablished, lab.StateFinWait1, lab.StateFinWait2, lab.StateCloseWait, lab.StateClosing, lab.StateLastAck, lab.StateTimeWait, lab.StateClosed}

// parseCheck reads a check block; line is where its YAML begins in the
// file.
func parseCheck(src string, line int) (Check, []Problem) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		return Check{}, []Problem{{Line: line, Msg: "check: " + err.Error()}}
	}
	c := Check{Line: line}
	var probs []Problem
	bad := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, Problem{Line: line + n.Line - 1, Msg: fmt.Sprintf(format, args...)})
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return c, []Problem{{Line: line, Msg: "check: want a mapping with expect: [patterns]"}}
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var list *[]Pattern
		switch k.Value {
		case "expect":
			list = &c.Expect
		case "all":
			list = &c.All
		default:
			bad(k, "check: unknown key %q (want expect or all)", k.Value)
			continue
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			bad(v, "check: %s wants a list of patterns", k.Value)
			continue
		}
		for _, pn := range v.Content {
			p := parsePattern(pn, bad)
			p.Line = line + pn.Line - 1
			*list = append(*list, p)
		}
	}
	if len(c.Expect)+len(c.All) == 0 && len(probs) == 0 {
		probs = append(probs, Problem{Line: line, Msg: "check: expects nothing, so it would always pass"})
	}
	return c, probs
}

func parsePattern(n *yaml.Node, bad func(*yaml.Node, string, ...any)) Pattern {
	p := Pattern{Host: "you", Count: 1}
	if n.Kind != yaml.MappingNode {
		bad(n, "check: a pattern is a mapping, such as {call: connect}")
		return p
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		val := strings.TrimSpace(v.Value)
		switch k.Value {
		case "call":
			p.Kind, p.Call = lab.KindCall, val
			if !slices.Contains(knownCalls, val) {
				bad(v, "check: unknown call %q (known: %s)", val, strings.Join(knownCalls, ", "))
			}
		case "packet":
			p.Kind = lab.KindPacket
			switch up := strings.ToUpper(val); up {
			case "UDP", "ICMP":
				p.L4 = up
			default:
				p.L4 = "TCP"
				for _, f := range strings.Split(up, ",") {
					f = strings.TrimSpace(f)
					if !slices.Contains(knownFlags, f) {
						bad(v, "check: unknown TCP flag %q (known: %s, or UDP, ICMP)", f, strings.Join(knownFlags, ", "))
					}
					p.Flags = append(p.Flags, f)
				}
			}
		case "state":
			p.Kind, p.State = lab.KindState, lab.SocketState(strings.ToUpper(val))
			if !slices.Contains(knownStates, p.State) {
				bad(v, "check: unknown state %q", val)
			}
		case "host":
			if val != "you" && val != "server" && val != "any" {
				bad(v, "check: host is you, server or any, not %q", val)
			}
			p.Host = val
		case "count":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 1000 {
				bad(v, "check: count wants a number from 1 to 1000")
			}
			p.Count = n
		case "proto":
			if val != "tcp" && val != "udp" {
				bad(v, "check: proto is tcp or udp")
			}
			p.Proto = val
		case "peer":
			p.Peer = val
			if _, err := netip.ParseAddrPort(val); err != nil && !strings.HasPrefix(val, ":") {
				bad(v, "check: peer wants address:port or :port, not %q", val)
			}
		case "ok", "data":
			b, err := strconv.ParseBool(val)
			if err != nil {
				bad(v, "check: %s wants true or false", k.Value)
			}
			if k.Value == "ok" {
				p.OK = &b
			} else {
				p.Data = &b
			}
		case "raises":
			p.Raises = val
			f := false
			p.OK = &f
		case "dir":
			if val != "out" && val != "in" {
				bad(v, "check: dir is out or in")
			}
			p.Dir = lab.Direction(val)
		case "port":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 65535 {
				bad(v, "check: port wants 1 to 65535")
			}
			p.Port = n
		case "icmp":
			if val != "port-unreachable" {
				bad(v, "check: icmp knows port-unreachable")
			}
			p.ICMP = val
		default:
			bad(k, "check: unknown key %q", k.Value)
		}
	}
	switch {
	case p.Kind == "":
		bad(n, "check: a pattern needs one of call, packet or state")
	case p.Kind == lab.KindPacket && p.Host == "server":
		bad(n, "check: packets are seen on your host's link: a packet pattern takes dir, not host")
	case p.Kind != lab.KindPacket && (p.Dir != "" || p.Port != 0 || p.Data != nil || p.ICMP != ""):
		bad(n, "check: dir, port, data and icmp are for packet patterns")
	case p.Kind != lab.KindCall && (p.OK != nil || p.Raises != ""):
		bad(n, "check: ok and raises are for call patterns")
	}
	return p
}

// Server is the lab server's address, the "server" of a pattern.
var Server = netip.MustParseAddr("10.0.0.1")

// Match reports whether the events pass the check. you is the student's
// host.
func (c Check) Match(events []lab.Event, you netip.Addr) bool {
	i := 0
	for _, p := range c.Expect {
		for range p.Count {
			j := slices.IndexFunc(events[i:], func(e lab.Event) bool { return p.matches(e, you) })
			if j < 0 {
				return false
			}
			i += j + 1
		}
	}
	for _, p := range c.All {
		n := 0
		for _, e := range events {
			if p.matches(e, you) {
				n++
			}
		}
		if n < p.Count {
			return false
		}
	}
	return true
}

func (p Pattern) matches(e lab.Event, you netip.Addr) bool {
	if e.Kind != p.Kind {
		return false
	}
	switch p.Host {
	case "you":
		if e.Host != you.String() {
			return false
		}
	case "server":
		if e.Host != Server.String() {
			return false
		}
	}
	switch e.Kind {
	case lab.KindCall:
		c := e.Call
		return c.Name == p.Call && (p.Proto == "" || c.Proto == p.Proto) && peerMatches(p.Peer, c.Peer) &&
			(p.OK == nil || *p.OK == !c.Failed()) &&
			(p.Raises == "" || strings.HasPrefix(c.Error, p.Raises+":") || c.Error == p.Raises)
	case lab.KindState:
		s := e.State
		return s.To == p.State && (p.Proto == "" || s.Proto == p.Proto) && peerMatches(p.Peer, s.Peer)
	case lab.KindPacket:
		return p.packetMatches(e.Packet)
	}
	return false
}

func (p Pattern) packetMatches(pk *lab.Packet) bool {
	if pk.Protocol != p.L4 || (p.Dir != "" && pk.Dir != p.Dir) {
		return false
	}
	if p.Port != 0 {
		addr := pk.Dst
		if pk.Dir == lab.In {
			addr = pk.Src
		}
		if !strings.HasSuffix(addr, ":"+strconv.Itoa(p.Port)) {
			return false
		}
	}
	switch p.L4 {
	case "TCP":
		if pk.TCP == nil {
			return false
		}
		f := pk.TCP.Flags
		set := map[string]bool{"FIN": f.FIN, "SYN": f.SYN, "RST": f.RST, "PSH": f.PSH, "ACK": f.ACK, "URG": f.URG, "ECE": f.ECE, "CWR": f.CWR}
		for _, want := range p.Flags {
			if !set[want] {
				return false
			}
		}
		// A bare "ACK" means an ACK and nothing that changes the connection.
		if slices.Equal(p.Flags, []string{"ACK"}) && (f.SYN || f.FIN || f.RST) {
			return false
		}
		if p.Data != nil && *p.Data != (pk.TCP.PayloadLen > 0) {
			return false
		}
	case "UDP":
		if pk.UDP == nil || (p.Data != nil && *p.Data != (pk.UDP.PayloadLen > 0)) {
			return false
		}
	case "ICMP":
		if pk.ICMP == nil || (p.ICMP == "port-unreachable" && !(pk.ICMP.Type == 3 && pk.ICMP.Code == 3)) {
			return false
		}
	}
	return true
}

func peerMatches(want, got string) bool {
	switch {
	case want == "":
		return true
	case strings.HasPrefix(want, ":"):
		return strings.HasSuffix(got, want)
	}
	return want == got
}
