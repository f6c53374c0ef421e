// Package server is socketlab's HTTP server: the pages, their assets, the
// health check, the metrics (GET /metrics) and the bridge (GET /bridge),
// where each WebSocket is a session, a student host's network cable to a
// lab network; the workshops (with a Config.Store): the instructor's API
// (/api/workshops), the join flow (/join, /w) and one shared lab network
// per workshop; and, beside it, the lab's echo service on the host's own
// network for nc and telnet.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/services"
	"github.com/socketlab/socketlab/lab/worksheet"
	"github.com/socketlab/socketlab/server/pages"
	"github.com/socketlab/socketlab/static"
)

// Config is how the server runs.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// HostServices is the host's address (such as 127.0.0.1) at which
	// the lab's services also listen, each on its lab port plus
	// services.HostPortOffset (echo 7007, HTTP 7080, DNS 7053), for nc,
	// telnet, curl and dig; invalid for none.
	HostServices netip.Addr
	// Log receives what the server has to say; nil means slog.Default().
	// A line many sessions repeat is limited by its message (lograte.go).
	Log *slog.Logger
	// Exercises are the worksheet, in order, served at /lab/{id}.
	Exercises []*worksheet.Exercise
	// Client is the built browser client (lab.wasm, wasm_exec.js, and
	// their .br and .gz), served under /static/build/; nil if there is
	// none, and the lab page says so.
	Client fs.FS

	// AllowOrigins lists the pages, besides the server's own, that may open
	// /bridge: an origin ("https://lab.example.org"), a host with an
	// optional port ("lab.example.org:8443", any scheme) or "*" (any page).
	// An upgrade without an Origin header (a native client) is allowed.
	AllowOrigins []string
	// AllowHosts lists the names, besides IP addresses and localhost,
	// that requests may ask for in their Host header ("lab.example.org");
	// a request for another gets 421. It keeps a page at a name that
	// resolves to the server (DNS rebinding) from being its own origin.
	AllowHosts []string
	// MetricsAddr is where GET /metrics is served, on a listener of its
	// own; empty for none. The main listener serves /metrics too when it
	// is on a loopback address.
	MetricsAddr string

	// Store keeps workshops, their students and their progress; nil
	// means a server without workshops (/api/workshops, /join and
	// /bridge?workshop= are not served).
	Store lab.WorkshopStore
	// InstructorKey, if set, is what POST /api/workshops needs as its
	// bearer token; empty lets anyone who reaches the server create one.
	InstructorKey string
	// MaxStudents is a new workshop's bound on students, and the most a
	// request may ask for.
	MaxStudents int
	// MaxWorkshops bounds the workshops stored at once: creating one
	// more is refused until one is deleted.
	MaxWorkshops int
	// MaxWorkshopSeats bounds the seats (their max students) of the
	// workshops stored at once, whoever made them: creating one that
	// would take more is refused, so that workshops leave sessions for
	// the rest (default: half of MaxSessions).
	MaxWorkshopSeats int
	// WorkshopLinger is how long a workshop's network runs after its last
	// student has gone; it is built again, from the store, when one comes
	// back.
	WorkshopLinger time.Duration

	// The bridge's bounds. A zero value means its default (Default…).

	// MaxSessions bounds the sessions open at once; one more is closed
	// with 1013 right after its upgrade.
	MaxSessions int
	// MaxSessionsPerAddress bounds the sessions outside a workshop open
	// at once from one client address (Server.clientAddr), and the new
	// ones a minute; one more is closed with 1013 right after its
	// upgrade. A workshop's students count against its size instead.
	MaxSessionsPerAddress int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed: a request from one of them is counted against the
	// address the header names (see Server.clientAddr).
	TrustedProxies []netip.Prefix
	// IdleTimeout ends a session whose client has sent nothing for this
	// long, with close 1001 "idle".
	IdleTimeout time.Duration
	// PacketRate and PacketBurst bound the messages a second a client may
	// send (a token bucket); messages over the rate are dropped and
	// counted. A negative PacketRate means no bound.
	PacketRate  float64
	PacketBurst int
	// RateDropLimit closes, with 1008 "packet rate", a session that has
	// had this many messages dropped for its rate without resting.
	RateDropLimit int
	// MaxConnections bounds the TCP connections a session's host may hold
	// open to its lab server; more are closed as soon as they are
	// accepted, and counted. Negative means no bound.
	MaxConnections int
	// SendQueue bounds the packets waiting to be written to a client;
	// more are dropped and counted, as a congested link would.
	SendQueue int
	// EventQueue bounds the events waiting to be written to a client; a
	// session that falls further behind is closed with 1008.
	EventQueue int
	// WriteTimeout bounds a write to a client.
	WriteTimeout time.Duration

	// HTTP's bounds, for every request but a bridge session once it is
	// upgraded. A zero value means its default (Default…).

	// RequestTimeout bounds the reading of a request, its body too: a
	// client that trickles one is cut off.
	RequestTimeout time.Duration
	// KeepAliveTimeout closes a keep-alive connection with no request for
	// this long.
	KeepAliveTimeout time.Duration
}

