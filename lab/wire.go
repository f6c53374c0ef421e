package lab

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// WireSettings are what the wire between a host and its room's switch
// does to the host's packets in one direction. The zero value is a
// clear wire: every packet passes at once, as if there were no wire.
type WireSettings struct {
	Hold      bool          `json:"hold"`      // every new packet waits at the switch until released (step mode)
	Loss      float64       `json:"loss"`      // the probability that a packet is dropped
	Delay     time.Duration `json:"delay_ns"`  // added to every packet's way
	Jitter    time.Duration `json:"jitter_ns"` // the delay varies by up to this, either way
	Duplicate float64       `json:"duplicate"` // the probability that a packet arrives twice
	Reorder   float64       `json:"reorder"`   // the probability that a packet waits until the next one has passed
	Rate      int           `json:"rate"`      // bytes a second through the wire; 0 for no limit
}

// Clear reports whether s does nothing to packets.
func (s WireSettings) Clear() bool { return s == WireSettings{} }

// WireDirs are a wire's settings in each direction, as its host sees
// them: Out, the packets it sends (to the switch); In, those on their way
// to it (from the switch).
type WireDirs struct {
	Out WireSettings `json:"out"`
	In  WireSettings `json:"in"`
}

// Both is s in each direction.
func (s WireSettings) Both() WireDirs { return WireDirs{Out: s, In: s} }

// Clear reports whether d does nothing to packets either way.
func (d WireDirs) Clear() bool { return d.Out.Clear() && d.In.Clear() }

// WireState is a wire's settings and what it holds and did.
type WireState struct {
	WireDirs
	Seed uint64 `json:"seed"` // what its random choices start from
	// Room: the impairments and the seed are the room's (RoomWire, set
	// by a workshop's instructor), and the student may not change them.
	Room     bool   `json:"room"`
	Held     int    `json:"held"`     // packets waiting to be released
	Repeats  int    `json:"repeats"`  // of them, retransmissions that step passes over (WireReasonRepeat)
	Delayed  int    `json:"delayed"`  // packets on their way, late
	Dropped  uint64 `json:"dropped"`  // packets lost, or dropped while held
	Overflow uint64 `json:"overflow"` // packets dropped because too many waited at the port
}

// The bounds of a wire's settings.
const (
	MaxWireDelay = 10 * time.Second // a delay, and a jitter
	MinWireRate  = 100              // bytes a second; 0 is no limit
	MaxWireRate  = 1_000_000_000
	// MaxWireSeed is the largest seed, 2⁵³−1: every seed is a whole
	// number a JavaScript number holds exactly.
	MaxWireSeed = 1<<53 - 1
)

// The verbs of a WireCommand. The setting verbs (pause, resume, loss,
// delay, duplicate, reorder, rate, clear) change one direction's settings, or
// both; the others act on the whole wire.
const (
	WireVerbState     = "state"     // only the state
	WireVerbPause     = "pause"     // hold every new packet
	WireVerbResume    = "resume"    // end step mode: release the held packets, hold no more
	WireVerbStep      = "step"      // release the oldest held packet, either way, that is not a repeat (WireReasonRepeat)
	WireVerbRelease   = "release"   // release every held packet
	WireVerbDrop      = "drop"      // drop the oldest held packet that is not a repeat
	WireVerbLoss      = "loss"      // Value: a probability
	WireVerbDelay     = "delay"     // Value and Jitter: seconds
	WireVerbDuplicate = "duplicate" // Value: a probability
	WireVerbReorder   = "reorder"   // Value: a probability
	WireVerbRate      = "rate"      // Value: bytes a second, a whole number; 0 no limit
	WireVerbSeed      = "seed"      // Seed
	WireVerbClear     = "clear"     // every setting off
)

// WireCommand is one thing done to a wire: by the console's wire object,
// the lab page's wire panel, or a bridge request.
type WireCommand struct {
	Verb   string    `json:"verb"`
	Dir    Direction `json:"dir,omitempty"`    // a setting verb's direction: Out, In, or "" both
	Value  float64   `json:"value,omitempty"`  // see the verbs
	Jitter float64   `json:"jitter,omitempty"` // delay's, in seconds
	Seed   uint64    `json:"seed,omitempty"`
}

