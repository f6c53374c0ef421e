package bridge

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/socketlab/socketlab/lab"
)

// The client's side of look-in and spotlight (see the package's doc):
// while the server says someone watches, a goroutine of the client's
// mirrors the trace to it.

// mirroring is the client's mirror while one runs.
type mirroring struct {
	stop context.CancelFunc
	done chan struct{}
}

// watch takes a watch message: it starts or stops the mirror, and tells
// Options.OnWatch. It runs on the reader.
func (c *Client) watch(b []byte) {
	var m WatchMessage
	if json.Unmarshal(b, &m) != nil || c.trace == nil {
		return
	}
	on := m.Look || m.Spotlight
	c.mu.Lock()
	switch {
	case on && c.mirror == nil:
		ctx, stop := context.WithCancel(c.runCtx)
		mr := &mirroring{stop: stop, done: make(chan struct{})}
		c.mirror = mr
		c.wg.Add(1) // the reader is in wg: Close has not begun waiting
		go func() {
			defer c.wg.Done()
			defer close(mr.done)
			c.mirrorTrace(ctx)
			c.mu.Lock()
			if c.mirror == mr {
				c.mirror = nil
			}
			c.mu.Unlock()
		}()
	case !on && c.mirror != nil:
		c.mirror.stop()
		c.mirror = nil
	}
	c.mu.Unlock()
	if c.onWatch != nil {
		c.onWatch(m)
	}
}

// spotlight takes a spotlight message to Options.OnSpotlight. It runs on
// the reader.
func (c *Client) spotlight(b []byte) {
	var m SpotlightMessage
	if c.onSpotlight == nil || json.Unmarshal(b, &m) != nil {
		return
	}
	if len(m.Events) > MaxMirrorBatch {
		return
	}
	c.onSpotlight(m)
}

// mirrorTrace sends the trace's last MaxMirrorKept events, then each new
// one, until ctx ends or the server refuses them (the watch ended).
func (c *Client) mirrorTrace(ctx context.Context) {
	var mu sync.Mutex
	var pending []lab.Event
	wake := make(chan struct{}, 1)
	unsubscribe := c.trace.Subscribe(func(e lab.Event) {
		mu.Lock()
		pending = append(pending, e)
		if len(pending) > MaxMirrorKept {
			pending = pending[len(pending)-MaxMirrorKept:]
		}
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	defer unsubscribe()
	backlog := c.trace.Events()
	backlog = backlog[max(0, len(backlog)-MaxMirrorKept):]
	sent := make(map[uint64]bool, len(backlog))
	for i := range backlog {
		backlog[i].Before = 0 // in the trace's order already
		sent[backlog[i].Seq] = true
	}
	if !c.sendMirror(ctx, backlog) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		mu.Lock()
		batch := pending
		pending = nil
		mu.Unlock()
		fresh := batch[:0]
		for _, e := range batch {
			if !sent[e.Seq] { // recorded while the backlog was read
				fresh = append(fresh, e)
			}
		}
		clear(sent)
		if !c.sendMirror(ctx, fresh) {
			return
		}
	}
}

// mirrorBudget bounds a mirror request's events, in bytes, within
// MaxText.
const mirrorBudget = MaxText - 1024

// sendMirror sends evs in mirror requests within the bounds, each
// answered before the next; false if the server refused one or the
// session ended. An event larger than MaxMirrorEvent is left out.
func (c *Client) sendMirror(ctx context.Context, evs []lab.Event) bool {
	var batch []json.RawMessage
	size := 0
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		req := &MirrorRequest{Type: TypeMirror, Events: batch}
		var m MirrorMessage
		err := c.request(ctx, TypeMirror, func(id uint64) any { req.ID = id; return req }, &m)
		batch, size = nil, 0
		return err == nil
	}
	for _, e := range evs {
		b, err := json.Marshal(e)
		if err != nil || len(b) > MaxMirrorEvent {
			continue
		}
		if len(batch) == MaxMirrorBatch || size+len(b) > mirrorBudget {
			if !flush() {
				return false
			}
		}
		batch = append(batch, b)
		size += len(b) + 1
	}
	return flush()
}
