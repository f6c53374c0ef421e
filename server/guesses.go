package server

import (
	"net"
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

// guesses counts wrong guesses by client address. The address is the
// connection's (RemoteAddr): behind a reverse proxy it is the proxy's, and
// every client shares one bucket; X-Forwarded-For is not trusted, since
// anyone can send it.
type guesses struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[netip.Addr]*guessBucket
}

type guessBucket struct {
	tokens float64
	last   time.Time
}

func newGuesses(now func() time.Time) *guesses {
	return &guesses{now: now, buckets: map[netip.Addr]*guessBucket{}}
}

// clientAddr is the address r came from.
func clientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// refill brings b's tokens up to now.
func (b *guessBucket) refill(now time.Time) {
	b.tokens = min(guessBurst, b.tokens+now.Sub(b.last).Seconds()*guessBurst/guessWindow.Seconds())
	b.last = now
}

// allowed reports whether r's address may guess now: it has not used up
// its wrong guesses.
func (g *guesses) allowed(r *http.Request) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.buckets[clientAddr(r)]
	if b == nil {
		return true
	}
	b.refill(g.now())
	return b.tokens >= 1
}

// wrong counts a wrong guess from r's address.
func (g *guesses) wrong(r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now, addr := g.now(), clientAddr(r)
	b := g.buckets[addr]
	if b == nil {
		if len(g.buckets) >= maxGuessers {
			g.forget(now)
		}
		b = &guessBucket{tokens: guessBurst, last: now}
		g.buckets[addr] = b
	}
	b.refill(now)
	b.tokens = max(0, b.tokens-1)
}

// forget makes room in a full map: the buckets that have refilled go, and
// if none has, half of all. g.mu is held.
func (g *guesses) forget(now time.Time) {
	for a, b := range g.buckets {
		if b.refill(now); b.tokens >= guessBurst {
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