// Server serves the lab.
type Server struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	now      func() time.Time // the clock of the sessions' packet rates; tests set it
	origins  origins
	hosts    hosts
	metrics  http.Handler // GET /metrics
	upgrader *websocket.Upgrader
	sessions *registry

	worksheets map[string]*pages.Worksheet    // by exercise id, rendered once
	exercises  map[string]*worksheet.Exercise // by id: progress reports are judged by them

	workshops *workshops // nil without a store
	guesses   *buckets   // wrong join codes and tokens, by client address
	// creating keeps a new workshop's check of the bounds and its
	// creation together.
	creating sync.Mutex
	starts   *buckets // new sessions outside a workshop, by client address

	refusedOrigin, refusedFull, refusedStudent, refusedAddress, refusedHandshake, errors atomic.Uint64
	closes                                                                               closeCounts // ended sessions by close code
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{
		cfg:      cfg,
		log:      cfg.Log,
		mux:      http.NewServeMux(),
		now:      time.Now,
		origins:  newOrigins(cfg.AllowOrigins),
		hosts:    newHosts(cfg.AllowHosts),
		upgrader: newUpgrader(),
		sessions: newRegistry(),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = slog.New(newLogLimiter(s.log.Handler()))
	s.worksheets = map[string]*pages.Worksheet{}
	s.exercises = map[string]*worksheet.Exercise{}
	var prev *pages.Worksheet // each links to the next, in the worksheet's order
	for _, ex := range cfg.Exercises {
		s.exercises[ex.ID] = ex
		ws, err := renderWorksheet(ex)
		if err != nil {
			s.log.Warn("exercise left out", "file", ex.File, "err", err)
			continue
		}
		s.worksheets[ex.ID] = ws
		if prev != nil {
			prev.Next = &pages.ExerciseLink{ID: ws.ID, Title: ws.Title}
		}
		prev = ws
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /{$}", s.home)
	s.mux.Handle("GET /static/", static.Handler(cfg.Client))
	s.mux.Handle("GET /favicon.ico", static.Favicon())
	s.mux.HandleFunc("GET /lab", func(w http.ResponseWriter, r *http.Request) { s.labPage(w, r, nil) })
	s.mux.HandleFunc("GET /lab/{exercise}", s.exercisePage)
	s.mux.HandleFunc("GET /lab/{exercise}/questions", s.exerciseQuestions)
	s.mux.HandleFunc("GET /bridge", s.serveBridge)
	s.metrics = s.metricsHandler()
	s.mux.Handle("GET /metrics", onLoopback(s.metrics))
	s.guesses = newBuckets(time.Now, s.clientAddr, guessBurst, guessWindow)
	s.starts = newBuckets(time.Now, s.clientAddr, cfg.MaxSessionsPerAddress, startWindow)
	if cfg.Store != nil {
		s.workshops = newWorkshops(cfg.Store, cfg.WorkshopLinger, cfg.MaxConnections, s.log)
		s.routeWorkshops()
	}
	return s
}

// Handler is the server's HTTP handler. Bridge sessions it opens are ended
// and waited for by Serve; under another server, they end only when their
// clients leave, break a bound or idle out.
func (s *Server) Handler() http.Handler { return s.hosts.guard(lengthRequired(s.mux)) }

// lengthRequired refuses a request whose body has no Content-Length (a
// chunked one) with 411, and closes its connection: net/http takes a
// request with both Content-Length and Transfer-Encoding by the latter
// and keeps the connection, where a proxy in front that went by the
// former would read a request smuggled after it (RFC 9112, 6.3). No
// client of the lab sends a chunked body.
func lengthRequired(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
			http.Error(w, "socketlab: a request body needs a Content-Length", http.StatusLengthRequired)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	nc := ""
	if s.cfg.HostServices.IsValid() {
		nc = fmt.Sprintf("nc %v %d", s.cfg.HostServices, 7+services.HostPortOffset)
	}
	render(w, r, pages.Home(nc, s.exerciseLinks(), homeServices(services.Standard)))
}

// homeServices are the services as the home page lists them: by port,
// TCP before UDP on a port both serve.
func homeServices(specs []services.Spec) []pages.Service {
	out := make([]pages.Service, len(specs))
	for i, sp := range specs {
		out[i] = pages.Service(sp)
	}
	slices.SortStableFunc(out, func(a, b pages.Service) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Proto, b.Proto))
	})
	return out
}

