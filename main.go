// Command socketlab is an interactive lab for learning how clients and
// servers talk: real socket calls, and every packet they cause.
//
//	socketlab [serve] [--addr 127.0.0.1:8080] [--host-services 127.0.0.1] [--db PATH|postgres://…] [--instructor-key KEY]
//	socketlab run SCRIPT [--pcap FILE] [--trace FILE]
//	socketlab console ws://HOST:PORT
//	socketlab bench [--server URL] [--sessions N] [--rate R] [--duration D] [--ramp D] [--json]
//	socketlab bench soak [--duration 30m] [--restarts 4] [--sessions 8] [--students 4] [--json]
//
// `go run .` starts the lab server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

const usage = `socketlab: learn how clients and servers talk, one socket call and one packet at a time.

Usage:
  socketlab [serve] [flags]              start the lab server (the default)
  socketlab run SCRIPT [--pcap FILE] [--trace FILE]
                                         run a console script in an in-process lab
  socketlab console ws://HOST:PORT       the console in this terminal, on a running lab
  socketlab exercises check DIR          validate exercises and run their solutions
  socketlab bench [--server URL] [--sessions N] [--rate R] [--duration D] [--ramp D] [--json]
                                         simulated students on a running lab: latency, server RSS and CPU
  socketlab bench soak [--duration 30m] [--restarts 4] [--json]
                                         this server restarted under faults: sessions served, RSS over time, records lost
  socketlab help                         this text

Run "socketlab COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// Ctrl-C stops the server; in the console it interrupts the running
	// line instead (see consoleCommand).
	signal.Notify(interrupts, os.Interrupt)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for range interrupts {
			if f := onInterrupt.Load(); f != nil {
				(*f)()
			} else {
				cancel()
			}
		}
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

var (
	interrupts  = make(chan os.Signal, 1)
	onInterrupt atomic.Pointer[func()] // what Ctrl-C does now, if not stop
)

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-') {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serveCommand(ctx, args, stderr)
	case "run":
		err = runCommand(ctx, args, stdout, stderr)
	case "console":
		err = consoleCommand(ctx, args, stdin, stdout, stderr)
	case "exercises":
		err = exercisesCommand(ctx, args, stdout, stderr)
	case "bench":
		err = benchCommand(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "socketlab: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errProblems):
		return 1
	}
	fmt.Fprintf(stderr, "socketlab %s: %v\n", cmd, err)
	return 1
}

// errUsage is a command line that could not be understood; the flag
// package has said why.
var errUsage = errors.New("usage")

func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
