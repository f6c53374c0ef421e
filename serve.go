package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab/store"
	"github.com/socketlab/socketlab/lab/worksheet"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/static"
)

func serveCommand(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "HTTP `address` to serve the lab on")
	var hostServices netip.Addr
	fs.Func("host-services", "also run the lab's services on the host's network at this `address` (default 127.0.0.1), each on its lab port + 7000: echo 7007, daytime 7013, SMTP 7025, DNS 7053, TFTP 7069, HTTP 7080, POP3 7110, counter 9001, iterative echo 9007, the key-value database 13379; for nc, telnet, curl, dig, redis-cli and tftp; \"none\" for none", func(v string) error {
		if v == "none" || v == "" {
			hostServices = netip.Addr{}
			return nil
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return fmt.Errorf("want an IP address or none: %w", err)
		}
		hostServices = a
		return nil
	})
	var origins []string
	fs.Func("allow-origin", "let pages at this `origin` (https://host:port, host:port, or *) open the bridge; repeatable", func(v string) error {
		origins = append(origins, v)
		return nil
	})
	perAddress := fs.Int("max-sessions-per-address", server.DefaultMaxSessionsPerAddress, "the most lab sessions outside a workshop one client address may hold open, and open a minute (a workshop's students count against its size instead)")
	var proxies []netip.Prefix
	fs.Func("trusted-proxy", "believe X-Forwarded-For from the reverse proxy at this `address or CIDR` (the client is the right-most address in it that is not a trusted proxy); repeatable", func(v string) error {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return fmt.Errorf("want an IP address or a CIDR: %w", err)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		proxies = append(proxies, p.Masked())
		return nil
	})
	var hosts []string
	fs.Func("allow-host", "serve requests for this host `name` (such as lab.example.org), besides IP addresses and localhost, which are always served; repeatable. Others get 421, so that a page at a name pointed at this server (DNS rebinding) cannot use it", func(v string) error {
		hosts = append(hosts, v)
		return nil
	})
	metricsAddr := fs.String("metrics-addr", "", "serve GET /metrics at this `address` too, such as 127.0.0.1:9090; empty for none. The lab's own address serves it only when it is a loopback address")
	exDir := fs.String("exercises", "", "also load the exercises (*.md) in this `dir`; one with a built-in exercise's id replaces it")
	pprofAddr := fs.String("pprof", "", "also serve Go's profiles (net/http/pprof) at this `address`, such as 127.0.0.1:6060; empty for none")
	dbTarget := fs.String("db", "", "keep workshops in this SQLite `file`, or in the PostgreSQL database at a postgres:// URL (default: socketlab.db under $XDG_STATE_HOME/socketlab, else ~/.local/state/socketlab)")
	instructorKey := fs.String("instructor-key", "", "the instructor's `key`: /teach?key=KEY signs a browser in, and the API takes it as a bearer token (default: one made on the first start and kept in instructor-key beside the SQLite database)")
	maxStudents := fs.Int("max-students", server.DefaultMaxStudents, "the most students a workshop may have")
	maxWorkshops := fs.Int("max-workshops", server.DefaultMaxWorkshops, "the most workshops kept at once; creating one more is refused until one is deleted")
	workshopSeats := fs.Int("max-workshop-seats", server.DefaultMaxSessions/2, "the most seats (students) the workshops kept at once may have together; creating one that would take more is refused, so that workshops leave sessions for everyone else")
	linger := fs.Duration("workshop-linger", server.DefaultWorkshopLinger, "how long a workshop's network runs after its last student has gone")
	hostServices = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if *pprofAddr != "" {
		stop, err := servePprof(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	exs, err := loadExercises(*exDir, log)
	if err != nil {
		return err
	}
	client, stopBuild := browserClient(ctx, log)
	defer stopBuild()
	db, where, err := store.Open(ctx, *dbTarget)
	if err != nil {
		return fmt.Errorf("open the workshop store at %s: %w", where, err)
	}
	defer db.Close()
	log.Info("workshops are kept", "in", where)
	dir, err := stateDir(*dbTarget)
	if err != nil {
		return err
	}
	key, keyFrom, err := serveInstructorKey(*instructorKey, dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	printTeachLinks(stderr, teachLinks(ln.Addr(), key), keyFrom)
	return server.New(server.Config{
		Addr: *addr, HostServices: hostServices, Log: log, AllowOrigins: origins, Client: client, Exercises: exs,
		MaxSessionsPerAddress: *perAddress, TrustedProxies: proxies, AllowHosts: hosts, MetricsAddr: *metricsAddr,
		Store: db, InstructorKey: key, MaxStudents: *maxStudents, MaxWorkshops: *maxWorkshops, MaxWorkshopSeats: *workshopSeats, WorkshopLinger: *linger,
	}).Serve(ctx, ln)
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

// servePprof serves Go's profiles at addr, on a listener and a mux of
// their own, until stop is called: go tool pprof http://ADDR/debug/pprof/profile.
func servePprof(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.Serve(ln)
	}()
	log.Info("profiles", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { hs.Close(); <-done }, nil
}

// browserClient is lab.wasm and its loader: embedded in a release build,
// else built from this source checkout in the background (again when its
// sources change) while the server already serves pages; stop ends that
// build, if it still runs.
func browserClient(ctx context.Context, log *slog.Logger) (client fs.FS, stop func()) {
	if embedded, ok := static.Embedded(); ok {
		return embedded, func() {}
	}
	dir, ok := static.ModuleDir(ctx)
	if !ok {
		log.Warn("no browser client: this is not a release build, and not run from the socketlab source checkout; the lab page will say so")
		return nil, func() {}
	}
	// SOCKETLAB_BUILD_DIR puts the build elsewhere than the checkout's
	// static/build (the tests' servers: no test writes into the checkout).
	b := static.StartBuild(ctx, static.BuildConfig{ModuleDir: dir, Dir: os.Getenv("SOCKETLAB_BUILD_DIR"), Brotli: true, Log: log})
	return b, b.Close
}
