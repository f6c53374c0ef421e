package check

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/socketlab/socketlab/lab"
)

// What shows on the wire is what a server that relays a student's packets
// and runs the lab server sees of the student's work: the packets of the
// student's host (each crosses its bridge) and the lab server's calls and
// states. The student's own calls and states never leave the browser, and
// neither do the wire's actions nor a packet on the host's loopback; a call or state of host "any" may be the
// student's, so it is not counted on the wire either.

// OnWire reports whether what p matches shows on the wire.
func (p Pattern) OnWire() bool {
	switch p.Kind {
	case lab.KindPacket:
		// A packet on the host's loopback never leaves it.
		return p.Host != "server" && !loopback(p.Local)
	case lab.KindCall, lab.KindState:
		return p.Host == "server"
	}
	return false
}

// loopback reports whether a pattern's local side ("5000", "127.0.0.1",
// "127.0.0.1:5000") is a loopback address.
func loopback(local string) bool {
	if ap, err := netip.ParseAddrPort(local); err == nil {
		return ap.Addr().IsLoopback()
	}
	a, err := netip.ParseAddr(local)
	return err == nil && a.IsLoopback()
}

// OnWire is the part of c that shows on the wire: its patterns that do,
// in their order. It has none when nothing of c does.
func (c Check) OnWire() Check {
	w := Check{Line: c.Line}
	for _, p := range c.Expect {
		if p.OnWire() {
			w.Expect = append(w.Expect, p)
		}
	}
	for _, p := range c.All {
		if p.OnWire() {
			w.All = append(w.All, p)
		}
	}
	return w
}

// Empty reports whether c has no patterns.
func (c Check) Empty() bool { return len(c.Expect)+len(c.All) == 0 }

// OnWire is what the question reads that shows on the wire: its patterns
// (every packet, when it counts all of them), or none when any of them
// does not show on the wire, as then the wire alone cannot answer it.
func (q Question) OnWire() []Pattern {
	var ps []Pattern
	for _, p := range []*Pattern{q.Event, q.From, q.To, q.Count} {
		if p == nil {
			continue
		}
		if !p.OnWire() {
			return nil
		}
		ps = append(ps, *p)
	}
	if q.Event == nil && q.Count == nil && len(ps) > 0 {
		ps = append(ps, Pattern{Kind: lab.KindPacket, Host: "you", Count: 1})
	}
	return ps
}

// Describe says in words what c matches, in order: what an instructor
// is told is missing when a step's wire part was not seen.
func (c Check) Describe() string {
	var parts []string
	for _, p := range c.Expect {
		parts = append(parts, p.Describe())
	}
	s := strings.Join(parts, ", then ")
	if len(c.All) > 0 {
		parts = parts[:0]
		for _, p := range c.All {
			parts = append(parts, p.Describe())
		}
		if s != "" {
			s += "; and "
		}
		s += strings.Join(parts, "; ")
	}
	return s
}

// Describe says in words what p matches: "a SYN packet from the
// student's host to port 7", "the lab server's recv call".
func (p Pattern) Describe() string {
	var b strings.Builder
	if p.Count > 1 {
		fmt.Fprintf(&b, "%d× ", p.Count)
	}
	switch p.Kind {
	case lab.KindPacket:
		what := p.L4
		if len(p.Flags) > 0 {
			what = strings.Join(p.Flags, ", ")
		}
		if p.ICMP != "" {
			what += " " + p.ICMP
		}
		b.WriteString("a " + what + " packet")
		switch p.Dir {
		case lab.Out:
			b.WriteString(" from the student’s host")
		case lab.In:
			b.WriteString(" to the student’s host")
		}
		if p.Port != 0 {
			if p.Dir == lab.In {
				fmt.Fprintf(&b, " from port %d", p.Port)
			} else {
				fmt.Fprintf(&b, " to port %d", p.Port)
			}
		}
		if p.Local != "" {
			b.WriteString(" on the student’s side " + p.Local)
		}
		if p.DNS != "" {
			b.WriteString(", a DNS answer " + p.DNS)
		}
		if p.Data != nil {
			b.WriteString(map[bool]string{true: " with data", false: " without data"}[*p.Data])
		}
		if p.Payload != "" {
			fmt.Fprintf(&b, " starting %q", p.Payload)
		}
		if p.Analysis != "" {
			b.WriteString(" (" + strings.ReplaceAll(p.Analysis, "_", " ") + ")")
		}
	case lab.KindCall:
		fmt.Fprintf(&b, "%s %s call", whose(p.Host), p.Call)
		if p.Peer != "" {
			b.WriteString(" with " + p.Peer)
		}
	case lab.KindState:
		fmt.Fprintf(&b, "%s socket reaching %s", whose(p.Host), p.State)
	case lab.KindWire:
		fmt.Fprintf(&b, "a packet %s by the wire", p.Wire)
	}
	return b.String()
}

// whose names a pattern's host in words.
func whose(host string) string {
	switch host {
	case "server":
		return "the lab server’s"
	case "any":
		return "a"
	}
	return "the student’s"
}
