package services_test

import (
	"io"
	"net"
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
