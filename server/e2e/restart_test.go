package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// serveProcess runs the socketlab binary's serve on addr with the store
// in db, as a child process, until kill.
func serveProcess(t *testing.T, bin, addr, db string) (kill func()) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", db, "--host-services", "none")
	cmd.Dir = filepath.Dir(db) // outside the checkout: it builds no lab.wasm there
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill = func() {
		if !killed {
			killed = true
			cmd.Process.Kill() // SIGKILL: no shutdown, no flush
			cmd.Wait()
		}
	}
	t.Cleanup(kill)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return kill
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up on %s: %v", addr, err)
		}
	}
}

// TestKilledServerKeepsWorkshops: a real server process, its store a
// SQLite file, is killed with SIGKILL after a student joined and had
// progress acknowledged; restarted on the same file, it still has the
// workshop, the student and the progress, and the student's bridge
// client, carrying the same cookie, gets the same address back and reads
// the same progress.
func TestKilledServerKeepsWorkshops(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "socketlab")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db := filepath.Join(dir, "workshops.db")

	kill := serveProcess(t, bin, addr, db)
	// serve made its instructor key beside the database.
	key, err := os.ReadFile(filepath.Join(dir, "instructor-key"))
	if err != nil {
		t.Fatal(err)
	}
	var w created
	if status := api(t, addr, "POST", "/api/workshops", strings.TrimSpace(string(key)), map[string]any{"title": "Killed", "exercises": []string{"round-trip"}}, &w); status != http.StatusCreated {
		t.Fatalf("POST /api/workshops = %d", status)
	}
	cookie := joinWorkshop(t, addr, w.Code, "Ada")
	c := dialStudent(t, addr, w.Code, cookie, nil)
	before := c.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	acked, err := c.Report(ctx, "round-trip", 0, lab.ProgressStep, "")
	if err != nil {
		t.Fatal(err)
	}
	kill() // right after the ack

	serveProcess(t, bin, addr, db)
	var got struct {
		Code     string
		Students []struct {
			Name     string
			Address  string
			Progress []lab.ProgressRecord
		}
	}
	if status := api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, &got); status != http.StatusOK {
		t.Fatalf("GET the workshop after the restart = %d", status)
	}
	if got.Code != w.Code || len(got.Students) != 1 || got.Students[0].Name != "Ada" || got.Students[0].Address != before.String() ||
		len(got.Students[0].Progress) != 1 || got.Students[0].Progress[0].Step != 0 {
		t.Fatalf("after the restart: %+v", got)
	}
	var again = dialStudent(t, addr, w.Code, cookie, nil)
	if again.Addr() != before {
		t.Errorf("the student reconnects at %v, was %v", again.Addr(), before)
	}
	recs, err := again.Progress(ctx)
	if err != nil || len(recs) != 1 || recs[0].Step != acked.Step || !recs[0].At.Equal(acked.At) {
		t.Errorf("progress after the restart = %+v, %v; want %+v", recs, err, acked)
	}
}
