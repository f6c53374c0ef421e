package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeHealthAndHostServices(t *testing.T) {
	// A free port for the server; the host's services listen on fixed
	// ports (echo 7007, HTTP 7080), so on a loopback address of their own.
	httpAddr := freePort(t)
	hostAddr := fmt.Sprintf("127.%d.%d.1", 100+rand.IntN(100), rand.IntN(250))
	echoAddr, webAddr := hostAddr+":7007", hostAddr+":7080"
	// With no --db, the store is the default file under the state
	// directory: here, the test's own.
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	// Outside the source checkout, which a test must not write into: a
	// server without a browser client, which builds none.
	t.Chdir(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", httpAddr, "--host-services", hostAddr}, nil, &errs, &errs)
	}()

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/healthz = %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, errs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, network := range []string{"tcp", "udp"} {
		c, err := net.Dial(network, echoAddr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("over the host's " + network + "\n"))
		buf := make([]byte, 100)
		n, err := c.Read(buf)
		if got := string(buf[:n]); got != "over the host's "+network+"\n" {
			t.Errorf("%s echo = %q, %v", network, got, err)
		}
		c.Close()
	}
	resp, err := http.Get("http://" + webAddr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello, world\n" {
		t.Errorf("GET /hello on the host's network = %q", body)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d:\n%s", code, errs.String())
		}
		db := filepath.Join(state, "socketlab", "socketlab.db")
		if _, err := os.Stat(db); err != nil || !strings.Contains(errs.String(), db) {
			t.Errorf("serve did not keep workshops in %s and say so (%v):\n%s", db, err, errs.String())
		}
		// The instructor key: made on the first start, kept beside the
		// database for the owner only, and printed as the link.
		keyFile := filepath.Join(state, "socketlab", instructorKeyFile)
		fi, err := os.Stat(keyFile)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the instructor key file: %v, %v; want mode 0600", fi, err)
		}
		key, err := readInstructorKey(keyFile)
		if err != nil || !strings.Contains(errs.String(), "http://"+httpAddr+"/teach?key="+key) {
			t.Errorf("serve did not print the instructor's link with the key %q (%v):\n%s", key, err, errs.String())
		}
		if again, _, err := serveInstructorKey("", filepath.Dir(keyFile)); err != nil || again != key {
			t.Errorf("the next start's key = %q, %v; want the one kept, %q", again, err, key)
		}
		if localInstructorKey() != key {
			t.Errorf("a command on this machine reads the key %q, want %q", localInstructorKey(), key)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop within 5s of its context ending")
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
