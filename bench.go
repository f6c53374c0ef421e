package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/server/loadgen"
)

// benchCommand is `socketlab bench`: a class of simulated students, each
// the real bridge client with a stack and a WebSocket of its own, making
// TCP echo round trips on a running lab server; then what it measured,
// the server's figures (from its /metrics) included. Ctrl-C ends the run
// early and still reports.
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "soak" {
		return soakCommand(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "the lab server's `URL`: http://HOST:PORT or ws://HOST:PORT")
	sessions := fs.Int("sessions", 10, fmt.Sprintf("simulated students, each with its own stack and WebSocket (1 to %d)", loadgen.MaxSessions))
	rate := fs.Float64("rate", 1, fmt.Sprintf("64-byte echo round trips a second per session (0 to %d; 0: idle sessions holding a connection open)", loadgen.MaxRate))
	duration := fs.Duration("duration", 10*time.Second, "how long the sessions keep going after the ramp")
	ramp := fs.Duration("ramp", 0, "start the sessions evenly over this long")
	timeout := fs.Duration("timeout", loadgen.DefaultTimeout, "bound on a session's coming up and on each round trip")
	workshop := fs.Bool("workshop", false, "make the sessions students of one workshop: create it through the API, join each through /join, bridge with the cookie; delete it at the end")
	stepRate := fs.Float64("step-rate", 0, fmt.Sprintf("with --workshop: steps a minute each student completes, on average, reporting the built-in worksheet's steps in order (0 to %d; 0: none)", loadgen.MaxStepRate))
	hands := fs.Float64("hands", 0, "with --step-rate: the chance (0 to 1) that a student raises a hand after a step; it comes down after their next")
	instructorKey := fs.String("instructor-key", "", "the server's instructor key, to create the workshop with (default: $SOCKETLAB_INSTRUCTOR_KEY, else the one serve keeps on this machine)")
	metrics := fs.String("metrics", "", "the server's metrics `URL`, such as http://HOST:9090/metrics for serve --metrics-addr HOST:9090; empty: the server's own /metrics, which it serves on a loopback address")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write the load generator's own CPU profile to this `file` (for go tool pprof)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: socketlab bench [--server URL] [--sessions N] [--rate R] [--duration D] [--ramp D] [--workshop [--step-rate S] [--hands P]] [--json]\n\n"+
			"Runs N simulated students against a running lab server, each making R 64-byte TCP echo\n"+
			"round trips a second, and reports latency, throughput and the server's memory and CPU.\n"+
			"With --workshop the students join one workshop and share its network; with --step-rate\n"+
			"they complete steps and raise hands, a live class for the dashboard it prints.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}

	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	if *instructorKey == "" {
		*instructorKey = os.Getenv("SOCKETLAB_INSTRUCTOR_KEY")
	}
	if *instructorKey == "" {
		*instructorKey = localInstructorKey() // serve's, on this machine
	}
	var progressed atomic.Bool
	var exs []loadgen.Exercise
	if *workshop && *stepRate > 0 {
		worksheet, probs := exercises.Load(exercises.Embedded())
		if len(probs) > 0 {
			return fmt.Errorf("load the built-in exercises: %s", probs[0])
		}
		for _, ex := range worksheet {
			exs = append(exs, loadgen.Exercise{ID: ex.ID, Steps: len(ex.Steps)})
		}
	}
	cfg := loadgen.Config{
		Server:     *server,
		Metrics:    *metrics,
		Sessions:   *sessions,
		Rate:       *rate,
		Duration:   *duration,
		Ramp:       *ramp,
		Timeout:    *timeout,
		Workshop:   *workshop,
		Exercises:  exs,
		StepRate:   *stepRate,
		HandChance: *hands,
		WorkshopReady: func(code, dashboardURL string) error {
			fmt.Fprintf(stderr, "bench: workshop %s; its dashboard: %s\n", code, dashboardURL)
			return nil
		},
		Progress: func(p loadgen.Progress) {
			progressed.Store(true)
			fmt.Fprintf(stderr, "\rbench %4.0fs: sessions up %d of %d (started %d, failed %d), round trips %d, errors %d   ",
				p.Elapsed.Seconds(), p.Up, *sessions, p.Started, p.Failed, p.RoundTrips, p.Errors)
		},
	}
	cfg.InstructorKey = *instructorKey
	rep, err := loadgen.Run(ctx, cfg)
	if progressed.Load() {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		err = enc.Encode(rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if rep.SessionsFailed > 0 {
		return fmt.Errorf("%d of %d sessions failed", rep.SessionsFailed, rep.Sessions)
	}
	return nil
}

// soakCommand is `socketlab bench soak`: this binary's lab server, run
// as a child process on a SQLite store and restarted, under sessions
// that come and go, faulty ones, and workshop students reporting steps;
// then what was served, the faults, the server's RSS and goroutines over
// its lifetimes, and the acknowledged progress records lost.
func soakCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench soak", flag.ContinueOnError)
	duration := fs.Duration("duration", 30*time.Minute, "how long the soak runs; the restarts fall in its first half")
	restarts := fs.Int("restarts", 4, "how many times the server is stopped with SIGTERM and started again (it is also killed once with SIGKILL)")
	sessions := fs.Int("sessions", 8, "sessions outside a workshop at once, each followed by another when it ends; they cycle through normal, stopped reading, closed without a close frame, reset, killed mid-frame")
	life := fs.Duration("session-life", 3*time.Second, "about how long a session lives (half to one and a half times this)")
	students := fs.Int("students", 4, "workshop students at once, each reporting the worksheet's steps")
	stepEvery := fs.Duration("step-every", 2*time.Second, "about how often a student reports a step")
	attackers := fs.Int("attackers", 1, "workers running the workshop attacks at once, one after another: mirrored events of empty objects, look-ins past the bound, deleting the watched, a ping flood, code probes")
	warmup := fs.Duration("warmup", time.Minute, "the server's warm-up after each start; its level is the mean over the next as long, compared with its lifetime's last as long")
	sample := fs.Duration("sample", 10*time.Second, "how often the server's metrics are read")
	dir := fs.String("dir", "", "`directory` for the server's store (soak.db) and log (server.log), made if need be; empty: a new one under $TMPDIR, kept")
	asJSON := fs.Bool("json", false, "print the report as one JSON object, the samples included")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: socketlab bench soak [--duration D] [--restarts N] [--sessions N] [--students N] [--attackers N] [--dir DIR] [--json]\n\n"+
			"Runs this binary's lab server as a child process on a SQLite store and restarts it (SIGTERM,\n"+
			"and once SIGKILL) while sessions come and go, some of them faulty, and workshop students\n"+
			"report steps; reports the sessions served, the faults, the server's RSS and goroutines over\n"+
			"each lifetime, and the acknowledged progress records lost (0, or it fails).\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary: %w", err)
	}
	if *dir == "" {
		*dir, err = os.MkdirTemp("", "socketlab-soak-")
	} else {
		err = os.MkdirAll(*dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("make the soak's directory: %w", err)
	}
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		return fmt.Errorf("load the built-in exercises: %s", probs[0])
	}
	rep, err := loadgen.Soak(ctx, loadgen.SoakConfig{
		Binary: bin, Dir: *dir, Duration: *duration, Restarts: *restarts,
		Sessions: *sessions, SessionLife: *life, Students: *students, StepEvery: *stepEvery, Attackers: *attackers, Exercises: exs,
		Warmup: *warmup, Sample: *sample,
		Progress: func(p loadgen.SoakProgress) {
			fmt.Fprintf(stderr, "soak %5.0fs: server lifetime %d, RSS %.1f MB, %.0f goroutines, %.0f sessions open; served %d, faults %d, records acknowledged %d\n",
				p.Elapsed.Seconds(), p.Lifetime, p.Sample.RSSMB, p.Sample.Goroutines, p.Sample.SessionsOpen, p.Served, p.Faults, p.Acked)
		},
	})
	if err != nil {
		return err
	}
	if *asJSON {
		err = json.NewEncoder(stdout).Encode(rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	switch {
	case rep.RecordsLost > 0:
		return fmt.Errorf("%d acknowledged progress records lost", rep.RecordsLost)
	case rep.Students > 0 && !rep.ReadBack:
		return fmt.Errorf("progress not read back: %s", rep.ReadBackError)
	}
	return nil
}

// startCPUProfile profiles this process into file until stop is called:
// the load generator shares the machine, so its costs are half the story.
func startCPUProfile(file string) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
