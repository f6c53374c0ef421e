package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTeachLinks(t *testing.T) {
	if got := teachLinks(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 8080}, "a b"); !slices.Equal(got, []string{"http://192.0.2.7:8080/teach?key=a+b"}) {
		t.Errorf("the link for one address = %q", got)
	}
	// On every address: one link each, loopback among them, as Jupyter
	// prints them.
	all := teachLinks(&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "k")
	if !slices.Contains(all, "http://127.0.0.1:8080/teach?key=k") {
		t.Errorf("the links on 0.0.0.0 = %q, want 127.0.0.1's among them", all)
	}
	for _, l := range all {
		if strings.Contains(l, "0.0.0.0") || strings.Contains(l, "[") {
			t.Errorf("a link on 0.0.0.0: %q, want an address of this host's, IPv4", l)
		}
	}
}

func TestServeInstructorKey(t *testing.T) {
	dir := t.TempDir()
	if key, where, err := serveInstructorKey("given", dir); key != "given" || where != "--instructor-key" || err != nil {
		t.Errorf("with the flag: %q %q %v", key, where, err)
	}
	if _, err := os.Stat(filepath.Join(dir, instructorKeyFile)); err == nil {
		t.Error("a key given is written down")
	}
	first, where, err := serveInstructorKey("", dir)
	if err != nil || len(first) < 26 || where != filepath.Join(dir, instructorKeyFile) {
		t.Fatalf("the first start's key: %q %q %v", first, where, err)
	}
	if again, _, _ := serveInstructorKey("", dir); again != first {
		t.Errorf("the next start's key = %q, want %q", again, first)
	}
	os.WriteFile(where, []byte("\n"), 0o600)
	if _, _, err := serveInstructorKey("", dir); err == nil {
		t.Error("an empty key file is taken")
	}
}
