package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sqlite"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/server/servertest"
)

// workshopStore is a real SQLite store at path, closed when the test ends.
func workshopStore(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// workshopConfig is a server's config with the worksheet and a store.
func workshopConfig(t testing.TB, store lab.WorkshopStore) server.Config {
	t.Helper()
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		t.Fatal(probs[0])
	}
	return server.Config{Store: store, Exercises: exs}
}

// created is what POST /api/workshops answers.
type created struct {
	Code, Title, Token string
	JoinURL            string `json:"join_url"`
}

// api calls the instructor's API at addr and decodes its answer into out
// (if not nil); it returns the status.
func api(t testing.TB, addr, method, path, token string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// createWorkshop makes a workshop through the API.
func createWorkshop(t testing.TB, addr string, req map[string]any) created {
	t.Helper()
	var w created
	if status := api(t, addr, "POST", "/api/workshops", "", req, &w); status != http.StatusCreated {
		t.Fatalf("POST /api/workshops = %d", status)
	}
	return w
}

// joinInBrowser joins a workshop as a student would in the browser of
// ctx: the join URL, a name typed into the form, and the student's
// workshop page.
func joinInBrowser(t testing.TB, ctx context.Context, joinURL, name string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(joinURL),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=join-name]`), name),
		chromedp.Click(chromedp.CSS(`[data-testid=join-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=student-name]`)),
	); err != nil {
		t.Fatalf("%s joins: %v", name, err)
	}
}

// joinWorkshop joins a workshop with a name through the join form and
// returns the student's cookie, as a header for the bridge.
func joinWorkshop(t testing.TB, addr, code, name string) http.Header {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/join/"+code, strings.NewReader(url.Values{"name": {name}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("join %s as %q = %d, cookies %v", code, name, resp.StatusCode, cookies)
	}
	return http.Header{"Cookie": {cookies[0].Name + "=" + cookies[0].Value}}
}

// dialStudent opens a workshop student's bridge session.
func dialStudent(t testing.TB, addr, code string, cookie http.Header, opts *bridge.Options) *bridge.Client {
	t.Helper()
	c, err := dialWorkshop(addr, code, cookie, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func dialWorkshop(addr, code string, cookie http.Header, opts *bridge.Options) (*bridge.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if opts == nil {
		opts = &bridge.Options{}
	}
	opts.Header = cookie
	return bridge.Dial(ctx, "ws://"+addr+"/bridge?workshop="+url.QueryEscape(code), opts)
}

// exchange has a listen on port and b connect to it, and checks the bytes
// go both ways; it returns b's connect error.
func exchange(t *testing.T, a, b *bridge.Client, port uint16, timeout time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ln, err := a.Sockets().Listen(port, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	conn, err := b.Sockets().Dial(ctx, netip.AddrPortFrom(a.Addr(), port))
	if err != nil {
		ln.Close()
		<-accepted
		return err
	}
	defer conn.Close()
	srv := <-accepted
	defer srv.Close()
	conn.Write([]byte("hello, peer"))
	buf := make([]byte, 64)
	srv.SetReadDeadline(time.Now().Add(timeout))
	if n, err := srv.Read(buf); string(buf[:n]) != "hello, peer" {
		t.Errorf("the listener read %q, %v", buf[:n], err)
	}
	srv.Write([]byte("hello back"))
	conn.SetReadDeadline(time.Now().Add(timeout))
	if n, err := conn.Read(buf); string(buf[:n]) != "hello back" {
		t.Errorf("the connector read %q, %v", buf[:n], err)
	}
	return nil
}

// TestWorkshopBridge: three students on one workshop's network, at
// distinct addresses kept across reconnections; with peers all, two of
// them talk; after PATCH to none, they cannot.
func TestWorkshopBridge(t *testing.T) {
	addr := servertest.Start(t, workshopConfig(t, workshopStore(t, filepath.Join(t.TempDir(), "w.db"))))
	w := createWorkshop(t, addr, map[string]any{"title": "Peer to peer", "peers": "all", "exercises": []string{"round-trip"}})

	// Without a student's cookie, the upgrade is refused.
	if _, err := dialWorkshop(addr, w.Code, nil, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("dial without a cookie: %v, want a 401", err)
	}
	if _, err := dialWorkshop(addr, w.Code, http.Header{"Cookie": {"socketlab_" + strings.ReplaceAll(w.Code, "-", "") + "=forged"}}, nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("dial with a forged cookie: %v, want a 403", err)
	}

	var cookies []http.Header
	var clients []*bridge.Client
	seen := map[netip.Addr]bool{}
	for i, name := range []string{"Ada", "Grace", "Radia"} {
		cookies = append(cookies, joinWorkshop(t, addr, w.Code, name))
		c := dialStudent(t, addr, strings.ToLower(w.Code), cookies[i], nil)
		h := c.Hello()
		if h.Workshop == nil || h.Workshop.Code != w.Code || h.Workshop.Title != "Peer to peer" || h.Workshop.Student.Name != name ||
			len(h.Workshop.Exercises) != 1 || h.Workshop.Student.ID == 0 {
			t.Fatalf("hello's workshop = %+v", h.Workshop)
		}
		if want := netip.AddrFrom4([4]byte{10, 0, 1, byte(i + 1)}); c.Addr() != want || seen[c.Addr()] {
			t.Fatalf("student %d is at %v, want %v", i, c.Addr(), want)
		}
		seen[c.Addr()] = true
		clients = append(clients, c)
	}

	// A reconnection is the same student at the same address; the
	// session it replaces is closed with CloseReplaced.
	again := dialStudent(t, addr, w.Code, cookies[0], nil)
	if again.Addr() != clients[0].Addr() || again.Hello().Workshop.Student != clients[0].Hello().Workshop.Student {
		t.Fatalf("reconnected at %v as %+v", again.Addr(), again.Hello().Workshop.Student)
	}
	select {
	case <-clients[0].Done():
		var ce websocket.CloseError
		if !errors.As(clients[0].Err(), &ce) || ce.Code != bridge.CloseReplaced {
			t.Errorf("the replaced session ended with %v", clients[0].Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the replaced session did not end")
	}
	clients[0] = again

	// Peers all: Grace connects to Ada's port 9000.
	if err := exchange(t, clients[0], clients[1], 9000, 10*time.Second); err != nil {
		t.Fatalf("connect to a peer with peers all: %v", err)
	}
	// Peers none, live: a new connection gets no answer.
	if status := api(t, addr, "PATCH", "/api/workshops/"+w.Code, w.Token, map[string]any{"peers": "none"}, nil); status != 200 {
		t.Fatalf("PATCH = %d", status)
	}
	if err := exchange(t, clients[0], clients[1], 9001, time.Second); err == nil {
		t.Error("a student reached another after PATCH peers none")
	}
	// The lab server still answers everyone.
	for _, c := range clients {
		studentEcho(t, c, "still here")
	}
}

// studentEcho makes a round trip to the lab server's echo from c.
func studentEcho(t testing.TB, c *bridge.Client, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := c.Sockets().Dial(ctx, netip.MustParseAddrPort("10.0.0.1:7"))
	if err != nil {
		t.Errorf("%v: dial echo: %v", c.Addr(), err)
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	conn.Write([]byte(msg))
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, buf); string(buf) != msg {
		t.Errorf("%v: echo = %q, %v", c.Addr(), buf, err)
	}
}

// TestWorkshopTwentyEchoAtOnce: twenty students use the lab server's echo
// at once, and each trace holds the lab server's calls for that student's
// connections only.
func TestWorkshopTwentyEchoAtOnce(t *testing.T) {
	addr := servertest.Start(t, workshopConfig(t, workshopStore(t, filepath.Join(t.TempDir(), "w.db"))))
	w := createWorkshop(t, addr, map[string]any{"title": "Twenty"})
	const n = 20
	clients := make([]*bridge.Client, n)
	for i := range clients {
		clients[i] = dialStudent(t, addr, w.Code, joinWorkshop(t, addr, w.Code, fmt.Sprint("s", i)), nil)
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 3 {
				studentEcho(t, c, fmt.Sprintf("student %d, trip %d", i, j))
			}
		}()
	}
	wg.Wait()
	for i, c := range clients {
		deadline := time.Now().Add(10 * time.Second)
		for {
			recvs, foreign := 0, 0
			for _, e := range c.Trace().Events() {
				if e.Host != "10.0.0.1" || e.Call == nil {
					continue
				}
				if p := e.Call.Peer; p.IsValid() && p.Addr() != c.Addr() {
					foreign++
				}
				if e.Call.Name == "recv" && strings.HasPrefix(e.Call.Result, fmt.Sprintf("b'student %d,", i)) {
					recvs++
				}
			}
			if foreign > 0 {
				t.Fatalf("student %d (%v) got %d of the lab server's calls for other students", i, c.Addr(), foreign)
			}
			if recvs >= 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("student %d saw %d of the server's recvs of its own data, want 3", i, recvs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestWorkshopMisbehavingStudent: a student who breaks the bridge's
// bounds loses their own session, and the rest of the workshop goes on.
func TestWorkshopMisbehavingStudent(t *testing.T) {
	addr := servertest.Start(t, workshopConfig(t, workshopStore(t, filepath.Join(t.TempDir(), "w.db"))))
	w := createWorkshop(t, addr, map[string]any{"title": "Bounds"})
	good := dialStudent(t, addr, w.Code, joinWorkshop(t, addr, w.Code, "good"), nil)
	badCookie := joinWorkshop(t, addr, w.Code, "bad")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/bridge?workshop="+w.Code, &websocket.DialOptions{HTTPHeader: badCookie})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(bridge.MaxText)
	if _, _, err := conn.Read(ctx); err != nil { // the hello
		t.Fatal(err)
	}
	// Spoofed packets (the good student's source address), then one
	// over the MTU.
	spoof := make([]byte, 40)
	spoof[0], spoof[9] = 0x45, 6
	copy(spoof[12:16], good.Addr().AsSlice())
	copy(spoof[16:20], []byte{10, 0, 0, 1})
	for range 50 {
		conn.Write(ctx, websocket.MessageBinary, spoof)
	}
	conn.Write(ctx, websocket.MessageBinary, make([]byte, server.MTU+1))
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Errorf("the bad session ended with %v, want 1009", err)
			}
			break
		}
	}
	studentEcho(t, good, "unbothered")
	// The bad student comes back, at their own address, and works too.
	again := dialStudent(t, addr, w.Code, badCookie, nil)
	if again.Addr() == good.Addr() {
		t.Fatal("two students share an address")
	}
	studentEcho(t, again, "behaving now")
}

// TestWorkshopSurvivesRestart: the server is stopped and another started
// on the same SQLite file; the workshop and its students are there, and a
// student reconnecting gets their address back.
func TestWorkshopSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	start := func() (addr string, stop func()) {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg := workshopConfig(t, db)
		cfg.Log = slog.New(slog.DiscardHandler)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); server.New(cfg).Serve(ctx, ln) }()
		return ln.Addr().String(), func() { cancel(); <-done; db.Close() }
	}
	addr, stop := start()
	w := createWorkshop(t, addr, map[string]any{"title": "Durable"})
	joinWorkshop(t, addr, w.Code, "first")
	cookie := joinWorkshop(t, addr, w.Code, "second")
	c, err := dialWorkshop(addr, w.Code, cookie, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := c.Addr()
	stop()
	<-c.Done()
	c.Close()

	addr, stop = start()
	defer stop()
	var got struct {
		Title    string
		Students []struct{ Name, Address string }
	}
	if status := api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, &got); status != 200 || got.Title != "Durable" || len(got.Students) != 2 {
		t.Fatalf("after a restart: %d %+v", status, got)
	}
	c, err = dialWorkshop(addr, w.Code, cookie, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Addr() != before || c.Hello().Workshop.Student.Name != "second" || before.String() != got.Students[1].Address {
		t.Errorf("after a restart the student is at %v as %q, was at %v", c.Addr(), c.Hello().Workshop.Student.Name, before)
	}
	studentEcho(t, c, "back")
}
