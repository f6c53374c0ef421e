package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/server"
)

// TestSessionEndsInPlainWords: the page's words for a session closed for
// going over a bound (1008, "too slow reading events") and by a server
// going away (1001) say what happened and what to do; and when the lab
// server really stops, the console says so with the names the student
// lost, not with the bridge's error text.
func TestSessionEndsInPlainWords(t *testing.T) {
	client := labConfig(t).Client
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	exs, _ := exercises.Load(exercises.Embedded())
	srvCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.New(server.Config{
			Client:    client,
			Exercises: exs,
			Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		}).Serve(srvCtx, ln)
	}()
	t.Cleanup(func() { stop(); <-done })

	ctx, cancel := context.WithTimeout(chromium(t), 60*time.Second)
	defer cancel()
	loadExercise(t, ctx, "http://"+ln.Addr().String()+"/lab")
	for _, line := range []string{`x = b"\n" * 10`, `s = socket(AF_INET, SOCK_STREAM)`} {
		typeLine(t, ctx, line)
	}

	// The words for 1008 and 1001, from the page's own table.
	for _, tc := range []struct {
		code   int
		reason string
		want   []string
	}{
		{1008, "too slow reading events", []string{"went over one of its limits", "Send less at a time", "Your variables s, x went with it"}},
		{1001, "server shutting down", []string{"The lab server went away: it is restarting", "A fresh session is starting", "Your variables s, x went with it"}},
	} {
		words, err := chromedp.Run(ctx, chromedp.Evaluate[string](`import("/static/lab/ended.js").then(m =>
			m.endedWords({what: "reconnecting", message: "", reason: `+jsString(tc.reason)+`, close_code: `+strconv.Itoa(tc.code)+`}, ["s", "x"]))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range tc.want {
			if !strings.Contains(words, want) {
				t.Errorf("the words for %d do not say %q: %s", tc.code, want, words)
			}
		}
	}

	// The server goes away: every session ends with 1001.
	stop()
	<-done
	const notice = `[data-testid=notice].notice-warn`
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got, err = chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(`+jsString(notice)+`)].map(n => n.textContent).join("\n")`))
		if err == nil && got != "" {
			break
		}
	}
	// The tab learns the close code from the server's bye message (a
	// browser keeps the close frame's to itself): the words for 1001.
	for _, want := range []string{"The lab server went away: it is restarting", "A fresh session is starting", "Your variables s, x went with it"} {
		if !strings.Contains(got, want) {
			t.Errorf("after the server went away, the console does not say %q:\n%s", want, got)
		}
	}
	for _, jargon := range []string{"read bridge", "closed network connection", "1001", "shutting down"} {
		if strings.Contains(got, jargon) {
			t.Errorf("the console says %q:\n%s", jargon, got)
		}
	}
}
