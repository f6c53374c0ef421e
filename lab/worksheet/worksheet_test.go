package worksheet_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/worksheet"
)

var services = []string{"echo/tcp", "echo/udp"}

const front = "---\nid: q\ntitle: Questions\nsummary: S\nservices: [echo/tcp]\norder: 1\n---\nIntro\n\n"

const solution = "\n## Solution\n\n```wrong\ns = socket()\n```\n"

func TestQuestionParsed(t *testing.T) {
	src := front + "## Connect\n\nConnect, then:\n\n```\ns.connect((\"10.0.0.1\", 7))\n```\n\n" +
		"```check\nexpect:\n  - call: connect\n```\n\n" +
		"```question\nask: Which port did your host send its SYN from?\npacket: SYN\ndir: out\nport: 7\nfield: sport\n```\n\n" +
		"```explain\nWhy.\n```\n\n" +
		"## Count\n\n```solution\n```\n\n```question\nask: How many packets did the handshake take?\nfrom: {packet: SYN, dir: out}\nto: {call: connect}\nfirst: Connect first.\n```\n" + solution
	ex, probs := worksheet.Parse("q.md", []byte(src), services)
	for _, p := range probs {
		t.Error(p)
	}
	if len(ex.Steps) != 2 {
		t.Fatalf("%d steps, want 2", len(ex.Steps))
	}
	s := ex.Steps[0]
	q := s.Question
	if q == nil || q.Ask != "Which port did your host send its SYN from?" || q.Field != "sport" || q.Event == nil ||
		q.Event.Kind != lab.KindPacket || q.Event.Dir != lab.Out || q.Event.Port != 7 || q.Line != 24 {
		t.Errorf("first question: %+v", q)
	}
	for _, gone := range []string{"```question", "ask:", "```check", "```explain"} {
		if strings.Contains(s.Text, gone) {
			t.Errorf("step text keeps %q:\n%s", gone, s.Text)
		}
	}
	if !strings.Contains(s.Text, "```\ns.connect") {
		t.Errorf("step text lost its code block:\n%s", s.Text)
	}
	c := ex.Steps[1]
	if c.Question == nil || c.Question.From == nil || c.Question.To == nil || c.Question.First != "Connect first." ||
		c.Question.To.Call != "connect" || len(c.Check.Expect)+len(c.Check.All) != 0 {
		t.Errorf("a step that is only a question: %+v, check %+v", c.Question, c.Check)
	}
}

func TestQuestionProblems(t *testing.T) {
	for _, tc := range []struct {
		name, block, want string
	}{
		{"no ask", "packet: SYN\nfield: sport", "q.md:13: question: no ask"},
		{"unknown field", "ask: A?\npacket: SYN\nfield: colour", `q.md:15: question: unknown field "colour"`},
		{"field of another kind", "ask: A?\ncall: connect\nfield: seq", "q.md:15: question: field seq is not one of a call's"},
		{"a TCP field of UDP", "ask: A?\npacket: UDP\nfield: window", "q.md:15: question: field window is a TCP packet's"},
		{"ack without ACK", "ask: A?\npacket: SYN\nfield: ack", "q.md:15: question: field ack wants packets with ACK set"},
		{"a field of no event", "ask: A?\nfield: sport", "q.md:14: question: field sport of which event?"},
		{"a pattern's own problem", "ask: A?\npacket: SYN, FOO\nfield: sport", `q.md:14: question: unknown TCP flag "FOO"`},
		{"unknown key", "ask: A?\npacket: SYN\nfeild: sport", `q.md:15: question: unknown key "feild"`},
		{"from without to", "ask: A?\nfrom: {packet: SYN}", "q.md:13: question: a question that counts packets wants both from: and to:"},
		{"count in from", "ask: A?\nfrom: {packet: UDP, count: 2}\nto: {packet: UDP}", "q.md:14: question: count is for to:"},
		{"field and from", "ask: A?\nfield: sport\nfrom: {packet: SYN}\nto: {call: connect}", "q.md:13: question: a question reads a field from one event, or counts events (from: to:, count:), not both"},
		{"nothing to read", "ask: A?", "q.md:13: question: a question wants field:"},
		{"count of no pattern", "ask: A?\ncount: 3", "q.md:14: question: count wants the pattern of the events counted"},
		{"count in count", "ask: A?\ncount: {packet: TCP, analysis: retransmission, count: 2}", "q.md:14: question: count: counts every event its pattern matches"},
		{"count and field", "ask: A?\npacket: SYN\nfield: sport\ncount: {packet: TCP}", "q.md:13: question: a question reads a field from one event, or counts events"},
		{"count's own problem", "ask: A?\ncount: {packet: UDP, analysis: retransmission}", "q.md:14: question: sack and analysis are for TCP packets"},
		{"count and an event's key", "ask: A?\ncount: {packet: TCP}\ndir: out", `q.md:15: question: unknown key "dir" in a question that counts`},
		{"not YAML", "ask: [A?", "q.md:13: question:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := front + "## Ask\n\n```question\n" + tc.block + "\n```\n" + solution
			_, probs := worksheet.Parse("q.md", []byte(src), services)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if all := strings.Join(got, "\n"); !strings.Contains(all, tc.want) {
				t.Errorf("problems lack %q:\n%s", tc.want, all)
			}
		})
	}
}

