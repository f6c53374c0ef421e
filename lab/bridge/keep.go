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
// "reconnected"), so the student sees what happened and why. joined is
// called with each new client, after the previous one is closed. Keep
// returns when ctx ends.
func Keep(ctx context.Context, url string, trace *lab.Trace, joined func(*Client)) {
	status := func(what, msg string) {
		trace.Record(lab.Event{Time: time.Now(), Kind: lab.KindSession, Session: &lab.SessionEvent{What: what, Message: msg}})
	}
	const firstBackoff = 500 * time.Millisecond
	backoff := firstBackoff
	var prev *Client
	for ctx.Err() == nil {
		status("connecting", "joining the lab at "+url)
		c, err := Dial(ctx, url, &Options{Trace: trace})
		if err != nil {
			status("lost", fmt.Sprintf("could not join the lab: %v; trying again in %v", err, backoff))
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = firstBackoff
		if prev == nil {
			status("connected", "your host is "+c.Addr().String())
		} else {
			prev.Close()
			status("reconnected", "a fresh session: your host is now "+c.Addr().String()+"; the old session's sockets and variables are gone")
		}
		joined(c)
		prev = c
		select {
		case <-ctx.Done():
		case <-c.Done():
			status("reconnecting", "the session ended ("+c.Err().Error()+"); starting a fresh one")
		}
	}
	if prev != nil {
		prev.Close()
	}
}
