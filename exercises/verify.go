package exercises

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/worksheet"
)

// Verify runs an exercise's solution in a real lab, in this process, and
// its wrong routes each in a lab of their own: every step must pass with
// the solution (a step that does not can never be passed), and some step
// must fail with each wrong route (else its checks prove nothing).
func Verify(ctx context.Context, ex *worksheet.Exercise) []worksheet.Problem {
	var probs []worksheet.Problem
	bad := func(line int, format string, args ...any) {
		probs = append(probs, worksheet.Problem{File: ex.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	passed, err := runJudged(ctx, ex, ex.Solution, func(p []bool) bool { return !slices.Contains(p, false) })
	if err != nil {
		bad(1, "solution: %v", err)
	}
	for i, ok := range passed {
		if !ok {
			bad(ex.Steps[i].Line, "step %q does not pass with the solution", ex.Steps[i].Title)
		}
	}
	if len(ex.Wrong) == 0 {
		bad(1, "no ```wrong route: add one to show the checks can fail")
	}
	for i, script := range ex.Wrong {
		passed, _ := runJudged(ctx, ex, script, func([]bool) bool { return false })
		if !slices.Contains(passed, false) {
			bad(1, "wrong route %d passes every step", i+1)
		}
	}
	return probs
}

// settle is how long a script's lab runs on for its last packets (a
// teardown, an echo) before it is judged.
const settle = 3 * time.Second

// runJudged runs script in a fresh lab and judges the trace until done
// says so or the lab has settled. An error a script line raised that it
// did not expect is returned with the judgement.
func runJudged(ctx context.Context, ex *worksheet.Exercise, script string, done func([]bool) bool) ([]bool, error) {
	r, err := room.New(room.Config{TimeWait: time.Second})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h, err := r.AddHost()
	if err != nil {
		return nil, err
	}
	c := console.New(h.Sockets())
	defer c.Close()
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	runErr := console.RunScript(runCtx, c, strings.NewReader(script), io.Discard)
	var passed []bool
	for deadline := time.Now().Add(settle); ; time.Sleep(20 * time.Millisecond) {
		passed = ex.Judge(h.Trace().Events(), h.Addr())
		if done(passed) || time.Now().After(deadline) || ctx.Err() != nil {
			return passed, runErr
		}
	}
}
