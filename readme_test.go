package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestREADMERecipe runs the README's API recipe ("Run a workshop", the
// lines between the readme-api-recipe marks) with bash against a real
// serve, as pasted, but for the server's address: the key it reads is
// the one serve made on its first start, and the workshop is created.
func TestREADMERecipe(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("!!! no %s: the README's recipe is not run", tool)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "<!-- readme-api-recipe -->\n```sh\n")
	block, _, ok2 := strings.Cut(block, "```\n<!-- /readme-api-recipe -->")
	if !ok || !ok2 {
		t.Fatal("the README has no readme-api-recipe block")
	}
	httpAddr := freePort(t)
	script := strings.ReplaceAll(block, "127.0.0.1:8080", httpAddr)
	if script == block {
		t.Fatal("the recipe does not name http://127.0.0.1:8080")
	}
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("SOCKETLAB_BUILD_DIR", filepath.Join(state, "build")) // not the checkout's static/build
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", httpAddr, "--host-services", "none"}, nil, &errs, &errs)
	}()
	defer func() {
		cancel()
		<-done
	}()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up: %v", err)
		}
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the README's recipe: %v\n%s", err, out)
	}
	var created struct{ Code, Title, Token string }
	if err := json.Unmarshal(out, &created); err != nil || created.Code == "" || created.Title != "Networks 101" || created.Token == "" {
		t.Errorf("the README's recipe answered %s (%v), want the workshop created", out, err)
	}
}
