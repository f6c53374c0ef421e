package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// A workshop's sessions can be a live class for the instructor's
// dashboard (Config.StepRate, Config.HandChance): each student works
// through the workshop's exercises in order, reporting each step done
// with a bridge "report" request, at random intervals (exponentially
// distributed, so some students race ahead and some lag), and now and
// then raises a hand, which comes down after their next step. The server
// confirms a step only if it saw the work itself; a simulated student
// does none, so its steps are stored unconfirmed, as "done?" cells.

// MaxStepRate bounds Config.StepRate: steps a minute, per session.
const MaxStepRate = 600

// Exercise is one of a workshop's exercises as a simulated student walks
// it: its ID and its number of steps.
type Exercise struct {
	ID    string
	Steps int
}

// Ack is a report the server acknowledged: the record as it stored it,
// when the request was sent and when its answer arrived.
type Ack struct {
	Record lab.ProgressRecord
	Sent   time.Time
	At     time.Time
}

// walk is session i's part in the class: it reports the workshop's
// steps in order, until ctx or the session ends or every step is done.
func (r *runner) walk(ctx context.Context, i int, c *bridge.Client) {
	mean := float64(time.Minute) / r.cfg.StepRate
	handUp := false
	for _, ex := range r.cfg.Exercises {
		for step := range ex.Steps {
			timer := time.NewTimer(time.Duration(rand.ExpFloat64() * mean))
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-c.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
			sent := time.Now()
			rec, err := c.Report(ctx, ex.ID, step, lab.ProgressStep, "")
			if err != nil {
				if ctx.Err() == nil {
					r.note(classify("report", ctx, c, err))
				}
				return
			}
			r.ack(Ack{Record: rec, Sent: sent, At: time.Now()})
			action, message := "", ""
			switch {
			case handUp:
				action = bridge.HandLower
			case rand.Float64() < r.cfg.HandChance:
				action, message = bridge.HandRaise, fmt.Sprintf("bench %d is stuck after %s, step %d", i+1, ex.ID, step+1)
			default:
				continue
			}
			if _, err := c.Hand(ctx, action, message); err != nil {
				if ctx.Err() == nil {
					r.note(classify("hand", ctx, c, err))
				}
				return
			}
			handUp = action == bridge.HandRaise
			if handUp {
				r.handsRaised.Add(1)
			}
		}
	}
}

// ack counts a report the server acknowledged, and passes it on.
func (r *runner) ack(a Ack) {
	r.mu.Lock()
	if !r.ended {
		r.reports.record(a.At.Sub(a.Sent))
		if a.Record.Confirmed {
			r.reportsConfirmed++
		}
	}
	r.mu.Unlock()
	if r.cfg.Acked != nil {
		r.cfg.Acked(a)
	}
}
