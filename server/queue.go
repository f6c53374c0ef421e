package server

import (
	"sync"

	"github.com/socketlab/socketlab/lab"
)

// outMsg is one message for a client: a packet, an event or a ready-made
// text message. Exactly one field is set.
type outMsg struct {
	pkt  *[]byte   // from packetPool
	ev   lab.Event // set when its Kind is
	text []byte
}

// packetPool holds the buffers packets wait in on their way to a client.
var packetPool = sync.Pool{New: func() any {
	b := make([]byte, 0, MTU)
	return &b
}}

// queue is a session's send queue: what its writer has yet to write, in
// the order it came. Packets and other messages have bounds of their own;
// push never blocks.
type queue struct {
	maxPackets, maxOther int
	wake                 chan struct{} // a token when the queue has become non-empty

	mu      sync.Mutex
	items   []outMsg
	packets int // packets in items
	other   int // events and text in items
}

func newQueue(maxPackets, maxOther int) *queue {
	return &queue{maxPackets: maxPackets, maxOther: maxOther, wake: make(chan struct{}, 1)}
}

// push adds m to the queue; false if m's bound is reached.
func (q *queue) push(m outMsg) bool {
	q.mu.Lock()
	if m.pkt != nil {
		if q.packets >= q.maxPackets {
			q.mu.Unlock()
			return false
		}
		q.packets++
	} else {
		if q.other >= q.maxOther {
			q.mu.Unlock()
			return false
		}
		q.other++
	}
	q.items = append(q.items, m)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// take empties the queue and returns what it held, in order; the queue
// goes on in spare's storage, so that two slices take turns.
func (q *queue) take(spare []outMsg) []outMsg {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.items
	q.items = spare[:0]
	q.packets, q.other = 0, 0
	return batch
}
