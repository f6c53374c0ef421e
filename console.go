package main

import (
	"bufio"
	"context"
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
// interrupts the running line, Ctrl-D ends.
func consoleCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: socketlab console ws://HOST:PORT\n\nJoins the lab server at HOST:PORT (its /bridge) and runs the console here.")
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
