package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestExerciseWire: an exercise whose front matter sets the wire (lost in
// transit: 30% loss, seed 6) sets it on the student's port when its page
// opens, says so, and the datagram its first step sends is lost as the
// exercise says, so the step ticks.
func TestExerciseWire(t *testing.T) {
	addr := labServer(t)
	ctx, cancel := context.WithTimeout(chromium(t), 120*time.Second)
	defer cancel()
	loadExercise(t, ctx, "http://"+addr+"/lab/lost-in-transit")
	var said string
	for deadline := time.Now().Add(30 * time.Second); !strings.HasPrefix(said, "This exercise") && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var err error
		if said, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=worksheet-wire]")?.textContent || ""`)); err != nil {
			t.Fatal(err)
		}
	}
	if said != "This exercise sets the wire: 30% loss, seed 6." {
		t.Fatalf("the worksheet says %q", said)
	}
	type settings struct{ Loss float64 }
	st, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Out, In settings
		Seed    uint64
	}](`socketlab.wire.state().then(r => r.state)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if st.Out.Loss != 0.3 || st.In.Loss != 0.3 || st.Seed != 6 {
		t.Fatalf("the wire's state: %+v, want loss 0.3 both ways and seed 6", st)
	}
	execLines(t, ctx, `u = socket(AF_INET, SOCK_DGRAM)`, `u.settimeout(2)`, `u.sendto(b"hello", ("10.0.0.1", 7))`, `data, addr = u.recvfrom(1024)`)
	waitCount(t, ctx, `[data-testid=step][data-step="0"][data-passed=true]`, 1)
}