// WireResult is what a WireCommand did: the wire's state after it, and
// for step and drop the packet they moved (Packet, its summary; Moved 1),
// for release how many (Moved).
type WireResult struct {
	State  WireState `json:"state"`
	Packet string    `json:"packet,omitempty"`
	Moved  int       `json:"moved"`
}

// Check says in plain words what is wrong with c, if anything: an
// unknown verb or direction, or a value out of its bounds.
func (c WireCommand) Check() error {
	if c.Dir != "" && c.Dir != Out && c.Dir != In {
		return fmt.Errorf("dir must be %q, %q or absent (both), not %s", Out, In, strconv.QuoteToASCII(string(c.Dir)))
	}
	v := c.Value
	switch c.Verb {
	case WireVerbLoss, WireVerbDuplicate, WireVerbReorder:
		return checkProbability(c.Verb, v)
	case WireVerbDelay:
		if err := checkDelay("delay", v); err != nil {
			return err
		}
		return checkDelay("jitter", c.Jitter)
	case WireVerbRate:
		if v != 0 && (math.IsNaN(v) || v != math.Trunc(v) || v < MinWireRate || v > MaxWireRate) {
			return fmt.Errorf("rate must be 0 (no limit) or from %d to %d bytes a second, not %g", MinWireRate, MaxWireRate, v)
		}
	case WireVerbSeed:
		return checkSeed(c.Seed)
	case WireVerbState, WireVerbPause, WireVerbResume, WireVerbStep, WireVerbRelease, WireVerbDrop, WireVerbClear:
	default:
		return fmt.Errorf("unknown wire verb %s", strconv.QuoteToASCII(c.Verb))
	}
	return nil
}

func checkProbability(name string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > 1 {
		return fmt.Errorf("%s must be a probability from 0.0 to 1.0, not %g", name, v)
	}
	return nil
}

func checkDelay(name string, seconds float64) error {
	if math.IsNaN(seconds) || seconds < 0 || seconds > MaxWireDelay.Seconds() {
		return fmt.Errorf("%s must be from 0 to %g seconds, not %g", name, MaxWireDelay.Seconds(), seconds)
	}
	return nil
}

func checkSeed(seed uint64) error {
	if seed > MaxWireSeed {
		return fmt.Errorf("seed must be a whole number from 0 to %d (2**53-1), not %d", uint64(MaxWireSeed), seed)
	}
	return nil
}

// Check says in plain words what is wrong with s, if anything: a value
// out of the bounds WireCommand.Check keeps (Hold is always allowed).
func (s WireSettings) Check() error {
	for _, p := range [...]struct {
		name string
		v    float64
	}{{"loss", s.Loss}, {"duplicate", s.Duplicate}, {"reorder", s.Reorder}} {
		if err := checkProbability(p.name, p.v); err != nil {
			return err
		}
	}
	if s.Delay < 0 || s.Delay > MaxWireDelay || s.Jitter < 0 || s.Jitter > MaxWireDelay {
		return fmt.Errorf("delay and jitter must be from 0 to %v, not %v and %v", MaxWireDelay, s.Delay, s.Jitter)
	}
	if s.Rate != 0 && (s.Rate < MinWireRate || s.Rate > MaxWireRate) {
		return fmt.Errorf("rate must be 0 (no limit) or from %d to %d bytes a second, not %d", MinWireRate, MaxWireRate, s.Rate)
	}
	return nil
}

// RoomWire is the wire set for every student's port of a room at once
// (a workshop's, by its instructor): the impairments each way, never
// hold (stepping is each student's own), and a seed that every port
// starts its random choices from (0: each keeps its own).
type RoomWire struct {
	WireDirs
	Seed uint64 `json:"seed,omitempty"`
}

