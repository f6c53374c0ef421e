package main

import (
	"context"
	"flag"
	"io"
	"log/slog"

	"github.com/socketlab/socketlab/server"
)

func serveCommand(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "HTTP `address` to serve the lab on")
	hostEcho := fs.String("host-echo", "127.0.0.1:7007", "also run the echo service on the host's network at this `address` (TCP and UDP), for nc and telnet; empty for none")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	return server.New(server.Config{Addr: *addr, HostEcho: *hostEcho, Log: log}).Run(ctx)
}
