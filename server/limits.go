package server

import (
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/netstack"
)

// MTU is the largest IPv4 packet a binary message may carry, either way:
// the MTU of every host on a lab network.
const MTU = netstack.DefaultMTU

// The defaults of Config's bounds.
const (
	DefaultMaxSessions = 10_000
	// DefaultMaxSessionsPerAddress fits a lecture hall behind one NAT
	// address whose students use the lab alone, a tab each, as the
	// largest workshop (DefaultMaxStudents) would; an attacker with one
	// address holds 3% of MaxSessions.
	DefaultMaxSessionsPerAddress = 300
	DefaultIdleTimeout           = 30 * time.Minute
	DefaultPacketRate            = 2000 // packets a second, per session
	DefaultPacketBurst           = 1000
	DefaultRateDropLimit         = 10_000
	DefaultMaxConnections        = 64
	DefaultSendQueue             = 256 // packets
	DefaultEventQueue            = 1024
	DefaultWriteTimeout          = 10 * time.Second

	DefaultRequestTimeout   = 30 * time.Second
	DefaultKeepAliveTimeout = 2 * time.Minute

	DefaultMaxStudents    = 300
	DefaultMaxWorkshops   = 1000
	DefaultWorkshopLinger = 5 * time.Minute
)

// The bounds of the services on the host's network (Config.HostServices):
// connections one peer address may hold open, and how long one may be
// silent before it is closed. The bound on all of them is hostConnsTotal.
const (
	HostConnsPerPeer = DefaultMaxConnections
	HostIdleTimeout  = 5 * time.Minute
)

// hostConnsTotal bounds the connections all peers may hold open to the
// services on the host's network: 1024, or a quarter of the process's
// file descriptors if that is less, so that the rest are left for the
// lab's own listener and its sessions (each a descriptor): a flood of
// connections to the host's echo cannot starve /healthz or /bridge.
func hostConnsTotal() int {
	n, ok := fileLimit()
	if !ok || n >= 4*1024 {
		return 1024
	}
	return max(int(n/4), 1)
}

// MaxHeaderBytes bounds a request's header (net/http answers 431 past
// it): a browser's, cookies and all, is a few KiB.
const MaxHeaderBytes = 16 << 10

// readLimit bounds any message a client sends: past it, the WebSocket
// library closes the session with 1009 before buffering a byte of it. The
// bridge's own checks (MTU for binary, MaxText for text) come first for
// every message under it.
const readLimit = max(MTU, bridge.MaxText) + 1024

// closeGrace bounds each step of closing a session: writing the close
// frame, and waiting for the client to answer it and hang up.
const closeGrace = 2 * time.Second

// withDefaults fills in cfg's zero bounds.
func withDefaults(cfg Config) Config {
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxSessionsPerAddress <= 0 {
		cfg.MaxSessionsPerAddress = DefaultMaxSessionsPerAddress
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.PacketRate == 0 {
		cfg.PacketRate = DefaultPacketRate
	}
	if cfg.PacketBurst <= 0 {
		cfg.PacketBurst = DefaultPacketBurst
	}
	if cfg.RateDropLimit <= 0 {
		cfg.RateDropLimit = DefaultRateDropLimit
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = DefaultSendQueue
	}
	if cfg.EventQueue <= 0 {
		cfg.EventQueue = DefaultEventQueue
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.KeepAliveTimeout <= 0 {
		cfg.KeepAliveTimeout = DefaultKeepAliveTimeout
	}
	if cfg.MaxStudents <= 0 {
		cfg.MaxStudents = DefaultMaxStudents
	}
	cfg.MaxStudents = min(cfg.MaxStudents, lab.MaxStudents)
	if cfg.MaxWorkshops <= 0 {
		cfg.MaxWorkshops = DefaultMaxWorkshops
	}
	if cfg.MaxWorkshopSeats <= 0 {
		cfg.MaxWorkshopSeats = cfg.MaxSessions / 2
	}
	if cfg.WorkshopLinger <= 0 {
		cfg.WorkshopLinger = DefaultWorkshopLinger
	}
	return cfg
}

// bucket is a token bucket: it lets through rate messages a second on
// average, and bursts of up to burst. It is not safe for concurrent use: a
// session's reader is its only user.
type bucket struct {
	rate   float64 // tokens a second; negative for no limit
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, now time.Time) bucket {
	return bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// take takes a token if there is one. rested reports that the bucket had
// filled up again: the sender has kept under the rate for a while.
func (b *bucket) take(now time.Time) (ok, rested bool) {
	if b.rate < 0 {
		return true, true
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	rested = b.tokens >= b.burst
	if b.tokens < 1 {
		return false, rested
	}
	b.tokens--
	return true, rested
}

// What the server holds for a session: each of the lab server's TCP
// connections has a send and a receive buffer of room.DefaultBuffer
// bytes; what the lab server's connections with the session's host hold
// in them (netstack.Host.Buffered), and what waits in the session's send
// queue, is at most MemoryBudget, past which the session is closed
// (memoryReason). The queue refuses what would take it over; the whole
// is checked every budgetEvery packets from the client, which is what
// fills the connections.
const (
	MemoryBudget = 1 << 20
	budgetEvery  = 32
)

// memoryReason is the close reason of a session over its memory budget.
const memoryReason = "the lab server holds too much data for your connections: read what they receive, or open fewer"
