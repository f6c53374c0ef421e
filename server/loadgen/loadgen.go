// Package loadgen simulates a class of students for `socketlab bench`.
//
// Each simulated student is the real bridge client: a gVisor stack of its
// own, joined over a WebSocket of its own to the lab server's /bridge,
// untraced (nobody reads a simulated student's trace, and decoding it
// would make the load generator measure itself). It opens one TCP
// connection to the lab server's echo service (10.0.0.1:7)
// and makes a 64-byte round trip on it at a steady rate, a ticker's: a
// tick that comes late because the last round trip ran over is skipped
// and counted, never made up for with a burst. Sessions start evenly over
// a ramp, then all of them keep going for the run's duration. Run gathers
// the round trips' latencies, the sessions' fates and the server's own
// metrics (its /metrics, read before, at the end of the ramp and at the
// end, while the sessions are still up) into a Report.
package loadgen

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/netstack"
)

// The bounds of a run.
const (
	MaxSessions = 100_000
	MaxRate     = 1000 // round trips a second, per session
	MaxDuration = 24 * time.Hour
	MaxTimeout  = 10 * time.Minute
)

// DefaultTimeout bounds a session's coming up and each round trip.
const DefaultTimeout = 10 * time.Second

// MessageSize is the size of a round trip's message.
const MessageSize = 64

// spareFiles are the files the process needs besides one per session.
const spareFiles = 64

// echoAddr is the lab server's echo service.
var echoAddr = netip.MustParseAddrPort("10.0.0.1:7")

// Config is a run.
type Config struct {
	// Server is the lab server: http://host:port or ws://host:port (https
	// and wss too), with or without /bridge.
	Server string
	// Sessions is the number of simulated students.
	Sessions int
	// Rate is the round trips a second each session makes; 0 makes idle
	// sessions, which open their TCP connection and hold it.
	Rate float64
	// Duration is how long every session keeps going after the ramp.
	Duration time.Duration
	// Ramp is the time over which the sessions start, evenly.
	Ramp time.Duration
	// Timeout bounds a session's coming up (WebSocket, hello, TCP
	// handshake) and each round trip; zero means DefaultTimeout.
	Timeout time.Duration
	// Workshop makes the sessions students of one workshop: the run
	// creates it through the instructor's API (POST /api/workshops, with
	// InstructorKey if the server wants one), each session joins it
	// through the join page (POST /join/{code}) and carries its cookie to
	// /bridge?workshop={code}, and the run deletes it at the end. The
	// server's --max-students and --max-workshop-seats must allow Sessions.
	Workshop      bool
	InstructorKey string
	// Exercises are the workshop's, in order, with their steps: the run
	// creates the workshop with them (none: the server's whole
	// worksheet, and no progress to report).
	Exercises []Exercise
	// StepRate makes a workshop a live class (see class.go): the steps a
	// minute each session completes, on average; 0, none.
	StepRate float64
	// HandChance is the chance that a session raises its hand after a
	// step (from 0 to 1); it comes down after the next.
	HandChance float64
	// WorkshopReady, if set, is called with the workshop's code and
	// dashboard URL once it is made, before any session starts; the run
	// waits for it, and an error from it ends the run.
	WorkshopReady func(code, dashboardURL string) error
	// Acked, if set, is called with each report the server acknowledged,
	// from the sessions' goroutines, concurrently.
	Acked func(Ack)
	// Metrics is the server's metrics URL (serve --metrics-addr's
	// http://ADDR/metrics); empty means Server's /metrics, which a
	// server on a loopback address serves.
	Metrics string
	// Progress, if set, is called about once a second while the run goes
	// on, from a goroutine of the run's.
	Progress func(Progress)
}

// Progress is how a run is going.
type Progress struct {
	Elapsed    time.Duration
	Started    int    // sessions that have begun to come up
	Up         int    // sessions up now
	Failed     int    // sessions that failed, coming up or after
	RoundTrips uint64 // round trips made so far, ramp included
	Errors     uint64
}

