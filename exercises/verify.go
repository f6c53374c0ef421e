package exercises

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/worksheet"
)

// Verify runs an exercise's solution in a real lab, in this process, and
// its wrong routes each in a lab of their own: every step must pass with
// the solution (its check passes and its question, if any, can be answered
// from the solution's trace: else the step can never be passed), and some
// step must fail with each wrong route (else its checks prove nothing).
func Verify(ctx context.Context, ex *worksheet.Exercise) []worksheet.Problem {
	var probs []worksheet.Problem
	bad := func(line int, format string, args ...any) {
		probs = append(probs, worksheet.Problem{File: ex.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	checked, answerable, err := runJudged(ctx, ex, ex.Solution, func(p []bool) bool { return !slices.Contains(p, false) })
	if err != nil {
		bad(1, "solution: %v", err)
	}
	for i, s := range ex.Steps {
		if !checked[i] {
			bad(s.Line, "step %q does not pass with the solution", s.Title)
		}
		if s.Question != nil && !answerable[i] {
			bad(s.Question.Line, "question can never be answered: the solution's trace holds no answer to it")
		}
	}
	if len(ex.Wrong) == 0 {
		bad(1, "no ```wrong route: add one to show the checks can fail")
	}
	for i, script := range ex.Wrong {
		checked, answerable, _ := runJudged(ctx, ex, script, func([]bool) bool { return false })
		if !slices.Contains(passing(checked, answerable), false) {
			bad(1, "wrong route %d passes every step", i+1)
		}
	}
	return probs
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

// runJudged runs script in a fresh lab and judges the trace until done
// says so of the steps that can pass, or the lab has settled: which
// steps' checks pass, and which steps' questions the trace answers. An
// error a script line raised that it did not expect is returned with the
// judgement.
func runJudged(ctx context.Context, ex *worksheet.Exercise, script string, done func([]bool) bool) (checked, answerable []bool, err error) {
	checked, answerable = make([]bool, len(ex.Steps)), make([]bool, len(ex.Steps))
	err = Run(ctx, script, func(events []lab.Event, you netip.Addr) bool {
		checked, answerable = ex.Judge(events, you), ex.Answerable(events, you)
		return done(passing(checked, answerable))
	})
	return checked, answerable, err
}

// Run runs script in a fresh lab (the lab server and one host), then shows
// the trace to judge; if it does not return true, judge sees the trace
// again once the lab is quiet (room.WaitQuiet), or after settleLimit. An
// error a script line raised that it did not expect is returned.
func Run(ctx context.Context, script string, judge func(events []lab.Event, you netip.Addr) bool) error {
	l, err := room.NewLab(room.Config{TimeWait: time.Second})
	if err != nil {
		return err
	}
	defer l.Close()
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	runErr := console.RunScript(runCtx, l.Console, strings.NewReader(script), io.Discard)
	if judge(l.Host.Trace().Events(), l.Host.Addr()) {
		return runErr
	}
	settleCtx, cancel := context.WithTimeout(ctx, settleLimit)
	defer cancel()
	l.Room.WaitQuiet(settleCtx) // past the limit, the trace is judged as it is
	judge(l.Host.Trace().Events(), l.Host.Addr())
	return runErr
}