func TestStepNeedsCheckOrQuestion(t *testing.T) {
	src := front + "## Nothing\n\nJust words.\n\n## Two\n\n```question\nask: A?\npacket: SYN\nfield: sport\n```\n\n```question\nask: B?\npacket: SYN\nfield: dport\n```\n" + solution
	_, probs := worksheet.Parse("q.md", []byte(src), services)
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`q.md:10: step "Nothing" has no ` + "```check or ```question block",
		`q.md:22: step "Two" has a second ` + "```question block",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
}

func TestCheckForms(t *testing.T) {
	src := front + "## Forms\n\n```\ns = socket()\n```\n\n```check\nexpect:\n  - call: bind\n    error: EADDRINUSE\n  - packet: PSH, ACK\n    dir: in\n    payload: \"HTTP/1.1 200 \"\n" +
		"  - packet: UDP\n    payload: \"2\\n\"\n  - call: connect\n    lookup: echo.lab\n    raises: TimeoutError\n```\n" + solution
	ex, probs := worksheet.Parse("q.md", []byte(src), services)
	for _, p := range probs {
		t.Error(p)
	}
	e := ex.Steps[0].Check.Expect
	if len(e) != 4 || e[0].Errno != "EADDRINUSE" || e[0].OK != nil || // a connect_ex that returned the errno has it too
		e[1].Payload != "HTTP/1.1 200 " || e[2].Payload != "2\n" || e[3].Lookup != "echo.lab" || e[3].Raises != "TimeoutError" {
		t.Errorf("patterns: %+v", e)
	}
}

func TestCheckFormProblems(t *testing.T) {
	for _, tc := range []struct {
		name, pattern, want string
	}{
		{"unknown errno", "call: bind\n    error: EWHAT", `q.md:15: check: unknown errno "EWHAT"`},
		{"ok and error", "call: bind\n    ok: true\n    error: EINVAL", "q.md:14: check: ok: true with raises or error can never match"},
		{"error of a packet", "packet: RST\n    error: ECONNREFUSED", "q.md:14: check: ok, raises, error and lookup are for call patterns"},
		{"payload of a call", "call: recv\n    payload: HTTP", "q.md:14: check: port, data, payload, icmp, sack and analysis are for packet patterns"},
		{"dir of a call", "call: recv\n    dir: in", "q.md:14: check: dir is for packet and wire patterns"},
		{"unknown wire action", "wire: lost", "q.md:14: check: unknown wire action \"lost\" (known: held, released, dropped, delayed, duplicated, reordered)"},
		{"wire of the server", "wire: dropped\n    host: server", "q.md:14: check: packets and the wire are seen on your host's link: a packet or wire pattern takes dir, not host"},
		{"analysis of UDP", "packet: UDP\n    analysis: retransmission", "q.md:14: check: sack and analysis are for TCP packets"},
		{"unknown analysis", "packet: ACK\n    analysis: lost", "q.md:15: check: unknown analysis \"lost\" (known: retransmission, fast_retransmission, spurious_retransmission, out_of_order, lost_segment, ack_lost_segment, window_update, window_full, keep_alive, keep_alive_ack, duplicate_ack, zero_window_probe, zero_window, zero_window_probe_ack)"},
		{"payload of ICMP", "packet: ICMP\n    payload: x", "q.md:14: check: payload is for TCP and UDP packets"},
		{"payload and no data", "packet: UDP\n    data: false\n    payload: x", "q.md:14: check: payload with data: false can never match"},
		{"non-ASCII payload", "packet: UDP\n    payload: \"\\xff\"", "q.md:15: check: payload has the byte 0xc3: ASCII only"},
		{"long payload", "packet: UDP\n    payload: " + strings.Repeat("x", 257), "q.md:15: check: payload is 257 bytes, over the bound of 256"},
		{"lookup of an address", "call: connect\n    lookup: 10.0.0.1", `q.md:15: check: lookup wants a name, such as echo.lab, not "10.0.0.1"`},
		{"local of a call", "call: connect\n    local: 5000", "q.md:14: check: local and dns are for packet patterns"},
		{"local not a port", "packet: SYN\n    local: 70000", `q.md:15: check: local wants your side's port (5000), address (127.0.0.1) or both (127.0.0.1:5000), not "70000"`},
		{"dns of TCP", "packet: SYN\n    dns: NXDOMAIN", "q.md:14: check: dns is for UDP packets (packet: UDP)"},
		{"unknown rcode", "packet: UDP\n    dns: NOSUCH", "q.md:15: check: dns wants a response code: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED"},
		{"socket of a packet", "packet: SYN\n    socket: a", "q.md:14: check: socket is for call patterns"},
		{"socket label", "call: send\n    socket: a b", `q.md:15: check: socket wants a label of letters, digits and _, such as p, not "a b"`},
		{"distinct of one", "call: recv\n    distinct: peer", "q.md:14: check: distinct wants a count of 2 or more: one event is always distinct"},
		{"distinct what", "call: recv\n    count: 2\n    distinct: port", "q.md:16: check: distinct knows peer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := front + "## Check\n\n```check\nexpect:\n  - " + tc.pattern + "\n```\n" + solution
			_, probs := worksheet.Parse("q.md", []byte(src), services)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if all := strings.Join(got, "\n"); !strings.Contains(all, tc.want) {
				t.Errorf("problems lack %q:\n%s", tc.want, all)
			}
		})
	}
}

