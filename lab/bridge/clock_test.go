package bridge

import (
	"testing"
	"time"
)

// exchange is one ping as the client sees it, with the server's clock
// skew ahead of the client's: the ping leaves at sent, takes up to the
// server, and the pong down back; the server answers at once.
func exchange(c *clock, sent time.Time, skew, up, down time.Duration) {
	t1 := sent
	t2 := t1.Add(up).Add(skew)
	t3 := t2.Add(50 * time.Microsecond)
	t4 := t3.Add(-skew).Add(down)
	c.add(t1, t2, t3, t4)
}

// The offset comes from the exchange with the smallest round trip, by
// NTP's formula: with the server 1.5 s ahead, a server time plus the
// offset is the client's; an asymmetric route (3 ms up, 1 ms down) errs
// by half the difference, within the uncertainty: half the round trip,
// plus the millisecond of a browser's clock, plus 15 ppm of drift since
// the sample.
func TestClockEstimate(t *testing.T) {
	var c clock
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	skew := 1500 * time.Millisecond
	if _, _, ok := c.estimate(t0); ok {
		t.Fatal("an estimate before any exchange")
	}
	ms := time.Millisecond
	// A busy moment, the quiet one, a queue: the quiet one is kept.
	exchange(&c, t0, skew, 40*ms, 2*ms)
	exchange(&c, t0.Add(time.Second), skew, 3*ms, ms)
	exchange(&c, t0.Add(2*time.Second), skew, 5*ms, 90*ms)
	best := t0.Add(time.Second).Add(4*ms + 50*time.Microsecond) // when the quiet exchange ended

	offset, uncertainty, ok := c.estimate(best)
	if !ok {
		t.Fatal("no estimate after three exchanges")
	}
	// θ = ((t2−t1) + (t3−t4)) / 2 = ((3 ms + skew) + (skew − 1 ms)) / 2.
	if want := -(skew + ms); offset != want {
		t.Errorf("offset %v, want %v (−θ of the 4 ms round trip)", offset, want)
	}
	if want := 2*ms + clockResolution; uncertainty != want {
		t.Errorf("uncertainty at the sample %v, want %v", uncertainty, want)
	}
	if err := offset + skew; err < -uncertainty || err > uncertainty {
		t.Errorf("offset %v is %v from the true %v, outside its uncertainty %v", offset, err, -skew, uncertainty)
	}
	// 1000 s later, 15 ms of drift more.
	if _, u, _ := c.estimate(best.Add(1000 * time.Second)); u != 2*ms+clockResolution+15*ms {
		t.Errorf("uncertainty 1000 s after the sample %v, want %v", u, 2*ms+clockResolution+15*ms)
	}
	// Of equal round trips, the newest.
	exchange(&c, t0.Add(3*time.Second), skew+2*ms, 2*ms, 2*ms)
	if offset, _, _ := c.estimate(best); offset != -(skew + 2*ms) {
		t.Errorf("offset %v, want the newest of equal round trips' %v", offset, -(skew + 2*ms))
	}
}

// Only the last ClockSamples exchanges count: the best of older ones is
// forgotten, so a clock that stepped is followed.
func TestClockForgets(t *testing.T) {
	var c clock
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	exchange(&c, t0, 0, 100*time.Microsecond, 100*time.Microsecond)
	for i := range ClockSamples - 1 {
		exchange(&c, t0.Add(time.Duration(i+1)*ClockEvery), 7*ms, 10*ms, 10*ms)
	}
	if offset, _, _ := c.estimate(t0); offset != 0 {
		t.Errorf("with %d samples, offset %v, want the quickest exchange's 0", ClockSamples, offset)
	}
	exchange(&c, t0.Add(ClockSamples*ClockEvery), 7*ms, 10*ms, 10*ms)
	offset, uncertainty, _ := c.estimate(t0.Add(ClockSamples * ClockEvery))
	if offset != -7*ms {
		t.Errorf("after %d more exchanges, offset %v, want −7ms: the oldest is forgotten", ClockSamples, offset)
	}
	if uncertainty < 10*ms {
		t.Errorf("uncertainty %v, less than half the round trips left (10 ms)", uncertainty)
	}
}
