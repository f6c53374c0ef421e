package services_test

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/labtest"
)

// curl fetches a file from the FTP server (7021) in passive mode, by
// EPSV and by PASV, lists the directory, puts a file with STOR and gets
// it back; a file that is not there is an error. (curl, in ASCII mode
// for listings, turns their CRLFs into LFs.)
func TestFTPWithCurl(t *testing.T) {
	hostServices(t, "127.77.0.8")
	curl := labtest.Need(t, "curl", "curl", "FTP against the standard client")
	run := func(args ...string) (string, error) {
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "10"}, args...)...).CombinedOutput()
		return string(out), err
	}
	hello, _ := os.ReadFile("files/hello.txt")
	for _, mode := range []string{"--epsv", "--disable-epsv"} {
		if got, err := run(mode, "ftp://127.77.0.8:7021/hello.txt"); err != nil || got != string(hello) {
			t.Errorf("curl %s RETR hello.txt: %q, %v", mode, got, err)
		}
	}
	up := filepath.Join(t.TempDir(), "up.txt")
	os.WriteFile(up, []byte("put by curl\n"), 0o644)
	if out, err := run("-T", up, "ftp://127.77.0.8:7021/up.txt"); err != nil {
		t.Fatalf("curl -T up.txt: %v\n%s", err, out)
	}
	if got, err := run("ftp://127.77.0.8:7021/up.txt"); err != nil || got != "put by curl\n" {
		t.Errorf("curl RETR up.txt: %q, %v", got, err)
	}
	got, err := run("ftp://127.77.0.8:7021/")
	if err != nil || !strings.Contains(got, " hello.txt\n") || !strings.Contains(got, "       12 ") || !strings.HasPrefix(got, "-rw-r--r-- 1 ftp ftp ") {
		t.Errorf("curl LIST: %q, %v", got, err)
	}
	if got, err := run("-l", "ftp://127.77.0.8:7021/"); err != nil || got != "hello.txt\ntftp.txt\nup.txt\n" {
		t.Errorf("curl NLST: %q, %v", got, err)
	}
	if got, err := run("ftp://127.77.0.8:7021/nosuch.txt"); err == nil || !strings.Contains(got, "does not exist") {
		t.Errorf("curl RETR nosuch.txt: %q, %v; want curl's word for a 550", got, err)
	}
	if got, err := run("-T", up, "ftp://127.77.0.8:7021/hello.txt"); err == nil || !strings.Contains(got, "553") {
		t.Errorf("curl STOR over the lab's own hello.txt: %q, %v; want a 553", got, err)
	}
}

// By hand, as the exercise does it: log in, PASV, decode the port from
// its six numbers, connect to it, RETR: the file comes over the second
// connection, the replies over the first. The data port takes only the
// control connection's peer; a second PASV closes the first's port; a
// transfer without PASV is a 425.
func TestFTPByHand(t *testing.T) {
	hostServices(t, "127.77.0.9")
	c, err := net.Dial("tcp", "127.77.0.9:7021")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say(t, c, r, "", "220 ")
	say(t, c, r, "LIST", "530 log in first")
	say(t, c, r, "USER ada", "530 only anonymous")
	say(t, c, r, "USER anonymous", "331 ")
	say(t, c, r, "PASS me@lab", "230 ")
	say(t, c, r, "RETR hello.txt", "425 no data connection: send PASV")
	say(t, c, r, "PORT 127,0,0,1,4,1", "502 ")
	c.Write([]byte("PASV\r\n"))
	line, _ := r.ReadString('\n')
	var h [4]int
	var p1, p2 int
	if _, err := fmt.Sscanf(line, "227 Entering Passive Mode (%d,%d,%d,%d,%d,%d)", &h[0], &h[1], &h[2], &h[3], &p1, &p2); err != nil {
		t.Fatalf("PASV: %q: %v", line, err)
	}
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(h[0]), byte(h[1]), byte(h[2]), byte(h[3])}), uint16(p1*256+p2))
	if addr.Addr() != netip.MustParseAddr("127.77.0.9") {
		t.Errorf("PASV names %v, want the control connection's address", addr)
	}
	// A stranger on another address connects first: the server takes
	// the control connection's peer's only.
	stranger, err := net.DialTCP("tcp", net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.77.0.99:0")), net.TCPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	d, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.SetDeadline(time.Now().Add(10 * time.Second))
	say(t, c, r, "RETR hello.txt", "150 sending hello.txt")
	got, _ := bufio.NewReader(d).ReadString(0) // to the server's FIN
	if want, _ := os.ReadFile("files/hello.txt"); got != string(want) {
		t.Errorf("the data connection carried %q, want %q", got, want)
	}
	say(t, c, r, "", "226 hello.txt sent")
	stranger.SetDeadline(time.Now().Add(5 * time.Second))
	if n, err := stranger.Read(make([]byte, 10)); n != 0 || err == nil {
		t.Errorf("the stranger read %d bytes, %v", n, err)
	}
	say(t, c, r, "EPSV", "229 Entering Extended Passive Mode (|||")
	say(t, c, r, "STOR ../x", "553 ")
	say(t, c, r, "QUIT", "221 ")
}
