package e2e

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/server/servertest"
)

// TestBrowserWorkshop: an instructor creates a workshop through the API;
// three students join it in browsers of their own (separate browser
// contexts: separate cookies) with names, one with markup in it, which
// is shown as text; their lab pages join one network at distinct
// addresses, and socketlab.workshop() says which workshop and who. When
// the workshop is deleted, the page says the instructor ended it, and
// neither joins again nor links to the join page.
func TestBrowserWorkshop(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	browser := chromium(t)
	w := createWorkshop(t, addr, map[string]any{"title": "Browsers <i>together</i>", "peers": "all"})

	type student struct {
		ID   int64
		Name string
	}
	type workshop struct {
		Code, Title string
		Exercises   []string
		Student     student
	}
	type ready struct{ Address string }
	seen := map[string]string{}
	ids := map[int64]bool{}
	var last context.Context // the last student's page
	for _, name := range []string{"Ada", "<b>Bold</b> Grace", "Радя"} {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		defer cancel()
		step, cancelStep := context.WithTimeout(ctx, 90*time.Second)
		defer cancelStep()
		joinInBrowser(t, step, w.JoinURL, name)
		shown, err := chromedp.Run(step, chromedp.Evaluate[[]string](
			`[document.querySelector("[data-testid=student-name]").textContent, String(document.querySelectorAll("main b").length), document.querySelector("[data-testid=workshop-title]").textContent]`))
		if err != nil || shown[0] != name || shown[1] != "0" || shown[2] != "Browsers <i>together</i>" {
			t.Fatalf("the student page shows %q, %v; want the name and title as typed, as text", shown, err)
		}

		// The first exercise, in the workshop.
		// (Until the lab page's views are up, an evaluation may still
		// land on the page being left.)
		if err := chromedp.Do(step,
			chromedp.Click(chromedp.CSS(`[data-testid=exercise] a`)),
			chromedp.WaitReady(chromedp.CSS(`body[data-views=ready]`)),
		); err != nil {
			t.Fatal(err)
		}
		r, err := chromedp.Run(step, chromedp.Evaluate[ready](
			`(async () => { while (!window.socketlab) await new Promise(r => setTimeout(r, 10)); return await socketlab.ready; })()`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: socketlab.ready: %v", name, err)
		}
		got, err := chromedp.Run(step, chromedp.Evaluate[workshop](`socketlab.workshop()`))
		if err != nil || got.Code != w.Code || got.Title != w.Title || got.Student.Name != name || got.Student.ID == 0 || len(got.Exercises) == 0 {
			t.Fatalf("%s: socketlab.workshop() = %+v, %v", name, got, err)
		}
		badge, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector("[data-testid=workshop-badge] [data-testid=student-name]").textContent + "|" + document.body.dataset.workshop`))
		if err != nil || badge != name+"|"+w.Code {
			t.Errorf("%s: the lab page's header says %q, %v", name, badge, err)
		}
		if !strings.HasPrefix(r.Address, "10.0.1.") || seen[r.Address] != "" || ids[got.Student.ID] {
			t.Fatalf("%s is at %s (as %d), already taken: %v", name, r.Address, got.Student.ID, seen)
		}
		seen[r.Address], ids[got.Student.ID] = name, true
		last = step
	}

	// The instructor deletes the workshop: the page says the instructor
	// ended it, and does not join again nor link to a join page that
	// would say the code does not exist (issue 22).
	if status := api(t, addr, "DELETE", "/api/workshops/"+w.Code, w.Token, nil, nil); status != 204 {
		t.Fatalf("DELETE = %d", status)
	}
	waitSays(t, last, `[data-testid=bridge-status]`, "The instructor ended this workshop")
	waitSays(t, last, `[data-testid=transcript]`, "The instructor ended this workshop: its lab and your progress in it are gone.")
	time.Sleep(2 * time.Second) // the time a page that rejoins would take
	if n := count(t, last, `[data-testid=join-link]`); n != 0 {
		t.Errorf("after the workshop ended, the page links to a join page")
	}
	if s := evalString(t, last, `document.querySelector("[data-testid=transcript]").textContent`); strings.Contains(s, "fresh session is starting") {
		t.Errorf("after the workshop ended, the page says a fresh session is starting: %q", s)
	}
}

// TestBrowserWorkshopPeers is the peers half of issue 12's browser test:
// with peers all, student A listens on port 9000 in the console and
// student B, in a browser of their own, connects to A's address; bytes go
// both ways, each transcript shows what the other sent and each packet
// list the other's packets. After PATCH to peers none, B's new
// connection to A gets no answer (a TimeoutError), and the server counts
// the packets it kept apart.
func TestBrowserWorkshopPeers(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	browser := chromium(t)
	w := createWorkshop(t, addr, map[string]any{"title": "Peer to peer", "peers": "all", "exercises": []string{"round-trip"}})

	// Each student joins in a browser context of their own and opens the
	// exercise in the workshop.
	open := func(name string) (context.Context, string) {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		step, cancelStep := context.WithTimeout(ctx, 120*time.Second)
		t.Cleanup(cancelStep)
		joinInBrowser(t, step, w.JoinURL, name)
		loadExercise(t, step, "http://"+addr+"/lab/round-trip?workshop="+w.Code)
		r, err := chromedp.Run(step, chromedp.Evaluate[struct{ Address string }](`socketlab.ready`, chromedp.EvalAwaitPromise))
		if err != nil || !strings.HasPrefix(r.Address, "10.0.1.") {
			t.Fatalf("%s: socketlab.ready = %+v, %v", name, r, err)
		}
		if err := chromedp.Do(step, chromedp.WaitEnabled(chromedp.CSS(`[data-testid=console-input]`))); err != nil {
			t.Fatal(err)
		}
		return step, r.Address
	}
	a, addrA := open("Ada")
	b, addrB := open("Grace")
	transcript := func(ctx context.Context) string {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=transcript]").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// A listens; its accept waits in the console for B.
	for _, line := range []string{`a = socket(AF_INET, SOCK_STREAM)`, `a.bind(("0.0.0.0", 9000))`, `a.listen(1)`} {
		typeLine(t, a, line)
	}
	if err := chromedp.Do(a, chromedp.SendKeys(chromedp.CSS(`[data-testid=console-input]`), "c, addr = a.accept()\r")); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{`b = socket(AF_INET, SOCK_STREAM)`, `b.connect(("` + addrA + `", 9000))`, `b.sendall(b"hello from B")`} {
		typeLine(t, b, line)
	}
	accepted, err := chromedp.Run(a, chromedp.Evaluate[bool](
		`(async () => { const c = document.querySelector("[data-testid=cancel]"); for (let i = 0; i < 400 && !c.hidden; i++) await new Promise(r => setTimeout(r, 50)); return c.hidden; })()`,
		chromedp.EvalAwaitPromise))
	if err != nil || !accepted {
		t.Fatalf("A's accept did not return when B connected (%v)", err)
	}
	typeLine(t, a, `addr`)
	typeLine(t, a, `c.recv(100)`)
	typeLine(t, a, `c.sendall(b"hello from A")`)
	typeLine(t, b, `b.recv(100)`)
	if got := transcript(a); !strings.Contains(got, `'`+addrB+`'`) || !strings.Contains(got, `b'hello from B'`) {
		t.Errorf("A's transcript has not B's address and bytes:\n%s", got)
	}
	if got := transcript(b); !strings.Contains(got, `b'hello from A'`) {
		t.Errorf("B's transcript has not A's bytes:\n%s", got)
	}
	for _, p := range []struct {
		ctx       context.Context
		who, peer string
	}{{a, "A", addrB}, {b, "B", addrA}} {
		if n := count(t, p.ctx, `[data-testid=packet-row]`); n == 0 {
			t.Errorf("%s's packet list is empty", p.who)
		}
		rows, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](
			`[...document.querySelectorAll("[data-testid=packet-row]")].filter(r => r.textContent.includes(`+jsString(p.peer)+`)).length`))
		if err != nil || rows < 3 {
			t.Errorf("%s's packet list shows %d packets of %s (%v), want the handshake and the bytes", p.who, rows, p.peer, err)
		}
	}

	// Peers none, live: B's new connection to A gets no answer.
	if status := api(t, addr, "PATCH", "/api/workshops/"+w.Code, w.Token, map[string]any{"peers": "none"}, nil); status != 200 {
		t.Fatalf("PATCH = %d", status)
	}
	for _, line := range []string{`d = socket(AF_INET, SOCK_STREAM)`, `d.settimeout(2)`, `d.connect(("` + addrA + `", 9000))`} {
		typeLine(t, b, line)
	}
	if got := transcript(b); !strings.Contains(got, "TimeoutError") {
		t.Errorf("B's connection to A after peers none did not time out:\n%s", got)
	}
	if n := isolatedDrops(t, addr); n == 0 {
		t.Error("the server counted no packet kept from one student to another")
	}
}

// isolatedDrops is the server's count of packets between students that
// the peers policy kept apart, read from /metrics.
func isolatedDrops(t *testing.T, addr string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, `socketlab_drops_total{reason="isolated"} `); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	t.Fatalf("/metrics has no socketlab_drops_total{reason=\"isolated\"}")
	return 0
}
