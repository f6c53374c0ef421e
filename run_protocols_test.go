package main

import (
	"bytes"
	"context"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
)

// TestRunProtocolsInTshark runs the examples of the lab's other
// client-server protocols in `socketlab run` (a mail sent over SMTP and
// read back over POP3; a key SET in one connection and GET in another; a
// file fetched over TFTP), and has Wireshark's tshark decode SMTP, POP,
// RESP and TFTP in their captures; and PostgreSQL's protocol, typed
// by hand, to the SQL database; and FTP's two connections, the file on
// the second (ftp-data, which tshark finds from the PASV reply); and
// IMAP reading the mail SMTP brought.
func TestRunProtocolsInTshark(t *testing.T) {
	type decoded struct {
		filter string   // tshark -Y
		fields []string // tshark -e, of the frames that pass filter
		want   []string // tshark's lines, blanks left out
	}
	for _, tc := range []struct {
		script    string
		shows     []string // in the transcript
		protocols []string // that tshark finds in the capture (frame.protocols)
		decoded   []decoded
	}{
		{"examples/mail.lab", []string{"b'250 2.0.0 OK: queued\\r\\n'", "Hello, Ada."}, []string{"smtp", "imf", "pop"}, []decoded{
			{"smtp.response", []string{"smtp.response.code"}, []string{"220", "250", "250", "250", "354", "250", "221"}},
			{"pop.request", []string{"pop.request.command"}, []string{"USER", "PASS", "STAT", "RETR", "QUIT"}},
			{"pop.response", []string{"pop.response.indicator"}, []string{"+OK", "+OK", "+OK", "+OK", "+OK", "+OK"}},
		}},
		{"examples/database.lab", []string{"b'+OK\\r\\n'", "b'$3\\r\\nada\\r\\n'"}, []string{"resp"}, []decoded{
			{"resp.string", []string{"resp.string"}, []string{"OK"}},
			{"resp.bulk_string", []string{"resp.bulk_string.value"}, []string{"474554,6e616d65", "616461"}}, // GET name, then ada
		}},
		{"examples/tftp.lab", []string{"(b'\\x00\\x03\\x00\\x03', 114)"}, []string{"tftp"}, []decoded{
			// RRQ, then each DATA block and its ACK.
			{"tftp", []string{"tftp.opcode", "tftp.block", "tftp.source_file"}, []string{"1\t\ttftp.txt", "3\t1\t", "4\t1\t", "3\t2\t", "4\t2\t", "3\t3\t", "4\t3\t"}},
		}},
		{"examples/sql.lab", []string{"SELECT 3", "C42P01"}, []string{"pgsql"}, []decoded{
			// The startup message, Query, the answer's messages, an error, Terminate.
			{"pgsql", []string{"pgsql.type"}, []string{"Startup message",
				"Authentication request,Parameter status,Parameter status,Parameter status,Parameter status,Backend key data,Ready for query",
				"Simple query", "Row description,Data row,Data row,Data row,Command completion,Ready for query",
				"Simple query", "Error,Ready for query", "Termination"}},
			{"pgsql.code", []string{"pgsql.code"}, []string{"42P01"}},
		}},
		{"examples/ftp.lab", []string{"221 goodbye", "hello from the lab's file server"}, []string{"ftp", "ftp-data"}, []decoded{
			{"ftp.request", []string{"ftp.request.command"}, []string{"USER", "PASS", "PASV", "RETR", "QUIT"}},
			{"ftp.response", []string{"ftp.response.code"}, []string{"220", "331", "230", "227", "150", "226", "221"}},
		}},
		{"examples/imap.lab", []string{"A3 OK FETCH completed", "your mail stays on the server"}, []string{"smtp", "imap"}, []decoded{
			{"imap.request", []string{"imap.request.command"}, []string{"LOGIN", "SELECT", "FETCH", "LOGOUT"}},
			{"imap.response", []string{"imap.response.status"}, []string{"OK", "OK", "OK", "OK"}},
		}},
	} {
		t.Run(filepath.Base(tc.script), func(t *testing.T) {
			pcap := filepath.Join(t.TempDir(), filepath.Base(tc.script)+".pcap")
			var out, errs bytes.Buffer
			if code := run(context.Background(), []string{"run", "--pcap", pcap, tc.script}, nil, &out, &errs); code != 0 {
				t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
			}
			for _, s := range tc.shows {
				if !strings.Contains(out.String(), s) {
					t.Errorf("transcript lacks %q:\n%s", s, out.String())
				}
			}
			tshark := labtest.Need(t, "tshark", "tshark", "that Wireshark decodes SMTP, POP, RESP, TFTP, PostgreSQL, FTP and IMAP in the lab's captures")
			layers := map[string]bool{}
			for _, l := range tsharkLines(t, tshark, pcap, "", "frame.protocols") {
				for _, p := range strings.Split(l, ":") {
					layers[p] = true
				}
			}
			for _, p := range tc.protocols {
				if !layers[p] {
					t.Errorf("tshark finds no %s in the capture; it finds %v", p, slices.Sorted(maps.Keys(layers)))
				}
			}
			for _, d := range tc.decoded {
				// Compared joined: which segment carries a message is the
				// stacks' choice (FTP's 150 and 226 may share one).
				if got := tsharkLines(t, tshark, pcap, d.filter, d.fields...); strings.Join(got, ",") != strings.Join(d.want, ",") {
					t.Errorf("tshark -Y %s -e %s:\n got %q\nwant %q", d.filter, strings.Join(d.fields, " -e "), got, d.want)
				}
			}
		})
	}
}

// tsharkLines are tshark's -T fields lines for the frames of pcap that
// pass filter (all if ""), without blank ones.
func tsharkLines(t *testing.T, tshark, pcap, filter string, fields ...string) []string {
	t.Helper()
	args := []string{"-r", pcap, "-T", "fields"}
	if filter != "" {
		args = append(args, "-Y", filter)
	}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	b, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark %s: %v", strings.Join(args, " "), err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
