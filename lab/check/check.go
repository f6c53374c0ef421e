// Package check judges a trace: a Check passes when the trace holds events
// matching its patterns. Exercises (lab/worksheet) are written with them;
// they are data (JSON) so that the browser judges its own trace.
package check

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/lab"
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
// returned, false: raised); raises (the exception's class, as
// lab.Call.Exception names it); error (the errno's name, EADDRINUSE: the
// errno a call failed with, or the one connect_ex returned);
// lookup (a name: the call's peer address is the one the latest DNS
// answer your host received before the call gave for that name).
// packet: flags ("SYN", "SYN, ACK", "FIN", "RST", "PSH, ACK"… all of them
// set, others free), TCP (any), UDP or ICMP; dir (out: from your host, in: to it);
// port (the server side's port: the destination of out, the source of in);
// data (true: carries a payload; false: carries none); payload (text the
// payload begins with: a literal prefix of the one packet's bytes, never a
// regular expression); icmp (port-unreachable); analysis (a label of
// Wireshark's TCP analysis the packet carries, lab.Packet.Analysis:
// retransmission, duplicate_ack…); sack (true: it carries SACK blocks).
// state: name (LISTEN, SYN-SENT, …); peer.
// wire: an action of the wire between your host and the switch (held,
// released, dropped, delayed, duplicated, reordered); dir (out: a packet
// your host sent; in: one on its way to it).
type Check struct {
	Expect []Pattern `json:"expect,omitempty"` // in order
	All    []Pattern `json:"all,omitempty"`    // in any order
	Line   int       `json:"-"`
}

// Pattern matches one kind of event.
type Pattern struct {
	Kind  lab.Kind `json:"kind"`
	Host  string   `json:"host"` // "you", "server" or "any"
	Count int      `json:"count"`
	Line  int      `json:"-"`

	Call   string `json:"call,omitempty"`
	Proto  string `json:"proto,omitempty"`
	Peer   string `json:"peer,omitempty"`
	OK     *bool  `json:"ok,omitempty"`
	Raises string `json:"raises,omitempty"` // the exception's class
	Errno  string `json:"errno,omitempty"`  // the errno's name, "EADDRINUSE"
	Lookup string `json:"lookup,omitempty"` // the name the peer's address was looked up by

	Flags []string      `json:"flags,omitempty"` // TCP flags that must be set
	L4    string        `json:"l4,omitempty"`    // "TCP", "UDP" or "ICMP"
	Dir   lab.Direction `json:"dir,omitempty"`
	Port  int           `json:"port,omitempty"`
	Data  *bool         `json:"data,omitempty"`
	// Payload is what the packet's payload begins with: printable text,
	// with \r, \n and \t, at most MaxPayload bytes.
	Payload string `json:"payload,omitempty"`
	ICMP    string `json:"icmp,omitempty"`
	// Analysis is a label the packet's TCP analysis must carry.
	Analysis string `json:"analysis,omitempty"`
	SACK     *bool  `json:"sack,omitempty"`

	Wire lab.WireAction `json:"wire,omitempty"`

	State lab.SocketState `json:"state,omitempty"`
}

// KnownCalls are the calls the console can make, and the services' calls
// on the server.
var KnownCalls = []string{"socket", "bind", "listen", "accept", "connect", "connect_ex", "send", "sendall", "recv", "sendto", "recvfrom", "shutdown", "close", "getsockname", "getpeername"}

// KnownFlags are the TCP flags a packet pattern names.
var KnownFlags = []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

// KnownWire are the wire's actions a wire pattern names.
var KnownWire = []lab.WireAction{lab.WireHeld, lab.WireReleased, lab.WireDropped, lab.WireDelayed, lab.WireDuplicated, lab.WireReordered}

// KnownAnalysis are the labels of TCP analysis a packet pattern names, as
// lab.Packet.Analysis has them.
var KnownAnalysis = []string{"retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
	"lost_segment", "ack_lost_segment", "window_update", "window_full", "keep_alive", "keep_alive_ack",
	"duplicate_ack", "zero_window_probe", "zero_window", "zero_window_probe_ack"}

