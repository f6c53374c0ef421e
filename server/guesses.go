package server

import (
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Wrong join codes and workshop tokens, per client address: a token
// bucket of guessBurst that refills at guessBurst a guessWindow, so that
// an address that has had guessBurst wrong guesses in the last minute is
// refused (429) until the bucket refills. Codes have 39 bits: at this rate
// guessing one takes about 10^10 minutes.
const (
	guessBurst  = 10
	guessWindow = time.Minute
	// maxGuessers bounds the addresses remembered. A full map forgets
	// first the addresses whose buckets have refilled (as good as none),
	// then any.
	maxGuessers = 10_000
)

// New bridge sessions outside a workshop, per client address: a bucket of
// Config.MaxSessionsPerAddress, refilled at as many a startWindow. A
// class behind one NAT address opening the lab at once fits it; a client
// opening and closing sessions in a loop is refused (1013) until it
// refills. A workshop's students are bounded by the workshop's size
// instead.
const startWindow = time.Minute

// buckets is a token bucket per client address (Server.clientAddr): of
// burst tokens, refilled at burst a window, at most maxGuessers addresses.
type buckets struct {
	now    func() time.Time
	addr   func(*http.Request) netip.Addr
	burst  float64
	window time.Duration

	mu      sync.Mutex
	buckets map[netip.Addr]*bucketOf
}

// bucketOf is one address's bucket.
type bucketOf struct {
	tokens float64
	last   time.Time
}

func newBuckets(now func() time.Time, addr func(*http.Request) netip.Addr, burst int, window time.Duration) *buckets {
	return &buckets{now: now, addr: addr, burst: float64(burst), window: window, buckets: map[netip.Addr]*bucketOf{}}
}

// refill brings b's tokens up to now.
func (g *buckets) refill(b *bucketOf, now time.Time) { b.refill(now, g.burst, g.window) }

// refill brings b's tokens up to now, for a bucket of burst refilled at
// burst a window.
func (b *bucketOf) refill(now time.Time, burst float64, window time.Duration) {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*burst/window.Seconds())
	b.last = now
}

// allowed reports whether r's address has a token left.
func (g *buckets) allowed(r *http.Request) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.buckets[g.addr(r)]
	if b == nil {
		return true
	}
	g.refill(b, g.now())
	return b.tokens >= 1
}

// take takes a token from r's address; false if it had none left.
func (g *buckets) take(r *http.Request) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now, addr := g.now(), g.addr(r)
	b := g.buckets[addr]
	if b == nil {
		if len(g.buckets) >= maxGuessers {
			g.forget(now)
		}
		b = &bucketOf{tokens: g.burst, last: now}
		g.buckets[addr] = b
	}
	g.refill(b, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// forget makes room in a full map: the buckets that have refilled go, and
// if none has, half of all. g.mu is held.
func (g *buckets) forget(now time.Time) {
	for a, b := range g.buckets {
		if g.refill(b, now); b.tokens >= g.burst {
			delete(g.buckets, a)
		}
	}
	for a := range g.buckets {
		if len(g.buckets) < maxGuessers/2 {
			break
		}
		delete(g.buckets, a)
	}
}
