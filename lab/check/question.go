package check

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/lab"
)

// A Question asks the student for a number that their own trace holds,
// so that the right answer is theirs and no one else's: the port their
// host chose, the sequence number a SYN-ACK acknowledged, how many packets
// a handshake took. It reads Field from the events Event matches, or
// counts the packets from an event matching From to the next matching To
// (only those matching Count, when it is set), or counts the events in
// the trace matching Count (at least one: none is no answer yet).
// Every matching event (every From…To stretch) gives an honest answer, and
// a sequence or acknowledgment number may be given relative (as the packet
// list shows it) or raw (as it is on the wire).
//
// In the exercise's Markdown a question is a fenced block with the info
// string "question", holding YAML:
//
//	ask: Which port did your host send its SYN from?
//	packet: SYN          # the pattern selecting the event, as in a check
//	dir: out
//	port: 7
//	field: sport         # what to read from it
//
//	ask: How many packets did the handshake take?
//	from: {packet: SYN, dir: out, port: 7}   # counted, both ends included
//	to: {call: connect}                      # the next such event after from
//
//	ask: How many retransmissions does your trace show?
//	count: {packet: TCP, analysis: retransmission}   # events counted; with from and to, between them
type Question struct {
	Ask   string   `json:"ask"`
	Field string   `json:"field,omitempty"`
	Event *Pattern `json:"event,omitempty"`
	From  *Pattern `json:"from,omitempty"`
	To    *Pattern `json:"to,omitempty"`    // the To.Count-th such event after From
	Count *Pattern `json:"count,omitempty"` // the events counted: all packets when nil
	First string   `json:"first,omitempty"` // what to do before the trace can answer
	Line  int      `json:"-"`
}

// Fields are what a question reads from an event, by the event's kind.
var Fields = map[lab.Kind][]string{
	lab.KindPacket: {"sport", "dport", "seq", "ack", "len", "length", "window", "ttl"},
	lab.KindCall:   {"local-port", "peer-port", "bytes"},
	lab.KindState:  {"local-port", "peer-port"},
}

// fieldNames say each field in the student's words.
var fieldNames = map[string]string{
	"sport":      "source port",
	"dport":      "destination port",
	"seq":        "sequence number",
	"ack":        "acknowledgment number",
	"len":        "payload length (Len)",
	"length":     "length on the wire",
	"window":     "window",
	"ttl":        "TTL",
	"local-port": "local port",
	"peer-port":  "peer port",
	"bytes":      "byte count",
}

// CanRead says why field cannot be read from the events p matches, or
// returns nil when it can.
func (p Pattern) CanRead(field string) error {
	fields := Fields[p.Kind]
	if !slices.Contains(fields, field) {
		if _, known := fieldNames[field]; known {
			return fmt.Errorf("field %s is not one of a %s's (%s)", field, p.Kind, strings.Join(fields, ", "))
		}
		return fmt.Errorf("unknown field %q (a %s has %s)", field, p.Kind, strings.Join(fields, ", "))
	}
	if p.Kind != lab.KindPacket {
		return nil
	}
	switch {
	case p.L4 == "ICMP" && (field == "sport" || field == "dport" || field == "len"):
		return fmt.Errorf("field %s is not an ICMP packet's", field)
	case p.L4 != "TCP" && (field == "seq" || field == "ack" || field == "window"):
		return fmt.Errorf("field %s is a TCP packet's, not for %s packets", field, p.L4)
	case field == "ack" && !slices.Contains(p.Flags, "ACK"):
		return fmt.Errorf("field ack wants packets with ACK set: name it, as in packet: SYN, ACK")
	}
	return nil
}

// Verdict is what the student is told of an answer.
type Verdict struct {
	OK      bool   `json:"ok"`
	Result  string `json:"result"` // "right", "wrong", "not-a-number" or "not-yet"
	Message string `json:"message"`
}

// answer is one honest answer, and how it was read.
type answer struct {
	n    uint64
	form string // "relative" or "raw" for sequence numbers, else ""
	pair uint64 // the other form's number, when there is one
}

// Answers are the honest answers the events give, each number once. you
// is the student's host.
func (q Question) Answers(events []lab.Event, you netip.Addr) []uint64 {
	var ns []uint64
	for _, a := range q.answers(events, you) {
		if !slices.Contains(ns, a.n) {
			ns = append(ns, a.n)
		}
	}
	return ns
}

