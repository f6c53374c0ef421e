package bridge

import (
	"context"
	"fmt"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// Keep keeps a host joined to the lab at url: it dials, and whenever a
// session ends it joins again with a fresh one, on a fresh host (the
// server keeps nothing of an ended session). Every step is a session event
// in trace ("connecting", "connected", "lost", "reconnecting",
// "reconnected"), so the student sees what happened and why: opts.Trace,
// which must be set, and each client's. joined is called with each new
// client, after the previous one is closed. A session closed with
// CloseReplaced (the workshop's student went on in another tab),
// CloseRemoved (the instructor deleted the student) or CloseEnded (the
// instructor deleted the workshop) is not replaced: Keep
// records "closed" and joins no more. Keep returns when ctx ends.
func Keep(ctx context.Context, url string, opts Options, joined func(*Client)) {
	trace := opts.Trace
	status := func(s *lab.SessionEvent) {
		trace.Record(lab.Event{Time: time.Now(), Kind: lab.KindSession, Session: s})
	}
	const firstBackoff = 500 * time.Millisecond
	backoff := firstBackoff
	var prev *Client
	for ctx.Err() == nil {
		status(&lab.SessionEvent{What: "connecting", Message: "joining the lab at " + url})
		c, err := Dial(ctx, url, &opts)
		if err != nil {
			status(&lab.SessionEvent{What: "lost", Message: fmt.Sprintf("could not join the lab: %v; trying again in %v", err, backoff), Reason: err.Error()})
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = firstBackoff
		addr := c.Addr().String()
		if prev == nil {
			status(&lab.SessionEvent{What: "connected", Message: "your host is " + addr, Address: addr})
		} else {
			prev.Close()
			where := "your host is now " + addr
			if prev.Addr() == c.Addr() { // a workshop keeps its student's address
				where = "on the same host, " + addr
			}
			status(&lab.SessionEvent{What: "reconnected", Message: "a fresh session, " + where + "; the old session's sockets and variables are gone", Address: addr})
		}
		joined(c)
		prev = c
		select {
		case <-ctx.Done():
		case <-c.Done():
			switch e := ended("closed", c.Err()); e.CloseCode {
			case CloseReplaced:
				e.Message = "this workshop is open in another tab or browser, which took your host over; reload this page to go on here"
				status(e)
				<-ctx.Done()
				continue
			case CloseRemoved:
				e.Message = "the instructor removed you from this workshop, with your progress; join it again to go on"
				status(e)
				<-ctx.Done()
				continue
			case CloseEnded:
				e.Message = "the instructor ended this workshop: its lab and your progress in it are gone"
				status(e)
				<-ctx.Done()
				continue
			}
			e := ended("reconnecting", c.Err())
			e.Message = "the session ended (" + c.Err().Error() + "); starting a fresh one"
			status(e)
		}
	}
	if prev != nil {
		prev.Close()
	}
}
