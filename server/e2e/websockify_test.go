//go:build unix

package e2e

import (
	"bytes"
	"net"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"github.com/coder/websocket"
)

// BenchmarkWebsockifyEchoRoundTrip is the relay a user would pick to reach
// a TCP service from a browser, side by side with the lab's full path:
// Debian's websockify in front of the kernel echo server of
// BenchmarkKernelEchoRoundTrip, and a WebSocket client making the same
// 64-byte round trips (a binary message out, read until 64 bytes are back).
// It is skipped when websockify is not installed (apt-get install
// websockify).
//
//	go test -run '^$' -bench EchoRoundTrip -benchmem ./server/e2e
func BenchmarkWebsockifyEchoRoundTrip(b *testing.B) {
	path, err := exec.LookPath("websockify")
	if err != nil {
		b.Skip("websockify is not installed (apt-get install websockify): no side-by-side figure")
	}
	echo := kernelEchoAddr(b)
	// A port that was free a moment ago.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out := new(output)
	cmd := exec.Command(path, addr, echo)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that the processes it forks for its
	// connections end with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start websockify: %v", err)
	}
	b.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	})

	conn := dialWebSocket(b, "ws://"+addr+"/", out.String)
	defer conn.Close(websocket.StatusNormalClosure, "")
	roundTrips(b, webSocketRoundTrip(conn))
}

// output keeps what websockify says, for an error message.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
