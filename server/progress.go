package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/check"
)

// storeTimeout bounds a request's call to the store. The session's reader
// waits for it (a report is answered once it is on disk), so a slow store
// holds up that student's packets, and only theirs.
const storeTimeout = 5 * time.Second

// errNotInWorkshop answers a workshop's request outside one.
var errNotInWorkshop = errors.New("not in a workshop: progress stays in your browser")

// answerReport stores a workshop student's report of progress, confirmed
// if what the session saw shows it done, and answers with the record as
// stored, once the store has it.
func (s *session) answerReport(req bridge.Envelope, msg []byte) ([]byte, error) {
	wk := s.workshop
	if wk == nil {
		return nil, errNotInWorkshop
	}
	var r bridge.ReportRequest
	if err := json.Unmarshal(msg, &r); err != nil {
		return nil, decodeError(err)
	}
	rec := lab.ProgressRecord{StudentID: wk.student.ID, Exercise: r.Exercise, Step: r.Step, Kind: r.Kind, Answer: r.Answer}
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	ex := s.srv.exercises[r.Exercise]
	if ex == nil || !wk.workshop.HasExercise(r.Exercise) {
		return nil, fmt.Errorf("exercise %q is not one of the workshop's", r.Exercise)
	}
	if r.Step >= len(ex.Steps) {
		return nil, fmt.Errorf("exercise %q has %d steps, from 0", r.Exercise, len(ex.Steps))
	}
	paced := *wk.workshop
	paced.LockedAfter = s.srv.workshops.lockedAfter(wk.live)
	if paced.Locked(r.Exercise) {
		return nil, fmt.Errorf("exercise %q is locked: the instructor has not opened it yet", r.Exercise)
	}
	if s.reports >= bridge.MaxReports {
		return nil, fmt.Errorf("more than %d reports in one session", bridge.MaxReports)
	}
	s.reports++
	rec.Confirmed = wk.seen.confirms(ex, rec)
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	stored, err := s.srv.cfg.Store.RecordProgress(ctx, rec)
	if err != nil {
		return nil, storeError("store the report", err)
	}
	s.srv.workshops.events.publish(wk.workshop.Code, dashEvent{Kind: "progress", Progress: new(s.srv.judged(stored))})
	return marshal(bridge.ReportMessage{Type: bridge.TypeReport, ID: req.ID, Record: stored}), nil
}

// answerProgress answers with the workshop student's records.
func (s *session) answerProgress(req bridge.Envelope, _ []byte) ([]byte, error) {
	wk := s.workshop
	if wk == nil {
		return nil, errNotInWorkshop
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	recs, err := s.srv.cfg.Store.StudentProgress(ctx, wk.student.ID)
	if err != nil {
		return nil, storeError("read your progress", err)
	}
	if recs == nil {
		recs = []lab.ProgressRecord{}
	}
	return marshal(bridge.ProgressMessage{Type: bridge.TypeProgress, ID: req.ID, Records: recs}), nil
}

// storeError is what a client is told of a store's error: the domain's
// errors say what was wrong in words fit to show; any other is the
// server's to log, not the client's to read.
func storeError(what string, err error) error {
	for _, kind := range []error{lab.ErrInvalid, lab.ErrFull, lab.ErrNotFound} {
		if errors.Is(err, kind) {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return fmt.Errorf("%s: the server's store failed; try again", what)
}

// progressJSON is a progress record as the instructor's API, CSV and
// dashboard show it: confirmed (done) when the server saw every part of
// it that shows on the wire, or no part of it shows there; else Missing
// says what shows on the wire and was not seen ("not seen on the wire").
// A record stored before this rule, unconfirmed for want of the
// student's own calls, reads as done.
type progressJSON struct {
	lab.ProgressRecord
	Missing string `json:"missing,omitempty"`
}

// judged is p as the instructor is shown it (progressJSON).
func (s *Server) judged(p lab.ProgressRecord) progressJSON {
	out := progressJSON{ProgressRecord: p}
	ex := s.exercises[p.Exercise]
	if p.Confirmed || ex == nil || p.Step < 0 || p.Step >= len(ex.Steps) {
		return out
	}
	st := ex.Steps[p.Step]
	var wire check.Check
	switch p.Kind {
	case lab.ProgressStep:
		wire = st.Check.OnWire()
	case lab.ProgressAnswer:
		if st.Question != nil {
			wire.Expect = st.Question.OnWire()
		}
	}
	if wire.Empty() {
		out.Confirmed = true
		return out
	}
	out.Missing = wire.Describe()
	return out
}
