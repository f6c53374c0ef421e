package worksheet

import (
	"fmt"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"gopkg.in/yaml.v3"
)

// Wire is what an exercise's wire starts with, its front matter's wire:
// the console's wire verbs, as a mapping:
//
//	wire: {loss: 0.3, seed: 1}
//	wire: {hold: true}
//	wire: {reorder: 0.3, delay: 0.02, seed: 3}
//
// The page applies it through socketlab.wire when the exercise's lab
// starts; exercises check applies it to the lab each route runs in.
type Wire struct {
	Hold      bool    `json:"hold,omitempty"`      // every packet waits until stepped
	Loss      float64 `json:"loss,omitempty"`      // 0 to 1
	Delay     float64 `json:"delay,omitempty"`     // seconds, at most MaxWireDelay
	Jitter    float64 `json:"jitter,omitempty"`    // seconds, at most Delay
	Duplicate float64 `json:"duplicate,omitempty"` // 0 to 1
	Reorder   float64 `json:"reorder,omitempty"`   // 0 to 1
	Rate      int     `json:"rate,omitempty"`      // bytes a second, 0 for no limit
	Seed      uint64  `json:"seed,omitempty"`      // its random choices' seed
}

// wireKeys are the keys of the front matter's wire, in the order
// authors are told them.
var wireKeys = []string{"hold", "loss", "delay", "jitter", "duplicate", "reorder", "rate", "seed"}

// parseWire reads the front matter's wire: mapping; bad is told each
// problem (its text continues "wire"), at its node.
func parseWire(n *yaml.Node, bad func(n *yaml.Node, format string, args ...any)) *Wire {
	if n.Kind != yaml.MappingNode {
		bad(n, " wants a mapping, such as {loss: 0.3, seed: 1}")
		return nil
	}
	w := &Wire{}
	numbers := map[string]*float64{"loss": &w.Loss, "delay": &w.Delay, "jitter": &w.Jitter, "duplicate": &w.Duplicate, "reorder": &w.Reorder}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "hold":
			if v.Decode(&w.Hold) != nil {
				bad(v, ": hold wants true or false")
			}
		case "rate":
			if v.Decode(&w.Rate) != nil {
				bad(v, ": rate wants a whole number of bytes a second")
			}
		case "seed":
			if v.Decode(&w.Seed) != nil {
				bad(v, ": seed wants a whole number from 0")
			}
		default:
			f, ok := numbers[k.Value]
			if !ok {
				bad(k, ": unknown key %q (known: %s)", k.Value, strings.Join(wireKeys, ", "))
			} else if v.Decode(f) != nil {
				bad(v, ": %s wants a number", k.Value)
			}
		}
	}
	if why := w.problem(); why != "" {
		bad(n, ": %s", why)
	}
	return w
}

// MaxWireDelay bounds an exercise's wire delay.
const MaxWireDelay = 10.0

// Settings are the wire's settings, as lab.WireSettings.
func (w Wire) Settings() lab.WireSettings {
	return lab.WireSettings{
		Hold: w.Hold, Loss: w.Loss, Duplicate: w.Duplicate, Reorder: w.Reorder, Rate: w.Rate,
		Delay:  time.Duration(w.Delay * float64(time.Second)),
		Jitter: time.Duration(w.Jitter * float64(time.Second)),
	}
}

// problem says what is wrong with w, or "".
func (w Wire) problem() string {
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", w.Loss}, {"duplicate", w.Duplicate}, {"reorder", w.Reorder}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Sprintf("%s wants a probability from 0 to 1, not %v", p.name, p.v)
		}
	}
	switch {
	case !(w.Delay >= 0 && w.Delay <= MaxWireDelay):
		return fmt.Sprintf("delay wants seconds from 0 to %v, not %v", MaxWireDelay, w.Delay)
	case !(w.Jitter >= 0 && w.Jitter <= w.Delay):
		return fmt.Sprintf("jitter wants seconds from 0 to the delay, not %v", w.Jitter)
	case w.Rate < 0:
		return fmt.Sprintf("rate wants bytes a second, not %d", w.Rate)
	}
	return ""
}
