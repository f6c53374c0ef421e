package console_test

import (
	"context"
	"slices"
	"testing"

	"github.com/socketlab/socketlab/lab/console"
)

// TestVariables lists the names bound, sorted, without builtins or "_",
// and forgets a deleted one.
func TestVariables(t *testing.T) {
	c := console.New(nil)
	defer c.Close()
	for _, line := range []string{`x = b"\n" * 3`, `a = 1`, `b = 2`, `a + b`, `del b`} {
		if r := c.Exec(context.Background(), line); r.Error != "" {
			t.Fatalf("%s: %s", line, r.Error)
		}
	}
	if got := c.Variables(); !slices.Equal(got, []string{"a", "x"}) {
		t.Errorf("Variables() = %q, want [a x]", got)
	}
}
