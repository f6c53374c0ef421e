package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// The help queue: a workshop's students raise their hands through the
// bridge ("hand" requests), and the instructor's dashboard shows them in
// order of asking and marks them "on my way" or done. The queue is the
// store's (lab.WorkshopStore.RaiseHand and the rest), so that a restart
// keeps it; each workshop's is kept in memory too, as the store last had
// it, for the sessions' and the dashboards' reads. A student has at most
// one hand up (raising it again changes its message, not its place), so a
// workshop's queue is bounded by its students.
//
// A student's requests that would change the queue (a raise or a lower
// that is not the state already) are bounded, handBurst of them refilled
// at as many a handWindow, past which the student is told so in words;
// and a dashboard's stream sends the queue at most once a batch, the
// latest (hub.push).

// handBurst and handWindow bound one student's changes to the queue: a
// student raises, rewords or lowers a hand a few times a minute (a
// simulated class in server/e2e up to 12); one who did it 15,910 times
// in 10 s sent the dashboard 115.7 MB.
const (
	handBurst  = 30
	handWindow = time.Minute
)

// errHandRate refuses a student's change to the queue past handBurst.
var errHandRate = refusal(fmt.Sprintf("too many hand requests: you may raise, reword or lower your hand %d times a minute; wait a moment and try again", handBurst))

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

// hands are the workshops' help queues, as the store last had them.
type hands struct {
	// changeMu keeps a change to the store and the reading of the queue
	// it made together, so that a slower reading never overwrites a
	// newer one.
	changeMu sync.Mutex

	mu     sync.Mutex
	queues map[string][]handJSON // by workshop code, in order of asking
	// rates are the students' allowances of changes, bounded by the
	// workshops' students.
	rates map[handKey]*bucketOf
}

// handKey is a workshop's student.
type handKey struct {
	code    string
	student int64
}

func newHands() *hands {
	return &hands{queues: map[string][]handJSON{}, rates: map[handKey]*bucketOf{}}
}

// allow takes one of a student's allowance of changes to the queue, at
// now; false if none is left.
func (h *hands) allow(code string, student int64, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := handKey{code, student}
	b := h.rates[k]
	if b == nil {
		b = &bucketOf{tokens: handBurst, last: now}
		h.rates[k] = b
	}
	if b.refill(now, handBurst, handWindow); b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// set makes a workshop's queue what the store has.
func (h *hands) set(code string, stored []lab.Hand) {
	q := make([]handJSON, 0, len(stored))
	for _, hd := range stored {
		state := bridge.HandWaiting
		if hd.Coming {
			state = bridge.HandComing
		}
		q = append(q, handJSON{ID: hd.ID, Student: hd.Student, Name: hd.Name, Message: hd.Message, At: hd.At, State: state})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(q) == 0 {
		delete(h.queues, code)
	} else {
		h.queues[code] = q
	}
}

// hand is a student's hand, ok false if it is not up.
func (h *hands) hand(code string, student int64) (handJSON, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hd := range h.queues[code] {
		if hd.Student == student {
			return hd, true
		}
	}
	return handJSON{}, false
}

// state is the state of a student's hand: bridge.HandNone if it is not
// up.
func (h *hands) state(code string, student int64) string {
	if hd, ok := h.hand(code, student); ok {
		return hd.State
	}
	return bridge.HandNone
}

// list is a workshop's queue, in order of asking. It is never nil.
func (h *hands) list(code string) []handJSON {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append(make([]handJSON, 0, len(h.queues[code])), h.queues[code]...)
}

// drop takes a deleted student's hand out of the queue (the store took
// it down with them); ok false: it was not up.
func (h *hands) drop(code string, student int64) (queue []handJSON, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.rates, handKey{code, student})
	q := h.queues[code]
	i := slices.IndexFunc(q, func(hd handJSON) bool { return hd.Student == student })
	if i < 0 {
		return nil, false
	}
	h.queues[code] = slices.Delete(slices.Clone(q), i, i+1)
	return append([]handJSON{}, h.queues[code]...), true
}

// remove forgets a deleted workshop's queue.
func (h *hands) remove(code string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.queues, code)
	for k := range h.rates {
		if k.code == code {
			delete(h.rates, k)
		}
	}
}

// changeHands makes a change to a workshop's queue in the store, reads
// the queue back and tells the dashboards.
func (ws *workshops) changeHands(ctx context.Context, code string, change func(context.Context) error) error {
	ws.hands.changeMu.Lock()
	defer ws.hands.changeMu.Unlock()
	if err := change(ctx); err != nil {
		return err
	}
	c, err := ws.store.Class(ctx, code)
	if err != nil {
		return err
	}
	ws.hands.set(code, c.Hands)
	ws.events.publish(code, dashEvent{Kind: "hands", Hands: ws.hands.list(code)})
	return nil
}

// markHand marks the hand with the id "coming" or done (it comes down),
// and returns whose hand it is; lab.ErrNotFound if no such hand is up.
func (ws *workshops) markHand(ctx context.Context, code string, id int64, done bool) (student int64, err error) {
	err = ws.changeHands(ctx, code, func(ctx context.Context) (err error) {
		student, err = ws.store.MarkHand(ctx, code, id, done)
		return err
	})
	return student, err
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
	ws, code, id := s.srv.workshops, wk.workshop.Code, wk.student.ID
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	var err error
	switch r.Action {
	case bridge.HandRaise:
		r.Message = strings.TrimSpace(r.Message)
		if r.Message != "" {
			if err := lab.ValidateText("message", r.Message, bridge.MaxHandMessage); err != nil {
				return nil, err
			}
		}
		if hd, up := ws.hands.hand(code, id); !up || hd.Message != r.Message {
			if !ws.hands.allow(code, id, time.Now()) {
				return nil, errHandRate
			}
			err = ws.changeHands(ctx, code, func(ctx context.Context) error { return ws.store.RaiseHand(ctx, code, id, r.Message) })
		}
	case bridge.HandLower:
		if _, up := ws.hands.hand(code, id); up {
			if !ws.hands.allow(code, id, time.Now()) {
				return nil, errHandRate
			}
			err = ws.changeHands(ctx, code, func(ctx context.Context) error { return ws.store.LowerHand(ctx, code, id) })
		}
	case bridge.HandStatus:
	default:
		return nil, fmt.Errorf("action %s is not %q, %q or %q", quoteType(r.Action), bridge.HandRaise, bridge.HandLower, bridge.HandStatus)
	}
	if err != nil && !errors.Is(err, lab.ErrNotFound) {
		ws.log.Error("change the help queue", "workshop", lab.FormatCode(code), "student", id, "err", err)
		return nil, errors.New("the help queue could not be written: try again")
	}
	return marshal(bridge.HandMessage{Type: bridge.TypeHand, ID: req.ID, State: ws.hands.state(code, id)}), nil
}
