package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// The workshop surface's attacks (issue 26), which a soak runs as faults
// on each of SoakConfig.Attackers workers, one after another: each makes
// a workshop of its own, attacks it, checks that the server held, and
// deletes it. An attack the server did not hold is an error of its kind
// ("attack_…"); one that held counts as a fault.
const (
	// A watched student mirrors 16 KB events whose TCP options list is
	// thousands of empty objects (260 KB each, decoded): refused.
	FaultMirrorEmpty = "attack_mirror_empty_objects"
	// Look-in streams that never read, one more than an address may
	// open: at least one is refused with 429.
	FaultLookinPile = "attack_lookin_pile"
	// A spotlit student deleted, then the workshop deleted with a
	// look-in open, each after mirroring about 1 MB: the look-in's
	// stream ends with the workshop.
	FaultDeleteWatched = "attack_delete_watched"
	// Pings as fast as a client writes them, past the rate limit: the
	// session is closed, 1008.
	FaultPingFlood = "attack_ping_flood"
	// GET /workshop/{code} for unknown codes and the workshop's, typed
	// in lower case: every page shows its code as the canonical form.
	FaultCodeProbe = "attack_code_probe"
)

// Attacks is the cycle the attackers go through.
var Attacks = []string{FaultMirrorEmpty, FaultLookinPile, FaultDeleteWatched, FaultPingFlood, FaultCodeProbe}

// maxLookinsPerAddress is the server's bound on the trace streams one
// address opens (server/lookin.go).
const maxLookinsPerAddress = 8

// attack runs the attacks one after another until ctx ends, the ith
// attacker's starting at the ith.
func (s *soaker) attack(ctx context.Context, i int) {
	for n := i; ctx.Err() == nil; n++ {
		kind := Attacks[n%len(Attacks)]
		epoch := s.epoch.Load()
		actx, cancel := context.WithTimeout(ctx, 4*s.cfg.Timeout)
		err := s.runAttack(actx, kind)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			s.fail(epoch, err)
		default:
			s.count(s.faults, kind)
		}
		pause(ctx, s.cfg.SessionLife)
	}
}

// runAttack runs one attack of kind.
func (s *soaker) runAttack(ctx context.Context, kind string) error {
	if kind == FaultPingFlood {
		return s.pingFlood(ctx)
	}
	hc := &http.Client{Timeout: s.cfg.Timeout}
	w, err := createWorkshop(ctx, hc, s.base, s.key, 10, nil)
	if err != nil {
		return &runError{kind: "attack_create", err: err}
	}
	defer w.delete(context.WithoutCancel(ctx))
	switch kind {
	case FaultMirrorEmpty:
		return s.mirrorEmpty(ctx, w)
	case FaultLookinPile:
		return s.lookinPile(ctx, w)
	case FaultDeleteWatched:
		return s.deleteWatched(ctx, w)
	case FaultCodeProbe:
		return s.codeProbe(ctx, w)
	}
	return fmt.Errorf("no attack %q", kind)
}

// attackError is an attack's failure of kind.
func attackError(kind, format string, args ...any) error {
	return &runError{kind: kind, err: fmt.Errorf(format, args...)}
}

// rawStudent is a workshop student's session on a raw WebSocket, which
// sends what the attack makes it.
type rawStudent struct {
	ws *websocket.Conn
	id int64
}

// joinRaw joins w as its nth student and opens their session.
func (s *soaker) joinRaw(ctx context.Context, w *workshop, n int) (*rawStudent, error) {
	cookie, err := w.join(ctx, n)
	if err != nil {
		return nil, &runError{kind: "attack_join", err: err}
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, s.bridgeURL+"?workshop="+url.QueryEscape(w.code), cookie)
	if err != nil {
		return nil, &runError{kind: "attack_dial", err: err}
	}
	st := &rawStudent{ws: ws}
	var hello bridge.Hello
	if b, err := st.next(ctx, bridge.TypeHello); err != nil || json.Unmarshal(b, &hello) != nil || hello.Workshop == nil {
		ws.Close()
		return nil, attackError("attack_dial", "no hello: %v", err)
	}
	st.id = hello.Workshop.Student.ID
	return st, nil
}

// next reads until a text message of the type typ.
func (st *rawStudent) next(ctx context.Context, typ string) ([]byte, error) {
	if dl, ok := ctx.Deadline(); ok {
		st.ws.SetReadDeadline(dl)
	}
	for {
		mt, b, err := st.ws.ReadMessage()
		if err != nil {
			return nil, err
		}
		var env bridge.Envelope
		if mt == websocket.TextMessage && json.Unmarshal(b, &env) == nil && env.Type == typ {
			return b, nil
		}
	}
}

