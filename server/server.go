// Package server is socketlab's HTTP server: the pages, their assets and
// the health check, and, beside it, the lab's echo service on the host's
// own network for nc and telnet.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/socketlab/socketlab/lab/services"
)

// Config is how the server runs.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// HostEcho is the host address (such as 127.0.0.1:7007) on which the
	// echo service also listens, TCP and UDP; empty for none.
	HostEcho string
	// Log receives what the server has to say; nil means slog.Default().
	Log *slog.Logger
}

// Server serves the lab.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Log, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /{$}", s.home)
	return s
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "socketlab is running.\n\nTry the lab's echo service from a terminal: nc %s\nor run a console script: socketlab run examples/tcp-echo.lab --pcap echo.pcap\n", hostPort(s.cfg.HostEcho))
}

func hostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host + " " + port
}

// Run serves until ctx ends, then shuts down within a few seconds.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	echo := services.NewServer(nil)
	defer echo.Close()
	if s.cfg.HostEcho != "" {
		s.startHostEcho(echo)
	}

	hs := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("socketlab is serving", "url", "http://"+ln.Addr().String()+"/")

	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// startHostEcho runs the echo service on the host's network. A port in use
// is a warning: the lab works without it.
func (s *Server) startHostEcho(echo *services.Server) {
	if ln, err := net.Listen("tcp", s.cfg.HostEcho); err != nil {
		s.log.Warn("echo on the host's network is off", "proto", "tcp", "err", err)
	} else {
		echo.ServeTCP(ln, services.Echo)
	}
	if pc, err := net.ListenPacket("udp", s.cfg.HostEcho); err != nil {
		s.log.Warn("echo on the host's network is off", "proto", "udp", "err", err)
	} else {
		echo.ServePacket(pc, services.EchoDatagram)
	}
	s.log.Info("echo service on the host's network", "try", "nc "+hostPort(s.cfg.HostEcho))
}
