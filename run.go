package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/packet"
	"github.com/socketlab/socketlab/lab/room"
)

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	pcapPath := fs.String("pcap", "", "write the student host's packets to this pcap `file`")
	tracePath := fs.String("trace", "", "write every event (calls, packets, states) to this `file`, one JSON object a line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: socketlab run SCRIPT [--pcap FILE] [--trace FILE]\n\nRuns a console script in an in-process lab (your host and the lab server at 10.0.0.1)\nand prints the transcript as the console would. A line ending in\n\"# raises ExceptionName\" is expected to raise it.\n\nFlags:")
		fs.PrintDefaults()
	}
	// Flags may come before or after the script's name.
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	script := rest[0]
	if err := parseFlags(fs, rest[1:], stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}

	f, err := os.Open(script)
	if err != nil {
		return err
	}
	defer f.Close()

	l, err := room.NewLab(room.Config{})
	if err != nil {
		return err
	}
	defer l.Close()
	runErr := console.RunScript(ctx, l.Console, f, stdout)
	// The script's sockets close, and the packets that causes (a
	// teardown's FINs and ACKs) belong in the capture: wait for them.
	l.Console.Close()
	if err := l.Room.WaitQuiet(ctx); err != nil {
		return errors.Join(runErr, err)
	}

	evs := l.Host.Trace().Events()
	if *pcapPath != "" {
		if err := writeFile(*pcapPath, func(w io.Writer) error { return packet.WriteTrace(w, evs) }); err != nil {
			return fmt.Errorf("write pcap: %w", err)
		}
	}
	if *tracePath != "" {
		if err := writeTrace(*tracePath, evs); err != nil {
			return err
		}
	}
	return runErr
}

// writeTrace writes events to the file at path, one JSON object a line.
func writeTrace(path string, evs []lab.Event) error {
	err := writeFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, e := range evs {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write trace: %w", err)
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = errors.Join(write(w), w.Flush())
	return errors.Join(err, f.Close())
}
