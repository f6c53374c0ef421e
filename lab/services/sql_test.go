//go:build !js

package services_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"os/exec"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
)

// psql, PostgreSQL's own client, asks the SQL database (12432) for the
// seeded tables, and reads its errors with their SQLSTATE.
func TestSQLWithPsql(t *testing.T) {
	hostServices(t, "127.77.0.5")
	psql := labtest.Need(t, "psql", "postgresql-client", "PostgreSQL's protocol against the standard client")
	run := func(sql string) (string, error) {
		cmd := exec.Command(psql, "-h", "127.77.0.5", "-p", "12432", "-X", "-A", "-t", "-v", "VERBOSITY=verbose", "-c", sql)
		cmd.Env = append(cmd.Environ(), "PGCONNECT_TIMEOUT=5")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for _, tc := range []struct{ sql, want string }{
		{"select count(*) from students", "8"},
		{"select name from students where course = 'DB201' order by name", "Barbara Liskov\nGrace Hopper"},
		{"select s.name, c.title from students s join courses c on s.course = c.code where s.id = 1", "Ada Lovelace|Computer networks"},
		{"insert into students (name, course, year) values ('Linus', 'OS110', 1); select count(*) from students", "INSERT 0 1\n9"},
	} {
		if got, err := run(tc.sql); err != nil || got != tc.want {
			t.Errorf("psql -c %q = %q, %v; want %q", tc.sql, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ sql, want string }{
		{"select * from teachers", "ERROR:  42P01: no such table: teachers"},
		{"selec 1", "ERROR:  42601: near \"selec\": syntax error"},
		{"attach database '/tmp/x.db' as x", "ERROR:  42501: not allowed in the lab's database"},
	} {
		if got, err := run(tc.sql); err == nil || !strings.HasPrefix(got, tc.want) {
			t.Errorf("psql -c %q = %q, %v; want an error %q", tc.sql, got, err, tc.want)
		}
	}
}

// The database's bounds hold against a client that pushes on them: no
// file, extension, PRAGMA or transaction; the seeded tables stay; an
// answer is cut at 100 rows, a statement stopped after its time, the
// database full at 1 MiB, a statement over 8 KiB refused; and each
// error leaves the session usable.
func TestSQLBounds(t *testing.T) {
	hostServices(t, "127.77.0.6")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgconn.ParseConfig("postgres://ada@127.77.0.6:12432/lab?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	exec := func(sql string) ([]*pgconn.Result, error) {
		return conn.Exec(ctx, sql).ReadAll()
	}
	code := func(err error) string {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code
		}
		return ""
	}
	file := filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct{ sql, code string }{
		{"attach database '" + file + "' as x", "42501"},
		{"vacuum into '" + file + "'", "42501"},
		{"pragma max_page_count = 100000", "42501"},
		{"select load_extension('/lib/x.so')", "42501"},
		{"begin", "42501"},
		{"drop table students", "42501"},
		{"alter table courses add column x", "42501"},
		{"with recursive n(i) as (select 1 union all select i+1 from n) select count(*) from n", "57014"},
		{"select randomblob(100000)", "54000"},
		{"insert into students (name, course, year) values ('x', 'NOPE', 1)", "23503"},
		{"create table big (b blob); insert into big select randomblob(60000) from (with recursive n(i) as (select 1 union all select i+1 from n where i < 40) select i from n)", "53100"},
	} {
		if _, err := exec(tc.sql); code(err) != tc.code {
			t.Errorf("%s: %v, want SQLSTATE %s", tc.sql, err, tc.code)
		}
	}
	if _, err := os.Stat(file); err == nil {
		t.Errorf("a statement wrote %s", file)
	}
	res, err := exec("with recursive n(i) as (select 1 union all select i+1 from n where i < 500) select i from n")
	if err != nil || len(res) != 1 || len(res[0].Rows) != 100 || res[0].CommandTag.String() != "SELECT 100" || len(notices) != 1 || !strings.Contains(notices[0], "first 100 rows") {
		t.Errorf("500 rows: %v, %d results, notices %q; want the first 100 and a notice", err, len(res), notices)
	}
	if _, err := exec("select '" + strings.Repeat("x", 9000) + "'"); err == nil {
		t.Errorf("a statement of 9000 bytes was run")
	}
	if !conn.IsClosed() {
		// the server ends the session after a message over the bound
		if _, err := exec("select 1"); err == nil {
			t.Errorf("the session goes on after a statement over the bound")
		}
	}
}

// The extended protocol is refused in words, and the session is usable
// after its Sync, as PostgreSQL's is after an error.
func TestSQLExtendedRefused(t *testing.T) {
	hostServices(t, "127.77.0.7")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, "postgres://ada@127.77.0.7:12432/lab?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	res := conn.ExecParams(ctx, "select $1", [][]byte{[]byte("1")}, nil, nil, nil).Read()
	var pe *pgconn.PgError
	if !errors.As(res.Err, &pe) || pe.Code != "0A000" {
		t.Errorf("ExecParams: %v, want 0A000", res.Err)
	}
	rs, err := conn.Exec(ctx, "select count(*) from courses").ReadAll()
	if err != nil || len(rs) != 1 || string(rs[0].Rows[0][0]) != "3" {
		t.Errorf("a Query after: %v", err)
	}
}
