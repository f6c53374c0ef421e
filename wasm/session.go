//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/check"
	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/packet"
)

// lab is the student's side of the lab in the tab: a host joined over the
// bridge, the console running against it, and one trace kept across
// reconnections. It knows nothing of JavaScript: js.go exposes it.
type labSession struct {
	url   string
	trace *lab.Trace
	ready chan struct{} // closed once the first hello has arrived
	// watching is look-in and spotlight, in a workshop.
	watching *watching

	mu      sync.Mutex
	client  *bridge.Client
	console *console.Console
	cancel  context.CancelFunc // the running exec's, nil when none
	execMu  sync.Mutex         // one line at a time
	// class is the last workshop message the server sent (nil before
	// one, and outside a workshop); classWatchers are called with each.
	class         *bridge.WorkshopMessage
	classWatchers map[int]func(bridge.WorkshopMessage)
	lastWatcher   int
}

func newLabSession(url string) *labSession {
	return &labSession{url: url, trace: lab.NewTrace(0), ready: make(chan struct{}), watching: newWatching(), classWatchers: map[int]func(bridge.WorkshopMessage){}}
}

// run keeps the host joined, with a fresh console on each new session.
func (l *labSession) run(ctx context.Context) {
	opts := bridge.Options{Trace: l.trace, OnWatch: l.watching.onWatch, OnSpotlight: l.watching.onSpotlight, OnWorkshop: l.classChanged}
	bridge.Keep(ctx, l.url, opts, func(c *bridge.Client) {
		l.mu.Lock()
		old := l.console
		first := l.client == nil
		l.client, l.console = c, console.New(c.Sockets(), c.Hello().ConsoleServer(), console.WithWire(c.ConsoleWire()))
		l.mu.Unlock()
		if old != nil {
			old.Close()
		}
		if first {
			close(l.ready)
		}
	})
}

// workshop is the workshop the host is in, and the student, as the last
// hello said; nil outside a workshop or before the first hello.
func (l *labSession) workshop() *bridge.WorkshopHello {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.client == nil {
		return nil
	}
	return l.client.Hello().Workshop
}

// classChanged keeps the server's workshop message and tells the
// watchers; it runs on the client's reading goroutine.
func (l *labSession) classChanged(m bridge.WorkshopMessage) {
	l.mu.Lock()
	l.class = &m
	watchers := slices.Collect(maps.Values(l.classWatchers))
	l.mu.Unlock()
	for _, fn := range watchers {
		fn(m)
	}
}

// watchClass calls fn with the workshop's state as the server last sent
// it, if it has, and then with each new one, until stop is called.
func (l *labSession) watchClass(fn func(bridge.WorkshopMessage)) (stop func()) {
	l.mu.Lock()
	l.lastWatcher++
	id, last := l.lastWatcher, l.class
	l.classWatchers[id] = fn
	l.mu.Unlock()
	if last != nil {
		fn(*last)
	}
	return func() {
		l.mu.Lock()
		delete(l.classWatchers, id)
		l.mu.Unlock()
	}
}

// exec runs one console line; interrupt cancels it.
func (l *labSession) exec(line string) console.Result {
	l.execMu.Lock()
	defer l.execMu.Unlock()
	l.mu.Lock()
	c := l.console
	if c == nil {
		l.mu.Unlock()
		return console.Result{Error: "OSError: the lab is not connected yet", Exception: "OSError"}
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.cancel = nil
		l.mu.Unlock()
		cancel()
	}()
	return c.Exec(ctx, line)
}

// interrupt cancels the running line, as Ctrl-C does; it reports whether
// one was running.
func (l *labSession) interrupt() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel == nil {
		return false
	}
	l.cancel()
	return true
}

func (l *labSession) complete(prefix string) []string {
	l.mu.Lock()
	c := l.console
	l.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.Complete(prefix)
}

// sockets is the host's socket table.
func (l *labSession) sockets() []lab.SocketInfo {
	l.mu.Lock()
	c := l.client
	l.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.Sockets().Table()
}

// serverSockets is the lab server's socket table as it concerns this
// session's host, asked of the server over the bridge.
func (l *labSession) serverSockets(ctx context.Context) ([]lab.SocketInfo, error) {
	l.mu.Lock()
	c := l.client
	l.mu.Unlock()
	if c == nil {
		return []lab.SocketInfo{}, nil
	}
	return c.ServerSockets(ctx)
}

// waitingAfter is how long a call blocks before the page says what it
// waits for.
const waitingAfter = time.Second

// waiting is the host's calls that have blocked for waitingAfter or
// more, oldest first, each with what it waits for; one waiting for data
// from the lab server is told, from the server's socket table, whether
// its connection waits in the backlog of a service that serves one
// client at a time.
func (l *labSession) waiting(ctx context.Context) []lab.Blocked {
	l.mu.Lock()
	c := l.client
	l.mu.Unlock()
	if c == nil {
		return []lab.Blocked{}
	}
	blocked := c.Sockets().Blocked(time.Now().Add(-waitingAfter))
	server := netip.MustParseAddr(c.Hello().Host.Gateway)
	var rows []lab.SocketInfo
	var connected map[string]time.Time
	for i := range blocked {
		b := &blocked[i]
		if b.Call.Name != "recv" || b.Call.Peer.Addr() != server {
			continue
		}
		if connected == nil {
			var err error
			if rows, err = c.ServerSockets(ctx); err != nil {
				break // said as the stack reads it
			}
			connected = map[string]time.Time{}
			you := c.Addr().String()
			for _, e := range l.trace.Events() {
				if e.Call != nil && e.Host == you && e.Call.Name == "connect" && !e.Call.Failed() && e.Call.Local.IsValid() {
					connected[e.Call.Local.String()] = e.Call.End
				}
			}
		}
		name := ""
		for _, s := range c.Hello().Services {
			if s.Proto == "tcp" && s.Port == b.Call.Peer.Port() {
				name = "the " + s.Name + " service"
				if s.Name == "iterecho" {
					name = "the iterative echo"
				}
			}
		}
		b.InBacklog(rows, connected, name)
	}
	return blocked
}