// check applies the defaults and the bounds.
func (c Config) check() (Config, error) {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.Sessions < 1 || c.Sessions > MaxSessions:
		return c, fmt.Errorf("sessions: %d is not between 1 and %d", c.Sessions, MaxSessions)
	case !(c.Rate >= 0 && c.Rate <= MaxRate): // also NaN
		return c, fmt.Errorf("rate: %v round trips a second is not between 0 and %d", c.Rate, MaxRate)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return c, fmt.Errorf("duration: %v is not more than 0 and at most %v", c.Duration, MaxDuration)
	case c.Ramp < 0 || c.Ramp > MaxDuration:
		return c, fmt.Errorf("ramp: %v is not between 0 and %v", c.Ramp, MaxDuration)
	case c.Timeout < 0 || c.Timeout > MaxTimeout:
		return c, fmt.Errorf("timeout: %v is not between 0 and %v", c.Timeout, MaxTimeout)
	case !(c.StepRate >= 0 && c.StepRate <= MaxStepRate):
		return c, fmt.Errorf("step rate: %v steps a minute is not between 0 and %d", c.StepRate, MaxStepRate)
	case !(c.HandChance >= 0 && c.HandChance <= 1):
		return c, fmt.Errorf("hand chance: %v is not between 0 and 1", c.HandChance)
	case (c.StepRate > 0 || len(c.Exercises) > 0) && !c.Workshop:
		return c, errors.New("step rate: steps are a workshop's: this needs Workshop")
	case c.StepRate > 0 && len(c.Exercises) == 0:
		return c, errors.New("step rate: no exercises to report steps of")
	}
	if limit, ok := openFilesLimit(); ok && uint64(c.Sessions)+spareFiles > limit {
		return c, fmt.Errorf("sessions: %d need about %d open files, and this process may open %d (raise the limit: ulimit -n)", c.Sessions, c.Sessions+spareFiles, limit)
	}
	return c, nil
}

// Endpoints derives, from a server's URL, its bridge's WebSocket URL and
// its metrics' HTTP URL.
func Endpoints(server string) (bridgeURL, metricsURL string, err error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", "", fmt.Errorf("parse server url: %w", err)
	}
	var ws, web string
	switch u.Scheme {
	case "http", "ws":
		ws, web = "ws", "http"
	case "https", "wss":
		ws, web = "wss", "https"
	default:
		return "", "", fmt.Errorf("parse server url: %q: want http://, https://, ws:// or wss://HOST:PORT", server)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("parse server url: %q: want only a scheme, a host and an optional path", server)
	}
	path := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/bridge")
	b := url.URL{Scheme: ws, Host: u.Host, Path: path + "/bridge"}
	m := url.URL{Scheme: web, Host: u.Host, Path: path + "/metrics"}
	return b.String(), m.String(), nil
}

// runner is one run's shared state.
type runner struct {
	cfg       Config
	bridgeURL string
	workshop  *workshop // the one the sessions join; nil unless cfg.Workshop
	start     time.Time // when the first session started
	holdStart time.Time // when the ramp ended

	started, up, failed, ok, notStarted atomic.Int64
	roundTrips, errCount, late          atomic.Uint64
	linkDrops, inboundDrops             atomic.Uint64
	handsRaised                         atomic.Uint64

	mu               sync.Mutex
	ended            bool      // the run is over: round trips no longer count
	hold             histogram // round trips begun after the ramp
	ramp             histogram // round trips begun during the ramp
	upTimes          histogram // how long sessions took to come up
	reports          histogram // from a report's request to its answer
	reportsConfirmed uint64
	errors           map[string]uint64
	examples         map[string]string
}

