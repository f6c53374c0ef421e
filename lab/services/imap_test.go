package services_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
)

// curl reads a mail over IMAP (7143) as often as it likes: the mail
// stays on the server until POP3 deletes it.
func TestIMAPWithCurl(t *testing.T) {
	hostServices(t, "127.77.0.10")
	curl := labtest.Need(t, "curl", "curl", "IMAP against the standard client")
	run := func(args ...string) (string, error) {
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "10"}, args...)...).CombinedOutput()
		return string(out), err
	}
	msg := filepath.Join(t.TempDir(), "msg.txt")
	os.WriteFile(msg, []byte("From: grace@lab\r\nTo: ada@lab\r\nSubject: hello\r\n\r\nhello, Ada\r\n"), 0o644)
	if out, err := run("smtp://127.77.0.10:7025", "--mail-from", "grace@lab", "--mail-rcpt", "ada@lab", "-T", msg); err != nil {
		t.Fatalf("curl smtp: %v\n%s", err, out)
	}
	for range 2 {
		got, err := run("imap://127.77.0.10:7143/INBOX;MAILINDEX=1", "-u", "ada:any")
		if err != nil || !strings.HasSuffix(got, "Subject: hello\r\n\r\nhello, Ada\r\n") {
			t.Fatalf("curl imap MAILINDEX=1: %q, %v", got, err)
		}
	}
	if got, err := run("imap://127.77.0.10:7143/INBOX;UID=1", "-u", "ada:any"); err != nil || !strings.Contains(got, "hello, Ada") {
		t.Errorf("curl imap UID=1: %q, %v", got, err)
	}
	if got, err := run("imap://127.77.0.10:7143/", "-u", "ada:any"); err != nil || got != "* LIST () \"/\" INBOX\r\n" {
		t.Errorf("curl imap LIST: %q, %v", got, err)
	}
	if got, err := run("imap://127.77.0.10:7143/INBOX", "-u", "ada:any", "-X", "EXAMINE INBOX"); err != nil || !strings.Contains(got, "* 1 EXISTS") {
		t.Errorf("curl imap EXAMINE INBOX: %q, %v", got, err)
	}
	// POP3 downloads and deletes: IMAP finds the mailbox empty after.
	if out, err := run("pop3://127.77.0.10:7110/1", "-u", "ada:any", "-X", "DELE", "-I"); err != nil {
		t.Fatalf("curl pop3 DELE 1: %v\n%s", err, out)
	}
	if got, err := run("imap://127.77.0.10:7143/INBOX", "-u", "ada:any", "-X", "EXAMINE INBOX"); err != nil || !strings.Contains(got, "* 0 EXISTS") {
		t.Errorf("curl imap EXAMINE INBOX after POP3's DELE: %q, %v", got, err)
	}
	if got, err := run("imap://127.77.0.10:7143/INBOX;MAILINDEX=1", "-u", "ada:any"); err == nil {
		t.Errorf("curl imap MAILINDEX=1 of an empty mailbox: %q, want an error", got)
	}
}
