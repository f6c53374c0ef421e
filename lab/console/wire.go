package console

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// Wire is the link between the console's host and its room's switch, as
// the console's wire object controls it. room.Wire is one: room.NewLab
// gives it to the console of `socketlab run`. The browser's console has
// none yet: its host is behind the bridge, and the wire of its port is on
// the server (a later version asks for it over the bridge).
type Wire interface {
	State() lab.WireState
	Set(lab.WireSettings)
	Seed(seed uint64)
	// Step releases the oldest held packet, waiting for one until ctx
	// is done, and returns its summary, or false.
	Step(ctx context.Context) (string, bool)
	Release() int
	Drop() (string, bool)
}

// WithWire gives the console the wire its wire object controls.
func WithWire(w Wire) Option {
	return func(c *Console) { c.wire = w }
}

// wireValue is the wire object: the console's Wire, or none.
type wireValue struct{ w Wire }

func (wireValue) typeName() string { return "wire" }

// The wire's bounds.
const (
	maxWireDelay = 10 * time.Second
	minWireRate  = 100
	maxWireRate  = 1_000_000_000
	stepWait     = time.Second // how long wire.step() waits for a packet to be held
)

// wireMethods are the wire object's methods.
var wireMethods = map[string]func(ev *evaluator, w Wire, a *args) (value, *pyError){
	"pause": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		return setWire(w, a, func(s *lab.WireSettings) { s.Hold = true })
	},
	"step": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(ev.ctx, stepWait)
		defer cancel()
		sum, ok := w.Step(ctx)
		if ev.ctx.Err() != nil {
			return nil, errInterrupt
		}
		if !ok {
			return none, nil
		}
		return strValue(sum), nil
	},
	"release": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		return intValue(w.Release()), nil
	},
	"drop": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		if sum, ok := w.Drop(); ok {
			return strValue(sum), nil
		}
		return none, nil
	},
	"loss":      probability(func(s *lab.WireSettings, p float64) { s.Loss = p }),
	"duplicate": probability(func(s *lab.WireSettings, p float64) { s.Duplicate = p }),
	"reorder":   probability(func(s *lab.WireSettings, p float64) { s.Reorder = p }),
	"delay": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		vals, err := a.bind("seconds", "jitter")
		if err != nil {
			return nil, err
		}
		if vals[0] == nil {
			return nil, typeError("delay() missing required argument 'seconds' (pos 1)")
		}
		d, err := seconds(vals[0], "delay")
		if err != nil {
			return nil, err
		}
		var j time.Duration
		if vals[1] != nil {
			if j, err = seconds(vals[1], "jitter"); err != nil {
				return nil, err
			}
		}
		return setWire(w, nil, func(s *lab.WireSettings) { s.Delay, s.Jitter = d, j })
	},
	"rate": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(1, 1); err != nil {
			return nil, err
		}
		n, err := toInt(a.pos[0])
		if err != nil {
			return nil, err
		}
		if n != 0 && (n < minWireRate || n > maxWireRate) {
			return nil, valueError("rate must be 0 (no limit) or from %d to %d bytes a second, not %d", minWireRate, maxWireRate, n)
		}
		return setWire(w, nil, func(s *lab.WireSettings) { s.Rate = int(n) })
	},
	"seed": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(1, 1); err != nil {
			return nil, err
		}
		n, err := toInt(a.pos[0])
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, valueError("seed must be a non-negative integer, not %d", n)
		}
		w.Seed(uint64(n))
		return none, nil
	},
	"clear": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		return setWire(w, a, func(s *lab.WireSettings) { *s = lab.WireSettings{} })
	},
}

// callWire calls a method of the wire object.
func callWire(ev *evaluator, v wireValue, name string, a *args) (value, *pyError) {
	if v.w == nil {
		return nil, raise("RuntimeError", "this console has no wire to control: wire works in `socketlab run` for now")
	}
	return wireMethods[name](ev, v.w, a)
}

// setWire changes one of the wire's settings; a, if set, must be empty.
func setWire(w Wire, a *args, change func(*lab.WireSettings)) (value, *pyError) {
	if a != nil {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
	}
	s := w.State().WireSettings
	change(&s)
	w.Set(s)
	return none, nil
}

// probability is a method that sets a probability.
func probability(set func(*lab.WireSettings, float64)) func(*evaluator, Wire, *args) (value, *pyError) {
	return func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(1, 1); err != nil {
			return nil, err
		}
		p, ok := asFloat(a.pos[0])
		switch {
		case !ok:
			return nil, typeError("must be real number, not %s", a.pos[0].typeName())
		case math.IsNaN(p) || p < 0 || p > 1:
			return nil, valueError("%s must be a probability from 0.0 to 1.0, not %s", a.name, reprValue(a.pos[0]))
		}
		return setWire(w, nil, func(s *lab.WireSettings) { set(s, p) })
	}
}

// seconds reads a time in seconds, from 0 to maxWireDelay.
func seconds(v value, what string) (time.Duration, *pyError) {
	f, ok := asFloat(v)
	switch {
	case !ok:
		return 0, typeError("must be real number, not %s", v.typeName())
	case math.IsNaN(f) || f < 0 || f > maxWireDelay.Seconds():
		return 0, valueError("%s must be from 0 to %g seconds, not %s", what, maxWireDelay.Seconds(), reprValue(v))
	}
	return time.Duration(math.Round(f * float64(time.Second))), nil
}

// wireRepr is how the wire object prints: its settings and what it holds.
func wireRepr(w Wire) string {
	if w == nil {
		return "<wire: none in this console>"
	}
	st := w.State()
	var parts []string
	if st.Hold {
		parts = append(parts, "paused")
	}
	percent := func(name string, p float64) {
		if p > 0 {
			parts = append(parts, name+" "+strconv.FormatFloat(p*100, 'g', 4, 64)+"%")
		}
	}
	percent("loss", st.Loss)
	if st.Delay > 0 || st.Jitter > 0 {
		d := "delay " + st.Delay.String()
		if st.Jitter > 0 {
			d += " ± " + st.Jitter.String()
		}
		parts = append(parts, d)
	}
	percent("duplicate", st.Duplicate)
	percent("reorder", st.Reorder)
	if st.Rate > 0 {
		parts = append(parts, "rate "+strconv.Itoa(st.Rate)+" B/s")
	}
	if len(parts) == 0 {
		parts = append(parts, "clear")
	}
	s := "<wire: " + strings.Join(parts, ", ") + "; seed " + strconv.FormatUint(st.Seed, 10)
	s += "; " + strconv.Itoa(st.Held) + " held, " + strconv.Itoa(st.Delayed) + " delayed, " +
		strconv.FormatUint(st.Dropped, 10) + " dropped"
	if st.Overflow > 0 {
		s += ", " + strconv.FormatUint(st.Overflow, 10) + " over the bound"
	}
	return s + ">"
}
