package server

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// A line that many sessions log, each once (a flood of sessions, each
// over its rate), is limited server-wide by its message: logBurst lines,
// then one a logEvery; the next line of the message written after some
// were left out says how many, as its "suppressed" attribute.
const (
	logBurst = 20
	logEvery = time.Second
	// maxLogMessages bounds the messages remembered; a full table
	// forgets those whose burst has refilled, then any.
	maxLogMessages = 1024
)

// logLimiter is a slog.Handler that limits h's lines by message.
type logLimiter struct {
	h slog.Handler
	l *logLimits // shared by the handlers WithAttrs and WithGroup make
}

// logLimits are the messages' buckets.
type logLimits struct {
	mu sync.Mutex
	by map[string]*logBucket
}

// logBucket is one message's: lines it may still write, when it was last
// filled, and the lines left out since one was written.
type logBucket struct {
	tokens     float64
	last       time.Time
	suppressed int
}

func newLogLimiter(h slog.Handler) *logLimiter {
	return &logLimiter{h: h, l: &logLimits{by: map[string]*logBucket{}}}
}

// Enabled is h's.
func (h *logLimiter) Enabled(ctx context.Context, level slog.Level) bool {
	return h.h.Enabled(ctx, level)
}

// Handle writes r if its message has a line left, saying how many were
// left out before it.
func (h *logLimiter) Handle(ctx context.Context, r slog.Record) error {
	suppressed, ok := h.l.take(r.Message, r.Time)
	if !ok {
		return nil
	}
	if suppressed > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", suppressed))
	}
	return h.h.Handle(ctx, r)
}

// WithAttrs is h's, limited with h.
func (h *logLimiter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logLimiter{h: h.h.WithAttrs(attrs), l: h.l}
}

// WithGroup is h's, limited with h.
func (h *logLimiter) WithGroup(name string) slog.Handler {
	return &logLimiter{h: h.h.WithGroup(name), l: h.l}
}

// take takes a line of msg's at now: ok, and the lines left out before
// it, or not ok.
func (l *logLimits) take(msg string, now time.Time) (suppressed int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.by[msg]
	if b == nil {
		if len(l.by) >= maxLogMessages {
			l.forget(now)
		}
		b = &logBucket{tokens: logBurst, last: now}
		l.by[msg] = b
	}
	b.refill(now)
	if b.tokens < 1 {
		b.suppressed++
		return 0, false
	}
	b.tokens--
	suppressed, b.suppressed = b.suppressed, 0
	return suppressed, true
}

// refill brings b's lines up to now.
func (b *logBucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(logBurst, b.tokens+float64(d)/float64(logEvery))
		b.last = now
	}
}

// forget makes room in a full table: the messages whose burst has
// refilled with none left out go, and if none has, all. l.mu is held.
func (l *logLimits) forget(now time.Time) {
	for msg, b := range l.by {
		if b.refill(now); b.tokens >= logBurst && b.suppressed == 0 {
			delete(l.by, msg)
		}
	}
	if len(l.by) >= maxLogMessages {
		clear(l.by)
	}
}