func (q Question) answers(events []lab.Event, you netip.Addr) []answer {
	if q.Event != nil {
		var out []answer
		for i, e := range events {
			if q.Event.matches(events, i, you) {
				out = append(out, read(e, q.Field)...)
			}
		}
		return out
	}
	if q.From == nil || q.To == nil {
		if q.Count == nil {
			return nil
		}
		n := q.counted(events, 0, len(events), you)
		if n == 0 {
			return nil
		}
		return []answer{{n: n}}
	}
	var out []answer
	for i := 0; i < len(events); i++ {
		if !q.From.matches(events, i, you) {
			continue
		}
		end, seen := -1, 0
		for j := i + 1; j < len(events) && end < 0; j++ {
			if q.To.matches(events, j, you) {
				if seen++; seen == q.To.Count {
					end = j
				}
			}
		}
		if end < 0 {
			break // no later From can find its To either
		}
		out = append(out, answer{n: q.counted(events, i, end+1, you)})
		i = end // stretches do not overlap
	}
	return out
}

// counted is how many of events[from:to] the question counts: those
// matching Count, or every packet.
func (q Question) counted(events []lab.Event, from, to int, you netip.Addr) uint64 {
	n := uint64(0)
	for k := from; k < to; k++ {
		if q.Count != nil && q.Count.matches(events, k, you) || q.Count == nil && events[k].Kind == lab.KindPacket {
			n++
		}
	}
	return n
}

// read is what field holds in e: nothing when it has no such field.
func read(e lab.Event, field string) []answer {
	one := func(n uint64) []answer { return []answer{{n: n}} }
	switch e.Kind {
	case lab.KindPacket:
		pk := e.Packet
		switch field {
		case "length":
			return one(uint64(pk.Length))
		case "ttl":
			return one(uint64(pk.IPv4.TTL))
		}
		if u := pk.UDP; u != nil {
			switch field {
			case "sport":
				return one(uint64(u.SrcPort))
			case "dport":
				return one(uint64(u.DstPort))
			case "len":
				return one(uint64(u.PayloadLen))
			}
			return nil
		}
		t := pk.TCP
		if t == nil {
			return nil
		}
		switch field {
		case "sport":
			return one(uint64(t.SrcPort))
		case "dport":
			return one(uint64(t.DstPort))
		case "len":
			return one(uint64(t.PayloadLen))
		case "window":
			return one(uint64(t.Window))
		case "seq":
			return both(t.RelSeq, t.Seq)
		case "ack":
			if t.Flags.ACK {
				return both(t.RelAck, t.Ack)
			}
		}
	case lab.KindCall:
		switch field {
		case "local-port":
			return port(e.Call.Local)
		case "peer-port":
			return port(e.Call.Peer)
		case "bytes":
			return one(uint64(e.Call.Bytes))
		}
	case lab.KindState:
		switch field {
		case "local-port":
			return port(e.State.Local)
		case "peer-port":
			return port(e.State.Peer)
		}
	}
	return nil
}

// both is a sequence number in its two honest forms.
func both(rel, raw uint32) []answer {
	return []answer{{n: uint64(rel), form: "relative", pair: uint64(raw)}, {n: uint64(raw), form: "raw", pair: uint64(rel)}}
}

// port is an address's port, if there is an address.
func port(addr netip.AddrPort) []answer {
	if !addr.IsValid() {
		return nil
	}
	return []answer{{n: uint64(addr.Port())}}
}

// MaxAnswer bounds an answer's text.
const MaxAnswer = 64

// Answer judges text, the student's answer, against the events: right
// when it is one of the honest answers. A wrong answer is told so, and
// where to look, but never what the answer is.
func (q Question) Answer(events []lab.Event, you netip.Addr, text string) Verdict {
	honest := q.answers(events, you)
	if len(honest) == 0 {
		msg := q.First
		if msg == "" {
			msg = "Your trace has nothing to answer this from yet: it needs " + q.needs() + ". Do the step first, then answer."
		}
		return Verdict{Result: "not-yet", Message: msg}
	}
	n, ok := parseNumber(text)
	if !ok {
		return Verdict{Result: "not-a-number", Message: "Answer with a whole number, in digits."}
	}
	i := slices.IndexFunc(honest, func(a answer) bool { return a.n == n })
	if i < 0 {
		return Verdict{Result: "wrong", Message: "Not what your trace shows. " + q.where()}
	}
	msg := fmt.Sprintf("Right: %d.", n)
	switch a := honest[i]; {
	case a.form == "relative" && a.pair != a.n:
		msg = fmt.Sprintf("Right: %d, relative to the first sequence number, as the packet list shows it; on the wire it is %d.", n, a.pair)
	case a.form == "raw" && a.pair != a.n:
		msg = fmt.Sprintf("Right: %d, the raw number on the wire; the packet list shows it relative to the first sequence number, as %d.", n, a.pair)
	}
	return Verdict{OK: true, Result: "right", Message: msg}
}

