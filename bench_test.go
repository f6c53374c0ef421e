package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab/sqlite"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/server/loadgen"
	"github.com/socketlab/socketlab/server/servertest"
)

// socketlab bench runs simulated students against a real server, each
// with its own stack and WebSocket, and reports their round trips and the
// server's figures from its /metrics.
func TestBenchCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2-second run")
	}
	addr := servertest.Start(t, server.Config{})
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "--server", "http://" + addr, "--sessions", "4", "--rate", "5", "--duration", "2s", "--ramp", "200ms", "--json"}
	if code := run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("socketlab %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	var rep struct {
		SessionsOK     int               `json:"sessions_ok"`
		SessionsFailed int               `json:"sessions_failed"`
		RoundTrips     int               `json:"round_trips"`
		RTTP50Ms       float64           `json:"rtt_p50_ms"`
		RTTP99Ms       float64           `json:"rtt_p99_ms"`
		RTTMaxMs       float64           `json:"rtt_max_ms"`
		ServerRSSMB    *float64          `json:"server_rss_mb"`
		ServerCPUS     *float64          `json:"server_cpu_s"`
		PacketsFrom    string            `json:"packets_from"`
		Errors         map[string]uint64 `json:"errors"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	if rep.SessionsOK != 4 || rep.SessionsFailed != 0 || len(rep.Errors) != 0 {
		t.Errorf("sessions ok %d, failed %d, errors %v; want 4, 0, none", rep.SessionsOK, rep.SessionsFailed, rep.Errors)
	}
	if rep.RoundTrips <= 0 || rep.RTTP50Ms <= 0 || rep.RTTP99Ms < rep.RTTP50Ms || rep.RTTMaxMs < rep.RTTP99Ms {
		t.Errorf("round trips %d, p50 %v ms, p99 %v ms, max %v ms: want some, in order", rep.RoundTrips, rep.RTTP50Ms, rep.RTTP99Ms, rep.RTTMaxMs)
	}
	if rep.ServerRSSMB == nil || *rep.ServerRSSMB <= 0 || rep.ServerCPUS == nil {
		t.Errorf("server RSS %v MB, CPU %v s: want them from /metrics\n%s", rep.ServerRSSMB, rep.ServerCPUS, stdout.String())
	}
	if rep.PacketsFrom != "server" {
		t.Errorf("packets counted by %q, want the server", rep.PacketsFrom)
	}
	if !strings.Contains(stderr.String(), "\rbench") {
		t.Errorf("no progress line on stderr: %q", stderr.String())
	}
}

// socketlab bench --workshop: the students join one workshop through the
// real join flow, on a server with a store and an instructor's key, make
// their round trips in its network, report steps and raise hands, and
// the workshop is deleted after.
func TestBenchCommandWorkshop(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1-second run")
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exs, _ := exercises.Load(exercises.Embedded())
	addr := servertest.Start(t, server.Config{Store: db, Exercises: exs, InstructorKey: "k3y"})
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "--server", "http://" + addr, "--workshop", "--instructor-key", "k3y", "--sessions", "3", "--rate", "5", "--duration", "1s", "--step-rate", "600", "--hands", "1", "--json"}
	if code := run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("socketlab %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	var rep struct {
		Workshop      string `json:"workshop"`
		WorkshopError string `json:"workshop_error"`
		SessionsOK    int    `json:"sessions_ok"`
		RoundTrips    int    `json:"round_trips"`
		Reports       int    `json:"reports"`
		HandsRaised   int    `json:"hands_raised"`
		Errors        map[string]int
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Workshop == "" || rep.WorkshopError != "" || rep.SessionsOK != 3 || rep.RoundTrips <= 0 || rep.Reports <= 0 || rep.HandsRaised <= 0 || len(rep.Errors) > 0 {
		t.Errorf("report %+v: want a workshop, deleted, 3 sessions ok, round trips, reports, hands and no errors", rep)
	}
	if !strings.Contains(stderr.String(), "its dashboard: http://"+addr+"/workshop/"+rep.Workshop+"#token=") {
		t.Errorf("stderr does not give the dashboard's link:\n%s", stderr.String())
	}
	if n, err := db.CountWorkshops(context.Background()); err != nil || n != 0 {
		t.Errorf("%d workshops left after the run (%v), want 0", n, err)
	}
}

// Out-of-bounds runs are refused with a usage-like error before anything
// starts.
func TestBenchCommandBounds(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sessions", "0"}, "sessions: 0 is not between 1 and 100000"},
		{[]string{"--sessions", "100001"}, "sessions: 100001"},
		{[]string{"--rate", "-1"}, "rate: -1"},
		{[]string{"--rate", "1001"}, "rate: 1001"},
		{[]string{"--duration", "0s"}, "duration: 0s"},
		{[]string{"--ramp", "-1s"}, "ramp: -1s"},
		{[]string{"--server", "ftp://x"}, "want http://, https://, ws:// or wss://"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"bench"}, tc.args...), nil, &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("bench %v: exit %d, stderr %q; want 1 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// socketlab bench soak, short: the server, this test binary as a child
// process on a SQLite file, is killed once and stopped once with SIGTERM
// while sessions come and go with every kind of fault, an attacker runs
// the workshop attacks and workshop students report steps; every report
// the server acknowledged is in the store at the end.
func TestBenchSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a 36-second soak")
	}
	t.Setenv(childRunEnv, "1") // the child server is this binary, as socketlab
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "soak", "--duration", "36s", "--restarts", "1", "--sessions", "4", "--session-life", "1s",
		"--students", "2", "--step-every", "300ms", "--warmup", "4s", "--sample", "1s", "--dir", dir, "--json"}
	code := run(context.Background(), args, nil, &stdout, &stderr)
	logs, _ := os.ReadFile(filepath.Join(dir, "server.log"))
	if code != 0 {
		t.Fatalf("socketlab %s: exit %d\nstdout: %s\nstderr: %s\nserver log:\n%s", strings.Join(args, " "), code, stdout.String(), stderr.String(), logs)
	}
	var rep loadgen.SoakReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, stdout.String())
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	t.Logf("the soak's report:\n%s", text.String())
	if !rep.ReadBack || rep.ReportsAcked == 0 || rep.RecordsLost != 0 || rep.RecordsStored < rep.ReportsAcked {
		t.Errorf("read back %v (%s), %d records acknowledged, %d stored, %d lost: want some acknowledged, read back, none lost",
			rep.ReadBack, rep.ReadBackError, rep.ReportsAcked, rep.RecordsStored, rep.RecordsLost)
	}
	for _, kind := range []string{loadgen.KindStall, loadgen.KindVanish, loadgen.KindReset, loadgen.KindMidFrame} {
		if rep.Faults[kind] == 0 || rep.SessionsServed[kind] == 0 {
			t.Errorf("%s: %d faults injected, %d sessions served; want some", kind, rep.Faults[kind], rep.SessionsServed[kind])
		}
	}
	for _, kind := range []string{loadgen.KindNormal, loadgen.KindStudent} {
		if rep.SessionsServed[kind] == 0 {
			t.Errorf("no %s sessions served", kind)
		}
	}
	// The workshop attacks (one attacker, by default) ran, and the
	// server held each.
	attacks := int64(0)
	for _, kind := range loadgen.Attacks {
		attacks += rep.Faults[kind]
	}
	for kind, n := range rep.Errors {
		if strings.HasPrefix(kind, "attack_") {
			t.Errorf("%s: %d while the server was up: %s", kind, n, rep.ErrorExamples[kind])
		}
	}
	if attacks == 0 {
		t.Error("no workshop attack made")
	}
	if rep.Faults[loadgen.FaultSIGTERM] != 1 || rep.Faults[loadgen.FaultSIGKILL] != 1 || len(rep.Lifetimes) != 3 {
		t.Errorf("%d SIGTERMs, %d SIGKILLs, %d server lifetimes; want 1, 1 and 3", rep.Faults[loadgen.FaultSIGTERM], rep.Faults[loadgen.FaultSIGKILL], len(rep.Lifetimes))
	}
	if len(rep.ServerExits) != 0 {
		t.Errorf("the server's exits: %q", rep.ServerExits)
	}
	if len(rep.Samples) == 0 || rep.Samples[0].RSSMB <= 0 || rep.Samples[0].Goroutines <= 0 {
		t.Errorf("samples %+v: want the server's RSS and goroutines", rep.Samples)
	}
}
