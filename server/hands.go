package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// The help queue: a workshop's students raise their hands through the
// bridge ("hand" requests), and the instructor's dashboard shows them in
// order of asking and marks them "on my way" or done. The queue is kept
// in memory, per workshop, and is lost when the server restarts: a hand
// matters for minutes, and a student whose hand is lost raises it again.
// A student has at most one hand up (raising it again changes its
// message, not its place), so a workshop's queue is bounded by its
// students.

// handDone is what the instructor marks a hand they have dealt with: it
// comes down.
const handDone = "done"

// handJSON is a hand as the dashboard shows it.
type handJSON struct {
	ID      int64     `json:"id"`
	Student int64     `json:"student"`
	Name    string    `json:"name"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`    // when it was raised
	State   string    `json:"state"` // bridge.HandWaiting or bridge.HandComing
}

// hands are the workshops' help queues.
type hands struct {
	mu     sync.Mutex
	lastID int64
	queues map[string][]*handJSON // by workshop code, in order of asking
}

func newHands() *hands { return &hands{queues: map[string][]*handJSON{}} }

// raise puts the student's hand up, or changes its message if it is up,
// and returns the queue.
func (h *hands) raise(code string, st *lab.Student, message string, now time.Time) []handJSON {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hd := range h.queues[code] {
		if hd.Student == st.ID {
			hd.Message = message
			return h.listLocked(code)
		}
	}
	h.lastID++
	h.queues[code] = append(h.queues[code], &handJSON{ID: h.lastID, Student: st.ID, Name: st.Name, Message: message, At: now, State: bridge.HandWaiting})
	return h.listLocked(code)
}

// lower takes a student's hand down (ok false: it was not up) and
// returns the queue.
func (h *hands) lower(code string, student int64) (queue []handJSON, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, hd := range h.queues[code] {
		if hd.Student == student {
			h.removeLocked(code, i)
			return h.listLocked(code), true
		}
	}
	return h.listLocked(code), false
}

// mark sets the state of the hand with the id: bridge.HandComing, or
// handDone, which takes it down; it returns the queue and whose hand it
// is. ok false means no such hand is up.
func (h *hands) mark(code string, id int64, state string) (queue []handJSON, student int64, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, hd := range h.queues[code] {
		if hd.ID == id {
			if state == handDone {
				h.removeLocked(code, i)
			} else {
				hd.State = state
			}
			return h.listLocked(code), hd.Student, true
		}
	}
	return h.listLocked(code), 0, false
}

// removeLocked takes the ith hand of a workshop's queue down; h.mu is
// held.
func (h *hands) removeLocked(code string, i int) {
	q := h.queues[code]
	h.queues[code] = append(q[:i:i], q[i+1:]...)
	if len(h.queues[code]) == 0 {
		delete(h.queues, code)
	}
}

// state is the state of a student's hand: bridge.HandNone if it is not
// up.
func (h *hands) state(code string, student int64) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hd := range h.queues[code] {
		if hd.Student == student {
			return hd.State
		}
	}
	return bridge.HandNone
}

// list is a workshop's queue, in order of asking.
func (h *hands) list(code string) []handJSON {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.listLocked(code)
}

// listLocked is list with h.mu held. It is never nil.
func (h *hands) listLocked(code string) []handJSON {
	out := make([]handJSON, 0, len(h.queues[code]))
	for _, hd := range h.queues[code] {
		out = append(out, *hd)
	}
	return out
}

// remove forgets a deleted workshop's queue.
func (h *hands) remove(code string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.queues, code)
}

// answerHand answers a workshop student's hand request: raise, lower or
// status, with the hand's state. A change goes to the workshop's
// dashboards.
func (s *session) answerHand(req bridge.Envelope, msg []byte) ([]byte, error) {
	wk := s.workshop
	if wk == nil {
		return nil, errNotInWorkshop
	}
	var r bridge.HandRequest
	if err := json.Unmarshal(msg, &r); err != nil {
		return nil, decodeError(err)
	}
	ws, code := s.srv.workshops, wk.workshop.Code
	switch r.Action {
	case bridge.HandRaise:
		r.Message = strings.TrimSpace(r.Message)
		if r.Message != "" {
			if err := lab.ValidateText("message", r.Message, bridge.MaxHandMessage); err != nil {
				return nil, err
			}
		}
		ws.events.publish(code, dashEvent{Kind: "hands", Hands: ws.hands.raise(code, wk.student, r.Message, time.Now())})
	case bridge.HandLower:
		if q, ok := ws.hands.lower(code, wk.student.ID); ok {
			ws.events.publish(code, dashEvent{Kind: "hands", Hands: q})
		}
	case bridge.HandStatus:
	default:
		return nil, fmt.Errorf("action %s is not %q, %q or %q", quoteType(r.Action), bridge.HandRaise, bridge.HandLower, bridge.HandStatus)
	}
	return marshal(bridge.HandMessage{Type: bridge.TypeHand, ID: req.ID, State: ws.hands.state(code, wk.student.ID)}), nil
}
