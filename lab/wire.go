package lab

import "time"

// WireSettings are what the wire between a host and its room's switch
// does to the host's packets, in both directions. The zero value is a
// clear wire: every packet passes at once, as if there were no wire.
type WireSettings struct {
	Hold      bool          // every new packet waits at the switch until released (step mode)
	Loss      float64       // the probability that a packet is dropped
	Delay     time.Duration // added to every packet's way
	Jitter    time.Duration // the delay varies by up to this, either way
	Duplicate float64       // the probability that a packet arrives twice
	Reorder   float64       // the probability that a packet waits until the next one has passed
	Rate      int           // bytes a second through the wire; 0 for no limit
}

// Clear reports whether s does nothing to packets.
func (s WireSettings) Clear() bool { return s == WireSettings{} }

// WireState is a wire's settings and what it holds and did.
type WireState struct {
	WireSettings
	Seed     uint64 // what its random choices start from
	Held     int    // packets waiting to be released
	Delayed  int    // packets on their way, late
	Dropped  uint64 // packets lost, or dropped while held
	Overflow uint64 // packets dropped because too many waited at the port
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
)

// WireEvent is what the wire did to one packet.
type WireEvent struct {
	Action WireAction `json:"action"`
	// Dir is the packet's direction as the host whose trace it is on
	// sees it: out, a packet it sent; in, one on its way to it.
	Dir     Direction `json:"dir"`
	Summary string    `json:"summary"`          // the packet, as in a packet event, its numbers raw
	Reason  string    `json:"reason,omitempty"` // why it was dropped
}
