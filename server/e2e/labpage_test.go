package e2e

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/lab/labtest"
)

// openLab opens /lab in Chromium and waits until the console is enabled,
// which app.js does once lab.wasm runs and the hello has arrived.
func openLab(t *testing.T) (context.Context, string) {
	t.Helper()
	addr := labServer(t)
	ctx := chromium(t)
	step, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	if err := chromedp.Do(step,
		chromedp.Navigate("http://"+addr+"/lab"),
		chromedp.WaitEnabled(chromedp.CSS(`[data-testid=console-input]`)),
	); err != nil {
		t.Fatalf("the lab page did not become ready: %v", err)
	}
	return step, addr
}

// typeLine types a line into the console and waits for it to finish.
func typeLine(t *testing.T, ctx context.Context, line string) {
	t.Helper()
	before, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("[data-testid=transcript]").textContent.length`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=console-input]`), line+"\r"),
	); err != nil {
		t.Fatalf("type %q: %v", line, err)
	}
	// The line is done when the cancel button is hidden again and the
	// transcript has grown.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("[data-testid=cancel]").hidden &&
			document.querySelector("[data-testid=transcript]").textContent.length > `+strconv.Itoa(before)))
		if err == nil && done {
			return
		}
	}
	t.Fatalf("line %q did not finish", line)
}

// TestLabPage is the student's first minutes: the page loads with a
// progress bar, the TCP echo typed into the console fills the packet list,
// the diagram and the socket table, an arrow shows its packet's details,
// and the downloaded capture opens in tshark.
func TestLabPage(t *testing.T) {
	ctx, _ := openLab(t)

	total, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("[data-testid=progress]").max`))
	if err != nil || total <= 1e6 {
		t.Errorf("the progress bar's total is %v bytes, %v; want lab.wasm's size", total, err)
	}
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("[data-testid=loading]").hidden || getComputedStyle(document.querySelector("[data-testid=loading]")).display === "none"`)); !hidden {
		t.Error("the loading bar is still shown once the lab is ready")
	}

	for _, line := range tcpEcho(t) {
		typeLine(t, ctx, line)
	}
	transcript, _ := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid=transcript]`)))
	if !strings.Contains(transcript, `b'hello\n'`) {
		t.Errorf("transcript lacks the echo:\n%s", transcript)
	}

	// Wait for the teardown: both FINs and the last ACK.
	var rows int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if rows = count(t, ctx, `[data-testid=packet-row]`); rows >= 10 {
			break
		}
	}
	if rows < 10 {
		t.Fatalf("%d rows in the packet list, want the handshake, data, and teardown", rows)
	}
	if arrows := count(t, ctx, `[data-testid=arrow]`); arrows != rows {
		t.Errorf("%d arrows in the diagram for %d packets", arrows, rows)
	}
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=arrow]")].map(a => a.dataset.label)`))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(labels, " | ")
	for _, want := range []string{"SYN", "SYN, ACK", "FIN, ACK", "Len=6"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no arrow labelled %q among %q", want, joined)
		}
	}
	if n := count(t, ctx, `[data-testid=state-label]`); n < 5 {
		t.Errorf("%d state labels on the lifelines, want SYN-SENT, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT at least", n)
	}
	states, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=socket-row]")].map(r => r.dataset.host + " " + r.dataset.state)`))
	all := strings.Join(states, ", ")
	if !strings.Contains(all, "10.0.0.1 LISTEN") || !strings.Contains(all, "TIME-WAIT") {
		t.Errorf("socket table rows %q: want the server's listeners and our connection in TIME-WAIT", all)
	}

	// Clicking the first arrow (our SYN) shows its flags and number.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=arrow]`))); err != nil {
		t.Fatal(err)
	}
	flags, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid=detail-tcp-flags]`)))
	if err != nil || !strings.Contains(flags, "SYN") {
		t.Errorf("details' flags = %q, %v; want SYN", flags, err)
	}
	seq, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid=detail-tcp-seq]`)))
	if err != nil || !strings.Contains(seq, "0") {
		t.Errorf("details' sequence number = %q, %v; want the relative 0", seq, err)
	}
	if selected := count(t, ctx, `[data-testid=packet-row][aria-selected=true]`); selected != 1 {
		t.Errorf("%d rows selected after clicking an arrow, want 1", selected)
	}

	// The downloaded capture opens in tshark with the same packets.
	dir := t.TempDir()
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(`[data-testid=download-pcap]`)),
	); err != nil {
		t.Fatal(err)
	}
	var pcap string
	for deadline := time.Now().Add(10 * time.Second); pcap == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.pcap"))
		if len(files) == 1 {
			pcap = files[0]
		}
	}
	if pcap == "" {
		t.Fatal("no .pcap downloaded")
	}
	tshark := labtest.Need(t, "tshark", "tshark", "the downloaded capture")
	out, err := exec.Command(tshark, "-r", pcap).Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", pcap, err)
	}
	if n := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; n < rows {
		t.Errorf("tshark lists %d packets, the page %d:\n%s", n, rows, out)
	}
}

var screenshots = flag.String("screenshots", "", "write the README's screenshots of the lab page to this `dir` (task screenshots)")

// TestScreenshots writes the lab page after a TCP echo at 1280×720 and on
// a 390×844 phone. It runs only when asked: task screenshots.
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("run with -screenshots DIR (task screenshots) to write them")
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"lab-1280x720.png", 1280, 720}, {"lab-390x844.png", 390, 844}} {
		ctx, _ := openLab(t)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			t.Fatal(err)
		}
		for _, line := range tcpEcho(t) {
			typeLine(t, ctx, line)
		}
		time.Sleep(time.Second)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, size.name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An exercise mid-way: the round trip's socket and handshake done, its
	// question waiting, as the page opens on a phone and a laptop.
	addr := labServer(t)
	for _, size := range []struct {
		name string
		w, h int64
	}{{"exercise-1280x720.png", 1280, 720}, {"exercise-390x844.png", 390, 844}} {
		ctx, cancel := context.WithTimeout(chromium(t), 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			t.Fatal(err)
		}
		loadExercise(t, ctx, "http://"+addr+"/lab/round-trip")
		typeLine(t, ctx, `s = socket(AF_INET, SOCK_STREAM)`)
		typeLine(t, ctx, `s.connect(("10.0.0.1", 7))`)
		time.Sleep(time.Second)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, size.name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
