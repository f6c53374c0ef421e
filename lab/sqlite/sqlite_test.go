//go:build !js

package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/sqlite"
	"github.com/socketlab/socketlab/lab/storetest"
)

// open opens a new database in a temporary directory.
func open(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "socketlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) lab.WorkshopStore { return open(t) })
}

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		writeAndDie(path)
	}
	labtest.Main(m)
}

// childEnv names the database TestKilled's child writes to.
const childEnv = "SOCKETLAB_SQLITE_KILL_CHILD"

// killedRecords is how many progress records the child writes.
const killedRecords = 20

// writeAndDie is TestKilled's child: it creates a workshop and a
// student, says which on stdout, records progress and is SIGKILLed by
// itself as soon as the last record is acknowledged: nothing (no Close,
// no deferred function, no checkpoint) runs after it.
func writeAndDie(path string) {
	ctx := context.Background()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		fail(err)
	}
	w := &lab.Workshop{Title: "Killed", Exercises: []string{"round-trip"}, Peers: lab.PeersAll, MaxStudents: 30, TokenHash: lab.HashToken("instructor")}
	if err := db.CreateWorkshop(ctx, w); err != nil {
		fail(err)
	}
	st := &lab.Student{Workshop: w.Code, Name: "Ada", TokenHash: lab.HashToken("ada")}
	if err := db.AddStudent(ctx, st); err != nil {
		fail(err)
	}
	fmt.Printf("%s %d\n", w.Code, st.ID)
	for i := range killedRecords {
		if _, err := db.RecordProgress(ctx, lab.ProgressRecord{StudentID: st.ID, Exercise: "round-trip", Step: i, Kind: lab.ProgressStep, Confirmed: i%2 == 0}); err != nil {
			fail(err)
		}
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// TestKilled: what the store acknowledged is there after the process is
// killed (SIGKILL) right after the acknowledgement.
func TestKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "killed.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, not SIGKILL; it wrote %q", err, out)
	}
	var code string
	var id int64
	if _, err := fmt.Sscan(string(out), &code, &id); err != nil {
		t.Fatalf("the child wrote %q: %v", out, err)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if w, err := db.Workshop(ctx, code); err != nil || w.Title != "Killed" || w.Peers != lab.PeersAll {
		t.Fatalf("the workshop after the kill: %+v, %v", w, err)
	}
	st, err := db.StudentByToken(ctx, code, lab.HashToken("ada"))
	if err != nil || st.ID != id || st.Addr.String() != "10.0.1.1" {
		t.Fatalf("the student after the kill: %+v, %v", st, err)
	}
	recs, err := db.StudentProgress(ctx, id)
	if err != nil || len(recs) != killedRecords {
		t.Fatalf("after the kill: %d progress records, %v; want %d", len(recs), err, killedRecords)
	}
	for i, r := range recs {
		if r.Step != i || r.Confirmed != (i%2 == 0) {
			t.Errorf("record %d after the kill: %+v", i, r)
		}
	}
}

// TestReopen: a database opened again has what it had, and its schema is
// not migrated twice.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "socketlab.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	w := &lab.Workshop{Title: "Again", Exercises: []string{"ports"}, Peers: lab.PeersNone, MaxStudents: 3, TokenHash: lab.HashToken("i")}
	if err := db.CreateWorkshop(ctx, w); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = sqlite.Open(ctx, path); err != nil {
		t.Fatalf("open again: %v", err)
	}
	defer db.Close()
	if got, err := db.Workshop(ctx, w.Code); err != nil || got.Title != "Again" {
		t.Errorf("after reopening: %+v, %v", got, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the database file's mode is %v (%v), want 0600", fi.Mode(), err)
	}
}

// TestNewerSchema: a database written by a newer socketlab is refused,
// and left as it is.
func TestNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "socketlab.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var had int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_version`).Scan(&had); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_version (version, applied_us) VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, path)
	if err == nil {
		db.Close()
		t.Fatal("opened a database with schema version 99")
	}
	if !strings.Contains(err.Error(), "version 99, newer than this socketlab knows") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_version`).Scan(&n); err != nil || n != had+1 {
		t.Errorf("schema_version has %d rows (%v), want the %d it had", n, err, had+1)
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("these are not the tables you are looking for\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", filepath.Join(dir, "missing", "socketlab.db"), notDB, dir} {
		if db, err := sqlite.Open(ctx, path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", path)
		} else if !strings.HasPrefix(err.Error(), "open sqlite database "+path+": ") {
			t.Errorf("Open(%q) = %v, want it to say what it was opening", path, err)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	path, err := sqlite.DefaultPath()
	if want := filepath.Join(state, "socketlab", "socketlab.db"); path != want || err != nil {
		t.Errorf("DefaultPath() = %q, %v; want %q", path, err, want)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the directory's mode is %v (%v), want 0700", fi.Mode(), err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, xdg := range []string{"", "relative/state"} {
		t.Setenv("XDG_STATE_HOME", xdg)
		path, err := sqlite.DefaultPath()
		if want := filepath.Join(home, ".local", "state", "socketlab", "socketlab.db"); path != want || err != nil {
			t.Errorf("XDG_STATE_HOME=%q: DefaultPath() = %q, %v; want %q", xdg, path, err, want)
		}
	}
}

// BenchmarkRecordProgress: one progress record, written and synced
// (each a new record; b.N may exceed a student's bound, so students take
// turns).
func BenchmarkRecordProgress(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkRecordProgress(b, db)
}