// mirror sends a mirror request of evs and returns the server's answer:
// taken, or refused with its error.
func (st *rawStudent) mirror(ctx context.Context, id uint64, evs ...string) (taken int, refused string, err error) {
	st.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	msg := fmt.Appendf(nil, `{"type":"mirror","id":%d,"events":[%s]}`, id, strings.Join(evs, ","))
	if err := st.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		return 0, "", err
	}
	if dl, ok := ctx.Deadline(); ok {
		st.ws.SetReadDeadline(dl)
	}
	for {
		mt, b, err := st.ws.ReadMessage()
		if err != nil {
			return 0, "", err
		}
		var m struct {
			Type, Message string
			ID            uint64
			Taken         int
		}
		if mt != websocket.TextMessage || json.Unmarshal(b, &m) != nil || m.ID != id {
			continue
		}
		switch m.Type {
		case bridge.TypeMirror:
			return m.Taken, "", nil
		case bridge.TypeError:
			return 0, m.Message, nil
		}
	}
}

// callEvent is a send call's event with an argument of n bytes.
func callEvent(seq, n int) string {
	return fmt.Sprintf(`{"seq":%d,"time":"2026-01-01T00:00:00Z","host":"10.0.1.1","kind":"call","call":{"socket":3,"proto":"tcp","name":"send","args":["%s"],"result":"%d","start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:00Z"}}`,
		seq, strings.Repeat("a", n), n)
}

// emptyOptionsEvent is a packet event of about bridge.MaxMirrorEvent
// bytes whose TCP options list holds thousands of empty objects.
func emptyOptionsEvent(seq int) string {
	head := fmt.Sprintf(`{"seq":%d,"time":"2026-01-01T00:00:00Z","host":"10.0.1.1","kind":"packet","packet":{"tcp":{"options":{"list":[{}`, seq)
	const tail = `]}}}}`
	return head + strings.Repeat(`,{}`, (bridge.MaxMirrorEvent-len(head)-len(tail)-16)/3) + tail
}

// lookIn opens the student's look-in stream, read and thrown away until
// it ends: ended is closed then. stop ends it.
func (s *soaker) lookIn(ctx context.Context, w *workshop, id int64) (status int, ended chan struct{}, stop func(), err error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	req, _ := http.NewRequestWithContext(sctx, "GET", s.base+"/api/workshops/"+w.code+"/students/"+strconv.FormatInt(id, 10)+"/trace", nil)
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return 0, nil, nil, &runError{kind: "attack_lookin", err: err}
	}
	ended = make(chan struct{})
	go func() {
		defer close(ended)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	return resp.StatusCode, ended, func() { cancel(); <-ended }, nil
}

// call makes an instructor's API call, and returns its status.
func (s *soaker) call(ctx context.Context, w *workshop, method, path, body string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, method, s.base+"/api/workshops/"+w.code+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.hc.Do(req)
	if err != nil {
		return 0, &runError{kind: "attack_api", err: err}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAPIAnswer))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// mirrorEmpty is FaultMirrorEmpty.
func (s *soaker) mirrorEmpty(ctx context.Context, w *workshop) error {
	st, err := s.joinRaw(ctx, w, 1)
	if err != nil {
		return err
	}
	defer st.ws.Close()
	status, _, stop, err := s.lookIn(ctx, w, st.id)
	if err != nil {
		return err
	}
	defer stop()
	if status != http.StatusOK {
		return attackError("attack_lookin", "look-in: %d", status)
	}
	if _, err := st.next(ctx, bridge.TypeWatch); err != nil {
		return attackError("attack_watch", "no watch message: %v", err)
	}
	ev := emptyOptionsEvent(1)
	for i := range 5 {
		taken, refused, err := st.mirror(ctx, uint64(i+1), ev, ev, ev)
		if err != nil {
			return &runError{kind: "attack_mirror", err: err}
		}
		if taken != 0 || refused == "" {
			return attackError("attack_mirror_empty_taken", "%d events of empty objects taken", taken)
		}
	}
	if taken, refused, err := st.mirror(ctx, 100, callEvent(1, 100)); err != nil || taken != 1 {
		return attackError("attack_mirror", "an honest event after the refusals: %d taken, %q, %v", taken, refused, err)
	}
	return nil
}