// wireStepWait is how long socketlab.wire.step() waits for a packet to be
// held, as the console's wire.step() does.
const wireStepWait = time.Second

// wire does a command to the wire of the host's port on the server,
// beside the console's line (it takes no exec lock).
func (l *labSession) wire(cmd lab.WireCommand) (lab.WireResult, error) {
	if err := cmd.Check(); err != nil {
		return lab.WireResult{}, err
	}
	l.mu.Lock()
	c := l.client
	l.mu.Unlock()
	if c == nil {
		return lab.WireResult{}, fmt.Errorf("control the wire: the lab is not connected yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), wireStepWait)
	defer cancel()
	if cmd.Verb != lab.WireVerbStep {
		ctx = context.Background()
	}
	return c.ConsoleWire().Do(ctx, cmd)
}

// workshopClient is the session's client if the host is in a workshop,
// else nil (also before the host is up).
func (l *labSession) workshopClient() *bridge.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.client == nil || l.client.Hello().Workshop == nil {
		return nil
	}
	return l.client
}

// report tells the server, in a workshop, that the student did a step
// (kind "step") or answered its question right ("answer", with the
// answer), and returns the record as stored; nil outside a workshop,
// where progress stays in the browser.
func (l *labSession) report(ctx context.Context, exercise string, step int, kind lab.ProgressKind, answer string) (*lab.ProgressRecord, error) {
	c := l.workshopClient()
	if c == nil {
		return nil, nil
	}
	r, err := c.Report(ctx, exercise, step, kind, answer)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// serverProgress is the workshop student's progress as the server keeps
// it; nil outside a workshop.
func (l *labSession) serverProgress(ctx context.Context) ([]lab.ProgressRecord, error) {
	c := l.workshopClient()
	if c == nil {
		return nil, nil
	}
	return c.Progress(ctx)
}

// after is where the part of the trace a check judges begins: after the
// event numbered seq or, when time is set, after that time. A trace is in
// time order, and a new session's events come later than the last one's,
// where their numbers start again: a Reset kept across a reload is a time.
type after struct {
	seq  uint64
	time time.Time
}

// judge says, for each check, whether the events after since pass it,
// with this session's host as "you".
func (l *labSession) judge(checks []check.Check, since after) []bool {
	evs, you, ok := l.since(since)
	if !ok {
		return make([]bool, len(checks))
	}
	return check.Judge(checks, evs, you)
}

// answer judges the student's answer to a question from the events after
// since, with this session's host as "you".
func (l *labSession) answer(q check.Question, text string, since after) check.Verdict {
	evs, you, ok := l.since(since)
	if !ok {
		return check.Verdict{Result: "not-yet", Message: "The lab is not connected yet: wait for it, then answer."}
	}
	return q.Answer(evs, you, text)
}

// since is the trace after since, and the host's address; ok is false
// before the host is up.
func (l *labSession) since(since after) (events []lab.Event, you netip.Addr, ok bool) {
	l.mu.Lock()
	c := l.client
	l.mu.Unlock()
	if c == nil {
		return nil, netip.Addr{}, false
	}
	// The trace is in the timeline's order, not its numbering's: an event
	// of the lab server's may be placed before one recorded earlier.
	evs := slices.DeleteFunc(l.trace.Events(), func(e lab.Event) bool {
		if since.time.IsZero() {
			return e.Seq <= since.seq
		}
		return !e.Time.After(since.time)
	})
	return evs, c.Addr(), true
}

// variables are the names of the console's variables, sorted: what a
// session that ends takes with it.
func (l *labSession) variables() []string {
	l.mu.Lock()
	c := l.console
	l.mu.Unlock()
	if c == nil {
		return []string{}
	}
	return c.Variables()
}

// pcap is the capture of the host's link, every session's.
func (l *labSession) pcap() ([]byte, error) {
	var b bytes.Buffer
	if err := packet.WriteTrace(&b, l.trace.Events()); err != nil {
		return nil, fmt.Errorf("write pcap: %w", err)
	}
	return b.Bytes(), nil
}

// events passes each event recorded in t from now on to fn, on a
// goroutine of its own, in order: fn may call back into the lab. The
// returned function stops it.
func events(t *lab.Trace, fn func(lab.Event)) (stop func()) {
	var mu sync.Mutex
	var queue []lab.Event
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	unsubscribe := t.Subscribe(func(e lab.Event) {
		mu.Lock()
		queue = append(queue, e)
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-wake:
			}
			mu.Lock()
			batch := queue
			queue = nil
			mu.Unlock()
			for _, e := range batch {
				fn(e)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			unsubscribe()
			close(done)
		})
	}
}
