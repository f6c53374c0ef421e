package bridge

import (
	"context"
	"sync"
	"time"
)

// The lab server's events carry its clock's times. The client puts them on
// its own clock as NTP does (RFC 5905): each ping is an exchange of four
// times, t1 the ping sent (client), t2 it received and t3 the pong sent
// (server), t4 the pong received (client); the offset of the server's
// clock is θ = ((t2 − t1) + (t3 − t4)) / 2 (a server time minus θ is
// this host's), and the round trip δ = (t4 − t1) − (t3 − t2). The true
// offset lies within δ/2 of θ: the ping cannot have arrived before it
// left, nor the pong. Of the last
// ClockSamples exchanges the one with the smallest round trip is kept (NTP's
// clock filter): a queue or a busy moment only makes a round trip longer.
const (
	// ClockSamples is how many of the last exchanges the offset is chosen
	// from.
	ClockSamples = 8
	// ClockPings is how many exchanges a session starts with, one after
	// the other.
	ClockPings = 4
	// ClockEvery is how often a session exchanges times after its start.
	ClockEvery = 15 * time.Second
	// clockResolution widens every bound by the coarsest clock's step: a
	// browser's wall clock counts milliseconds.
	clockResolution = time.Millisecond
	// clockDrift is how fast two clocks may drift apart after a sample,
	// NTP's PHI (15 ppm): a sample's bound grows with its age.
	clockDrift = 15e-6
	// noClockUncertainty is how far around its arrival a server event is
	// ordered by causality before the first exchange has come back.
	noClockUncertainty = time.Second
)

// clockSample is one exchange's offset θ and round trip δ, and when it
// ended.
type clockSample struct {
	theta, delay time.Duration
	at           time.Time
}

// clock estimates the server clock's offset from this host's. It is safe
// for concurrent use.
type clock struct {
	mu      sync.Mutex
	samples []clockSample // the last ClockSamples, oldest first
}

// add takes one exchange's four times.
func (c *clock) add(t1, t2, t3, t4 time.Time) {
	s := clockSample{
		theta: (t2.Sub(t1) + t3.Sub(t4)) / 2,
		delay: max(t4.Sub(t1)-t3.Sub(t2), 0),
		at:    t4,
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.samples) == ClockSamples {
		c.samples = append(c.samples[:0], c.samples[1:]...)
	}
	c.samples = append(c.samples, s)
}

// estimate is the server clock's offset from this host's, to add to a
// server time (−θ of the sample with the smallest round trip, the newest
// of equals), and how far the true offset may be from it, at now; ok is
// false before the first exchange.
func (c *clock) estimate(now time.Time) (offset, uncertainty time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.samples) == 0 {
		return 0, 0, false
	}
	best := c.samples[0]
	for _, s := range c.samples[1:] {
		if s.delay <= best.delay {
			best = s
		}
	}
	age := max(now.Sub(best.at), 0)
	return -best.theta, best.delay/2 + clockResolution + time.Duration(float64(age)*clockDrift), true
}

// Clock is the client's estimate of the lab server's clock: its offset
// from this host's (a server time plus offset is this host's time), how
// far the true offset may be from it, and whether any exchange has come
// back yet.
func (c *Client) Clock() (offset, uncertainty time.Duration, ok bool) {
	return c.clock.estimate(c.now())
}

// ping exchanges times with the server once, and adds them to the clock.
func (c *Client) ping(ctx context.Context) error {
	var pong PongMessage
	t1 := c.now()
	if err := c.request(ctx, TypePing, nil, &pong); err != nil {
		return err
	}
	t4 := c.now()
	if !pong.Received.IsZero() && !pong.Sent.IsZero() {
		c.clock.add(t1, pong.Received, pong.Sent, t4)
	}
	return nil
}

// keepClock exchanges times ClockPings times at once, then every
// ClockEvery, until ctx ends. A failed exchange is left: the next one
// tries again.
func (c *Client) keepClock(ctx context.Context) {
	for range ClockPings {
		if c.ping(ctx) != nil {
			break
		}
	}
	t := time.NewTicker(ClockEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.ping(ctx)
		}
	}
}
