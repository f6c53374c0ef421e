package server

import (
	"slices"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// The instructor's dashboard hears of a workshop's changes through a hub:
// a progress record stored, a student who joined, came online or went
// offline, a hand raised, marked or done. Publishing never blocks: each
// subscriber (one dashboard's event stream) has a bounded list of
// changes waiting, and a subscriber whose list is full is dropped (its
// stream ends; the page's EventSource reconnects and starts again from a
// snapshot), so a slow dashboard costs at most maxPending changes of
// memory and never holds up a student. A help queue ("hands") is sent
// whole, so a new one replaces any still waiting: a stream sends one a
// batch at most. The hub starts no goroutine: each
// subscriber is read by its stream's request handler.

// maxPending bounds the changes waiting for one subscriber: thirty
// students completing a step each within one batch make thirty. A trace
// stream's are bounded by their events' bytes too, maxPendingBytes.
const (
	maxPending      = 1024
	maxPendingBytes = 2 * maxMirrorKeptBytes
)

// dashEvent is one change, as a dashboard's stream sends it.
type dashEvent struct {
	Kind     string        `json:"kind"` // "progress", "student", "hands", "class", "removed" or "spotlight"
	Progress *progressJSON `json:"progress,omitempty"`
	Student  *dashStudent  `json:"student,omitempty"`
	Hands    []handJSON    `json:"hands"` // for "hands": the whole queue, in order of asking
	// For "trace", on a student's look-in topic (lookin.go): mirrored
	// events, after forgetting those before if Reset.
	Events []lab.Event `json:"events,omitempty"`
	Reset  bool        `json:"reset,omitempty"`
	// Class is for "class": the pacing, peers rule or message changed
	// (pacing.go). A "removed" change has the Student's ID only.
	Class *classJSON `json:"class,omitempty"`
	// Spotlight is for "spotlight": whom it is on now, null for off
	// (spotlight.go).
	Spotlight *spotlightJSON `json:"spotlight,omitempty"`
	// bytes are the Events' footprints (bridge.EventFootprint).
	bytes int
}

// dashStudent is a student as the dashboard's changes show them: without
// their progress, which comes in records of its own.
type dashStudent struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	JoinedAt time.Time `json:"joined_at"`
	LastSeen time.Time `json:"last_seen"`
	Online   bool      `json:"online"`
}

// hub fans a workshop's changes out to its subscribers.
type hub struct {
	mu     sync.Mutex
	subs   map[string]map[*subscriber]struct{} // by workshop code
	closed bool
}

// subscriber is one dashboard stream's share of a workshop's changes.
type subscriber struct {
	code string
	// ready has a value when changes are waiting.
	ready chan struct{}
	// gone is closed when the subscriber is dropped: too slow, or the hub
	// is closing.
	gone chan struct{}

	mu           sync.Mutex
	pending      []dashEvent
	pendingBytes int // their events' footprints
	dropped      bool
}

func newHub() *hub { return &hub{subs: map[string]map[*subscriber]struct{}{}} }

// subscribe starts a subscriber to a workshop's changes; the caller
// unsubscribes it when done. After the hub is closed, the subscriber is
// gone at once.
func (h *hub) subscribe(code string) *subscriber {
	sub := &subscriber{code: code, ready: make(chan struct{}, 1), gone: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		sub.drop()
		return sub
	}
	if h.subs[code] == nil {
		h.subs[code] = map[*subscriber]struct{}{}
	}
	h.subs[code][sub] = struct{}{}
	return sub
}

// unsubscribe lets go of sub.
func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[sub.code], sub)
	if len(h.subs[sub.code]) == 0 {
		delete(h.subs, sub.code)
	}
}

// publish tells a workshop's subscribers of a change, without waiting.
func (h *hub) publish(code string, ev dashEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs[code] {
		sub.push(ev)
	}
}

// drop ends the streams of the topics that match: their workshop, or
// student, was deleted.
func (h *hub) drop(match func(topic string) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for topic, subs := range h.subs {
		if match(topic) {
			for sub := range subs {
				sub.drop()
			}
		}
	}
}

// close drops every subscriber, now and to come: the server is shutting
// down, and the streams end.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, subs := range h.subs {
		for sub := range subs {
			sub.drop()
		}
	}
}

// push adds a change to sub's, or drops sub if it has maxPending waiting,
// or maxPendingBytes of events.
func (sub *subscriber) push(ev dashEvent) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.dropped {
		return
	}
	if sub.pendingBytes += ev.bytes; len(sub.pending) >= maxPending || sub.pendingBytes > maxPendingBytes {
		sub.pending, sub.dropped = nil, true
		close(sub.gone)
		return
	}
	if ev.Kind == "hands" {
		// The whole queue: it makes any waiting before it old news.
		sub.pending = slices.DeleteFunc(sub.pending, func(p dashEvent) bool { return p.Kind == "hands" })
	}
	sub.pending = append(sub.pending, ev)
	select {
	case sub.ready <- struct{}{}:
	default:
	}
}

// drop ends sub.
func (sub *subscriber) drop() {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if !sub.dropped {
		sub.pending, sub.dropped = nil, true
		close(sub.gone)
	}
}

// take returns the changes waiting, and forgets them.
func (sub *subscriber) take() []dashEvent {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	evs := sub.pending
	sub.pending, sub.pendingBytes = nil, 0
	return evs
}
