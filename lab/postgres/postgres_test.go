package postgres_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/postgres"
	"github.com/socketlab/socketlab/lab/storetest"
)

// Env names the PostgreSQL database the tests use (a URL,
// postgres://…); each test makes a schema of its own there and drops it
// after. .ci/run starts a server and sets it.
const Env = "SOCKETLAB_TEST_POSTGRES"

func TestMain(m *testing.M) {
	labtest.Main(m)
}

// need returns the test database's URL. Without one the test is
// skipped, loudly, or fails under CI=true.
func need(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		msg := "!!! " + Env + " is not set (a postgres:// URL of a database the tests may use; .ci/run starts one): the PostgreSQL store is NOT checked"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return base
}

// schema makes a fresh schema in the test database and returns a URL
// whose search_path is it. The schema is dropped when the test ends.
func schema(t testing.TB) string {
	t.Helper()
	base := need(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s is not a postgres:// URL", Env)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	defer admin.Close(ctx)
	name := "socketlab_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens the store in a fresh schema.
func open(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	need(t)
	storetest.Run(t, func(t *testing.T) lab.WorkshopStore { return open(t) })
}

// TestReopenAndNewerSchema: opening a database again keeps what it has;
// one with a schema newer than this code knows is refused and left as
// it is.
func TestReopenAndNewerSchema(t *testing.T) {
	ctx := context.Background()
	dsn := schema(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	w := &lab.Workshop{Title: "Again", Exercises: []string{"ports"}, Peers: lab.PeersNone, MaxStudents: 3, TokenHash: lab.HashToken("i")}
	if err := db.CreateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = postgres.Open(ctx, dsn); err != nil {
		t.Fatalf("open again: %v", err)
	}
	if got, err := db.Workshop(ctx, w.Code); err != nil || got.Title != "Again" {
		t.Errorf("after reopening: %+v, %v", got, err)
	}
	db.Close()

	raw, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close(ctx)
	if _, err := raw.Exec(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (99, now())`); err != nil {
		t.Fatal(err)
	}
	db, err = postgres.Open(ctx, dsn)
	if err == nil {
		db.Close()
		t.Fatal("opened a database with schema version 99")
	}
	if !strings.Contains(err.Error(), "version 99, newer than this socketlab knows") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
	var n int
	if err := raw.QueryRow(ctx, `SELECT COUNT(*) FROM workshops`).Scan(&n); err != nil || n != 1 {
		t.Errorf("workshops has %d rows (%v), want the 1 it had", n, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, dsn := range []string{"postgres://nobody@/nowhere?host=/nonexistent&connect_timeout=1", "postgres://%zz"} {
		if db, err := postgres.Open(context.Background(), dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		} else if !strings.HasPrefix(err.Error(), "open postgresql database: ") {
			t.Errorf("Open(%q) = %v, want it to say what it was opening", dsn, err)
		}
	}
}

// BenchmarkRecordProgress: one progress record, written and committed.
func BenchmarkRecordProgress(b *testing.B) {
	storetest.BenchmarkRecordProgress(b, open(b))
}
