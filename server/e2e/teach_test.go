package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/png"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/socketlab/socketlab/lab/bridge"
)

// serveWithLink runs the socketlab binary's serve on addr with the store
// in db, as a child process, and returns the instructor's link it prints
// (its stderr goes on to the test's) and a kill (SIGKILL).
func serveWithLink(t *testing.T, bin, addr, db string) (link string, kill func()) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", db, "--host-services", "none")
	cmd.Env = append(os.Environ(), "SOCKETLAB_BUILD_DIR="+filepath.Join(filepath.Dir(db), "build")) // not the checkout's static/build
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	links := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			os.Stderr.WriteString(line + "\n")
			if i := strings.Index(line, "http://"); i >= 0 && strings.Contains(line, "/teach?key=") {
				select {
				case links <- strings.Fields(line[i:])[0]:
				default:
				}
			}
		}
	}()
	killed := false
	kill = func() {
		if !killed {
			killed = true
			cmd.Process.Kill()
			cmd.Wait()
			<-copied
		}
	}
	t.Cleanup(kill)
	select {
	case link = <-links:
	case <-time.After(5 * time.Minute):
		t.Fatal("serve printed no instructor's link")
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return link, kill
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up on %s: %v", addr, err)
		}
	}
}

// decodeQR reads the QR code in the element sel of the page, as
// Chromium draws it: a screenshot, cropped to the element, decoded.
func decodeQR(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	type rect struct{ X, Y, W, H float64 }
	r, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => { const b = document.querySelector(`+jsString(sel)+`).getBoundingClientRect(); return {X: b.x, Y: b.y, W: b.width, H: b.height}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	crop := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(int(r.X), int(r.Y), int(r.X+r.W), int(r.Y+r.H)))
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the QR code on the page: %v", err)
	}
	return res.GetText()
}

// snapshot is the first event of a workshop's dashboard stream, read
// with the instructor key.
func snapshot(t *testing.T, addr, code, key string) (out struct {
	Message string
	Hands   []struct {
		ID      int64
		Student int64
		Name    string
		State   string
	}
	Spotlight *struct{ Student int64 }
}) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/api/workshops/"+code+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(data), &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	t.Fatalf("no snapshot from the dashboard's stream: %v", sc.Err())
	return out
}

