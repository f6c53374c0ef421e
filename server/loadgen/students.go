package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// maxRefusals is how many times a student reports a step the server
// refuses before going on to the next.
const maxRefusals = 5

// maxReadBack bounds the workshop's JSON read back at the end of a soak.
const maxReadBack = 256 << 20

// student runs workshop students one after another until ctx ends: each
// joins through the join page and reports every step of the worksheet,
// one every StepEvery, reconnecting with its cookie when its session
// ends, as the page does.
func (s *soaker) student(ctx context.Context, i int) {
	for ctx.Err() == nil {
		epoch := s.epoch.Load()
		s.mu.Lock()
		s.studentsJoined++
		n := s.studentsJoined
		s.mu.Unlock()
		jctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		header, err := s.workshop.join(jctx, n)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				s.fail(epoch, &runError{kind: "join", err: err})
				pause(ctx, time.Second)
			}
			continue
		}
		s.reportSteps(ctx, header)
	}
}

// reportSteps reports every step of the worksheet as the student whose
// cookie header carries, until done or ctx ends.
func (s *soaker) reportSteps(ctx context.Context, header http.Header) {
	var c *bridge.Client
	var epoch int64 // the server's when c was dialed
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for _, st := range s.steps {
		for refusals := 0; ; {
			if ctx.Err() != nil {
				return
			}
			if c == nil {
				epoch = s.epoch.Load()
				dctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
				var err error
				c, err = bridge.Dial(dctx, s.bridgeURL+"?workshop="+s.workshop.code, &bridge.Options{Untraced: true, Header: header})
				if err != nil {
					err = classify("dial", dctx, nil, err)
				}
				cancel()
				if err != nil {
					c = nil
					s.fail(epoch, err)
					pause(ctx, time.Second)
					continue
				}
				s.count(s.served, KindStudent)
			}
			rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
			rec, err := c.Report(rctx, st.exercise, st.step, lab.ProgressStep, "")
			cancel()
			if err == nil {
				s.mu.Lock()
				s.acked[progressKey{rec.StudentID, rec.Exercise, rec.Step, rec.Kind}] = true
				s.mu.Unlock()
				break
			}
			if ctx.Err() != nil {
				return
			}
			s.mu.Lock()
			s.reportRetries++
			s.mu.Unlock()
			if c.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
				// The server answered, and refused.
				if refusals++; refusals == maxRefusals {
					s.fail(epoch, &runError{kind: "report_refused", err: err})
					s.mu.Lock()
					s.refused++
					s.mu.Unlock()
					break
				}
			} else {
				s.fail(epoch, classify("report", rctx, c, err))
				c.Close()
				c = nil
			}
			pause(ctx, time.Second)
		}
		if !pause(ctx, s.cfg.StepEvery) {
			return
		}
	}
}

// readBack reads the workshop's progress through the instructor's API and
// counts the acknowledged records it lacks.
func (s *soaker) readBack(ctx context.Context, rep *SoakReport) error {
	w := s.workshop
	req, err := http.NewRequestWithContext(ctx, "GET", w.base+"/api/workshops/"+w.code, nil)
	if err != nil {
		return fmt.Errorf("read back progress: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := w.hc.Do(req)
	if err != nil {
		return fmt.Errorf("read back progress: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("read back progress: %s", resp.Status)
	}
	var got struct {
		Students []struct {
			Progress []lab.ProgressRecord `json:"progress"`
		} `json:"students"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxReadBack)).Decode(&got); err != nil {
		return fmt.Errorf("read back progress: %w", err)
	}
	stored := map[progressKey]bool{}
	for _, st := range got.Students {
		for _, r := range st.Progress {
			stored[progressKey{r.StudentID, r.Exercise, r.Step, r.Kind}] = true
		}
		rep.RecordsStored += len(st.Progress)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var lost []string
	for k := range s.acked {
		if !stored[k] {
			lost = append(lost, fmt.Sprintf("student %d %s step %d", k.student, k.exercise, k.step))
		}
	}
	slices.Sort(lost)
	rep.RecordsLost = len(lost)
	rep.LostExamples = lost[:min(len(lost), 10)]
	rep.ReadBack = true
	return nil
}