// KnownStates are the socket states a state pattern names.
var KnownStates = []lab.SocketState{lab.StateListen, lab.StateSynSent, lab.StateSynReceived, lab.StateEstablished, lab.StateFinWait1, lab.StateFinWait2, lab.StateCloseWait, lab.StateClosing, lab.StateLastAck, lab.StateTimeWait, lab.StateClosed}

// MaxPayload bounds a pattern's payload.
const MaxPayload = 256

// Server is the lab server's address, the "server" of a pattern.
var Server = netip.MustParseAddr("10.0.0.1")

// Match reports whether the events pass the check. you is the student's
// host.
func (c Check) Match(events []lab.Event, you netip.Addr) bool {
	i := 0
	for _, p := range c.Expect {
		for range p.Count {
			j := p.next(events, i, you)
			if j < 0 {
				return false
			}
			i = j + 1
		}
	}
	for _, p := range c.All {
		n := 0
		for i := range events {
			if p.matches(events, i, you) {
				n++
			}
		}
		if n < p.Count {
			return false
		}
	}
	return true
}

// next is the index of the first event from index i on that p matches,
// or -1.
func (p Pattern) next(events []lab.Event, i int, you netip.Addr) int {
	for ; i < len(events); i++ {
		if p.matches(events, i, you) {
			return i
		}
	}
	return -1
}

// matches reports whether p matches events[i]; the events before it are
// what a lookup pattern reads.
func (p Pattern) matches(events []lab.Event, i int, you netip.Addr) bool {
	e := events[i]
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
			(p.Raises == "" || c.Exception == p.Raises) &&
			(p.Errno == "" || (c.Errno != 0 && c.Errno.Name() == p.Errno)) &&
			(p.Lookup == "" || lookedUp(events[:i], e.Host, p.Lookup, c.Peer.Addr()))
	case lab.KindState:
		s := e.State
		return s.To == p.State && (p.Proto == "" || s.Proto == p.Proto) && peerMatches(p.Peer, s.Peer)
	case lab.KindPacket:
		return p.packetMatches(e.Packet)
	case lab.KindWire:
		return e.Wire.Action == p.Wire && (p.Dir == "" || e.Wire.Dir == p.Dir)
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
		if p.SACK != nil && *p.SACK != (len(pk.TCP.Options.SACK) > 0) {
			return false
		}
	case "UDP":
		if pk.UDP == nil || (p.Data != nil && *p.Data != (pk.UDP.PayloadLen > 0)) {
			return false
		}
	}
	if p.Payload != "" && !bytes.HasPrefix(payload(pk), []byte(p.Payload)) {
		return false
	}
	// Only TCP packets are analysed (UDP's have no labels) or carry SACK blocks.
	if (p.Analysis != "" && !slices.Contains(pk.Analysis, p.Analysis)) || (p.SACK != nil && pk.TCP == nil) {
		return false
	}
	switch p.L4 {
	case "ICMP":
		if pk.ICMP == nil || (p.ICMP == "port-unreachable" && !(pk.ICMP.Type == 3 && pk.ICMP.Code == 3)) {
			return false
		}
	}
	return true
}

// peerMatches reports whether got is the peer a pattern wants: any peer
// for "", any address with the port for ":port", else exactly want.
func peerMatches(want string, got netip.AddrPort) bool {
	if want == "" {
		return true
	}
	if !got.IsValid() {
		return false
	}
	var buf [len("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535")]byte
	if port, ok := strings.CutPrefix(want, ":"); ok {
		return port == string(strconv.AppendUint(buf[:0], uint64(got.Port()), 10))
	}
	return want == string(got.AppendTo(buf[:0]))
}

// Judge says, for each check, whether the events pass it.
func Judge(checks []Check, events []lab.Event, you netip.Addr) []bool {
	passed := make([]bool, len(checks))
	for i, c := range checks {
		passed[i] = c.Match(events, you)
	}
	return passed
}
