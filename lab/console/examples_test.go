package console_test

import (
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
)

// exampleSetup is what the example in a name's help needs done first: the
// socket or the value its line uses, in the state it needs.
var exampleSetup = map[string]string{
	"bind":        stream,
	"listen":      stream + `; s.bind(("", 5000))`,
	"accept":      stream + `; s.bind(("", 5000)); s.listen(5); c = socket(); c.connect((gethostname(), 5000))`,
	"connect":     stream,
	"send":        connected,
	"sendall":     connected,
	"recv":        echoed,
	"sendto":      `s = socket(AF_INET, SOCK_DGRAM)`,
	"recvfrom":    `s = socket(AF_INET, SOCK_DGRAM); s.sendto(b"hi", ("10.0.0.1", 7))`,
	"shutdown":    connected,
	"close":       stream,
	"settimeout":  stream,
	"setblocking": stream,
	"connect_ex":  stream,
	"gettimeout":  stream,
	"setsockopt":  stream,
	"getsockopt":  stream,
	"getsockname": stream,
	"getpeername": connected,
	"fileno":      stream,
	"print":       `data = b"hello\n"`,
	"len":         `data = b"hello\n"`,
	"decode":      echoed,
	"step":        held,
	"release":     held,
	"drop":        held,
}

const (
	stream    = `s = socket(AF_INET, SOCK_STREAM)`
	connected = stream + `; s.connect(("10.0.0.1", 7))`
	echoed    = connected + `; s.sendall(b"hello\n")`
	held      = `wire.pause(); s = socket(AF_INET, SOCK_DGRAM); s.sendto(b"hi", ("10.0.0.1", 7))`
)

// Every example in the console's help runs, in a lab of its own, after
// its setup: an example on the line of its "Example:" without an
// exception; an example under it, written as a session (">>> " before
// each line, then what the line prints), as it reads.
func TestHelpExamples(t *testing.T) {
	used := map[string]bool{}
	for _, name := range console.HelpNames() {
		t.Run(name, func(t *testing.T) {
			l := newLab(t, room.Config{StudentsSeeEachOther: true})
			res := l.exec(`help("` + name + `")`)
			if res.Error != "" {
				t.Fatalf("help(%q): %s", name, res.Error)
			}
			exs := examples(res.Output)
			if len(exs) == 0 {
				return
			}
			used[name] = true
			if setup := exampleSetup[name]; setup != "" {
				if res := l.exec(setup); res.Error != "" {
					t.Fatalf("setup %s: %s", setup, res.Error)
				}
			}
			for _, ex := range exs {
				if ex.session != "" {
					l.transcript(t, ex.session)
				} else if res := l.exec(ex.line); res.Error != "" {
					t.Errorf("Example: %s\n%s", ex.line, res.Error)
				}
			}
		})
	}
	for name := range exampleSetup {
		if !used[name] {
			t.Errorf("exampleSetup has a setup for %s, whose help has no example", name)
		}
	}
}

// helpExample is an example in a help text: a line to run, or a session
// to run and compare.
type helpExample struct{ line, session string }

// examples finds the examples in a help text: the rest of the line after
// "Example: ", or the session in the lines under a lone "Example:", up to
// a blank line.
func examples(help string) []helpExample {
	var exs []helpExample
	lines := strings.Split(help, "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "Example: "); ok {
			exs = append(exs, helpExample{line: rest})
			continue
		}
		if line != "Example:" {
			continue
		}
		var session strings.Builder
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) == "" {
				break
			}
			session.WriteString(strings.TrimPrefix(l, "    ") + "\n")
		}
		exs = append(exs, helpExample{session: session.String()})
	}
	return exs
}
