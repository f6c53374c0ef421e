package exercises_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/socketlab/socketlab/exercises"
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
