package main

import (
	"context"
	"flag"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/static"
)

func serveCommand(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "HTTP `address` to serve the lab on")
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
	client, err := browserClient(ctx, log)
	if err != nil {
		return err
	}
	return server.New(server.Config{Addr: *addr, HostEcho: *hostEcho, Log: log, AllowOrigins: origins, Client: client}).Run(ctx)
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
