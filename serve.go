package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab/worksheet"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/static"
)

func serveCommand(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "HTTP `address` to serve the lab on")
	exDir := fs.String("exercises", "", "also load the exercises (*.md) in this `dir`; one with a built-in exercise's id replaces it")
	hostEcho := fs.String("host-echo", "127.0.0.1:7007", "also run the echo service on the host's network at this `address` (TCP and UDP), for nc and telnet; empty for none")
	var origins []string
	fs.Func("allow-origin", "let pages at this `origin` (https://host:port, host:port, or *) open the bridge; repeatable", func(v string) error {
		origins = append(origins, v)
		return nil
	})
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	exs, err := loadExercises(*exDir, log)
	if err != nil {
		return err
	}
	client, err := browserClient(ctx, log)
	if err != nil {
		return err
	}
	return server.New(server.Config{Addr: *addr, HostEcho: *hostEcho, Log: log, AllowOrigins: origins, Client: client, Exercises: exs}).Run(ctx)
}

// loadExercises is the built-in worksheet, with the exercises in dir (if
// set) added, or replacing those with the same id. A broken file in dir is
// left out with a warning naming its line; the server still starts.
func loadExercises(dir string, log *slog.Logger) ([]*worksheet.Exercise, error) {
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		return nil, fmt.Errorf("load the built-in exercises: %s", probs[0])
	}
	if dir == "" {
		return exs, nil
	}
	extra, probs := exercises.Load(os.DirFS(dir))
	for _, p := range probs {
		log.Warn("exercise left out", "problem", filepath.Join(dir, p.String()))
	}
	for _, ex := range extra {
		i := slices.IndexFunc(exs, func(e *worksheet.Exercise) bool { return e.ID == ex.ID })
		if i >= 0 {
			exs[i] = ex
		} else {
			exs = append(exs, ex)
		}
	}
	slices.SortStableFunc(exs, func(a, b *worksheet.Exercise) int { return a.Order - b.Order })
	log.Info("exercises loaded", "dir", dir, "added or replaced", len(extra))
	return exs, nil
}

// browserClient is lab.wasm and its loader: embedded in a release build,
// else built from this source checkout (again when its sources change).
func browserClient(ctx context.Context, log *slog.Logger) (fs.FS, error) {
	if embedded, ok := static.Embedded(); ok {
		return embedded, nil
	}
	dir, ok := static.ModuleDir(ctx)
	if !ok {
		log.Warn("no browser client: this is not a release build, and not run from the socketlab source checkout; the lab page will say so")
		return nil, nil
	}
	if err := static.EnsureWasm(ctx, dir, log); err != nil {
		return nil, err
	}
	return os.DirFS(filepath.Join(dir, static.BuildDir)), nil
}
