package lab

import (
	"net/netip"
	"strconv"
)

// Causality says how a call of one host and a packet seen on another host
// are ordered by what the call did, whatever their clocks say: -1 when the
// call comes first (it sent the packet: a send's data, a close's FIN), 1
// when the packet comes first (the call took it: an accept's handshake, a
// recv's data or FIN, a connect's SYN-ACK), 0 when the lab knows of no
// order between them (another connection, another kind of packet).
//
// The call is known by its connection's two ends, Local on the call's
// host and Peer on the other; only the local port is compared, since a
// listening socket's address may be the unspecified one.
func Causality(c *Call, p *Packet) int {
	if c == nil || p == nil || !c.Peer.IsValid() {
		return 0
	}
	peer := c.Peer.String()
	var fromCall, toCall bool
	switch {
	case p.Dst == peer:
		fromCall = portOf(p.Src) == c.Local.Port()
	case p.Src == peer:
		toCall = portOf(p.Dst) == c.Local.Port()
	}
	if !fromCall && !toCall {
		return 0
	}
	payload, fin, syn, ack := 0, false, false, false
	switch {
	case p.TCP != nil:
		payload, fin, syn, ack = p.TCP.PayloadLen, p.TCP.Flags.FIN, p.TCP.Flags.SYN, p.TCP.Flags.ACK
	case p.UDP != nil:
		payload = max(p.UDP.PayloadLen, 1) // an empty datagram is data too
	default:
		return 0
	}
	switch c.Name {
	case "send", "sendall", "sendto":
		if fromCall && payload != 0 {
			return -1
		}
	case "close", "shutdown":
		if fromCall && fin {
			return -1
		}
	case "accept":
		if toCall && p.TCP != nil && payload == 0 && !fin {
			return 1
		}
	case "recv", "recvfrom":
		if toCall && (payload != 0 || fin) {
			return 1
		}
	case "connect":
		if toCall && syn && ack {
			return 1
		}
	}
	return 0
}

// portOf is the port of "address:port", 0 when there is none.
func portOf(s string) uint16 {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			n, err := strconv.ParseUint(s[i+1:], 10, 16)
			if err != nil {
				return 0
			}
			return uint16(n)
		}
	}
	return 0
}

// causality is Causality between two events: -1 when a must come before
// b, 1 when after, 0 when the lab knows no order (they are not a call and
// a packet of different hosts).
func causality(a, b *Event) int {
	if a.Host == b.Host {
		return 0
	}
	switch {
	case a.Call != nil && b.Packet != nil:
		return Causality(a.Call, b.Packet)
	case a.Packet != nil && b.Call != nil:
		return -Causality(b.Call, a.Packet)
	}
	return 0
}

// sameConnection says whether two events of one host may be of one
// connection: their local ports and peers are the same (a listener's
// accept and the accepted socket's calls share them), or either has no
// peer (a socket, bind or listen), which may be of any.
func sameConnection(a, b *Event) bool {
	la, pa := endsOf(a)
	lb, pb := endsOf(b)
	if !pa.IsValid() || !pb.IsValid() {
		return true
	}
	return la == lb && pa == pb
}

// endsOf is an event's local port and peer, a zero peer when it has none.
func endsOf(e *Event) (local uint16, peer netip.AddrPort) {
	switch {
	case e.Call != nil:
		return e.Call.Local.Port(), e.Call.Peer
	case e.State != nil:
		return e.State.Local.Port(), e.State.Peer
	}
	return 0, netip.AddrPort{}
}
