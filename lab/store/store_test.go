//go:build !js

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/sqlite"
	"github.com/socketlab/socketlab/lab/store"
)

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "my.db")
	def, err := sqlite.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{"": def, path: path} {
		s, where, err := store.Open(ctx, target)
		if err != nil {
			t.Fatalf("Open(%q): %v", target, err)
		}
		if _, ok := s.(*sqlite.DB); !ok || where != want {
			t.Errorf("Open(%q) = %T at %q; want SQLite at %q", target, s, where, want)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(want); err != nil {
			t.Error(err)
		}
	}
}

// TestOpenPostgres: a postgres:// URL goes to lab/postgres (which says
// so in its error: no server is needed to tell), and its password is not
// shown.
func TestOpenPostgres(t *testing.T) {
	_, where, err := store.Open(context.Background(), "postgres://socketlab:s3cret@/nowhere?host=/nonexistent&connect_timeout=1")
	if err == nil || !strings.HasPrefix(err.Error(), "open postgresql database: ") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a PostgreSQL URL that cannot be reached: %v; want lab/postgres's error, without the password", err)
	}
	if where != "postgres://socketlab:xxxxx@/nowhere?host=/nonexistent&connect_timeout=1" {
		t.Errorf("where = %q, want the URL without its password", where)
	}
}

func TestIsPostgres(t *testing.T) {
	for target, want := range map[string]bool{
		"postgres://h/db": true, "postgresql://h/db": true, "postgres:///db?host=/tmp": true,
		"": false, "socketlab.db": false, "/var/lib/postgres://x": false, "postgres.db": false, "mysql://h/db": false,
	} {
		if got := store.IsPostgres(target); got != want {
			t.Errorf("IsPostgres(%q) = %v", target, got)
		}
	}
}
