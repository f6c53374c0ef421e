package server

import (
	"encoding/json"
	"net/http"
	"time"
)

// sseParts is a value serveSSE sends as several events of one name, one
// for each part, each marshalled only when the one before is written.
type sseParts []any

// serveSSE runs a stream of server-sent events for sub, on the request's
// goroutine: first the event named first with the value snapshot, then,
// batched to one every batchInterval, what each batch of sub's changes
// makes (name and value, from changes), and a keep-alive comment every
// keepAlive. A value that is sseParts goes as an event for each part.
// It returns when the request ends, a write fails or takes over
// sseWriteBudget, or sub is dropped (too slow, or the server shuts
// down: the browser's EventSource reconnects, to a new snapshot).
func serveSSE(w http.ResponseWriter, r *http.Request, sub *subscriber, first string, snapshot any, changes func([]dashEvent) (string, any)) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	sendOne := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		rc.SetWriteDeadline(time.Now().Add(sseWriteBudget))
		for _, p := range [][]byte{[]byte("event: " + event + "\ndata: "), b, []byte("\n\n")} {
			if _, err := w.Write(p); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	send := func(event string, v any) bool {
		parts, ok := v.(sseParts)
		if !ok {
			return sendOne(event, v)
		}
		for _, p := range parts {
			if !sendOne(event, p) {
				return false
			}
		}
		return true
	}
	if !send(first, snapshot) {
		return
	}
	alive := time.NewTicker(keepAlive)
	defer alive.Stop()
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.gone:
			return
		case <-alive.C:
			rc.SetWriteDeadline(time.Now().Add(sseWriteBudget))
			if _, err := w.Write([]byte(": alive\n\n")); err != nil || rc.Flush() != nil {
				return
			}
			continue
		case <-sub.ready:
		}
		// Wait out the rest of the batch interval, gathering changes.
		select {
		case <-ctx.Done():
			return
		case <-sub.gone:
			return
		case <-pause.C:
		}
		// A change pushed while this loop waited signals ready again
		// after take has had it: that signal finds nothing, and an empty
		// batch is not sent (it would be null).
		evs := sub.take()
		if len(evs) == 0 {
			pause.Reset(0)
			continue
		}
		if !send(changes(evs)) {
			return
		}
		pause.Reset(batchInterval)
	}
}
