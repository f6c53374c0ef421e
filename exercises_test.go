package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExercisesCheck(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"exercises", "check", "exercises"}, nil, &out, &errs); code != 0 {
		t.Fatalf("exercises check exercises: exit %d\n%s%s", code, out.String(), errs.String())
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