// lookinPile is FaultLookinPile.
func (s *soaker) lookinPile(ctx context.Context, w *workshop) error {
	st, err := s.joinRaw(ctx, w, 1)
	if err != nil {
		return err
	}
	defer st.ws.Close()
	u, _ := url.Parse(s.base)
	path := "/api/workshops/" + w.code + "/students/" + strconv.FormatInt(st.id, 10) + "/trace"
	refused := 0
	for range maxLookinsPerAddress + 1 {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return &runError{kind: "attack_lookin", err: err}
		}
		defer c.Close()
		c.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", path, u.Host, w.token)
		// The status line is read; the stream after it never is.
		c.SetReadDeadline(time.Now().Add(s.cfg.Timeout))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return &runError{kind: "attack_lookin", err: err}
		}
		if strings.Contains(line, " 429 ") {
			refused++
		}
	}
	if refused == 0 {
		return attackError("attack_lookin_unbounded", "%d look-ins from one address, none refused", maxLookinsPerAddress+1)
	}
	return nil
}

// deleteWatched is FaultDeleteWatched.
func (s *soaker) deleteWatched(ctx context.Context, w *workshop) error {
	a, err := s.joinRaw(ctx, w, 1)
	if err != nil {
		return err
	}
	defer a.ws.Close()
	b, err := s.joinRaw(ctx, w, 2)
	if err != nil {
		return err
	}
	defer b.ws.Close()
	fill := func(st *rawStudent) error {
		if _, err := st.next(ctx, bridge.TypeWatch); err != nil {
			return attackError("attack_watch", "no watch message: %v", err)
		}
		for j := 0; j < 80; j += 4 {
			if _, _, err := st.mirror(ctx, uint64(j+1), callEvent(j+1, 12<<10), callEvent(j+2, 12<<10), callEvent(j+3, 12<<10), callEvent(j+4, 12<<10)); err != nil {
				return &runError{kind: "attack_mirror", err: err}
			}
		}
		return nil
	}
	spotlight := func(id int64) error {
		if status, err := s.call(ctx, w, "PUT", "/spotlight", fmt.Sprintf(`{"student":%d}`, id)); err != nil || status != http.StatusOK {
			return attackError("attack_spotlight", "spotlight: %d %v", status, err)
		}
		return nil
	}
	if err := spotlight(b.id); err != nil {
		return err
	}
	if err := fill(b); err != nil {
		return err
	}
	if status, err := s.call(ctx, w, "DELETE", "/students/"+strconv.FormatInt(b.id, 10), ""); err != nil || status != http.StatusNoContent {
		return attackError("attack_delete", "delete a student: %d %v", status, err)
	}
	if err := spotlight(a.id); err != nil {
		return err
	}
	status, ended, stop, err := s.lookIn(ctx, w, a.id)
	if err != nil {
		return err
	}
	defer stop()
	if status != http.StatusOK {
		return attackError("attack_lookin", "look-in: %d", status)
	}
	if err := fill(a); err != nil {
		return err
	}
	if err := w.delete(ctx); err != nil {
		return &runError{kind: "attack_delete", err: err}
	}
	select {
	case <-ended:
		return nil
	case <-ctx.Done():
		return attackError("attack_stream_outlived_workshop", "the look-in's stream went on after its workshop was deleted")
	}
}

// pingFlood is FaultPingFlood.
func (s *soaker) pingFlood(ctx context.Context) error {
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, s.bridgeURL, nil)
	if err != nil {
		return &runError{kind: "attack_dial", err: err}
	}
	defer ws.Close()
	closed := make(chan int, 1)
	go func() {
		ws.SetReadDeadline(time.Now().Add(s.cfg.Timeout + 10*time.Second))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					closed <- ce.Code
				} else {
					closed <- 0
				}
				return
			}
		}
	}()
	for end := time.Now().Add(s.cfg.Timeout); time.Now().Before(end); {
		if ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
			break
		}
	}
	ws.Close()
	if code := <-closed; code != bridge.ClosePolicy {
		return attackError("attack_ping_flood_open", "a ping flood's session ended with %d, want 1008", code)
	}
	return nil
}

// codeProbe is FaultCodeProbe.
func (s *soaker) codeProbe(ctx context.Context, w *workshop) error {
	known, _ := lab.ParseCode(w.code)
	for i := range 20 {
		code := lab.NewCode()
		if i == 0 {
			code = known
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/workshop/"+strings.ToLower(code), nil)
		resp, err := w.hc.Do(req)
		if err != nil {
			return &runError{kind: "attack_probe", err: err}
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), lab.FormatCode(code)) {
			return attackError("attack_code_oracle", "GET /workshop/%s: %d, the code shown not in its canonical form", strings.ToLower(code), resp.StatusCode)
		}
	}
	return nil
}
