// Package servertest starts a real socketlab server for tests that drive
// it from outside: the end-to-end suite (server/e2e) and the command
// line's tests.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/socketlab/socketlab/server"
)

// Start serves the lab with cfg on a loopback port until the test ends and
// returns its address. A nil cfg.Log discards the server's log.
func Start(t testing.TB, cfg server.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.New(cfg).Serve(ctx, ln)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}
