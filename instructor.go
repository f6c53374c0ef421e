package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/socketlab/socketlab/lab/sqlite"
	"github.com/socketlab/socketlab/lab/store"
	"github.com/socketlab/socketlab/server"
)

// instructorKeyFile is the file, in the state directory beside the SQLite
// database, that keeps the instructor key serve made on its first start.
const instructorKeyFile = "instructor-key"

// stateDir is where serve keeps its state for a --db target: the SQLite
// file's directory, or, for PostgreSQL or none given, the default one
// (sqlite.DefaultPath's).
func stateDir(dbTarget string) (string, error) {
	if dbTarget != "" && !store.IsPostgres(dbTarget) {
		return filepath.Dir(dbTarget), nil
	}
	p, err := sqlite.DefaultPath()
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

// serveInstructorKey is serve's instructor key: given, else the one kept
// in dir, else a new one, written there (mode 0600) so that the next
// start has it. where says which, to print.
func serveInstructorKey(given, dir string) (key, where string, err error) {
	if given != "" {
		return given, "--instructor-key", nil
	}
	path := filepath.Join(dir, instructorKeyFile)
	if key, err := readInstructorKey(path); err == nil {
		return key, path, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", path, err
	}
	key = rand.Text()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another start made it first
		key, err := readInstructorKey(path)
		return key, path, err
	} else if err != nil {
		return "", path, fmt.Errorf("write the instructor key: %w", err)
	}
	if _, err := fmt.Fprintln(f, key); err != nil {
		f.Close()
		return "", path, fmt.Errorf("write the instructor key: %w", err)
	}
	return key, path, f.Close()
}

// readInstructorKey reads a key file: its first line.
func readInstructorKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	key, _, _ := strings.Cut(string(b), "\n")
	if key = strings.TrimSpace(key); key == "" {
		return "", fmt.Errorf("read the instructor key: %s is empty", path)
	}
	return key, nil
}

// localInstructorKey is the key a command on the server's machine uses
// when none is given: the one serve keeps in the default state directory,
// "" if there is none.
func localInstructorKey() string {
	dir, err := stateDir("")
	if err != nil {
		return ""
	}
	key, _ := readInstructorKey(filepath.Join(dir, instructorKeyFile))
	return key
}

// teachLinks are the instructor's links for a server listening at addr:
// one per address of this host's when it listens on all of them
// (0.0.0.0 or ::), as Jupyter prints its token URLs.
func teachLinks(addr net.Addr, key string) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return []string{server.TeachURL("http://"+addr.String(), key)}
	}
	var links []string
	ifaces, _ := net.InterfaceAddrs()
	for _, a := range ifaces {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.IsLinkLocalUnicast() || (tcp.IP.To4() != nil && ipnet.IP.To4() == nil) {
			continue
		}
		links = append(links, server.TeachURL("http://"+net.JoinHostPort(ipnet.IP.String(), fmt.Sprint(tcp.Port)), key))
	}
	if len(links) == 0 {
		links = append(links, server.TeachURL("http://"+net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port)), key))
	}
	return links
}

// printTeachLinks says where the instructor signs in: plainly on a
// terminal, as a log line each otherwise.
func printTeachLinks(w io.Writer, links []string, where string) {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(w, "\nTo teach, open the instructor's link in your browser (it signs you in; keep it to yourself):\n\n")
			for _, l := range links {
				fmt.Fprintf(w, "    %s\n", l)
			}
			fmt.Fprintf(w, "\nThe key is kept in %s.\n\n", where)
			return
		}
	}
	for _, l := range links {
		fmt.Fprintf(w, "socketlab: the instructor's link: %s\n", l)
	}
}
