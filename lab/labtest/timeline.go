package labtest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/socketlab/socketlab/lab"
)

// Inversions checks a trace's timeline (lab.Trace.Events, or the
// browser's socketlab.trace()) for calls out of their place, on both
// hosts: each call of a TCP connection against the packet it is about
// on the student's link (the trace's packets are the student's host's):
//
//   - accept returns after the handshake's last ACK, connect after the
//     SYN-ACK, recv after the segment with the first byte it took (or,
//     returning b”, the FIN): the call's event is after that packet, and
//     the packet's time within the call's span;
//   - connect starts before its SYN, send and sendall before the segment
//     with the first byte they sent, close before its FIN: the packet's
//     time after the call's start and, but for connect (whose event is
//     where it returned), the call's event before the packet.
//
// It returns how many calls of a connection it looked at, how many
// call–packet pairs it found an order for, and each pair out of order,
// in words.
func Inversions(trace []lab.Event) (calls, pairs int, inversions []string) {
	// first is the index of the first TCP packet from index from on that
	// matches, -1 for none.
	first := func(from int, match func(p *lab.Packet) bool) int {
		for j := max(from, 0); j < len(trace); j++ {
			if p := trace[j].Packet; p != nil && p.TCP != nil && match(p) {
				return j
			}
		}
		return -1
	}
	// offset is where each call's bytes begin in its connection's stream,
	// each way: a host's calls of one connection come in the order it
	// made them (seq).
	offset := map[uint64]int{}
	streams := map[string]int{}
	for _, e := range slices.SortedFunc(slices.Values(trace), func(a, b lab.Event) int { return cmp.Compare(a.Seq, b.Seq) }) {
		if c := e.Call; c != nil && c.Bytes > 0 && !c.Failed() {
			stream := fmt.Sprint(e.Host, c.Local.Port(), c.Peer, strings.HasPrefix(c.Name, "recv"))
			offset[e.Seq] = streams[stream]
			streams[stream] += c.Bytes
		}
	}
	for i, e := range trace {
		c := e.Call
		if c == nil || c.Proto != "tcp" || !c.Peer.IsValid() || c.Failed() || c.Local.Port() == 0 {
			continue
		}
		peer, port := c.Peer.String(), c.Local.Port()
		fromPeer := func(p *lab.Packet) bool { return p.Src == peer && p.TCP.DstPort == port }
		toPeer := func(p *lab.Packet) bool { return p.Dst == peer && p.TCP.SrcPort == port }
		// The connection begins at its last SYN before the call's event.
		syn := -1
		for j := i - 1; j >= 0 && syn < 0; j-- {
			if p := trace[j].Packet; p != nil && p.TCP != nil && p.TCP.Flags.SYN && !p.TCP.Flags.ACK && (fromPeer(p) || toPeer(p)) {
				syn = j
			}
		}
		if syn < 0 {
			continue
		}
		calls++
		carries := func(p *lab.Packet) bool {
			first := uint32(offset[e.Seq]) + 1 // the SYN takes relative sequence number 0
			return p.TCP.PayloadLen > 0 && p.TCP.RelSeq <= first && first < p.TCP.RelSeq+uint32(p.TCP.PayloadLen)
		}
		took, sent := -1, -1
		switch c.Name {
		case "accept":
			took = first(syn, func(p *lab.Packet) bool {
				return fromPeer(p) && p.TCP.Flags.ACK && !p.TCP.Flags.SYN && p.TCP.PayloadLen == 0
			})
		case "connect":
			sent = syn
			took = first(syn, func(p *lab.Packet) bool { return fromPeer(p) && p.TCP.Flags.SYN && p.TCP.Flags.ACK })
		case "recv":
			if c.Bytes > 0 {
				took = first(syn, func(p *lab.Packet) bool { return fromPeer(p) && carries(p) })
			} else {
				took = first(syn, func(p *lab.Packet) bool { return fromPeer(p) && p.TCP.Flags.FIN })
			}
		case "send", "sendall":
			sent = first(syn, func(p *lab.Packet) bool { return toPeer(p) && carries(p) })
		case "close":
			sent = first(syn, func(p *lab.Packet) bool { return toPeer(p) && p.TCP.Flags.FIN })
		}
		name := fmt.Sprintf("%s's %s(%s) on %s at %d", e.Host, c.Name, strings.Join(c.Args, ", "), peer, i)
		if took >= 0 {
			pairs++
			if p := trace[took]; i < took || p.Time.After(c.End) {
				inversions = append(inversions, fmt.Sprintf("  %s returns before %q at %d", name, p.Packet.Summary, took))
			}
		}
		if sent >= 0 {
			pairs++
			if p := trace[sent]; (c.Name != "connect" && i > sent) || p.Time.Before(c.Start) {
				inversions = append(inversions, fmt.Sprintf("  %s starts after %q at %d", name, p.Packet.Summary, sent))
			}
		}
	}
	return calls, pairs, inversions
}
