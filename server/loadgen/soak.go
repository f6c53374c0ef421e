package loadgen

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/worksheet"
	"github.com/socketlab/socketlab/server"
)

// SoakConfig is a soak (`socketlab bench soak`): a lab server run as a
// child process on a SQLite store, restarted with SIGTERM and once with
// SIGKILL, while sessions come and go, some of them faulty, and the
// students of one workshop report their steps. Every report the server
// acknowledged must be in the store at the end.
type SoakConfig struct {
	// Binary is the socketlab binary the server runs as (`Binary serve
	// …`); Env is added to its environment.
	Binary string
	Env    []string
	// Dir is the server's working directory, and holds its log
	// (server.log) and, unless DB names another, its store (soak.db).
	Dir string
	DB  string
	// Duration is how long the soak runs. The restarts fall in its
	// first half, evenly; the server's last lifetime is its second half.
	Duration time.Duration
	// Restarts is how many times the server is stopped with SIGTERM and
	// started again; it is also killed once with SIGKILL, in the middle.
	Restarts int
	// Sessions is how many sessions outside a workshop run at once, each
	// followed by another when it ends, a life of about SessionLife;
	// they cycle through the kinds (SessionKinds), half of them normal.
	Sessions    int
	SessionLife time.Duration
	// Students is how many workshop students report steps at once, one
	// every StepEvery; a student who has reported every step of the
	// worksheet is followed by a new one.
	Students  int
	StepEvery time.Duration
	// Attackers is how many workers run the workshop attacks (Attacks)
	// at once, one after another, a pause of about SessionLife between.
	Attackers int
	// Exercises is the server's worksheet, whose steps the students
	// report.
	Exercises []*worksheet.Exercise
	// Warmup is how long after a start the server is warm: its level is
	// the mean over the Warmup after that, compared with the mean over
	// its lifetime's last Warmup. Sample is how often the server's
	// metrics are read.
	Warmup time.Duration
	Sample time.Duration
	// Timeout bounds a session's coming up, a round trip and a report;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// Progress, if set, is called after each sample.
	Progress func(SoakProgress)
}

// SoakProgress is how a soak is going.
type SoakProgress struct {
	Elapsed  time.Duration
	Served   int64
	Faults   int64
	Acked    int
	Lifetime int // the server's, from 1
	Sample   *SoakSample
}

// The kinds of session outside a workshop, and of fault.
const (
	KindNormal   = "normal"                     // comes up, makes round trips, closes with a close frame
	KindStall    = "stopped_reading"            // stops reading its WebSocket, keeps sending, then goes
	KindVanish   = "closed_without_close_frame" // closes its TCP connection, no close frame
	KindReset    = "reset"                      // resets its TCP connection (SO_LINGER 0)
	KindMidFrame = "killed_mid_frame"           // writes half a WebSocket frame, then closes
	KindStudent  = "workshop_student"           // a workshop student's session (served, not a fault)
	FaultSIGTERM = "server_sigterm"
	FaultSIGKILL = "server_sigkill"
)

// SessionKinds is the cycle the sessions outside a workshop go through.
var SessionKinds = []string{KindNormal, KindStall, KindNormal, KindVanish, KindNormal, KindReset, KindNormal, KindMidFrame}

// The bounds of a soak.
const (
	MaxSoakRestarts = 100
	MaxSoakSessions = 1000
	MaxSoakStudents = 1000
	MaxAttackers    = 10
)

// check applies the defaults and the bounds.
func (c SoakConfig) check() (SoakConfig, error) {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.DB == "" {
		c.DB = filepath.Join(c.Dir, "soak.db")
	}
	steps := 0
	for _, ex := range c.Exercises {
		steps += len(ex.Steps)
	}
	switch {
	case c.Binary == "" || c.Dir == "":
		return c, errors.New("soak: no binary or directory")
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return c, fmt.Errorf("duration: %v is not more than 0 and at most %v", c.Duration, MaxDuration)
	case c.Restarts < 0 || c.Restarts > MaxSoakRestarts:
		return c, fmt.Errorf("restarts: %d is not between 0 and %d", c.Restarts, MaxSoakRestarts)
	case c.Sessions < 0 || c.Sessions > MaxSoakSessions:
		return c, fmt.Errorf("sessions: %d is not between 0 and %d", c.Sessions, MaxSoakSessions)
	case c.Students < 0 || c.Students > MaxSoakStudents:
		return c, fmt.Errorf("students: %d is not between 0 and %d", c.Students, MaxSoakStudents)
	case c.Attackers < 0 || c.Attackers > MaxAttackers:
		return c, fmt.Errorf("attackers: %d is not between 0 and %d", c.Attackers, MaxAttackers)
	case c.Students > 0 && steps == 0:
		return c, errors.New("students: the worksheet has no steps to report")
	case c.SessionLife <= 0 || c.StepEvery <= 0 || c.Sample <= 0 || c.Warmup < 0:
		return c, errors.New("soak: session life, step period and sample period must be more than 0, warm-up 0 or more")
	case c.Timeout < 0 || c.Timeout > MaxTimeout:
		return c, fmt.Errorf("timeout: %v is not between 0 and %v", c.Timeout, MaxTimeout)
	}
	return c, nil
}

