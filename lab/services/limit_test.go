package services_test

import (
	"io"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/services"
)

// A peer over its bound of open connections has the extra one closed as
// soon as it is accepted, and counted; closing one of its connections makes
// room for another.
func TestLimitPerPeer(t *testing.T) {
	srv := services.NewServer(fixed)
	defer srv.Close()
	srv.LimitPerPeer(2)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeTCP(ln, services.Echo)

	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		return c
	}
	echoes := func(c net.Conn) bool {
		if _, err := c.Write([]byte("x")); err != nil {
			return false
		}
		b := make([]byte, 1)
		_, err := io.ReadFull(c, b)
		return err == nil
	}

	a, b := dial(), dial()
	defer a.Close()
	defer b.Close()
	if !echoes(a) || !echoes(b) {
		t.Fatal("the first two connections are not served")
	}
	extra := dial()
	defer extra.Close()
	if n, err := extra.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the third connection read %d bytes, want it closed", n)
	}
	if got := srv.Refused(); got != 1 {
		t.Errorf("Refused() = %d, want 1", got)
	}

	a.Close()
	for i := 0; ; i++ {
		c := dial()
		ok := echoes(c)
		c.Close()
		if ok {
			break
		}
		if i == 100 {
			t.Fatal("a closed connection never made room for another")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A bound on all connections refuses one more from any peer; an idle
// connection is closed after CloseIdle's timeout.
func TestLimitTotalAndIdle(t *testing.T) {
	srv := services.NewServer(fixed)
	defer srv.Close()
	srv.LimitTotal(1)
	srv.CloseIdle(200 * time.Millisecond)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeTCP(ln, services.Echo)
	first, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := first.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(first, make([]byte, 1)); err != nil {
		t.Fatalf("the first connection does not echo: %v", err)
	}
	second, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Error("a second connection over a total of 1 was served")
	}
	start := time.Now()
	if _, err := first.Read(make([]byte, 1)); err == nil {
		t.Error("an idle connection was not closed")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("an idle connection was closed after %v, want about 200ms", d)
	}
}

// failing is a listener whose Accept fails, as one out of file
// descriptors does, counting its calls.
type failing struct {
	net.Listener
	calls atomic.Int64
}

func (l *failing) Accept() (net.Conn, error) {
	l.calls.Add(1)
	return nil, syscall.EMFILE
}

// An accept that keeps failing is retried after a wait that doubles from
// 5 ms, not at once: in 300 ms, a handful of tries, not a spinning core.
func TestAcceptBackoff(t *testing.T) {
	srv := services.NewServer(fixed)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &failing{Listener: ln}
	srv.ServeTCP(f, services.Echo)
	time.Sleep(300 * time.Millisecond)
	srv.Close()
	// 0, 5, 15, 35, 75, 155, 315 ms: 7 tries, some slack for a slow machine.
	if n := f.calls.Load(); n > 10 {
		t.Errorf("%d accepts in 300ms of EMFILE, want at most 10", n)
	}
}

// The start-up log's commands to try the host's services name each
// service's own port on the host (its lab port + HostPortOffset) and the
// host's address.
func TestTryOnHostPorts(t *testing.T) {
	host := netip.MustParseAddr("127.0.0.1")
	for _, sp := range services.OnHost() {
		cmd := sp.TryOnHost(host)
		if cmd == "" {
			continue
		}
		port := strconv.Itoa(int(sp.Port) + services.HostPortOffset)
		if !strings.Contains(cmd, host.String()) || !regexp.MustCompile(`\b`+port+`\b`).MatchString(cmd) {
			t.Errorf("%s/%s: %q, want %s and port %s", sp.Name, sp.Proto, cmd, host, port)
		}
	}
}
