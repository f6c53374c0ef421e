package console

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// Wire is the link between the console's host and its room's switch, as
// the console's wire object controls it: room.Wire is one (room.NewLab
// gives it to the console of `socketlab run`), and so is the bridge
// client's, which asks the server for its port's wire (the browser's and
// `socketlab console`'s).
type Wire interface {
	// Do carries out a command and returns the state after it; step
	// waits for a held packet until ctx is done.
	Do(ctx context.Context, cmd lab.WireCommand) (lab.WireResult, error)
}

// WithWire gives the console the wire its wire object controls.
func WithWire(w Wire) Option {
	return func(c *Console) { c.wire = w }
}

// wireValue is the wire object: the console's Wire, or none.
type wireValue struct{ w Wire }

func (wireValue) typeName() string { return "wire" }

// The wire object's waits.
const (
	stepWait  = time.Second     // how long wire.step() waits for a packet to be held
	stateWait = 5 * time.Second // how long printing the wire waits for its state
)

// wireMethods are the wire object's methods: each makes a command from its
// arguments (a setting's with dir='out', 'in' or 'both', the default).
var wireMethods = map[string]func(ev *evaluator, w Wire, a *args) (value, *pyError){
	"pause":  setting(lab.WireVerbPause),
	"resume": setting(lab.WireVerbResume),
	"clear":  setting(lab.WireVerbClear),
	"step": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(ev.ctx, stepWait)
		defer cancel()
		res, err := doWire(ev, ctx, w, lab.WireCommand{Verb: lab.WireVerbStep})
		if err != nil {
			return nil, err
		}
		return movedPacket(res), nil
	},
	"release": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		res, err := doWire(ev, ev.ctx, w, lab.WireCommand{Verb: lab.WireVerbRelease})
		if err != nil {
			return nil, err
		}
		return intValue(res.Moved), nil
	},
	"drop": func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		res, err := doWire(ev, ev.ctx, w, lab.WireCommand{Verb: lab.WireVerbDrop})
		if err != nil {
			return nil, err
		}
		return movedPacket(res), nil
	},
	"loss":      setting(lab.WireVerbLoss, "p"),
	"duplicate": setting(lab.WireVerbDuplicate, "p"),
	"reorder":   setting(lab.WireVerbReorder, "p"),
	"delay":     setting(lab.WireVerbDelay, "seconds", "jitter"),
	"rate":      setting(lab.WireVerbRate, "bytes_per_second"),
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
		if _, err := doWire(ev, ev.ctx, w, lab.WireCommand{Verb: lab.WireVerbSeed, Seed: uint64(n)}); err != nil {
			return nil, err
		}
		return none, nil
	},
}

// callWire calls a method of the wire object.
func callWire(ev *evaluator, v wireValue, name string, a *args) (value, *pyError) {
	if v.w == nil {
		return nil, raise("RuntimeError", "this console has no wire to control")
	}
	return wireMethods[name](ev, v.w, a)
}

// setting is a method that changes a setting: params are its required
// number (the first: a value; the second, jitter, optional), then dir.
func setting(verb string, params ...string) func(*evaluator, Wire, *args) (value, *pyError) {
	return func(ev *evaluator, w Wire, a *args) (value, *pyError) {
		if n := len(a.pos); n > len(params) { // dir is keyword-only
			was := "was"
			if n > 1 {
				was = "were"
			}
			return nil, typeError("%s() takes %d positional %s but %d %s given", a.name, len(params), plural(len(params), "argument"), n, was)
		}
		vals, err := a.bind(append(params, "dir")...)
		if err != nil {
			return nil, err
		}
		cmd := lab.WireCommand{Verb: verb}
		nums := []*float64{&cmd.Value, &cmd.Jitter}
		for i, p := range params {
			v := vals[i]
			if v == nil {
				if i == 0 {
					return nil, typeError("%s() missing required argument '%s' (pos 1)", a.name, p)
				}
				continue
			}
			if verb == lab.WireVerbRate {
				n, err := toInt(v)
				if err != nil {
					return nil, err
				}
				*nums[i] = float64(n)
				continue
			}
			f, ok := asFloat(v)
			if !ok {
				return nil, typeError("must be real number, not %s", v.typeName())
			}
			*nums[i] = f
		}
		if d := vals[len(params)]; d != nil {
			s, ok := d.(strValue)
			if !ok || (s != "in" && s != "out" && s != "both") {
				return nil, valueError("dir must be 'out', 'in' or 'both', not %s", reprValue(d))
			}
			if s != "both" {
				cmd.Dir = lab.Direction(s)
			}
		}
		if err := cmd.Check(); err != nil {
			return nil, valueError("%s", err.Error())
		}
		if _, err := doWire(ev, ev.ctx, w, cmd); err != nil {
			return nil, err
		}
		return none, nil
	}
}

// doWire carries out a command on the wire; a wire that fails (a bridge
// gone) raises OSError.
func doWire(ev *evaluator, ctx context.Context, w Wire, cmd lab.WireCommand) (lab.WireResult, *pyError) {
	res, err := w.Do(ctx, cmd)
	if ev.ctx.Err() != nil {
		return res, errInterrupt
	}
	if err != nil {
		return res, raise("OSError", "wire.%s: %s", cmd.Verb, err.Error())
	}
	return res, nil
}

// movedPacket is what step and drop return: the packet's summary, or None.
func movedPacket(res lab.WireResult) value {
	if res.Moved == 0 {
		return none
	}
	return strValue(res.Packet)
}

// wireRepr is how the wire object prints: its settings each way, its seed
// and what it holds.
func wireRepr(w Wire) string {
	if w == nil {
		return "<wire: none in this console>"
	}
	ctx, cancel := context.WithTimeout(context.Background(), stateWait)
	defer cancel()
	res, err := w.Do(ctx, lab.WireCommand{Verb: lab.WireVerbState})
	if err != nil {
		return "<wire: state unknown: " + err.Error() + ">"
	}
	st := res.State
	var s string
	if st.Out == st.In {
		s = "<wire: " + settingsText(st.Out)
	} else {
		s = "<wire: out " + settingsText(st.Out) + "; in " + settingsText(st.In)
	}
	s += "; seed " + strconv.FormatUint(st.Seed, 10)
	s += "; " + strconv.Itoa(st.Held) + " held, " + strconv.Itoa(st.Delayed) + " delayed, " +
		strconv.FormatUint(st.Dropped, 10) + " dropped"
	if st.Overflow > 0 {
		s += ", " + strconv.FormatUint(st.Overflow, 10) + " over the bound"
	}
	return s + ">"
}

// settingsText is one direction's settings, in words.
func settingsText(st lab.WireSettings) string {
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
		return "clear"
	}
	return strings.Join(parts, ", ")
}
