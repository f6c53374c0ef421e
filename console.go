package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/console"
)

// consoleCommand is the console in a terminal, over the bridge: the same
// host, calls and packets as in the browser, for people who live in
// terminals and for scripted tests. Lines come from stdin; Ctrl-C
// interrupts the running line, Ctrl-D ends. With --trace, the session's
// trace (both hosts' events on one timeline, as the browser orders them) is
// written when it ends.
func consoleCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	tracePath := fs.String("trace", "", "when the console ends, write every event of both hosts (calls, packets, states), in the trace's order, to this `file`, one JSON object a line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: socketlab console [--trace FILE] ws://HOST:PORT\n\nJoins the lab server at HOST:PORT (its /bridge) and runs the console here.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	url := strings.TrimSuffix(fs.Arg(0), "/")
	if !strings.HasSuffix(url, "/bridge") {
		url += "/bridge"
	}
	c, err := bridge.Dial(ctx, url, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if *tracePath != "" {
		defer func() {
			// The server's events come in order with its answers: once
			// it has answered, what it did before is on the trace.
			if ctx.Err() == nil {
				_, _ = c.ServerSockets(ctx)
			}
			err = errors.Join(err, writeTrace(*tracePath, c.Trace().Events()))
		}()
	}
	h := c.Hello()
	fmt.Fprintf(stdout, "socketlab: your host is %s; the lab server is %s (session %s). help() says what you can do.\n", h.Host.Address, h.Host.Gateway, h.Session)

	con := console.New(c.Sockets(), h.ConsoleServer(), console.WithWire(c.ConsoleWire()))
	defer con.Close()
	interactive := isTerminal(stdin)
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		if interactive {
			fmt.Fprint(stdout, ">>> ")
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case <-c.Done():
			return fmt.Errorf("the session ended: %w", c.Err())
		case line, ok = <-lines:
		}
		if !ok {
			if interactive {
				fmt.Fprintln(stdout)
			}
			return nil
		}
		if !interactive {
			fmt.Fprintf(stdout, ">>> %s\n", line)
		}
		lineCtx, cancel := context.WithCancel(ctx)
		stop := func() { cancel() }
		onInterrupt.Store(&stop)
		r := con.Exec(lineCtx, line)
		onInterrupt.Store(nil)
		cancel()
		fmt.Fprint(stdout, r.Output)
		if r.Error != "" {
			fmt.Fprintln(stdout, r.Error)
		}
	}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