// parseNumber reads a whole number in digits (or 0x and hex digits), with
// spaces, commas or underscores between them allowed.
func parseNumber(text string) (uint64, bool) {
	if len(text) > MaxAnswer {
		return 0, false
	}
	s := strings.TrimSuffix(strings.TrimSpace(text), ".")
	s = strings.NewReplacer(",", "", "_", "", " ", "").Replace(s)
	base := 10
	if hex, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		s, base = hex, 16
	}
	if s == "" || strings.HasPrefix(s, "+") {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 64)
	return n, err == nil
}

// needs says what the trace lacks for the question to be answered.
func (q Question) needs() string {
	switch {
	case q.Event != nil:
		return q.Event.describe()
	case q.From == nil:
		return q.Count.describe()
	}
	return q.From.describe() + " and then " + q.To.describe()
}

// where says where the answer is to be found, without giving it.
func (q Question) where() string {
	if q.Event != nil {
		if q.Event.Kind == lab.KindPacket {
			return "Find " + q.Event.describe() + " in the packet list and read its " + fieldNames[q.Field] + "."
		}
		return "Find " + q.Event.describe() + " in the diagram and read its " + fieldNames[q.Field] + "."
	}
	where := "in the packet list"
	if q.Count != nil && q.Count.Kind == lab.KindWire {
		where = "in the diagram (the wire's marks at the switch)"
	}
	switch {
	case q.Count == nil:
		return "Count the packets in the packet list again, from " + q.From.describe() + " until " + q.To.until() + ", both included."
	case q.From == nil:
		return "Count again, " + where + ", every " + q.Count.every() + "."
	}
	return "Count again, " + where + ", every " + q.Count.every() +
		" from " + q.From.describe() + " until " + q.To.until() + ", both included."
}

// every is what describe says without its article: "SYN packet …".
func (p Pattern) every() string {
	d := p.describe()
	if rest, ok := strings.CutPrefix(d, "an "); ok {
		return rest
	}
	return strings.TrimPrefix(d, "a ")
}

// until is describe as the end of a stretch: a call is on the trace when
// it returns.
func (p Pattern) until() string {
	if p.Kind == lab.KindCall {
		return p.describe() + " returned"
	}
	return p.describe()
}

// article is "an" before a word said with a vowel's sound (ACK, ICMP,
// RST), else "a".
func article(word string) string {
	for _, w := range []string{"ACK", "ICMP", "RST"} {
		if strings.HasPrefix(word, w) {
			return "an"
		}
	}
	return "a"
}

// describe says in words which events p matches, for the student.
func (p Pattern) describe() string {
	var b strings.Builder
	switch p.Kind {
	case lab.KindPacket:
		what := p.L4
		if p.L4 == "TCP" && len(p.Flags) > 0 {
			what = strings.Join(p.Flags, ", ")
		}
		b.WriteString(article(what) + " " + what + " packet")
		if p.Analysis != "" {
			b.WriteString(" marked " + strings.ReplaceAll(p.Analysis, "_", " "))
		}
		switch p.Dir {
		case lab.Out:
			b.WriteString(" your host sent")
		case lab.In:
			b.WriteString(" your host received")
		}
		if p.Port != 0 {
			to := " to"
			if p.Dir == lab.In {
				to = " from"
			}
			fmt.Fprintf(&b, "%s port %d", to, p.Port)
		}
	case lab.KindCall:
		fmt.Fprintf(&b, "a %s call", p.Call)
		if p.Host == "server" {
			b.WriteString(" by the server")
		}
		if p.Peer != "" {
			b.WriteString(" with " + p.Peer)
		}
	case lab.KindState:
		fmt.Fprintf(&b, "a socket reaching %s", p.State)
		if p.Host == "server" {
			b.WriteString(" on the server")
		}
	case lab.KindWire:
		fmt.Fprintf(&b, "a packet the wire %s", p.Wire)
		switch p.Dir {
		case lab.Out:
			b.WriteString(" on its way from your host")
		case lab.In:
			b.WriteString(" on its way to your host")
		}
	}
	return b.String()
}
