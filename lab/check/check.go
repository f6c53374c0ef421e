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
// wire passes, and extra calls or packets never fail it. A call is on
// the trace before the packets it sent and after those it took (see
// lab.Trace).
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
// (how many such events, in order; default 1), distinct (peer: the count
// events each with a peer of its own).
// call: name; proto (tcp, udp); peer (address:port, or :port); ok (true:
// returned, false: raised); raises (the exception's class, as
// lab.Call.Exception names it); error (the errno's name, EADDRINUSE: the
// errno a call failed with, or the one connect_ex returned);
// lookup (a name: the call's peer address is the one the latest DNS
// answer your host received before the call gave for that name); socket
// (a label, in expect only: every call with the same label is on one
// socket, and calls with different labels on different ones; accept's is
// the socket it made).
// packet: flags ("SYN", "SYN, ACK", "FIN", "RST", "PSH, ACK"… all of them
// set, others free), TCP (any), UDP or ICMP; dir (out: from your host, in: to it);
// port (the server side's port: the destination of out, the source of in);
// local (your side: a port, 5000; an address, 127.0.0.1; or both,
// 127.0.0.1:5000: the source of out, the destination of in); dns (a DNS
// response's rcode: NOERROR, NXDOMAIN, SERVFAIL…);
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
	// Socket is a label: in expect, the calls with one label are on one
	// socket (an accept's: the one it made), those with two on two.
	Socket string `json:"socket,omitempty"`
	// Distinct is "peer": the Count events matched each have a peer no
	// other of them has.
	Distinct string `json:"distinct,omitempty"`

	Flags []string      `json:"flags,omitempty"` // TCP flags that must be set
	L4    string        `json:"l4,omitempty"`    // "TCP", "UDP" or "ICMP"
	Dir   lab.Direction `json:"dir,omitempty"`
	Port  int           `json:"port,omitempty"`
	// Local is your side of the packet (the source of out, the
	// destination of in): "5000", "127.0.0.1" or "127.0.0.1:5000".
	Local string `json:"local,omitempty"`
	// DNS is the rcode a DNS response must carry, by name: "NXDOMAIN".
	DNS  string `json:"dns,omitempty"`
	Data *bool  `json:"data,omitempty"`
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
	m := matcher{events: events, you: you, budget: matchBudget}
	for k, p := range c.Expect {
		for n := range p.Count {
			m.expect = append(m.expect, step{p, k, n})
		}
	}
	if !m.from(0, 0, nil) {
		return false
	}
	for _, p := range c.All {
		n := 0
		peers := map[netip.AddrPort]bool{}
		for i := range events {
			if !p.matches(events, i, you) {
				continue
			}
			if p.Distinct != "" {
				peer := peerOf(&events[i])
				if peers[peer] {
					continue
				}
				peers[peer] = true
			}
			n++
		}
		if n < p.Count {
			return false
		}
	}
	return true
}

// matchBudget bounds the patterns tried against events in one Match: a
// check with socket labels may try each socket a labelled pattern could
// bind, and a student's trace must not make a page judge for minutes.
const matchBudget = 4_000_000

// matcher finds a check's expect patterns (one step per count) in order.
type matcher struct {
	events []lab.Event
	you    netip.Addr
	expect []step
	budget int
}

// step is one event to find: the pattern's n-th (from 0) of its count,
// the k-th pattern of expect.
type step struct {
	p    Pattern
	k, n int
}

// binding is what the steps found so far fix for those after them: a
// socket label's socket (label set), or the peer of a distinct pattern's
// event (pattern k's).
type binding struct {
	label  string
	socket sockID
	k      int
	peer   netip.AddrPort
	prev   *binding
}

// sockID is a socket: its host and number.
type sockID struct {
	host string
	fd   int
}

// from reports whether the expect steps from the k-th on are found from
// event i on, given what those before them bound. A step that binds a
// new label tries each socket it could bind; any other takes its first
// match, which leaves the most room to those after it.
func (m *matcher) from(k, i int, b *binding) bool {
	if k == len(m.expect) {
		return true
	}
	st := m.expect[k]
	for j := i; j < len(m.events); j++ {
		if m.budget--; m.budget < 0 {
			return false
		}
		if !st.p.matches(m.events, j, m.you) {
			continue
		}
		nb, fresh, ok := b.with(st, &m.events[j])
		if !ok {
			continue
		}
		if m.from(k+1, j+1, nb) {
			return true
		}
		if !fresh {
			return false
		}
	}
	return false
}

// with is b with what st, matching e, binds; fresh when it bound a label
// that was free (another event might bind it better); ok false when e
// breaks what b holds: another label's socket, or a peer its distinct
// pattern had already.
func (b *binding) with(st step, e *lab.Event) (nb *binding, fresh, ok bool) {
	nb = b
	if st.p.Distinct != "" {
		peer := peerOf(e)
		for x := b; x != nil; x = x.prev {
			if x.label == "" && x.k == st.k && x.peer == peer {
				return nil, false, false
			}
		}
		nb = &binding{k: st.k, peer: peer, prev: nb}
	}
	if st.p.Socket == "" || e.Call == nil {
		return nb, false, true
	}
	id := socketOf(e)
	for x := b; x != nil; x = x.prev {
		switch {
		case x.label == st.p.Socket:
			return nb, false, x.socket == id
		case x.label != "" && x.socket == id:
			return nil, false, false
		}
	}
	return &binding{label: st.p.Socket, socket: id, prev: nb}, true, true
}

// socketOf is the socket a call names: the one accept made, else the
// one it was made on.
func socketOf(e *lab.Event) sockID {
	if e.Call.Name == "accept" && e.Call.NewFD != 0 {
		return sockID{e.Host, e.Call.NewFD}
	}
	return sockID{e.Host, e.Call.Socket}
}

// peerOf is an event's peer: a call's or a state change's, a packet's
// other side.
func peerOf(e *lab.Event) netip.AddrPort {
	switch {
	case e.Call != nil:
		return e.Call.Peer
	case e.State != nil:
		return e.State.Peer
	case e.Packet != nil:
		a := e.Packet.Dst
		if e.Packet.Dir == lab.In {
			a = e.Packet.Src
		}
		ap, _ := netip.ParseAddrPort(a)
		return ap
	}
	return netip.AddrPort{}
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
	if p.Local != "" {
		addr := pk.Src
		if pk.Dir == lab.In {
			addr = pk.Dst
		}
		if !localMatches(p.Local, addr) {
			return false
		}
	}
	if p.DNS != "" && (pk.UDP == nil || dnsRcode(payload(pk)) != p.DNS) {
		return false
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

// localMatches reports whether addr, "address:port", is the local side
// a pattern wants: a port ("5000"), an address ("127.0.0.1"), or both.
func localMatches(want, addr string) bool {
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		return false
	}
	if strings.Contains(want, ":") {
		return want == addr
	}
	if _, err := strconv.Atoi(want); err == nil {
		return want == port
	}
	return want == host
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
