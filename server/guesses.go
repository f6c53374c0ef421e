package server

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// Wrong join codes and workshop tokens, per client address: a token
// bucket of guessBurst that refills at guessBurst a guessWindow, so that
// an address that has had guessBurst wrong guesses in the last minute is
// refused (429) until the bucket refills. Codes have 39 bits: at this rate
// guessing one takes about 10^10 minutes. A request with a credential
// that holds is never refused for its address's guesses (guessRefused):
// a class behind one NAT address goes on when one of them mistypes.
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

// guessRefused reports whether r is to be refused (429) for its address's
// wrong guesses: the address has had them, and r carries no credential
// that holds for the workshop code names. A credential is a secret of 128
// bits or more, or the instructor's key, which no address's rate makes
// guessable, so checking it past the limit tells a guesser nothing: a
// wrong one is refused as an unknown code is. A code alone (39 bits) is
// no credential: a new student behind an address that has had its wrong
// guesses waits for its allowance to refill.
func (s *Server) guessRefused(r *http.Request, code string) bool {
	return !s.guesses.allowed(r) && !s.credential(r, code)
}

// credential reports whether r carries a credential for the workshop
// code names: the instructor's key or cookie, the workshop's token (the
// bearer token, or the dashboard's cookie), or one of its students' (the
// student's cookie, or a resume link's token). A request that carries
// none costs no look-up.
func (s *Server) credential(r *http.Request, code string) bool {
	if ok, _ := s.isInstructor(r); ok {
		return true
	}
	c, err := lab.ParseCode(code)
	if err != nil {
		return false
	}
	token, _ := instructorToken(r)
	_, noCookie := r.Cookie(studentCookie(c))
	resume := r.URL.Query().Get("resume")
	if token == "" && noCookie != nil && resume == "" {
		return false
	}
	wk, err := s.workshop(r.Context(), c)
	if err != nil {
		return false
	}
	if token != "" && sameToken(token, wk.TokenHash) {
		return true
	}
	if _, err := s.student(r, wk); err == nil {
		return true
	}
	if resume == "" || len(resume) > 64 {
		return false
	}
	_, err = s.cfg.Store.StudentByToken(r.Context(), wk.Code, lab.HashToken(resume))
	return err == nil
}
