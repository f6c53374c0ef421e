// Package browsertest starts what the browser tests of server/e2e and its
// subpackages share: Debian's headless Chromium, and a lab server whose
// browser client is lab.wasm built from this checkout once per test
// binary, into a temporary folder (never into the checkout).
package browsertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/server/servertest"
	"github.com/socketlab/socketlab/static"
)

// Chromium starts Debian's headless Chromium for a test. Without it the
// test is skipped, loudly, except in CI, where it fails.
func Chromium(t testing.TB) context.Context {
	t.Helper()
	path := labtest.Need(t, "chromium", "chromium", "the browser client")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// The browser client the tests serve, built when the first test asks for
// it; RemoveBuild removes it after the tests (TestMain).
var (
	buildOnce sync.Once
	build     *static.Build
	buildDir  string
	buildErr  error
)

// LabServer builds lab.wasm (once) and serves the lab with it.
func LabServer(t testing.TB) string {
	t.Helper()
	return servertest.Start(t, LabConfig(t))
}

// LabConfig is a server's config with lab.wasm built from this checkout
// (once per test binary) and the worksheet.
func LabConfig(t testing.TB) server.Config {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "socketlab-e2e-build-")
		if buildErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		build = static.StartBuild(context.Background(), static.BuildConfig{ModuleDir: ModuleDir(t), Dir: buildDir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		buildErr = build.Ready(ctx)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		t.Fatal(probs[0])
	}
	return server.Config{Client: build, Exercises: exs}
}

// RemoveBuild stops the build of lab.wasm if it still runs and removes
// its folder.
func RemoveBuild() {
	if build != nil {
		build.Close()
	}
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// ModuleDir is the source checkout, as an absolute path: the nearest
// folder above the test's working directory that holds go.mod.
func ModuleDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("find the module: no go.mod above the test's folder")
		}
		dir = up
	}
}

// JSString is s as a JavaScript template literal, for a script a test
// evaluates in the page.
func JSString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}

// Verdict is what a worksheet's question said of an answer: its result
// ("right", "wrong", "not-yet") and its words.
type Verdict struct{ Result, Message string }

// Answer types text into the question of the step that selector finds,
// presses Enter, and waits for the verdict shown.
func Answer(t *testing.T, ctx context.Context, selector, text string) Verdict {
	t.Helper()
	form := selector + ` [data-testid=question]`
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(f => { f.dataset.result = "waiting"; f.querySelector("input").value = "" })(document.querySelector(`+JSString(form)+`))`),
		chromedp.SendKeys(chromedp.CSS(form+` input`), text+"\r"),
	); err != nil {
		t.Fatalf("answer %q: %v", text, err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(f => [f.dataset.result, f.querySelector("[data-testid=answer-verdict]").textContent])(document.querySelector(`+JSString(form)+`))`))
		if err == nil && v[0] != "waiting" {
			return Verdict{v[0], v[1]}
		}
	}
	t.Fatalf("no verdict on the answer %q", text)
	return Verdict{}
}

// RunAxe injects axe-core into the page, runs it, and returns each
// violation as a line: id, impact, help and the elements it found.
func RunAxe(t *testing.T, ctx context.Context, axe string) []string {
	t.Helper()
	type node struct{ Target []string }
	type violation struct {
		ID, Impact, Help string
		Nodes            []node
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](axe+`;
		axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
			ID: v.id, Impact: v.impact, Help: v.help,
			Nodes: v.nodes.map(n => ({Target: n.target.map(String)})),
		})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	var out []string
	for _, v := range vs {
		var targets []string
		for i, n := range v.Nodes {
			if i == 5 {
				targets = append(targets, fmt.Sprintf("… %d more", len(v.Nodes)-5))
				break
			}
			targets = append(targets, strings.Join(n.Target, " "))
		}
		out = append(out, fmt.Sprintf("  %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(targets, "\n    ")))
	}
	return out
}

// TCPEcho is examples/tcp-echo.lab as a student types it into the
// console: its lines of code, without the comments the example aligns
// after them.
func TCPEcho(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ModuleDir(t), "examples", "tcp-echo.lab"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(string(b), "\n") {
		code, _, _ := strings.Cut(line, "  #")
		if code = strings.TrimSpace(code); code != "" && !strings.HasPrefix(code, "#") {
			lines = append(lines, code)
		}
	}
	if len(lines) != 5 || lines[3] != "s.recv(1024)" {
		t.Fatalf("examples/tcp-echo.lab is not the TCP echo these tests expect: %q", lines)
	}
	return lines
}

// ExecLines runs console lines through socketlab.exec, in order; a line
// may raise.
func ExecLines(t *testing.T, ctx context.Context, lines ...string) {
	t.Helper()
	for _, line := range lines {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`socketlab.exec(`+JSString(line)+`)`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatalf("exec %s: %v", line, err)
		}
	}
}

// WaitCount waits up to 15 s for selector to match want elements.
func WaitCount(t *testing.T, ctx context.Context, selector string, want int) {
	t.Helper()
	var n int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n = Count(t, ctx, selector); n == want {
			return
		}
	}
	t.Fatalf("%d elements match %s, want %d", n, selector, want)
}

// Count is how many elements match selector.
func Count(t *testing.T, ctx context.Context, selector string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+JSString(selector)+`).length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
