package services_test

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/services"
)

// hostServices runs every host-network service on addr for the test.
func hostServices(t *testing.T, addr string) {
	t.Helper()
	srv := services.NewServer(fixed)
	t.Cleanup(srv.Close)
	if err := srv.Start(services.Kernel{Host: netip.MustParseAddr(addr)}, services.OnHost()); err != nil {
		t.Fatal(err)
	}
}

// curl sends a mail over SMTP (7025) and reads it back over POP3 (7110);
// dig finds the mail server by the MX of lab.
func TestMailWithCurl(t *testing.T) {
	hostServices(t, "127.77.0.2")
	curl := labtest.Need(t, "curl", "curl", "SMTP and POP3 against the standard client")
	msg := filepath.Join(t.TempDir(), "msg.txt")
	os.WriteFile(msg, []byte("From: grace@lab\r\nTo: ada@lab\r\nSubject: hello\r\n\r\nhello, Ada\r\n.a line with a dot\r\n"), 0o644)
	if out, err := exec.Command(curl, "-sS", "smtp://127.77.0.2:7025", "--mail-from", "grace@lab", "--mail-rcpt", "ada@lab", "-T", msg).CombinedOutput(); err != nil {
		t.Fatalf("curl smtp: %v\n%s", err, out)
	}
	out, err := exec.Command(curl, "-sS", "pop3://127.77.0.2:7110/", "-u", "ada:anything").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "1 ") {
		t.Fatalf("curl pop3 LIST: %v\n%s", err, out)
	}
	out, err = exec.Command(curl, "-sS", "pop3://127.77.0.2:7110/1", "-u", "ada:x").CombinedOutput()
	if want := "Subject: hello\r\n\r\nhello, Ada\r\n.a line with a dot\r\n"; err != nil || !strings.HasSuffix(string(out), want) {
		t.Fatalf("curl pop3 RETR 1: %v\n%q\nwant it to end %q", err, out, want)
	}
	out, err = exec.Command(curl, "-sS", "smtp://127.77.0.2:7025", "--mail-rcpt", "someone@example.com", "-T", msg).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "550") {
		t.Errorf("curl smtp to example.com: %v, want a 550\n%s", err, out)
	}
	t.Run("dig", func(t *testing.T) {
		dig := labtest.Need(t, "dig", "bind9-dnsutils", "DNS against the standard client")
		out, err := exec.Command(dig, "@127.77.0.2", "-p", "7053", "+tries=1", "+time=2", "lab", "MX").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "lab.\t\t\t60\tIN\tMX\t10 mail.lab.") || !strings.Contains(string(out), "mail.lab.\t\t60\tIN\tA\t127.77.0.2") {
			t.Errorf("dig lab MX: %v\n%s", err, out)
		}
	})
}

// redis-cli sets a key on the database (13379) and gets it back; an
// inline command typed by hand works too, and a bad one gets -ERR.
func TestKeyValueWithRedisCli(t *testing.T) {
	hostServices(t, "127.77.0.3")
	cli := labtest.Need(t, "redis-cli", "redis-tools", "RESP against the standard client")
	run := func(args ...string) string {
		out, err := exec.Command(cli, append([]string{"-h", "127.77.0.3", "-p", "13379"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct{ args, want string }{
		{"set k v", "OK"},
		{"get k", "v"},
		{"incr n", "1"},
		{"incr n", "2"},
		{"exists k n nosuch", "2"},
		{"keys *", "k\nn"},
		{"expire n 100", "1"},
		{"ttl n", "100"},
		{"del k", "1"},
		{"get k", ""},
		{"ping", "PONG"},
		{"incr", "ERR wrong number of arguments for 'incr' command"},
		{"flushall", "ERR unknown command 'flushall': try PING, SET, GET, DEL, INCR, EXISTS, KEYS, EXPIRE, TTL"},
	} {
		if got := run(strings.Fields(tc.args)...); got != tc.want {
			t.Errorf("redis-cli %s = %q, want %q", tc.args, got, tc.want)
		}
	}

	c, err := net.Dial("tcp", "127.77.0.3:13379")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("SET name ada\r\nGET name\r\n"))
	reply := make([]byte, 64)
	want := "+OK\r\n$3\r\nada\r\n"
	if n, err := io.ReadAtLeast(c, reply, len(want)); string(reply[:n]) != want {
		t.Errorf("inline commands: %q, %v; want %q", reply[:n], err, want)
	}
	c.Write([]byte("*1\r\n$x\r\n"))
	var got bytes.Buffer
	got.ReadFrom(c) // the server closes after a protocol error
	if want := "-ERR Protocol error: invalid bulk length\r\n"; got.String() != want {
		t.Errorf("a bad request: %q, want %q", got.String(), want)
	}
}

// tftp-hpa fetches the files from the file server (7069), in both modes;
// a file it does not have is an error, and so is a write.
func TestFilesWithTftp(t *testing.T) {
	hostServices(t, "127.77.0.4")
	tftp := labtest.Need(t, "tftp", "tftp-hpa", "TFTP against the standard client")
	dir := t.TempDir()
	want, _ := os.ReadFile("files/tftp.txt")
	for _, mode := range []string{"octet", "netascii"} {
		local := filepath.Join(dir, mode)
		out, err := exec.Command(tftp, "-m", mode, "127.77.0.4", "7069", "-c", "get", "tftp.txt", local).CombinedOutput()
		got, _ := os.ReadFile(local)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("tftp -m %s get tftp.txt: %v\n%s\ngot %d bytes, want %d", mode, err, out, len(got), len(want))
		}
	}
	out, _ := exec.Command(tftp, "127.77.0.4", "7069", "-c", "get", "nosuch.txt", filepath.Join(dir, "x")).CombinedOutput()
	if !strings.Contains(string(out), "file not found") {
		t.Errorf("tftp get nosuch.txt: %s", out)
	}
	out, _ = exec.Command(tftp, "127.77.0.4", "7069", "-c", "put", filepath.Join(dir, "octet"), "up.txt").CombinedOutput()
	if !strings.Contains(string(out), "read-only") {
		t.Errorf("tftp put: %s", out)
	}
}
