package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/services"
)

// The differential suite: every console script in testdata/cpython runs
// twice, in the lab (a console on a room of its own) and in real CPython
// (testdata/cpython_driver.py, which runs each line as the REPL does)
// against the lab's services on the host's network, with the lab's
// addresses and ports mapped. The transcripts must read the same, line
// by line, after normalising what must differ (see normalise); a line
// may differ only if it is marked, with the reason, as a difference the
// console means:
//
//	[1, 2]  # deliberate: the console has no lists
//	gethostbyname("www.lab")  # lab-only: CPython's resolver does not know the lab's names
//
// A "deliberate" line runs in both and must still differ (else the mark
// is stale); a "lab-only" line runs in the lab only. The console's help
// lists every reason (TestCPythonDifferencesInHelp).

const (
	corpusDir = "testdata/cpython"
	driver    = "testdata/cpython_driver.py"
)

// minScripts is how many scripts the corpus holds at least.
const minScripts = 40

// normalisations are the differences the suite forgives on every line,
// besides addresses, ports and file descriptors, which must differ: each
// is a reason the console's help gives too.
var normalisations = []string{
	"a SyntaxError says where, in the console's words",
	"some errors end with a hint: line that Python does not print",
	"a socket shows its family and type by name, where Python 3.11 shows numbers",
}

// marks are a script line's markers of a difference, and their reason.
var marks = regexp.MustCompile(`#\s*(deliberate|lab-only):\s*(.+?)\s*$`)

func TestCPython(t *testing.T) {
	python := needPython(t)
	ports := hostServices(t)
	scripts, err := filepath.Glob(filepath.Join(corpusDir, "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) < minScripts {
		t.Errorf("the corpus has %d scripts, want at least %d", len(scripts), minScripts)
	}
	for _, path := range scripts {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".py"), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
			got := runInLab(t, lines)
			want := runInPython(t, python, path, ports)
			compare(t, lines, got, want)
		})
	}
}

// needPython finds python3, or skips the test loudly, or fails it under
// CI, where .ci/run installs it.
func needPython(t *testing.T) string {
	python, err := exec.LookPath("python3")
	if err == nil {
		return python
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("python3 is missing, and CI must run the differential suite against CPython (.ci/run installs it): %v", err)
	}
	msg := "SKIPPING the differential suite against CPython: python3 is not on PATH (CI=true makes this a failure)"
	fmt.Fprintln(os.Stderr, "!!! "+msg)
	t.Skip(msg)
	return ""
}

// runInLab runs the script's lines on a console in a lab of its own and
// returns each line's transcript: the line after ">>> ", what it printed,
// its exception. Blank and comment lines have none.
func runInLab(t *testing.T, lines []string) []string {
	l := newLab(t, room.Config{})
	host := l.h.Sockets().Addr().String()
	out := make([]string, len(lines))
	for i, line := range lines {
		if isComment(line) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res := l.c.Exec(ctx, line)
		cancel()
		out[i] = strings.ReplaceAll(">>> "+line+"\n"+res.Output+labError(res), host, "127.0.0.1")
	}
	return out
}

// labError is a line's exception as the suite compares it: a SyntaxError
// by its class only, and without the console's hints.
func labError(res console.Result) string {
	if res.Exception == "SyntaxError" {
		return "SyntaxError\n"
	}
	var sb strings.Builder
	for _, line := range strings.Split(res.Error, "\n") {
		if line != "" && !strings.HasPrefix(line, "hint: ") {
			sb.WriteString(line + "\n")
		}
	}
	return sb.String()
}

// runInPython runs the script in CPython and returns each line's
// transcript, as runInLab does.
func runInPython(t *testing.T, python, path string, ports []byte) []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "-I", driver, path, string(ports))
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", driver, path, err, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(string(stdout), "\n")+"\n", "\n")
	// Split the transcript at the prompts: each script line that is not a
	// comment starts one with ">>> " and the line.
	var out []string
	cur := -1
	for _, line := range lines[:len(lines)-1] {
		if strings.HasPrefix(line, ">>> ") {
			out = append(out, "")
			cur = len(out) - 1
		}
		if cur >= 0 {
			out[cur] += line + "\n"
		}
	}
	return out
}

