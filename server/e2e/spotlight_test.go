package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/servertest"
)

// The projector's "Their calls" follows the newest call, as the diagram
// does (issue 22: it stayed at the first): a spotlit student (a bridge
// client with a trace, mirrored as a browser's is) makes more calls than
// the list shows at 1280×720, and the list is scrolled to its end.
func TestMirrorFollowsNewestCall(t *testing.T) {
	cfg := workshopConfig(t, workshopStore(t, filepath.Join(t.TempDir(), "w.db")))
	addr := servertest.Start(t, cfg)
	var w struct {
		created
		DashboardURL string `json:"dashboard_url"`
	}
	if status := api(t, addr, "POST", "/api/workshops", "", map[string]any{"title": "Follow", "exercises": []string{"round-trip"}}, &w); status != 201 {
		t.Fatalf("create: %d", status)
	}
	ada := dialStudent(t, addr, w.Code, joinWorkshop(t, addr, w.Code, "Ada"), &bridge.Options{Trace: lab.NewTrace(0)})
	var got struct{ Students []struct{ ID int64 } }
	if status := api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, &got); status != 200 || len(got.Students) != 1 {
		t.Fatalf("the workshop: %d %+v", status, got)
	}

	ctx, cancel := chromedp.NewContext(chromium(t), chromedp.WithNewBrowserContext())
	defer cancel()
	tab, cancelTab := context.WithTimeout(ctx, 120*time.Second)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(w.DashboardURL),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=progress-grid]`)),
		chromedp.Navigate("http://"+addr+"/workshop/"+w.Code+"/projector"),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=projector]`))); err != nil {
		t.Fatal(err)
	}
	if status := api(t, addr, "PUT", "/api/workshops/"+w.Code+"/spotlight", w.Token, map[string]any{"student": got.Students[0].ID}, nil); status != 200 {
		t.Fatalf("spotlight: %d", status)
	}
	for i := range 8 {
		studentEcho(t, ada, fmt.Sprintf("hello %d\n", i))
	}
	calls := `[data-testid=projector-views] [data-testid=mirror-call]`
	for deadline := time.Now().Add(30 * time.Second); callsOf(t, tab, calls, ada.Addr().String()) < 8*3; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the projector lists %d of Ada's calls, want 24 or more", callsOf(t, tab, calls, ada.Addr().String()))
		}
	}
	time.Sleep(500 * time.Millisecond) // the last calls drawn
	type scroll struct{ Top, Height, Client int }
	s, err := chromedp.Run(tab, chromedp.Evaluate[scroll](`(() => {
		const el = document.querySelector("[data-testid=projector-views] .mirror-transcript");
		return {Top: Math.ceil(el.scrollTop), Height: el.scrollHeight, Client: el.clientHeight};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Height <= s.Client {
		t.Fatalf("the calls fit without scrolling (%+v): the test shows nothing", s)
	}
	if s.Top+s.Client < s.Height-4 {
		t.Errorf("the calls' list is not at its newest: %+v", s)
	}
}