// TestTeachClass is issue 22's instructor's class, from the printed link
// on: a real serve process prints the instructor's link; Chromium opens
// it (the key leaves the address bar), creates a workshop from /teach
// with three exercises in an order of its own, sees the code and the QR
// on the dashboard and opens the join screen. Six students, each in a
// browser context of their own, join: three by the URL decoded from the
// join screen's QR code as Chromium draws it, three by the code box on
// the home page; their names appear on the join screen with the count.
// The instructor sends a message, two students raise their hands (one
// marked "on my way") and one is spotlit; the server is killed (SIGKILL)
// and started again on the same state: it prints the same key, and the
// message, the hands and the spotlight are as they were. A second
// browser signs in with the key, in the form, and reaches the same
// dashboard without the workshop's token. axe-core finds nothing on
// /teach (signed out, and signed in with the create form, without a
// workshop and with one), nor on the join screen, light and dark. With -screenshots DIR, /teach is
// photographed at 1280×720 and the join screen at 1920×1080.
func TestTeachClass(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	browser := chromium(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "socketlab")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db := filepath.Join(dir, "workshops.db")
	link, kill := serveWithLink(t, bin, addr, db)
	u, err := url.Parse(link)
	if err != nil || u.Host != addr || u.Path != "/teach" || u.Query().Get("key") == "" {
		t.Fatalf("the printed link %q is not http://%s/teach?key=…", link, addr)
	}
	key := u.Query().Get("key")
	base := "http://" + addr

	axe, err := os.ReadFile(filepath.Join(root, "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil && os.Getenv("CI") != "" {
		t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
	}
	checkAxe := func(ctx context.Context, what string) {
		t.Helper()
		if axe == nil {
			t.Logf("!!! no axe-core, the accessibility check of %s is skipped", what)
			return
		}
		for _, scheme := range []string{"dark", "light"} {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			if v := runAxe(t, ctx, string(axe)); len(v) > 0 {
				t.Errorf("axe-core on %s (%s): %d violations:\n%s", what, scheme, len(v), strings.Join(v, "\n"))
			}
		}
	}
	person := func() context.Context {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		ctx, cancelStep := context.WithTimeout(ctx, 20*time.Minute)
		t.Cleanup(cancelStep)
		// The tab, made now: it lives as long as the context it is made
		// with, not a step's.
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("open a tab: %v", err)
		}
		return ctx
	}
	do := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, a := range actions {
			step, cancel := context.WithTimeout(ctx, 4*time.Minute) // the shared machine is slow at times
			err := chromedp.Do(step, a)
			cancel()
			if err != nil {
				t.Fatalf("%s, step %d of %d: %v (the page: %s)", what, i+1, len(actions), err, pageURL(ctx))
			}
		}
	}
	// The printed link signs the instructor in; the key leaves the
	// address bar.
	teacher := person()
	do(teacher, "open the instructor's link", chromedp.EmulateViewport(1280, 720), chromedp.Navigate(link),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=create-form]`)))
	if href := evalString(t, teacher, `location.href`); href != base+"/teach" {
		t.Errorf("the address bar after the instructor's link: %q, want %s/teach", href, base)
	}
	checkAxe(teacher, "/teach with the create form")

	// A workshop of three exercises, in an order of the instructor's.
	do(teacher, "fill in the create form",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=create-title]`), "Sockets, week 1"),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid=create-exercise-on]').forEach(c => { c.checked = false; })`),
		chromedp.Click(chromedp.CSS(`#ex-round-trip`)), chromedp.Click(chromedp.CSS(`#ex-ports`)), chromedp.Click(chromedp.CSS(`#ex-datagrams`)),
		chromedp.SetValue(chromedp.CSS(`[name=order-ports]`), "1"),
		chromedp.SetValue(chromedp.CSS(`[name=order-round-trip]`), "2"),
		chromedp.Click(chromedp.CSS(`[data-testid=create-submit]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=dash-join-code]`)))
	code := strings.TrimSpace(evalString(t, teacher, `document.querySelector('[data-testid=dash-join-code]').textContent`))
	if evalString(t, teacher, `location.pathname`) != "/workshop/"+code {
		t.Fatalf("after creating: %s, want the dashboard of %s", evalString(t, teacher, `location.pathname`), code)
	}
	if n, err := chromedp.Run(teacher, chromedp.Evaluate[int](`document.querySelector('[data-testid=dash-join-qr]').naturalWidth`)); err != nil || n == 0 {
		t.Errorf("the dashboard's QR code did not load: %d, %v", n, err)
	}
	var got struct{ Exercises []string }
	if status := api(t, addr, "GET", "/api/workshops/"+code, key, nil, &got); status != 200 || strings.Join(got.Exercises, " ") != "ports round-trip datagrams" {
		t.Errorf("the workshop's exercises: %d %v, want ports round-trip datagrams", status, got.Exercises)
	}

	// The join screen, as the projector shows it.
	// Its link, followed (the dashboard's script may still be replacing
	// nodes around it, so not clicked).
	joinScreen := evalString(t, teacher, `document.querySelector('[data-testid=join-screen-link]').href`)
	if joinScreen != base+"/workshop/"+code+"/join-screen" {
		t.Errorf("the dashboard's join screen link = %q", joinScreen)
	}
	do(teacher, "open the join screen", chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(joinScreen),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=join-screen-qr]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=join-screen-status]`)))
	if got := strings.TrimSpace(evalString(t, teacher, `document.querySelector('[data-testid=join-screen-code]').textContent`)); got != code {
		t.Errorf("the join screen's code = %q, want %s", got, code)
	}
	joinURL := decodeQR(t, teacher, `[data-testid=join-screen-qr]`)
	if joinURL != base+"/join/"+code {
		t.Errorf("the join screen's QR code says %q, want %s/join/%s", joinURL, base, code)
	}

	names := []string{"Ada", "Björn Ångström", "Chidi", "Dana", "Emeka", "Fatima"}
	students := map[string]context.Context{}
	for i, name := range names {
		ctx := person()
		if i%2 == 0 {
			joinInBrowser(t, ctx, joinURL, name)
		} else {
			do(ctx, name+" types the code", chromedp.Navigate(base+"/"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=code-input]`), strings.ToLower(strings.ReplaceAll(code, "-", ""))),
				chromedp.Click(chromedp.CSS(`[data-testid=code-submit]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=join-name]`), name),
				chromedp.Click(chromedp.CSS(`[data-testid=join-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=student-name]`)))
		}
		students[name] = ctx
	}
	waitCount(t, teacher, `[data-testid=join-screen-name]`, len(names))
	if got := evalString(t, teacher, `[...document.querySelectorAll('[data-testid=join-screen-name]')].map(li => li.textContent).join("|")`); got != strings.Join(names, "|") {
		t.Errorf("the join screen's names: %q, want %q", got, strings.Join(names, "|"))
	}
	if got := evalString(t, teacher, `document.querySelector('[data-testid=join-screen-count]').textContent`); got != "6" {
		t.Errorf("the join screen's count = %q, want 6", got)
	}
	checkAxe(teacher, "the join screen")
	shoot(t, teacher, "join-screen-1920x1080.png")

	// What the instructor sets: a message, two hands (one "on my way"),
	// a spotlight.
	var class struct {
		Students []struct {
			ID   int64
			Name string
		}
	}
	api(t, addr, "GET", "/api/workshops/"+code, key, nil, &class)
	if len(class.Students) != len(names) {
		t.Fatalf("the API lists %d students, want %d", len(class.Students), len(names))
	}
	if status := api(t, addr, "POST", "/api/workshops/"+code+"/message", key, map[string]string{"message": "Stop at exercise 2"}, nil); status != 200 {
		t.Fatalf("message: %d", status)
	}
	for _, name := range []string{"Chidi", "Dana"} {
		res, err := chromedp.Call(students[name], network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
		if err != nil || len(res.Cookies) != 1 {
			t.Fatalf("%s's cookies: %v %v", name, res, err)
		}
		cookies := res.Cookies
		c := dialStudent(t, addr, code, http.Header{"Cookie": {cookies[0].Name + "=" + cookies[0].Value}}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := c.Hand(ctx, bridge.HandRaise, "help "+name); err != nil {
			t.Fatalf("%s raises a hand: %v", name, err)
		}
		cancel()
		c.Close()
	}
	before := snapshot(t, addr, code, key)
	if len(before.Hands) != 2 {
		t.Fatalf("hands before the restart: %+v", before.Hands)
	}
	if status := api(t, addr, "POST", "/api/workshops/"+code+"/hands/"+jsonInt(before.Hands[1].ID), key, map[string]string{"state": "coming"}, nil); status != 200 {
		t.Fatalf("on my way: %d", status)
	}
	spotlit := class.Students[0].ID
	if status := api(t, addr, "PUT", "/api/workshops/"+code+"/spotlight", key, map[string]any{"student": spotlit}, nil); status != 200 {
		t.Fatalf("spotlight: %d", status)
	}

	// The server is killed and started again: the same key, and the
	// class as it was.
	kill()
	again, _ := serveWithLink(t, bin, addr, db)
	if again != link {
		t.Errorf("the link after a restart = %q, want the same %q", again, link)
	}
	after := snapshot(t, addr, code, key)
	if after.Message != "Stop at exercise 2" {
		t.Errorf("the message after a restart = %q", after.Message)
	}
	var hands []string
	for _, h := range after.Hands {
		hands = append(hands, h.Name+":"+h.State)
	}
	if strings.Join(hands, " ") != "Chidi:waiting Dana:coming" {
		t.Errorf("the hands after a restart = %q, want Chidi waiting and Dana coming", hands)
	}
	if after.Spotlight == nil || after.Spotlight.Student != spotlit {
		t.Errorf("the spotlight after a restart = %+v, want on student %d", after.Spotlight, spotlit)
	}

	// A second browser: /teach asks for the key; with it, the same
	// dashboard, without the workshop's token.
	second := person()
	do(second, "open /teach", chromedp.EmulateViewport(1280, 720), chromedp.Navigate(base+"/teach"),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=teach-signin]`)))
	checkAxe(second, "/teach, signed out")
	do(second, "sign in with the key",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=teach-key]`), key),
		chromedp.Click(chromedp.CSS(`[data-testid=teach-key-submit]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=teach-workshop][data-code="`+code+`"]`)))
	checkAxe(second, "/teach with a workshop and the create form")
	shoot(t, second, "teach-1280x720.png")
	do(second, "open the dashboard from /teach",
		chromedp.Click(chromedp.CSS(`[data-testid=teach-workshop][data-code="`+code+`"] [data-testid=teach-dashboard]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=dashboard]`)))
	waitCount(t, second, `[data-testid=help-queue] [data-testid=hand]`, 2)
	if got := evalString(t, second, `document.querySelector('[data-testid=message-shown]').textContent`); !strings.Contains(got, "Stop at exercise 2") {
		t.Errorf("the second browser's dashboard shows the message as %q", got)
	}
}

// pageURL is the address of ctx's page, for a failure's message.
func pageURL(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	href, err := chromedp.Run(c, chromedp.Evaluate[string](`location.href + " " + document.title + ": " + (document.querySelector("[role=alert]")?.textContent ?? "")`))
	if err != nil {
		return err.Error()
	}
	return href
}

// jsonInt is n in decimal.
func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
