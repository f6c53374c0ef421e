package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/exercises"
)

// TestExercisesCheck runs the command on a folder holding one of the
// built-in exercises, which passes (exercises' TestVerify runs every
// one's solution, once), and on one with a broken and an unknown check,
// which it names with their lines.
func TestExercisesCheck(t *testing.T) {
	var out, errs bytes.Buffer
	good := t.TempDir()
	src, err := fs.ReadFile(exercises.Embedded(), "01-round-trip.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(good, "01-round-trip.md"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run(context.Background(), []string{"exercises", "check", good}, nil, &out, &errs); code != 0 || !strings.Contains(out.String(), "1 exercises, every step passes") {
		t.Fatalf("exercises check %s: exit %d\n%s%s", good, code, out.String(), errs.String())
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.md"), []byte("---\nid: broken\ntitle: [oops\n---\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "unknown.md"), []byte("---\nid: unknown\ntitle: T\nsummary: S\norder: 1\n---\n## A step\n```check\nexpect:\n  - teleport: now\n```\n## Solution\n```solution\ns = socket()\n```\n"), 0o644)
	out.Reset()
	if code := run(context.Background(), []string{"exercises", "check", dir}, nil, &out, &errs); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{dir + "/broken.md:2: front matter:", dir + `/unknown.md:10: check: unknown key "teleport"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
