package server

import (
	"sync"
	"time"
	"unsafe"

	"github.com/socketlab/socketlab/lab"
)

// outMsg is one message for a client: a packet, an event, a ready-made
// text message, or the end of the session (the close frame). Exactly one
// of pkt, ev, text and close is set; class only with text.
type outMsg struct {
	pkt   *[]byte   // from packetPool
	ev    lab.Event // set when its Kind is
	text  []byte
	close bool
	class pushed
}

// pushed is the class of a text message the server sends unasked. A
// state's message (the watch, the workshop's, a spotlight's start or
// end) says all there is to know: it takes the place of those it makes
// stale (latest wins) and goes past the bounds, so it is not dropped
// (short of the memory budget, which ends the session); at most one of
// each waits. A spotlight's events may be dropped, as
// events are (the session counts them: spotlight.go).
type pushed uint8

const (
	answered         pushed = iota // an answer to a request, within maxAnswers
	pushedWatch                    // a watch message
	pushedWorkshop                 // a workshop message
	pushedSpotReset                // a spotlight's start or end: stales the spotlight's messages before it
	pushedSpotEvents               // more of a spotlight's events
)

// stales reports whether a message of class c makes a waiting one of
// class old stale.
func (c pushed) stales(old pushed) bool {
	switch c {
	case pushedWatch, pushedWorkshop:
		return old == c
	case pushedSpotReset:
		return old == pushedSpotReset || old == pushedSpotEvents
	}
	return false
}

// packetPool holds the buffers packets wait in on their way to a client.
var packetPool = sync.Pool{New: func() any {
	b := make([]byte, 0, MTU)
	return &b
}}

// queue is a session's send queue: what its writer has yet to write, in
// the order it came. Packets and other messages have bounds of their own;
// push never blocks.
//
// A writer runs only while the session is busy: the push that finds no
// writer calls start, which runs one; a writer that finds the queue empty
// lingers, waiting on wake, and stops if nothing comes for WriterLinger.
// An idle session has no writer.
type queue struct {
	maxPackets, maxOther int
	start                func()        // runs a writer
	wake                 chan struct{} // a token for a lingering writer: items came

	mu      sync.Mutex
	items   []outMsg
	spare   []outMsg // storage items goes on in while a writer holds a batch
	packets int      // packets in items
	other   int      // events and text in items
	answers int      // text in items: answers to the client's requests
	bytes   int      // what items hold, roughly: see held
	taken   int      // what the writer's batch held when taken

	// budget, if not 0, bounds held and buffered together: a push past
	// it is refused, and overBudget set.
	budget     int
	buffered   int // what the session's connections last held (setBuffered)
	overBudget bool
	writer     writerState
	closed     bool // the close has been pushed: nothing more is taken
}

// writerState is whether a queue has a writer, and what it does.
type writerState uint8

const (
	noWriter  writerState = iota
	writing               // it will take what is pushed
	lingering             // it waits on wake
)

// maxAnswers bounds the answers to a client's requests (text messages)
// waiting in a queue, within its bound for events and text: a client that
// sends requests faster than it reads their answers cannot crowd out the
// lab server's events.
const maxAnswers = 64

// WriterLinger is how long a session's writer waits for something more to
// write before it stops. A session busy with a student keeps its writer;
// an idle one has none.
const WriterLinger = 2 * time.Second

// newQueue makes a queue whose writer is held back, as though one were
// running, until the first call of take: the hello goes first.
func newQueue(maxPackets, maxOther int, start func()) *queue {
	return &queue{maxPackets: maxPackets, maxOther: maxOther, start: start, wake: make(chan struct{}, 1), writer: writing}
}

// push adds m to the queue, and runs a writer if none is; false if m's
// bound is reached, or the memory budget (see overBudget). After the
// close, what is pushed is dropped.
func (q *queue) push(m outMsg) bool {
	q.mu.Lock()
	size := len(m.text)
	if m.pkt != nil {
		size = len(*m.pkt)
	} else if m.text == nil {
		size = eventSize(m.ev)
	}
	switch {
	case q.closed:
		q.mu.Unlock()
		return true
	case q.budget > 0 && q.bytes+q.taken+q.buffered+size > q.budget:
		q.overBudget = true
		q.mu.Unlock()
		return false
	case m.class.stales(m.class):
		q.unstaleLocked(m.class)
		q.other++
	case m.pkt != nil:
		if q.packets >= q.maxPackets {
			q.mu.Unlock()
			return false
		}
		q.packets++
	default:
		if q.other >= q.maxOther || m.text != nil && m.class == answered && q.answers >= maxAnswers {
			q.mu.Unlock()
			return false
		}
		q.other++
		if m.text != nil && m.class == answered {
			q.answers++
		}
	}
	q.bytes += size
	q.items = append(q.items, m)
	q.wakeLocked()
	return true
}

// unstaleLocked takes out the waiting messages a message of class c
// makes stale; q.mu is held.
func (q *queue) unstaleLocked(c pushed) {
	kept := q.items[:0]
	for _, m := range q.items {
		if m.text != nil && c.stales(m.class) {
			q.other--
			q.bytes -= len(m.text)
			continue
		}
		kept = append(kept, m)
	}
	clear(q.items[len(kept):])
	q.items = kept
}

// pushClose queues the end of the session, past every bound, once.
func (q *queue) pushClose() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	q.items = append(q.items, outMsg{close: true})
	q.wakeLocked()
}

// wakeLocked runs a writer if none is running, and wakes a lingering
// one. It unlocks q.mu.
func (q *queue) wakeLocked() {
	was := q.writer
	q.writer = writing
	q.mu.Unlock()
	switch was {
	case noWriter:
		q.start()
	case lingering:
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// take gives the writer what is queued, in order, and takes back the
// storage of its last batch, written and cleared (nil for none). When
// nothing is queued it returns nil, and the writer lingers: it waits on
// wake, and after WriterLinger asks stop.
func (q *queue) take(last []outMsg) []outMsg {
	q.mu.Lock()
	defer q.mu.Unlock()
	if last != nil && cap(last) <= keptBatch {
		q.spare = last[:0] // a burst's storage is not kept by an idle session
	}
	if len(q.items) == 0 {
		q.writer = lingering
		q.taken = 0
		return nil
	}
	batch := q.items
	q.items, q.spare = q.spare, nil
	q.taken = q.bytes
	q.packets, q.other, q.answers, q.bytes = 0, 0, 0, 0
	return batch
}

// eventSize is about how many bytes ev holds: a call's arguments and
// result may be long (the repr of the data a recv returned).
func eventSize(ev lab.Event) int {
	n := int(unsafe.Sizeof(ev))
	if c := ev.Call; c != nil {
		n += int(unsafe.Sizeof(*c)) + len(c.Result) + len(c.Error)
		for _, a := range c.Args {
			n += len(a)
		}
	}
	return n
}

// setBuffered tells the queue what the lab server's connections with the
// session's host hold, counted in its budget.
func (q *queue) setBuffered(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.buffered = n
}

// exceeded reports whether a push was refused for the budget.
func (q *queue) exceeded() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.overBudget
}

// held is about how many bytes wait in the queue and in the batch the
// writer is writing: their packets', events' (eventSize) and text
// messages'.
func (q *queue) held() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes + q.taken
}

// stop reports whether a writer that has lingered WriterLinger stops:
// false if something came meanwhile (its token is on wake).
func (q *queue) stop() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.writer == lingering {
		q.writer = noWriter
		return true
	}
	return false
}

// keptBatch is the most messages a batch's storage is kept for, to be
// reused by the next.
const keptBatch = 8
