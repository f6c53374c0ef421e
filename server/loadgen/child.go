package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// The bounds on a child server's coming up and its shutdown.
const (
	childStartTimeout = 2 * time.Minute
	childStopTimeout  = 30 * time.Second
)

// child is the lab server a soak runs as a child process, started again
// on the same arguments after each stop.
type child struct {
	bin     string
	args    []string
	env     []string
	dir     string
	log     io.Writer
	healthz string // its /healthz URL

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	err    error         // cmd.Wait's
}

// start starts the server and waits until its /healthz answers.
func (c *child) start(ctx context.Context) error {
	cmd := exec.Command(c.bin, c.args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the server: %w", err)
	}
	c.cmd, c.exited = cmd, make(chan struct{})
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(childStartTimeout)
	for {
		resp, err := hc.Get(c.healthz)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("start the server: it exited: %v", c.err)
		case <-ctx.Done():
			c.stop(context.WithoutCancel(ctx), true)
			return fmt.Errorf("start the server: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop(ctx, true)
			return fmt.Errorf("start the server: /healthz did not answer in %v", childStartTimeout)
		}
	}
}

// stop stops the server with SIGKILL, or SIGTERM and SIGKILL if it has
// not exited childStopTimeout later, and waits for it. exit says how a
// SIGTERM's exit was not clean ("" if it was); err, that the server
// could not be stopped. Stopping a stopped server does nothing.
func (c *child) stop(ctx context.Context, kill bool) (exit string, err error) {
	if c.cmd == nil {
		return "", nil
	}
	defer func() { c.cmd = nil }()
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := c.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return "", fmt.Errorf("stop the server: %w", err)
	}
	select {
	case <-c.exited:
	case <-time.After(childStopTimeout):
		c.cmd.Process.Kill()
		<-c.exited
		return fmt.Sprintf("the server did not exit %v after SIGTERM: killed", childStopTimeout), nil
	case <-ctx.Done():
		c.cmd.Process.Kill()
		<-c.exited
		return "", fmt.Errorf("stop the server: %w", ctx.Err())
	}
	if !kill && c.err != nil {
		return fmt.Sprintf("the server exited after SIGTERM: %v", c.err), nil
	}
	return "", nil
}
