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
	instructorKey := fs.String("instructor-key", "", "the server's --instructor-key, to create the workshop with (or $SOCKETLAB_INSTRUCTOR_KEY)")
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
