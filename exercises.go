package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/socketlab/socketlab/exercises"
)

// exercisesCommand is `socketlab exercises check DIR`: it validates every
// exercise file in DIR (front matter, check blocks, services) and runs
// each solution and wrong route in a real lab, printing each problem as
// FILE:LINE: message.
func exercisesCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("exercises", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: socketlab exercises check DIR\n\nValidates the exercises (*.md) in DIR and runs each solution and wrong\nroute in a lab; prints each problem as FILE:LINE: message, exit status 1 if any.")
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 2 || fs.Arg(0) != "check" {
		fs.Usage()
		return errUsage
	}
	dir := fs.Arg(1)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("check exercises: %s is not a directory", dir)
	}
	exs, probs := exercises.Load(os.DirFS(dir))
	for _, ex := range exs {
		probs = append(probs, exercises.Verify(ctx, ex)...)
	}
	for _, p := range probs {
		fmt.Fprintf(stdout, "%s/%s\n", dir, p)
	}
	if len(probs) > 0 {
		return errProblems
	}
	fmt.Fprintf(stdout, "%d exercises, every step passes with its solution\n", len(exs))
	return nil
}

// errProblems is a check that found problems; they are printed already.
var errProblems = errors.New("problems found")