// Run runs cfg until its end or ctx's, and reports. Every session it
// started has ended when it returns. A run cut short by ctx still
// reports, with Interrupted set.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	cfg, err = cfg.check()
	if err != nil {
		return nil, err
	}
	bridgeURL, metricsURL, err := Endpoints(cfg.Server)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics != "" {
		metricsURL = cfg.Metrics
	}
	r := &runner{cfg: cfg, bridgeURL: bridgeURL, errors: map[string]uint64{}, examples: map[string]string{}}
	hc := &http.Client{Timeout: 30 * time.Second}
	var metricsErr error
	before, err := scrape(ctx, hc, metricsURL)
	if err != nil {
		metricsErr = err
	}
	if cfg.Workshop {
		base := strings.TrimSuffix(metricsURL, "/metrics")
		if r.workshop, err = createWorkshop(ctx, hc, base, cfg.InstructorKey, cfg.Sessions, cfg.Exercises); err != nil {
			return nil, err
		}
		defer func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := r.workshop.delete(dctx); err != nil && rep != nil {
				rep.WorkshopError = err.Error()
			}
		}()
	}
	if w := r.workshop; w != nil && cfg.WorkshopReady != nil {
		if err := cfg.WorkshopReady(w.code, w.dashboardURL); err != nil {
			return nil, fmt.Errorf("workshop ready: %w", err)
		}
	}
	cpu0, _, _ := selfUsage()

	r.start = time.Now()
	r.holdStart = r.start.Add(cfg.Ramp)
	// The sessions outlive ctx by a little: the last scrape must see them
	// up, so they stop when Run says.
	sctx, stopSessions := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSessions()
	var sessions sync.WaitGroup
	launched := make(chan struct{})
	go func() {
		defer close(launched)
		r.launch(sctx, &sessions)
	}()
	progressed := make(chan struct{})
	go func() {
		defer close(progressed)
		r.progress(sctx)
	}()

	hold := before
	interrupted := !sleepUntil(ctx, r.holdStart)
	if !interrupted && cfg.Ramp > 0 && metricsErr == nil {
		if hold, err = scrape(ctx, hc, metricsURL); err != nil {
			metricsErr = err
		}
	}
	interrupted = interrupted || !sleepUntil(ctx, r.holdStart.Add(cfg.Duration))
	end := r.finish()
	var after *sample
	if metricsErr == nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if after, err = scrape(actx, hc, metricsURL); err != nil {
			metricsErr = err
		}
		cancel()
	}
	stopSessions()
	<-launched
	sessions.Wait()
	<-progressed
	cpu1, peak, usageOK := selfUsage()

	rep = r.report(end, interrupted, before, hold, after, metricsErr)
	if usageOK {
		rep.LoadgenCPUS = round((cpu1 - cpu0).Seconds())
		rep.LoadgenPeakRSSMB = round(float64(peak) / (1 << 20))
	}
	return rep, nil
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// launch starts the sessions, evenly over the ramp, until ctx ends.
func (r *runner) launch(ctx context.Context, wg *sync.WaitGroup) {
	n := r.cfg.Sessions
	for i := range n {
		at := r.start.Add(time.Duration(float64(r.cfg.Ramp) * float64(i) / float64(n)))
		if !sleepUntil(ctx, at) {
			r.notStarted.Add(int64(n - i))
			return
		}
		r.started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.session(ctx, i)
		}()
	}
}

// progress reports how the run goes, once a second, until ctx ends.
func (r *runner) progress(ctx context.Context) {
	if r.cfg.Progress == nil {
		return
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.cfg.Progress(Progress{
				Elapsed:    time.Since(r.start),
				Started:    int(r.started.Load()),
				Up:         int(r.up.Load()),
				Failed:     int(r.failed.Load()),
				RoundTrips: r.roundTrips.Load(),
				Errors:     r.errCount.Load(),
			})
		}
	}
}

// finish ends the run's measurements and returns when.
func (r *runner) finish() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = true
	return time.Now()
}

// session is one simulated student, from its WebSocket's dial until ctx
// ends or it fails.
func (r *runner) session(ctx context.Context, i int) {
	t0 := time.Now()
	c, s, err := r.connect(ctx, i+1)
	if err != nil {
		if ctx.Err() != nil {
			r.notStarted.Add(1) // the run ended while it was coming up
		} else {
			r.fail(err)
		}
		return
	}
	defer func() {
		r.linkDrops.Add(c.Dropped())
		r.inboundDrops.Add(s.Host().Dropped())
		s.Close()
		c.Close()
	}()
	r.mu.Lock()
	r.upTimes.record(time.Since(t0))
	r.mu.Unlock()
	r.up.Add(1)
	// The class's steps and hands go on beside the round trips, and stop
	// with them.
	wctx, stopWalk := context.WithCancel(ctx)
	walked := make(chan struct{})
	go func() {
		defer close(walked)
		if r.cfg.StepRate > 0 {
			r.walk(wctx, i, c)
		}
	}()
	err = r.exchange(ctx, i, c, s)
	stopWalk()
	<-walked
	r.up.Add(-1)
	if err != nil {
		r.fail(err)
		return
	}
	r.ok.Add(1)
}

