package sock_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"
)

// A read whose deadline has already passed returns at once and makes no
// call (Go's net makes no syscall for it either: net/http cancels its
// background read so, after each response); one whose deadline passes
// while it waits is a recv that timed out, traced as one.
func TestConnDeadlines(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := l.Host.Sockets().Dial(ctx, netip.MustParseAddrPort("10.0.0.1:7"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	recvs := func() (n int, timedOut int) {
		for _, e := range l.Host.Trace().Events() {
			if e.Call != nil && e.Call.Name == "recv" {
				n++
				if e.Call.Exception == "TimeoutError" {
					timedOut++
				}
			}
		}
		return n, timedOut
	}

	c.SetReadDeadline(time.Unix(1, 0))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past its deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	if n, _ := recvs(); n != 0 {
		t.Errorf("%d recv calls traced for a read past its deadline, want none", n)
	}

	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read until its deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	if n, timedOut := recvs(); n != 1 || timedOut != 1 {
		t.Errorf("%d recv calls (%d timed out) for a read that waited out its deadline, want 1 (1)", n, timedOut)
	}
}
