package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A line far over the console's bound is refused with the bound in plain
// words, and the transcript shows it cut, not 200 KB of it.
func TestLongLineIsShownCut(t *testing.T) {
	addr := labServer(t)
	ctx, cancel := context.WithTimeout(chromium(t), 60*time.Second)
	defer cancel()
	loadExercise(t, ctx, "http://"+addr+"/lab")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const input = document.querySelector("[data-testid=console-input]");
		input.value = "x = b'" + "a".repeat(200000) + "'";
		input.form.requestSubmit();
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	var src, transcript string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
			[...document.querySelectorAll("[data-testid=entry] .src")].map(e => e.textContent).pop() || "",
			document.querySelector("[data-testid=transcript]").textContent]`))
		if err == nil && strings.Contains(got[1], "too long") {
			src, transcript = got[0], got[1]
			break
		}
	}
	if !strings.Contains(transcript, "too long") {
		t.Fatalf("the transcript does not say the line is too long: %.300s", transcript)
	}
	if len(src) > 1000 || !strings.Contains(src, "more characters") {
		t.Errorf("the line is shown %d characters long (%.80s…), want it cut with the count of the rest", len(src), src)
	}
	if len(transcript) > 5000 {
		t.Errorf("the transcript is %d characters after one refused line", len(transcript))
	}
}