func TestStepCode(t *testing.T) {
	src := front + "## Shown\n\n```\ns = socket()\n```\n\nThen:\n\n```\ns.close()\n```\n\n```check\nexpect:\n  - call: close\n```\n\n" +
		"## Hidden\n\nWork it out.\n\n```solution\nt = socket()\n```\n\n```check\nexpect:\n  - call: socket\n```\n\n" +
		"## Nothing to type\n\n```solution\n```\n\n```check\nexpect:\n  - call: socket\n```\n\n" +
		"## Solution\n\n```wrong 2\nu = socket()\n```\n"
	ex, probs := worksheet.Parse("q.md", []byte(src), services)
	for _, p := range probs {
		t.Error(p)
	}
	var code []string
	for _, s := range ex.Steps {
		code = append(code, s.Code)
	}
	if want := []string{"s = socket()\ns.close()\n", "t = socket()\n", ""}; !slices.Equal(code, want) {
		t.Errorf("steps' code %q, want %q", code, want)
	}
	if ex.Solution != "s = socket()\ns.close()\nt = socket()\n" {
		t.Errorf("solution %q", ex.Solution)
	}
	if !strings.Contains(ex.Steps[0].Text, "```\ns.close()\n```") || strings.Contains(ex.Steps[1].Text, "t = socket()") {
		t.Errorf("shown code is the text, a solution block is not: %q, %q", ex.Steps[0].Text, ex.Steps[1].Text)
	}
	if len(ex.Wrong) != 1 || ex.Wrong[0].Fails != 2 || ex.Wrong[0].Script != "u = socket()" || ex.Wrong[0].Line != 52 {
		t.Errorf("wrong routes %+v", ex.Wrong)
	}
}

func TestStepCodeProblems(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"no code", "## Words\n\nType something.\n\n```check\nexpect:\n  - call: socket\n```\n", `q.md:10: step "Words" shows no console code`},
		{"a solution of the exercise", "## S\n\n```\ns = socket()\n```\n\n```check\nexpect:\n  - call: socket\n```\n\n## Solution\n\n```solution\ns = socket()\n```\n",
			"q.md:23: ```solution belongs to the step it solves"},
		{"two solution blocks", "## S\n\n```solution\n```\n\n```solution\n```\n\n```check\nexpect:\n  - call: socket\n```\n", `q.md:15: step "S" has a second ` + "```solution block"},
		{"wrong of no step", "## S\n\n```solution\n```\n\n```check\nexpect:\n  - call: socket\n```\n\n## Solution\n\n```wrong 2\nu = socket()\n```\n", "q.md:22: ```wrong 2: there are 1 steps"},
		{"wrong of a word", "## S\n\n```solution\n```\n\n```check\nexpect:\n  - call: socket\n```\n\n## Solution\n\n```wrong two\nu = socket()\n```\n", "q.md:22: ```wrong two: name the step it must fail by its number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := worksheet.Parse("q.md", []byte(front+tc.body), services)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if all := strings.Join(got, "\n"); !strings.Contains(all, tc.want) {
				t.Errorf("problems lack %q:\n%s", tc.want, all)
			}
		})
	}
}

