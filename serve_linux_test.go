package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childServeEnv, set in the environment of the test binary, makes it run
// `socketlab serve` with the arguments it holds (separated by spaces),
// under a bound of childFiles open files.
const childServeEnv = "SOCKETLAB_TEST_CHILD_SERVE"

// childFiles is the child server's RLIMIT_NOFILE, as `ulimit -n 200`.
const childFiles = 200

// childServe runs serve as a child process would after `ulimit -n
// childFiles`, until SIGTERM; its exit status.
func childServe(args string) int {
	lim := syscall.Rlimit{Cur: childFiles, Max: childFiles}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 1
	}
	return childRun(strings.Fields(args))
}

// childRunEnv, set in the environment of the test binary, makes it run
// socketlab with its own arguments.
const childRunEnv = "SOCKETLAB_TEST_CHILD_RUN"

// childRun runs socketlab with args as its main would, until SIGTERM;
// its exit status.
func childRun(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return run(ctx, args, nil, os.Stdout, os.Stderr)
}

// With 200 file descriptors and 250 connections held open to the host's
// echo, the server still answers /healthz, and does not spin: the
// connections over the host services' bounds (64 a peer, a quarter of the
// process's files in all) are closed at once, and an accept that fails
// waits before the next.
func TestHostServicesUnderFileLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server in a child process")
	}
	httpAddr := freePort(t)
	hostAddr := fmt.Sprintf("127.%d.%d.1", 100+rand.IntN(100), rand.IntN(250))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Outside the source checkout: a server without a browser client,
	// which neither builds lab.wasm nor compresses it, work that would
	// count in its CPU time.
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(),
		childServeEnv+"=serve --addr "+httpAddr+" --host-services "+hostAddr)
	var errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &errs, &errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("the child server: %v\n%s", err, errs.String())
		}
	}()
	healthz := func(within time.Duration) error {
		client := http.Client{Timeout: within}
		resp, err := client.Get("http://" + httpAddr + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		client.CloseIdleConnections()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/healthz = %d", resp.StatusCode)
		}
		return nil
	}
	for deadline := time.Now().Add(60 * time.Second); healthz(time.Second) != nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not come up:\n%s", errs.String())
		}
	}

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 250 {
		c, err := net.DialTimeout("tcp", hostAddr+":7007", 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", len(conns)+1, err)
		}
		conns = append(conns, c)
	}
	if err := healthz(2 * time.Second); err != nil {
		t.Fatalf("with 250 connections to the host's echo: %v", err)
	}
	before := cpuTicks(t, cmd.Process.Pid)
	time.Sleep(2 * time.Second)
	used := float64(cpuTicks(t, cmd.Process.Pid)-before) / 100 / 2 // USER_HZ is 100
	t.Logf("the server's CPU with 250 connections to the host's echo: %.0f%% of a core", used*100)
	if used > 0.2 {
		t.Errorf("the server uses %.0f%% of a core, want under 20%%", used*100)
	}
	if err := healthz(2 * time.Second); err != nil {
		t.Errorf("after 2s more: %v", err)
	}
}

// cpuTicks is the user and system time of process pid, in clock ticks.
func cpuTicks(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses:
	// utime and stime are the 14th and 15th of all, the 12th and 13th
	// of these.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	var sum uint64
	for _, s := range f[11:13] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	return sum
}
