package bridge

import (
	"errors"
	"fmt"
	"testing"

	"github.com/coder/websocket"
)

func TestEndedSaysWhyAsData(t *testing.T) {
	for _, tc := range []struct {
		err    error
		reason string
		code   int
	}{
		{fmt.Errorf("read: %w", websocket.CloseError{Code: websocket.StatusGoingAway, Reason: "idle"}), "idle", 1001},
		{websocket.CloseError{Code: websocket.StatusPolicyViolation}, "closed by the server", 1008},
		{errors.New("read: connection reset by peer"), "read: connection reset by peer", 0},
	} {
		e := ended("closed", tc.err)
		if e.What != "closed" || e.Reason != tc.reason || e.CloseCode != tc.code {
			t.Errorf("ended(%v) = %+v, want reason %q, close code %d", tc.err, e, tc.reason, tc.code)
		}
	}
}