// render writes a page, or a plain 500 if it cannot be rendered.
func render(w http.ResponseWriter, r *http.Request, page templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Render(r.Context(), w); err != nil {
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
	}
}

// Serve serves on ln until ctx ends. Then every bridge session is closed
// with 1001 "server shutting down" and its lab network stopped, and Serve
// returns once every goroutine the server started has, within a few
// seconds. Serve is called once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.MetricsAddr != "" {
		stop, err := s.serveMetrics()
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	hostServices := services.NewServer(nil)
	defer hostServices.Close()
	if s.cfg.HostServices.IsValid() {
		s.startHostServices(hostServices)
	}

	// ReadTimeout covers a WebSocket upgrade's request too; gorilla's
	// Upgrade clears the deadline it leaves once it has hijacked the
	// connection (TestHTTPTimeouts checks that a session outlives it).
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: min(10*time.Second, s.cfg.RequestTimeout),
		ReadTimeout:       s.cfg.RequestTimeout,
		IdleTimeout:       s.cfg.KeepAliveTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("socketlab is serving", "url", "http://"+ln.Addr().String()+"/")

	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
		s.log.Info("shutting down", "sessions", s.Stats().SessionsCurrent)
	}
	// Sessions run on hijacked connections, which Shutdown neither closes
	// nor waits for: the registry does both.
	s.sessions.shutdown(bridge.CloseGoingAway, "server shutting down")
	if s.workshops != nil {
		s.workshops.events.close() // the dashboards' streams end
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		hs.Close()
	}
	if serveErr == nil {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr = fmt.Errorf("serve http: %w", err)
		}
	}
	s.sessions.wait()
	if s.workshops != nil {
		s.workshops.close()
	}
	return serveErr
}

// startHostServices runs the lab's services on the host's network. A
// port in use is a warning: the lab works without it.
func (s *Server) startHostServices(srv *services.Server) {
	host := services.Kernel{Host: s.cfg.HostServices}
	srv.LimitPerPeer(HostConnsPerPeer)
	srv.LimitTotal(hostConnsTotal())
	srv.CloseIdle(HostIdleTimeout)
	var on, try []string
	for _, sp := range services.OnHost() {
		if err := srv.Start(host, []services.Spec{sp}); err != nil {
			s.log.Warn("a service on the host's network is off", "err", err)
			continue
		}
		on = append(on, fmt.Sprintf("%s/%s %d", sp.Name, sp.Proto, sp.Port+services.HostPortOffset))
		if cmd := sp.TryOnHost(s.cfg.HostServices); cmd != "" {
			try = append(try, cmd)
		}
	}
	s.log.Info("services on the host's network", "addr", s.cfg.HostServices, "ports", strings.Join(on, ", "),
		"try", strings.Join(try, "; "))
}
