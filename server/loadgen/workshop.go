package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// workshop is the workshop a run's sessions join (Config.Workshop): made
// through the instructor's API when the run starts, joined by each
// session through the join page as a student would, and deleted when the
// run ends.
type workshop struct {
	hc    *http.Client
	base  string // the server's http(s)://host:port[/path]
	code  string // "ABCD-EFGH"
	token string // the instructor's, for the API
	// dashboardURL is the instructor's dashboard, with the token.
	dashboardURL string
}

// maxAPIAnswer bounds what the load generator reads of the server's
// answers.
const maxAPIAnswer = 64 << 10

// createWorkshop makes a workshop for students through POST
// /api/workshops, with the instructor's key if there is one, and the
// exercises if any.
func createWorkshop(ctx context.Context, hc *http.Client, base, key string, students int, exercises []Exercise) (*workshop, error) {
	req := map[string]any{"title": "socketlab bench", "max_students": students}
	if len(exercises) > 0 {
		ids := make([]string, len(exercises))
		for i, ex := range exercises {
			ids[i] = ex.ID
		}
		req["exercises"] = ids
	}
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, "POST", base+"/api/workshops", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("create workshop: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if key != "" {
		hr.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("create workshop: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer))
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("create workshop: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var w struct {
		Code, Token  string
		DashboardURL string `json:"dashboard_url"`
	}
	if err := json.Unmarshal(b, &w); err != nil || w.Code == "" || w.Token == "" {
		return nil, fmt.Errorf("create workshop: the answer has no code and token: %.200s", b)
	}
	// The join page answers with a redirect and the cookie: keep both.
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &workshop{hc: &noRedirect, base: base, code: w.Code, token: w.Token, dashboardURL: w.DashboardURL}, nil
}

// join joins the workshop as the nth simulated student through POST
// /join/{code}, and returns the header that carries the student's cookie
// to /bridge?workshop={code}.
func (w *workshop) join(ctx context.Context, n int) (http.Header, error) {
	form := url.Values{"name": {"bench " + strconv.Itoa(n)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, "POST", w.base+"/join/"+w.code, strings.NewReader(form))
	if err != nil {
		return nil, fmt.Errorf("join workshop: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.base)
	resp, err := w.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("join workshop: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAPIAnswer))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		return nil, fmt.Errorf("join workshop: %s, %d cookies", resp.Status, len(resp.Cookies()))
	}
	h := http.Header{}
	for _, c := range resp.Cookies() {
		h.Add("Cookie", (&http.Cookie{Name: c.Name, Value: c.Value}).String())
	}
	return h, nil
}

// delete deletes the workshop, with its students.
func (w *workshop) delete(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "DELETE", w.base+"/api/workshops/"+w.code, nil)
	if err != nil {
		return fmt.Errorf("delete workshop: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := w.hc.Do(req)
	if err != nil {
		return fmt.Errorf("delete workshop: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("delete workshop: %s", resp.Status)
	}
	return nil
}
