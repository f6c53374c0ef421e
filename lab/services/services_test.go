package services_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/services"
)

var fixed = func() time.Time { return time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC) }

// The services run on the kernel's loopback too, as `nc 127.0.0.1 7007`
// reaches them.
func TestServicesOnTheKernel(t *testing.T) {
	srv := services.NewServer(fixed)
	defer srv.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeTCP(ln, services.Echo)
	dt, _ := net.Listen("tcp", "127.0.0.1:0")
	srv.ServeTCP(dt, srv.Daytime)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServePacket(pc, services.EchoDatagram)

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	for _, line := range []string{"hello\n", strings.Repeat("x", 5000) + "\n"} {
		c.Write([]byte(line))
		got, err := r.ReadString('\n')
		if err != nil || got != line {
			t.Fatalf("echo of %d bytes: got %d bytes, %v", len(line), len(got), err)
		}
	}

	d, _ := net.Dial("tcp", dt.Addr().String())
	d.SetDeadline(time.Now().Add(5 * time.Second))
	all, err := bufio.NewReader(d).ReadString(0)
	if all != "Tuesday, November 24, 2026 09:30:00-UTC\r\n" {
		t.Errorf("daytime = %q, %v (want the date, then the server closes)", all, err)
	}

	u, _ := net.Dial("udp", pc.LocalAddr().String())
	u.SetDeadline(time.Now().Add(5 * time.Second))
	u.Write([]byte("datagram"))
	buf := make([]byte, 100)
	n, err := u.Read(buf)
	if string(buf[:n]) != "datagram" {
		t.Errorf("udp echo = %q, %v", buf[:n], err)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	srv := services.NewServer(nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv.ServeTCP(ln, services.Echo)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("x"))
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with a connection open")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 10)); err == nil {
		// The echo of "x" may come first; then the close.
		if _, err := c.Read(make([]byte, 10)); err == nil {
			t.Error("connection still open after Close")
		}
	}
}