// Check says in plain words what is wrong with w, if anything.
func (w RoomWire) Check() error {
	for _, d := range [...]struct {
		name string
		s    WireSettings
	}{{"out", w.Out}, {"in", w.In}} {
		if d.s.Hold {
			return errors.New("hold is not set for a whole room: each student pauses and steps their own wire")
		}
		if err := d.s.Check(); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	return checkSeed(w.Seed)
}

// ErrRoomWire refuses a student's change to their wire's impairments or
// seed while the room's wire (RoomWire) is set.
var ErrRoomWire = errors.New("your instructor set the wire for the whole room: until they clear it, only pause, step, release and drop are yours")

// Setting reports whether c changes settings, and if so applies it to d
// (c is checked).
func (c WireCommand) Setting(d *WireDirs) bool {
	var change func(*WireSettings)
	switch c.Verb {
	case WireVerbPause:
		change = func(s *WireSettings) { s.Hold = true }
	case WireVerbResume:
		change = func(s *WireSettings) { s.Hold = false }
	case WireVerbLoss:
		change = func(s *WireSettings) { s.Loss = c.Value }
	case WireVerbDuplicate:
		change = func(s *WireSettings) { s.Duplicate = c.Value }
	case WireVerbReorder:
		change = func(s *WireSettings) { s.Reorder = c.Value }
	case WireVerbDelay:
		change = func(s *WireSettings) {
			s.Delay, s.Jitter = secondsDuration(c.Value), secondsDuration(c.Jitter)
		}
	case WireVerbRate:
		change = func(s *WireSettings) { s.Rate = int(c.Value) }
	case WireVerbClear:
		change = func(s *WireSettings) { *s = WireSettings{} }
	default:
		return false
	}
	if c.Dir != In {
		change(&d.Out)
	}
	if c.Dir != Out {
		change(&d.In)
	}
	return true
}

// secondsDuration is s seconds, to the nanosecond.
func secondsDuration(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// WireAction names what the wire did to a packet.
type WireAction string

// The wire's actions.
const (
	WireHeld       WireAction = "held"       // waits until released
	WireReleased   WireAction = "released"   // was held, and goes on
	WireDropped    WireAction = "dropped"    // lost: Reason says why
	WireDelayed    WireAction = "delayed"    // goes on later
	WireDuplicated WireAction = "duplicated" // goes on twice
	WireReordered  WireAction = "reordered"  // waits until the next packet has passed
)

// Why the wire dropped a packet (WireEvent.Reason).
const (
	WireReasonLoss     = "loss"     // the loss setting
	WireReasonDrop     = "drop"     // the student dropped it while it was held
	WireReasonOverflow = "overflow" // too many packets waited at the port
	// WireReasonRepeat: a held packet that repeats a TCP segment the wire
	// holds or has released (a retransmission: the same SYN, FIN or data
	// again). Step and drop pass over it, so that each step moves the
	// connection on; release lets it go with the others.
	WireReasonRepeat = "repeat"
)

// WireEvent is what the wire did to one packet.
type WireEvent struct {
	Action WireAction `json:"action"`
	// Dir is the packet's direction as the host whose trace it is on
	// sees it: out, a packet it sent; in, one on its way to it.
	Dir     Direction `json:"dir"`
	Summary string    `json:"summary"`          // the packet, as in a packet event, its numbers raw
	Reason  string    `json:"reason,omitempty"` // why it was dropped; for held, "repeat" or none
	// Packet is, on a bridge client's trace, the number of the packet
	// event of the host's own packet the wire first did this to (held,
	// lost, delayed, duplicated, held back), or released or dropped
	// after holding it, when the client found it among those it sent
	// lately; 0 if not.
	Packet uint64 `json:"packet,omitempty"`
}

// FirstTouch reports whether the action is the first thing the wire did
// to a packet (not its release, nor its drop while held).
func (e *WireEvent) FirstTouch() bool {
	switch e.Action {
	case WireHeld, WireDelayed, WireDuplicated, WireReordered:
		return true
	case WireDropped:
		return e.Reason == WireReasonLoss
	}
	return false
}
