package worksheet

import (
	"fmt"
	"time"

	"github.com/socketlab/socketlab/lab"
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
	Hold      bool    `yaml:"hold" json:"hold,omitempty"`           // every packet waits until stepped
	Loss      float64 `yaml:"loss" json:"loss,omitempty"`           // 0 to 1
	Delay     float64 `yaml:"delay" json:"delay,omitempty"`         // seconds, at most MaxWireDelay
	Jitter    float64 `yaml:"jitter" json:"jitter,omitempty"`       // seconds, at most Delay
	Duplicate float64 `yaml:"duplicate" json:"duplicate,omitempty"` // 0 to 1
	Reorder   float64 `yaml:"reorder" json:"reorder,omitempty"`     // 0 to 1
	Rate      int     `yaml:"rate" json:"rate,omitempty"`           // bytes a second, 0 for no limit
	Seed      uint64  `yaml:"seed" json:"seed,omitempty"`           // its random choices' seed
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