// connect brings a session up: a bridge client, and a TCP connection from
// its host to the lab server's echo service. The connection is the host's
// own socket, under the traced ones a student's console makes.
// In a workshop, the session joins it first, as the nth student.
func (r *runner) connect(ctx context.Context, n int) (c *bridge.Client, s *netstack.Endpoint, err error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	opts := &bridge.Options{Untraced: true}
	u := r.bridgeURL
	if w := r.workshop; w != nil {
		if opts.Header, err = w.join(ctx, n); err != nil {
			return nil, nil, classify("join", ctx, nil, err)
		}
		u += "?workshop=" + w.code
	}
	c, err = bridge.Dial(ctx, u, opts)
	if err != nil {
		return nil, nil, classify("dial", ctx, nil, err)
	}
	s, err = c.Sockets().Host().NewEndpoint(netstack.TCP, 3)
	if err == nil {
		err = s.Connect(ctx, echoAddr)
		if err != nil {
			s.Close()
		}
	}
	if err != nil {
		err = classify("connect", ctx, c, err)
		c.Close()
		return nil, nil, err
	}
	return c, s, nil
}

// exchange makes round trips on s at the configured rate until ctx ends,
// or holds s open if the rate is 0. It returns why it stopped early.
func (r *runner) exchange(ctx context.Context, i int, c *bridge.Client, s *netstack.Endpoint) error {
	if r.cfg.Rate == 0 {
		select {
		case <-ctx.Done():
			return nil
		case <-c.Done():
			return classify("idle", ctx, c, c.Err())
		}
	}
	period := time.Duration(float64(time.Second) / r.cfg.Rate)
	// Start at a random point of the period, so that sessions started
	// together do not tick together.
	if !sleepUntil(ctx, time.Now().Add(rand.N(period))) {
		return nil
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	msg := make([]byte, MessageSize)
	for j := range msg {
		msg[j] = byte('a' + (i+j)%26)
	}
	var n uint64
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.Done():
			return classify("session", ctx, c, c.Err())
		case t := <-tick.C:
			if time.Since(t) > period/2 {
				r.late.Add(1) // the last round trip ran over: no catching up
				continue
			}
		}
		n++
		binary.BigEndian.PutUint64(msg, n)
		start := time.Now()
		if err := roundTrip(ctx, r.cfg.Timeout, c, s, msg); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		r.record(start, time.Since(start))
	}
}

// roundTrip sends msg on s and reads its echo.
func roundTrip(ctx context.Context, timeout time.Duration, c *bridge.Client, s *netstack.Endpoint, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for sent := 0; sent < len(msg); {
		n, err := s.Write(ctx, msg[sent:])
		if err != nil {
			return classify("send", ctx, c, err)
		}
		sent += n
	}
	for got := 0; got < len(msg); {
		p, err := s.Read(ctx, len(msg)-got)
		if err == nil && len(p) == 0 {
			err = errors.New("the lab server closed the connection")
		}
		if err != nil {
			return classify("recv", ctx, c, err)
		}
		if string(p) != string(msg[got:got+len(p)]) {
			return &runError{kind: "echo_mismatch", err: fmt.Errorf("echo of round trip %d: got %q, want %q", binary.BigEndian.Uint64(msg), p, msg[got:got+len(p)])}
		}
		got += len(p)
	}
	return nil
}

// record counts one round trip that began at start.
func (r *runner) record(start time.Time, d time.Duration) {
	r.roundTrips.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.ended:
	case start.Before(r.holdStart):
		r.ramp.record(d)
	default:
		r.hold.record(d)
	}
}

// fail counts a session that failed, and why.
func (r *runner) fail(err error) {
	r.failed.Add(1)
	r.note(err)
}

// note counts an error, and its kind.
func (r *runner) note(err error) {
	kind := "other"
	var re *runError
	if errors.As(err, &re) {
		kind = re.kind
	}
	r.errCount.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors[kind]++
	if _, ok := r.examples[kind]; !ok {
		r.examples[kind] = err.Error()
	}
}

// runError is an error of a session's, with its kind for the report.
type runError struct {
	kind string
	err  error
}

func (e *runError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// classify names the kind of err, which happened at stage: the session
// ended ("session_closed_1008", "session_lost"), the WebSocket was closed
// while coming up ("dial_closed_1013"), the stage timed out
// ("recv_timeout"), or just the stage ("connect").
func classify(stage string, ctx context.Context, c *bridge.Client, err error) error {
	if err == nil {
		err = errors.New("session closed")
	}
	kind := stage
	switch {
	case c != nil && c.Err() != nil:
		err = c.Err()
		kind = "session_lost"
		if code := websocket.CloseStatus(err); code != -1 {
			kind = fmt.Sprintf("session_closed_%d", int(code))
		}
	case websocket.CloseStatus(err) != -1:
		kind = fmt.Sprintf("%s_closed_%d", stage, int(websocket.CloseStatus(err)))
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		kind = stage + "_timeout"
	}
	return &runError{kind: kind, err: err}
}