func TestWireFrontMatter(t *testing.T) {
	body := "Intro\n\n## Step\n\n```\ns = socket()\n```\n\n```check\nexpect:\n  - call: socket\n```\n" + solution
	parse := func(wire string) (*worksheet.Exercise, string) {
		src := "---\nid: w\ntitle: W\nsummary: S\nservices: [echo/tcp]\norder: 1\nwire: " + wire + "\n---\n" + body
		ex, probs := worksheet.Parse("w.md", []byte(src), services)
		var got []string
		for _, p := range probs {
			got = append(got, p.String())
		}
		return ex, strings.Join(got, "\n")
	}
	ex, probs := parse("{loss: 0.3, delay: 0.2, jitter: 0.05, reorder: 1, seed: 7, hold: true, rate: 64000, duplicate: 0}")
	if probs != "" {
		t.Fatalf("a good wire: %s", probs)
	}
	if w := ex.Wire; w == nil || *w != (worksheet.Wire{Hold: true, Loss: 0.3, Delay: 0.2, Jitter: 0.05, Reorder: 1, Rate: 64000, Seed: 7}) {
		t.Errorf("wire: %+v", ex.Wire)
	}
	if s := ex.Wire.Settings(); s.Delay != 200*time.Millisecond || s.Jitter != 50*time.Millisecond || !s.Hold || s.Loss != 0.3 {
		t.Errorf("settings: %+v", s)
	}
	for _, tc := range []struct{ wire, want string }{
		{"{loss: 1.5}", "w.md:7: front matter: wire: loss wants a probability from 0 to 1, not 1.5"},
		{"{duplicate: -0.1}", "w.md:7: front matter: wire: duplicate wants a probability from 0 to 1, not -0.1"},
		{"{reorder: .nan}", "w.md:7: front matter: wire: reorder wants a probability from 0 to 1, not NaN"},
		{"{delay: -1}", "w.md:7: front matter: wire: delay wants seconds from 0 to 10, not -1"},
		{"{delay: 11}", "w.md:7: front matter: wire: delay wants seconds from 0 to 10, not 11"},
		{"{delay: 0.1, jitter: 0.2}", "w.md:7: front matter: wire: jitter wants seconds from 0 to the delay, not 0.2"},
		{"{rate: -5}", "w.md:7: front matter: wire: rate wants bytes a second, not -5"},
		{"{los: 0.3}", `w.md:7: front matter: wire: unknown key "los" (known: hold, loss, delay, jitter, duplicate, reorder, rate, seed)`},
		{"{loss: lots}", "w.md:7: front matter: wire: loss wants a number"},
		{"{hold: maybe}", "w.md:7: front matter: wire: hold wants true or false"},
		{"{seed: -1}", "w.md:7: front matter: wire: seed wants a whole number from 0"},
		{"0.3", "w.md:7: front matter: wire wants a mapping, such as {loss: 0.3, seed: 1}"},
	} {
		if _, got := parse(tc.wire); !strings.Contains(got, tc.want) {
			t.Errorf("wire: %s: problems lack %q:\n%s", tc.wire, tc.want, got)
		}
	}
}

func TestCountQuestionParsed(t *testing.T) {
	src := front + "## Count\n\n```solution\n```\n\n```question\nask: How many retransmissions?\ncount: {packet: TCP, dir: out, analysis: retransmission}\n```\n\n" +
		"## Between\n\n```solution\n```\n\n```question\nask: How many from the SYN to connect?\nfrom: {packet: SYN}\nto: {call: connect}\ncount: {packet: SYN, analysis: retransmission}\n```\n" + solution
	ex, probs := worksheet.Parse("q.md", []byte(src), services)
	for _, p := range probs {
		t.Error(p)
	}
	if q := ex.Steps[0].Question; q.Count == nil || q.From != nil || q.Count.L4 != "TCP" || len(q.Count.Flags) != 0 || q.Count.Analysis != "retransmission" || q.Count.Dir != lab.Out {
		t.Errorf("count alone: %+v", q)
	}
	if q := ex.Steps[1].Question; q.Count == nil || q.From == nil || q.To == nil || q.Count.Flags[0] != "SYN" {
		t.Errorf("count between: %+v", q)
	}
}