var (
	fdNumber  = regexp.MustCompile(`\bfd=\d+`)
	ephemeral = regexp.MustCompile(`(\('[0-9.]+', )(\d{5})\)`)
	daytime   = regexp.MustCompile(`[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4} \d\d:\d\d:\d\d-UTC`)
	pySyntax  = regexp.MustCompile(`(?m)^SyntaxError: .*$`)
	// A socket's repr in CPython 3.11: family=2, type=1 (IntEnums print
	// as ints since 3.11).
	pyKinds = strings.NewReplacer("family=2, type=1,", "family=AF_INET, type=SOCK_STREAM,", "family=2, type=2,", "family=AF_INET, type=SOCK_DGRAM,")
)

// normalise removes from a line's transcript what must differ between
// the lab and CPython: file descriptor numbers, ports the system picks
// (ports of five digits: the corpus binds to lower ones), the time the
// daytime service tells, a SyntaxError's message, and how a socket
// names its family and type.
func normalise(s string) string {
	s = pyKinds.Replace(s)
	s = fdNumber.ReplaceAllString(s, "fd=N")
	s = ephemeral.ReplaceAllString(s, "${1}PORT)")
	s = daytime.ReplaceAllString(s, "DAYTIME")
	return pySyntax.ReplaceAllString(s, "SyntaxError")
}

// compare reports every line whose transcripts differ, unless it is
// marked as a deliberate difference (and then it must differ).
func compare(t *testing.T, lines, lab, python []string) {
	t.Helper()
	i := 0
	for n, line := range lines {
		if isComment(line) {
			continue
		}
		if i >= len(python) {
			t.Fatalf("CPython's transcript ends before line %d: %s", n+1, line)
		}
		got, want := normalise(lab[n]), normalise(python[i])
		i++
		m := marks.FindStringSubmatch(line)
		switch {
		case m != nil && m[1] == "lab-only":
		case m != nil && got == want:
			t.Errorf("line %d is marked as a deliberate difference (%s), but reads the same in the lab and in CPython: drop the mark\n%s", n+1, m[2], got)
		case m == nil && got != want:
			t.Errorf("line %d differs from CPython:\n--- lab\n%s--- CPython\n%s", n+1, got, want)
		}
	}
}

func isComment(line string) bool {
	text := strings.TrimSpace(line)
	return text == "" || strings.HasPrefix(text, "#")
}

// TestCPythonDifferencesInHelp checks that the console's help lists every
// difference from CPython the corpus marks, and every one the suite
// forgives.
func TestCPythonDifferencesInHelp(t *testing.T) {
	l := newLab(t, room.Config{})
	help := l.exec("help()").Output
	reasons := map[string]string{}
	for _, r := range normalisations {
		reasons[r] = "the suite's normalisations"
	}
	scripts, err := filepath.Glob(filepath.Join(corpusDir, "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range scripts {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(string(src), "\n") {
			if m := marks.FindStringSubmatch(line); m != nil && !isComment(line) {
				reasons[m[2]] = path + ":" + strconv.Itoa(n+1)
			}
		}
	}
	flat := strings.Join(strings.Fields(help), " ")
	for r, where := range reasons {
		if !strings.Contains(flat, r) {
			t.Errorf("help() does not say %q (%s)", r, where)
		}
	}
}

// hostServices runs the lab's services on the host's network, each on a
// port the system picks on 127.0.0.1, and returns the ports as the
// driver takes them: {"tcp": {"7": 40007, ...}, "udp": {...}}.
func hostServices(t *testing.T) []byte {
	n := &hostNetwork{ports: map[string]map[string]int{"tcp": {}, "udp": {}}}
	srv := services.NewServer(nil)
	t.Cleanup(srv.Close)
	if err := srv.Start(n, services.OnHost()); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(n.ports)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hostNetwork is the host's network, as services.Kernel is, but on ports
// the system picks, so that the suite runs beside a socketlab serving on
// the usual ones. Its address is the lab server's, so that the DNS
// service answers as the lab's does: the driver maps it to 127.0.0.1.
type hostNetwork struct {
	mu    sync.Mutex
	ports map[string]map[string]int // by proto and lab port
}

func (n *hostNetwork) Addr() netip.Addr { return netip.MustParseAddr("10.0.0.1") }

func (n *hostNetwork) record(proto string, port uint16, a net.Addr) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ports[proto][strconv.Itoa(int(port))] = int(netip.MustParseAddrPort(a.String()).Port())
}

func (n *hostNetwork) Listen(port uint16) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil {
		n.record("tcp", port, ln.Addr())
	}
	return ln, err
}

func (n *hostNetwork) ListenPacket(port uint16) (net.PacketConn, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err == nil {
		n.record("udp", port, pc.LocalAddr())
	}
	return pc, err
}

func (n *hostNetwork) Dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr.String())
}