// soaker is one soak's shared state.
type soaker struct {
	cfg       SoakConfig
	srv       *child
	bridgeURL string
	base      string // http://addr
	key       string // the server's instructor key
	metrics   string // http://metrics-addr/metrics
	workshop  *workshop
	steps     []stepRef
	start     time.Time
	logPath   string // the server's log

	// epoch counts the server's starts; down is set from a stop until the
	// next start answers. A session that fails while down, or whose epoch
	// changed, failed because of a restart.
	epoch atomic.Int64
	down  atomic.Bool

	mu             sync.Mutex
	served         map[string]int64
	faults         map[string]int64
	errors         map[string]uint64
	examples       map[string]string
	restartErrors  uint64
	acked          map[progressKey]bool
	reportRetries  uint64
	refused        uint64
	studentsJoined int
	samples        []SoakSample
	lifetimes      []SoakLifetime
	exits          []string
}

// stepRef is one step of the worksheet.
type stepRef struct {
	exercise string
	step     int
}

// progressKey is what a progress record is kept under.
type progressKey struct {
	student  int64
	exercise string
	step     int
	kind     lab.ProgressKind
}

// Soak runs cfg until its end or ctx's, and reports. The server it
// started has stopped, and every session ended, when it returns.
func Soak(ctx context.Context, cfg SoakConfig) (*SoakReport, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	metricsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(filepath.Join(cfg.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open server log: %w", err)
	}
	defer logFile.Close()
	s := &soaker{
		cfg: cfg, bridgeURL: "ws://" + addr + "/bridge", base: "http://" + addr, metrics: "http://" + metricsAddr + "/metrics",
		served: map[string]int64{}, faults: map[string]int64{}, errors: map[string]uint64{}, examples: map[string]string{},
		acked: map[progressKey]bool{}, logPath: logFile.Name(),
	}
	for _, ex := range cfg.Exercises {
		for i := range ex.Steps {
			s.steps = append(s.steps, stepRef{ex.ID, i})
		}
	}
	key := crand.Text() // the server's instructor key: the soak creates its workshops with it
	s.key = key
	s.srv = &child{
		bin: cfg.Binary, env: cfg.Env, dir: cfg.Dir, log: logFile, healthz: s.base + "/healthz",
		args: []string{"serve", "--addr", addr, "--metrics-addr", metricsAddr, "--db", cfg.DB, "--host-services", "none",
			"--max-students", fmt.Sprint(lab.MaxStudents), "--max-workshop-seats", fmt.Sprint(2 * lab.MaxStudents), "--max-sessions-per-address", "1000000", "--instructor-key", key},
	}
	s.start = time.Now()
	if err := s.srv.start(ctx); err != nil {
		return nil, err
	}
	defer s.srv.stop(context.WithoutCancel(ctx), false) // if not stopped already
	s.beginLifetime()

	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.Students > 0 {
		if s.workshop, err = createWorkshop(ctx, hc, s.base, key, lab.MaxStudents, nil); err != nil {
			return nil, err
		}
	}

	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	var workers sync.WaitGroup
	for i := range cfg.Sessions {
		workers.Go(func() { s.churn(wctx, i) })
	}
	for i := range cfg.Students {
		workers.Go(func() { s.student(wctx, i) })
	}
	for i := range cfg.Attackers {
		workers.Go(func() { s.attack(wctx, i) })
	}
	workers.Go(func() { s.sampler(wctx, hc) })

	interrupted := false
	events := cfg.Restarts + 1
	if cfg.Restarts == 0 {
		events = 1 // the one SIGKILL
	}
	for i := 1; i <= events && !interrupted; i++ {
		at := s.start.Add(time.Duration(i) * cfg.Duration / time.Duration(2*events))
		if interrupted = !sleepUntil(ctx, at); !interrupted {
			kill := i == (events+1)/2
			if err = s.restart(ctx, kill); err != nil {
				stopWorkers()
				workers.Wait()
				return nil, err
			}
		}
	}
	interrupted = interrupted || !sleepUntil(ctx, s.start.Add(cfg.Duration))
	stopWorkers()
	workers.Wait()

	rep := s.report(interrupted)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if s.workshop != nil {
		if err := s.readBack(rctx, rep); err != nil {
			rep.ReadBackError = err.Error()
		}
	}
	s.endLifetime("end of the soak")
	if exit, err := s.srv.stop(rctx, false); err != nil {
		rep.ServerExits = append(rep.ServerExits, err.Error())
	} else if exit != "" {
		rep.ServerExits = append(rep.ServerExits, exit)
	}
	s.mu.Lock()
	rep.Lifetimes = s.lifetimes
	rep.ServerExits = append(s.exits, rep.ServerExits...)
	s.mu.Unlock()
	rep.analyse(cfg.Warmup)
	return rep, nil
}

// freeAddr is a loopback address with a port free now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// restart stops the server, with SIGKILL if kill, else SIGTERM, and
// starts it again on the same store.
func (s *soaker) restart(ctx context.Context, kill bool) error {
	s.down.Store(true)
	s.epoch.Add(1)
	fault, how := FaultSIGTERM, "SIGTERM"
	if kill {
		fault, how = FaultSIGKILL, "SIGKILL"
	}
	s.count(s.faults, fault)
	exit, err := s.srv.stop(ctx, kill)
	if err != nil {
		return err
	}
	s.endLifetime(how)
	if exit != "" {
		s.mu.Lock()
		s.exits = append(s.exits, exit)
		s.mu.Unlock()
	}
	if err := s.srv.start(ctx); err != nil {
		return err
	}
	s.beginLifetime()
	return nil
}

// beginLifetime marks the server up: a lifetime starts.
func (s *soaker) beginLifetime() {
	s.mu.Lock()
	s.lifetimes = append(s.lifetimes, SoakLifetime{N: len(s.lifetimes) + 1, StartS: s.since()})
	s.mu.Unlock()
	s.down.Store(false)
}

// endLifetime marks the server's lifetime ended, how.
func (s *soaker) endLifetime(how string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.lifetimes[len(s.lifetimes)-1]
	l.EndS, l.EndedBy = s.since(), how
}

// since is the time since the soak started, in seconds.
func (s *soaker) since() float64 { return round(time.Since(s.start).Seconds()) }

// count adds one to m[key].
func (s *soaker) count(m map[string]int64, key string) {
	s.mu.Lock()
	m[key]++
	s.mu.Unlock()
}

// fail counts an error of a session's that began in epoch: as one of a
// restart's if the server was restarted since, else by its kind.
func (s *soaker) fail(epoch int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down.Load() || s.epoch.Load() != epoch {
		s.restartErrors++
		return
	}
	kind := "other"
	var re *runError
	if errors.As(err, &re) {
		kind = re.kind
	}
	s.errors[kind]++
	if _, ok := s.examples[kind]; !ok {
		s.examples[kind] = err.Error()
	}
}

// pause waits about d, less if ctx ends; false if it did.
func pause(ctx context.Context, d time.Duration) bool {
	return sleepUntil(ctx, time.Now().Add(d/2+rand.N(d)))
}

// sampler reads the server's metrics every Sample until ctx ends.
func (s *soaker) sampler(ctx context.Context, hc *http.Client) {
	tick := time.NewTicker(s.cfg.Sample)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		epoch := s.epoch.Load()
		if s.down.Load() {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, max(s.cfg.Sample, 5*time.Second)) // a busy machine's scrape may take longer than a period
		m, err := scrape(sctx, hc, s.metrics)
		cancel()
		if err != nil || s.down.Load() || s.epoch.Load() != epoch {
			continue
		}
		rss, _ := m.get(server.MetricRSS)
		gor, _ := m.get(server.MetricGoroutines)
		open, _ := m.get(server.MetricSessionsOpen)
		var logBytes int64
		if fi, err := os.Stat(s.logPath); err == nil {
			logBytes = fi.Size()
		}
		s.mu.Lock()
		sample := SoakSample{AtS: s.since(), Lifetime: len(s.lifetimes), RSSMB: round(rss / (1 << 20)), Goroutines: gor, SessionsOpen: open, LogBytes: logBytes}
		s.samples = append(s.samples, sample)
		p := SoakProgress{Elapsed: time.Since(s.start), Acked: len(s.acked), Lifetime: len(s.lifetimes), Sample: &sample}
		for _, n := range s.served {
			p.Served += n
		}
		for _, n := range s.faults {
			p.Faults += n
		}
		s.mu.Unlock()
		if s.cfg.Progress != nil {
			s.cfg.Progress(p)
		}
	}
}
