//go:build !js

package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
)

// TestPragmas: what makes the file durable and consistent is set on the
// writer and on every reader.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "synchronous", "2"}, // FULL
		{"writer", "foreign_keys", "1"},
		{"writer", "busy_timeout", "5000"},
		{"writer", "query_only", "0"},
		{"reader", "journal_mode", "wal"},
		{"reader", "foreign_keys", "1"},
		{"reader", "busy_timeout", "5000"},
		{"reader", "query_only", "1"},
	} {
		pool := db.w
		if c.pool == "reader" {
			pool = db.r
		}
		var got string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", c.pool, c.pragma, got, c.want)
		}
	}
	if _, err := db.r.ExecContext(ctx, `DELETE FROM workshops`); err == nil {
		t.Error("a reader could write")
	}
}

// TestCodeCollision: a join code already taken is drawn again.
func TestCodeCollision(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	codes := []string{"AAAAAAAA", "AAAAAAAA", "AAAAAAAA", "BBBBBBBB"}
	db.newCode = func() string {
		c := codes[0]
		codes = codes[1:]
		return c
	}
	newWorkshop := func() *lab.Workshop {
		return &lab.Workshop{Title: "T", Exercises: []string{"ports"}, Peers: lab.PeersNone, MaxStudents: 1, TokenHash: lab.HashToken("t")}
	}
	first, second := newWorkshop(), newWorkshop()
	if err := db.CreateWorkshop(ctx, first); err != nil || first.Code != "AAAAAAAA" {
		t.Fatalf("first workshop: %q, %v", first.Code, err)
	}
	if err := db.CreateWorkshop(ctx, second); err != nil || second.Code != "BBBBBBBB" {
		t.Fatalf("second workshop: %q, %v; want the code drawn after two taken ones", second.Code, err)
	}
	db.newCode = func() string { return "AAAAAAAA" }
	if err := db.CreateWorkshop(ctx, newWorkshop()); err == nil || !strings.Contains(err.Error(), "no free join code") {
		t.Errorf("with every code taken: %v", err)
	}
}
