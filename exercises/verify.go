package exercises

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/packet"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/worksheet"
)

// Verify runs an exercise in a real lab, in this process, as a student
// reading it would: each step's code (the console code its text shows,
// then its ```solution block), in order from the start, must pass that
// step right after it (its check passes and its question, if any, can be
// answered from the trace: else the step cannot be finished from its own
// text). Then each wrong route runs in a lab of its own, and some step
// must fail with it (else its checks prove nothing).
func Verify(ctx context.Context, ex *worksheet.Exercise) []worksheet.Problem {
	var probs []worksheet.Problem
	bad := func(line int, format string, args ...any) {
		probs = append(probs, worksheet.Problem{File: ex.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	code := make([]string, len(ex.Steps))
	for i, s := range ex.Steps {
		code[i] = s.Code
	}
	var checked, answerable []bool
	var sent []string // what the servers sent, on every route
	errs := runSteps(ctx, ex.Wire, code, func(step int, events []lab.Event, you netip.Addr) bool {
		checked, answerable = ex.Judge(events, you), ex.Answerable(events, you)
		if step == len(code)-1 {
			sent = received(events)
		}
		return checked[step] && answerable[step]
	}, func(step int) {
		s := ex.Steps[step]
		switch {
		case !checked[step]:
			bad(s.Line, "step %d %q does not pass right after its code, run in order from the start of the exercise: "+
				"its text must show all it takes (or its ```solution block hold what it does not show)", step+1, s.Title)
		case !answerable[step]:
			bad(s.Question.Line, "step %d %q: question can never be answered: its trace, right after the step's code, holds no answer to it", step+1, s.Title)
		}
	})
	for i, err := range errs {
		if err != nil {
			bad(ex.Steps[i].Line, "step %d %q: its code: %v", i+1, ex.Steps[i].Title, err)
		}
	}
	if len(ex.Wrong) == 0 {
		bad(1, "no ```wrong route: add one to show the checks can fail")
	}
	for i, w := range ex.Wrong {
		var checked, answerable []bool
		var got []string
		Run(ctx, ex.Wire, w.Script, func(events []lab.Event, you netip.Addr) bool {
			checked, answerable = ex.Judge(events, you), ex.Answerable(events, you)
			got = received(events)
			return false
		})
		sent = append(sent, got...)
		p := passing(checked, answerable)
		switch {
		case w.Fails > 0 && w.Fails <= len(p) && p[w.Fails-1]:
			bad(w.Line, "wrong route %d passes step %d %q, which it must fail", i+1, w.Fails, ex.Steps[w.Fails-1].Title)
		case !slices.Contains(p, false):
			bad(w.Line, "wrong route %d passes every step", i+1)
		}
	}
	for _, q := range ex.Quotes {
		if replyQuote.MatchString(q.Text) && !replied(q.Text, sent) {
			bad(q.Line, "`%s` is quoted as a server's reply, but no server sent it on the solution's route or a wrong one: quote what the service sends", q.Text)
		}
	}
	return probs
}

// replyQuote matches a quote that is a server's reply, or how one begins:
// a reply code (`250 2.0.0 OK: queued`, `220`), POP3's `+OK` and `-ERR`,
// an HTTP status line, a RESP integer or bulk string's length (`:1`,
// `$3`).
var replyQuote = regexp.MustCompile(`^(\d{3}|\+OK|-ERR|HTTP/\d\.\d \d{3}|:\d+|\$\d+)( |$)`)

// received is what the lab server sent the student's host in a trace:
// each TCP connection's bytes in order, and each datagram.
func received(events []lab.Event) []string {
	var out []string
	conn := map[string]int{} // a connection's ports: its index in out
	for _, e := range events {
		if e.Kind != lab.KindPacket || e.Packet.Dir != lab.In {
			continue
		}
		pk := e.Packet
		b := packet.Payload(pk)
		if len(b) == 0 {
			continue
		}
		if pk.TCP == nil {
			out = append(out, string(b))
			continue
		}
		key := pk.Src + " " + pk.Dst
		i, ok := conn[key]
		if !ok {
			i = len(out)
			conn[key] = i
			out = append(out, "")
		}
		out[i] += string(b)
	}
	return out
}

// replied reports whether a server sent quote: a quote without a space
// (`220`, `+OK`) begins one of the lines sent; a longer one is anywhere
// in them, its line breaks any white space and "…" any text.
func replied(quote string, sent []string) bool {
	var pat strings.Builder
	if !strings.Contains(quote, " ") {
		pat.WriteString(`(?m)^`)
	}
	for i, part := range strings.Split(quote, "…") {
		if i > 0 {
			pat.WriteString(`[^\n]*`)
		}
		for j, word := range strings.Fields(part) {
			if j > 0 {
				pat.WriteString(`\s+`)
			}
			pat.WriteString(regexp.QuoteMeta(word))
		}
	}
	re, err := regexp.Compile(pat.String())
	if err != nil {
		return false
	}
	return slices.ContainsFunc(sent, re.MatchString)
}

// passing says, for each step, whether it can pass: its check passed and
// its question can be answered.
func passing(checked, answerable []bool) []bool {
	p := make([]bool, len(checked))
	for i := range p {
		p[i] = checked[i] && answerable[i]
	}
	return p
}

// settleLimit bounds how long a script's lab may run on for its last
// packets (a teardown, an echo) before it is judged: the room is quiet
// long before, unless a timer keeps it busy.
const settleLimit = 3 * time.Second

// Run runs script in a fresh lab (the lab server and one host, its wire
// starting as wire says: nil, clear), then shows
// the trace to judge; if it does not return true, judge sees the trace
// again once the lab is quiet (room.WaitQuiet), or after settleLimit. An
// error a script line raised that it did not expect is returned.
func Run(ctx context.Context, wire *worksheet.Wire, script string, judge func(events []lab.Event, you netip.Addr) bool) error {
	return runSteps(ctx, wire, []string{script}, func(_ int, events []lab.Event, you netip.Addr) bool {
		return judge(events, you)
	}, func(int) {})[0]
}

// runSteps runs scripts one after the other in one fresh lab whose wire
// starts as wire says (nil: clear), as a student types one step after
// another. After each, judge sees the trace
// (told which script ran last); if it does not return true, it sees the
// trace again once the lab is quiet, or after settleLimit, and then
// failed is told. Each script's unexpected error is returned, by its
// index.
func runSteps(ctx context.Context, wire *worksheet.Wire, scripts []string, judge func(i int, events []lab.Event, you netip.Addr) bool, failed func(i int)) []error {
	errs := make([]error, len(scripts))
	l, err := room.NewLab(room.Config{TimeWait: time.Second})
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	defer l.Close()
	if wire != nil {
		w := l.Host.Port().Wire()
		w.Seed(wire.Seed)
		w.Set(wire.Settings())
	}
	for i, script := range scripts {
		runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		errs[i] = console.RunScript(runCtx, l.Console, strings.NewReader(script), io.Discard)
		cancel()
		if judge(i, l.Host.Trace().Events(), l.Host.Addr()) {
			continue
		}
		settleCtx, cancel := context.WithTimeout(ctx, settleLimit)
		l.Room.WaitQuiet(settleCtx) // past the limit, the trace is judged as it is
		cancel()
		if !judge(i, l.Host.Trace().Events(), l.Host.Addr()) {
			failed(i)
		}
	}
	return errs
}
