package room

import (
	"context"
	"fmt"
	"time"
)

// QuietSpan is how long a room must stay quiet for WaitQuiet: long enough
// for a stack to answer a packet it has taken in (gVisor does that on
// goroutines of its own, within microseconds when the machine is not
// starved), short enough not to be noticed.
const QuietSpan = 100 * time.Millisecond

// WaitQuiet waits until the room is quiet, and returns nil, or until ctx
// ends, and returns its error.
//
// The room is quiet when, for QuietSpan, looked at every QuietSpan/10:
//
//   - no packet is on its way between hosts: none is being carried by the
//     switch, and no in-process host (the lab server, a host of AddHost)
//     has one waiting in its inbound queue or being taken into its stack
//     (netstack.Host.Pending). A packet is sent when it enters the switch,
//     from its sender's sending path. The switch counts it as activity as
//     it enters and again once it is delivered, and as carried from before
//     the first count until after the second; each look reads what is
//     carried and queued between two reads of the activity count. So a
//     look that finds nothing carried or queued and the same activity
//     before and after proves that no packet sent was on its way at the
//     time of its second read. A packet for a host attached with Attach
//     has arrived once its deliver function returns;
//   - no service has work on a lab socket it has not finished (a
//     connection to accept, a datagram to answer: services.Server.Busy);
//   - nothing happened: no packet entered the switch, and neither the lab
//     server nor any in-process host recorded an event (a call, a state, a
//     packet).
//
// A room is quiet although a TCP timer is set (a connection in TIME-WAIT,
// a retransmission to come): what it will send later has not been sent.
func (r *Room) WaitQuiet(ctx context.Context) error {
	tick := time.NewTicker(QuietSpan / 10)
	defer tick.Stop()
	var since time.Time // when the room was first seen quiet, with activity last
	var last uint64
	for {
		now := time.Now()
		switch a, still := r.still(); {
		case !still || since.IsZero() || a != last:
			since, last = now, a
			if !still {
				since = time.Time{}
			}
		case now.Sub(since) >= QuietSpan:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for a quiet room: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// still reports the room's activity count and whether, at the time it was
// read, no packet was on its way and no service had work (see WaitQuiet).
// A forward that overlaps the look changes the activity count within it,
// or spans it and is carried throughout; one before it left its packet in
// a queue, or in a stack; one after it has not sent its packet yet.
func (r *Room) still() (activity uint64, still bool) {
	before := r.activity.Load()
	if r.carrying.Load() != 0 || r.services.Busy() || r.server.Pending() != 0 {
		return before, false
	}
	r.mu.RLock()
	for _, p := range r.ports {
		if p.host != nil && p.host.net.Pending() != 0 {
			r.mu.RUnlock()
			return before, false
		}
	}
	r.mu.RUnlock()
	after := r.activity.Load()
	return after, after == before
}
