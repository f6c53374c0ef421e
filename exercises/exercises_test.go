package exercises_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/worksheet"
)

func load(t *testing.T) []*worksheet.Exercise {
	t.Helper()
	exs, probs := exercises.Load(exercises.Embedded())
	for _, p := range probs {
		t.Error(p)
	}
	if len(exs) == 0 {
		t.Fatal("no exercises")
	}
	return exs
}

// TestVerify runs every exercise's solution in a real lab — every step
// must pass, as the Go Tour runs every snippet it shows — and its wrong
// routes, which must not pass every step.
func TestVerify(t *testing.T) {
	for _, ex := range load(t) {
		t.Run(ex.ID, func(t *testing.T) {
			t.Parallel()
			for _, p := range exercises.Verify(context.Background(), ex) {
				t.Error(p)
			}
		})
	}
}

func TestProblemsNameTheirLine(t *testing.T) {
	fsys := fstest.MapFS{
		"bad-front.md": {Data: []byte("---\nid: x\ntitle: [unclosed\n---\n## Step\n")},
		"bad-check.md": {Data: []byte("---\nid: bad-check\ntitle: T\nsummary: S\norder: 1\nservices: [echo/tcp, gopher/tcp]\n---\nIntro\n\n## A step\n\n```check\nexpect:\n  - call: conect\n  - packet: SYN, FOO\n  - frobnicate: 1\n```\n\n## Solution\n\n```solution\ns = socket()\n```\n")},
	}
	_, probs := exercises.Load(fsys)
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"bad-front.md:2: front matter:",
		`bad-check.md:6: front matter: unknown service "gopher/tcp"`,
		`bad-check.md:14: check: unknown call "conect"`,
		`bad-check.md:15: check: unknown TCP flag "FOO"`,
		`bad-check.md:16: check: unknown key "frobnicate"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
}

// TestQuestionsFromTheSolution runs each solution that has questions and
// answers them from its trace: an honest answer is taken, and a wrong one
// (the right one + 1, or the next number that is not honest) is refused
// without being told the answer. The round trip's source port and the
// datagrams' packet count are checked against the trace by other means.
func TestQuestionsFromTheSolution(t *testing.T) {
	asked := map[string]bool{}
	for _, ex := range load(t) {
		if !slices.ContainsFunc(ex.Steps, func(s worksheet.Step) bool { return s.Question != nil }) {
			continue
		}
		t.Run(ex.ID, func(t *testing.T) {
			var events []lab.Event
			var you netip.Addr
			err := exercises.Run(context.Background(), ex.Wire, ex.Solution, func(evs []lab.Event, addr netip.Addr) bool {
				events, you = evs, addr
				return !slices.Contains(ex.Answerable(evs, addr), false) && !slices.Contains(ex.Judge(evs, addr), false)
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ex.Steps {
				q := s.Question
				if q == nil {
					continue
				}
				asked[ex.ID] = true
				honest := q.Answers(events, you)
				if len(honest) == 0 {
					t.Fatalf("%s:%d: no answer in the solution's trace", ex.File, q.Line)
				}
				for _, n := range honest {
					if v := q.Answer(events, you, strconv.FormatUint(n, 10)); !v.OK {
						t.Errorf("%s:%d: honest answer %d refused: %+v", ex.File, q.Line, n, v)
					}
				}
				wrong := honest[0] + 1
				for slices.Contains(honest, wrong) {
					wrong++
				}
				v := q.Answer(events, you, strconv.FormatUint(wrong, 10))
				if v.OK || v.Result != "wrong" {
					t.Errorf("%s:%d: wrong answer %d: %+v", ex.File, q.Line, wrong, v)
				}
				for _, n := range honest {
					if strings.Contains(v.Message, strconv.FormatUint(n, 10)) {
						t.Errorf("%s:%d: the refusal %q gives away %d", ex.File, q.Line, v.Message, n)
					}
				}
				switch ex.ID {
				case "round-trip": // the port connect's socket had
					i := slices.IndexFunc(events, func(e lab.Event) bool { return e.Kind == lab.KindCall && e.Call.Name == "connect" })
					if local := events[i].Call.Local; !slices.Equal(honest, []uint64{uint64(local.Port())}) {
						t.Errorf("round trip: answers %v, want connect's local port (%s)", honest, local)
					}
				case "datagrams": // two datagrams out, two echoes in
					if !slices.Equal(honest, []uint64{4}) {
						t.Errorf("datagrams: answers %v, want 4 packets", honest)
					}
				}
			}
		})
	}
	for _, id := range []string{"round-trip", "datagrams"} {
		if !asked[id] {
			t.Errorf("exercise %s asks no question", id)
		}
	}
}

// TestQuestionNeverAnswered: a question the solution's trace cannot
// answer is a problem at its line.
func TestQuestionNeverAnswered(t *testing.T) {
	src := "---\nid: never\ntitle: T\nsummary: S\nservices: [echo/tcp]\norder: 1\n---\nIntro\n\n## Connect\n\n" +
		"```\ns = socket(AF_INET, SOCK_STREAM)\ns.connect((\"10.0.0.1\", 7))\ns.close()\n```\n\n" +
		"```check\nexpect:\n  - call: connect\n```\n\n" +
		"```question\nask: Which port sent the RST?\npacket: RST\ndir: in\nfield: sport\n```\n\n" +
		"## Solution\n\n```wrong\nu = socket(AF_INET, SOCK_DGRAM)\n```\n"
	ex, probs := worksheet.Parse("never.md", []byte(src), exercises.ServiceNames())
	for _, p := range probs {
		t.Fatal(p)
	}
	var got []string
	for _, p := range exercises.Verify(context.Background(), ex) {
		got = append(got, p.String())
	}
	if want := "never.md:24: step 1 \"Connect\": question can never be answered"; !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("problems lack %q:\n%s", want, strings.Join(got, "\n"))
	}
}

// TestStepTextIsEnough: a step whose text omits what it takes fails where
// the step is, though the rest of the exercise passes. A copy of request
// and response whose third step does not show w.close() cannot pass it:
// the student's FIN never goes out.
func TestStepTextIsEnough(t *testing.T) {
	src, err := fs.ReadFile(exercises.Embedded(), "08-request-response.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	step := strings.Index(text, "\n## Connection: close\n")
	closing := strings.Index(text[step:], "w.close()\n")
	if step < 0 || closing < 0 {
		t.Fatal("request and response has no step 3 that shows w.close()")
	}
	text = text[:step+closing] + text[step+closing+len("w.close()\n"):]
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "08-request-response.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	exs, probs := exercises.Load(os.DirFS(dir))
	for _, p := range probs {
		t.Fatal(p)
	}
	for _, ex := range exs {
		probs = append(probs, exercises.Verify(context.Background(), ex)...)
	}
	line := strings.Count(text[:step+1], "\n") + 1
	want := fmt.Sprintf(`08-request-response.md:%d: step 3 "Connection: close" does not pass right after its code, run in order from the start of the exercise`, line)
	if len(probs) != 1 || !strings.HasPrefix(probs[0].String(), want) {
		t.Errorf("problems %v, want one: %s…", probs, want)
	}
}

// TestQuotedReplies: a server's reply quoted in an exercise's text is
// compared with what the service sent on the exercise's routes (Verify
// does it for every exercise: TestVerify). Send an email, quoting
// "250 OK: queued" where the server says "250 2.0.0 OK: queued", is a
// problem at that line, and only that.
func TestQuotedReplies(t *testing.T) {
	src, err := fs.ReadFile(exercises.Embedded(), "12-send-an-email.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	const right, wrong = "`250 2.0.0 OK: queued`", "`250 OK: queued`"
	at := strings.Index(text, right)
	if at < 0 {
		t.Fatalf("send an email does not quote %s", right)
	}
	text = text[:at] + wrong + text[at+len(right):]
	ex, probs := worksheet.Parse("12-send-an-email.md", []byte(text), exercises.ServiceNames())
	for _, p := range probs {
		t.Fatal(p)
	}
	quoted := 0
	for _, q := range ex.Quotes {
		if strings.HasPrefix(q.Text, "250") || strings.HasPrefix(q.Text, "221") || strings.HasPrefix(q.Text, "354") {
			quoted++
		}
	}
	if quoted < 4 {
		t.Errorf("quotes found: %+v; want the 250s, 354 and 221 among them", ex.Quotes)
	}
	probs = exercises.Verify(context.Background(), ex)
	line := strings.Count(text[:at], "\n") + 1
	want := fmt.Sprintf("12-send-an-email.md:%d: `250 OK: queued` is quoted as a server's reply, but no server sent it", line)
	if len(probs) != 1 || !strings.HasPrefix(probs[0].String(), want) {
		t.Errorf("problems %v, want one: %s…", probs, want)
	}
}
