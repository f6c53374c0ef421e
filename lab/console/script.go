package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// RunScript runs script on c line by line and writes to out the
// transcript of an interactive session: each line after a ">>> " prompt,
// then what it printed and the exception it raised. Blank lines and lines
// holding only a comment are written as they are, without a prompt, and
// not run.
//
// RunScript stops at the first line that raises an exception it was not
// expected to, as Python stops a script, and returns an error such as
// "script line 3: ConnectionRefusedError: [Errno 111] Connection refused".
// A line expects an exception when it ends with a comment "# raises"
// and the exception's class, or a base class of it:
//
//	s.connect(("10.0.0.1", 9))  # raises ConnectionRefusedError
//
// A line that expects an exception and raises none, or another, is an
// error too. When ctx is cancelled, the running line raises
// KeyboardInterrupt and RunScript returns an error wrapping ctx.Err().
func RunScript(ctx context.Context, c *Console, script io.Reader, out io.Writer) error {
	r := bufio.NewReader(script)
	w := &errWriter{w: out}
	for n := 1; ; n++ {
		line, err := readLine(r)
		if errors.Is(err, io.EOF) && line == "" {
			return w.err
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("script line %d: %w", n, err)
		}
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			w.write(line + "\n")
			continue
		}
		echo := line
		if len(echo) > maxLineBytes {
			echo = strings.ToValidUTF8(echo[:80], "") + "..."
		}
		if ctx.Err() != nil {
			// Interrupted between lines: the next line is where it shows.
			w.write(">>> " + echo + "\nKeyboardInterrupt\n")
			return fmt.Errorf("script line %d: KeyboardInterrupt: %w", n, ctx.Err())
		}
		res := c.Exec(ctx, line)
		w.write(">>> " + echo + "\n" + res.Output)
		if res.Error != "" {
			w.write(res.Error + "\n")
		}
		if w.err != nil {
			return w.err
		}
		if err := check(ctx, n, line, res); err != nil {
			return err
		}
	}
}

// check returns the error, if any, of a script's line that returned res.
func check(ctx context.Context, n int, line string, res Result) error {
	if res.Exception == "KeyboardInterrupt" && ctx.Err() != nil {
		return fmt.Errorf("script line %d: KeyboardInterrupt: %w", n, ctx.Err())
	}
	want := expectedException(line)
	switch {
	case want == "" && res.Exception == "":
		return nil
	case want == "":
		return fmt.Errorf("script line %d: %s", n, errorLine(res.Error))
	case res.Exception == "":
		return fmt.Errorf("script line %d: expected %s, but the line raised no exception", n, want)
	case !isException(res.Exception, want):
		return fmt.Errorf("script line %d: %s (expected %s)", n, errorLine(res.Error), want)
	}
	return nil
}

// errorLine is the last line of an exception, without the hint the
// console may add under it and without the "line 1" that a SyntaxError
// names in an interactive session.
func errorLine(text string) string {
	if i := strings.Index(text, "\nhint: "); i >= 0 {
		text = text[:i]
	}
	text = text[strings.LastIndexByte(text, '\n')+1:]
	text = strings.Replace(text, "SyntaxError: line 1, ", "SyntaxError: ", 1)
	return strings.Replace(text, "SyntaxError: line 1: ", "SyntaxError: ", 1)
}

var raisesComment = regexp.MustCompile(`^\s*raises\s+([A-Za-z_][A-Za-z0-9_.]*)`)

// expectedException is the class a line's "# raises Class" comment names,
// or "".
func expectedException(line string) string {
	_, comment, err := lex(line)
	if err != nil {
		// The line does not lex: take its last comment-like part.
		i := strings.LastIndexByte(line, '#')
		if i < 0 {
			return ""
		}
		comment = line[i+1:]
	}
	if m := raisesComment.FindStringSubmatch(comment); m != nil {
		return m[1]
	}
	return ""
}

// readLine reads one line, without its line ending. Of a line longer than
// a console takes, it keeps a byte more than that, so that Exec rejects it.
func readLine(r *bufio.Reader) (string, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if room := maxLineBytes + 1 - len(buf); room > 0 {
			buf = append(buf, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line := strings.TrimSuffix(strings.TrimSuffix(string(buf), "\n"), "\r")
		return line, err
	}
}

// errWriter remembers the first error writing to w, and then writes
// nothing more.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) write(s string) {
	if w.err == nil {
		_, w.err = io.WriteString(w.w, s)
	}
}
