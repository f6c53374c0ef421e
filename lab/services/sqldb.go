//go:build !js

package services

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The SQL database's bounds: the rows and bytes of one statement's
// answer, a statement's length (a message longer than it ends the
// connection, as PostgreSQL's "invalid message length" does), the
// database's size, the time one statement may run, and the columns a
// result may have and the bytes a value may hold (SQLite's own limits,
// lowered).
const (
	maxSQLRows      = 100
	maxSQLAnswer    = 256 << 10
	maxSQLStatement = 8 << 10
	sqlPageSize     = 4096
	maxSQLPages     = 256 // 1 MiB
	sqlTimeLimit    = 2 * time.Second
	maxSQLColumns   = 64
	maxSQLValue     = 64 << 10
)

// sqlSeed is the database every lab server starts with: two tables, as
// small as a course's first example.
const sqlSeed = `
CREATE TABLE courses (
  code    TEXT PRIMARY KEY,
  title   TEXT NOT NULL,
  credits INTEGER NOT NULL
);
INSERT INTO courses VALUES
  ('NET101', 'Computer networks', 5),
  ('DB201', 'Databases', 5),
  ('OS110', 'Operating systems', 6);
CREATE TABLE students (
  id     INTEGER PRIMARY KEY,
  name   TEXT NOT NULL,
  course TEXT NOT NULL REFERENCES courses(code),
  year   INTEGER NOT NULL
);
INSERT INTO students (name, course, year) VALUES
  ('Ada Lovelace', 'NET101', 1),
  ('Grace Hopper', 'DB201', 2),
  ('Alan Turing', 'NET101', 3),
  ('Edsger Dijkstra', 'OS110', 2),
  ('Barbara Liskov', 'DB201', 1),
  ('Radia Perlman', 'NET101', 2),
  ('Vint Cerf', 'NET101', 3),
  ('Margaret Hamilton', 'OS110', 1);
`

// seededTables are the tables the seed makes: they may be read and
// written, not dropped or altered, so that a workshop's exercise finds
// them.
var seededTables = map[string]bool{"students": true, "courses": true}

// sqldb is the SQL database's data: an in-memory SQLite database, the
// lab server's (one per student alone, one per workshop), opened with the
// first connection and closed with the server. Its statements run one at
// a time, each on its own (no transactions: every connection shares the
// one database).
type sqldb struct {
	once sync.Once
	err  error // why it could not open
	db   *sql.DB
	conn *sql.Conn

	mu     sync.Mutex // one statement at a time
	closed atomic.Bool
}

// open opens the database and seeds it, once.
func (d *sqldb) open() error {
	d.once.Do(func() { d.err = d.start() })
	return d.err
}

func (d *sqldb) start() error {
	// One connection, so one in-memory database; no file: ":memory:".
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return fmt.Errorf("open sql database: %w", err)
	}
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err == nil {
		err = configure(ctx, conn)
	}
	if err != nil {
		db.Close()
		return fmt.Errorf("open sql database: %w", err)
	}
	d.db, d.conn = db, conn
	return nil
}

// configure sets the database's bounds, seeds it, and then installs the
// authorizer that keeps statements away from files, extensions,
// transactions, PRAGMAs (which could lift the bounds) and the seeded
// tables' definitions.
func configure(ctx context.Context, conn *sql.Conn) error {
	for _, pragma := range []string{
		"PRAGMA page_size = " + strconv.Itoa(sqlPageSize),
		"PRAGMA max_page_count = " + strconv.Itoa(maxSQLPages),
		"PRAGMA foreign_keys = ON",
		"PRAGMA trusted_schema = OFF",
	} {
		if _, err := conn.ExecContext(ctx, pragma); err != nil {
			return err
		}
	}
	for id, v := range map[int]int{
		sqlite3.SQLITE_LIMIT_ATTACHED:   0,
		sqlite3.SQLITE_LIMIT_SQL_LENGTH: maxSQLStatement,
		sqlite3.SQLITE_LIMIT_LENGTH:     maxSQLValue,
		sqlite3.SQLITE_LIMIT_COLUMN:     maxSQLColumns,
	} {
		if _, err := sqlite.Limit(conn, id, v); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, sqlSeed); err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("the sqlite driver has no authorizer")
		}
		return r.RegisterAuthorizer(authorize)
	})
}

// authorize is the database's policy (see configure).
func authorize(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthAttach, sqlite.AuthDetach, sqlite.AuthPragma,
		sqlite.AuthTransaction, sqlite.AuthSavepoint,
		sqlite.AuthCreateVTable, sqlite.AuthDropVTable:
		return sqlite.AuthorizerDeny
	case sqlite.AuthFunction:
		if strings.EqualFold(arg2, "load_extension") {
			return sqlite.AuthorizerDeny
		}
	case sqlite.AuthDropTable, sqlite.AuthAlterTable:
		name := arg1
		if action == sqlite.AuthAlterTable {
			name = arg2
		}
		if seededTables[strings.ToLower(name)] {
			return sqlite.AuthorizerDeny
		}
	}
	return sqlite.AuthorizerOK
}

// close closes the database, after the last statement.
func (d *sqldb) close() {
	d.closed.Store(true)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		d.conn.Close()
		d.db.Close()
		d.conn, d.db = nil, nil
	}
}

// sqlResult is what one statement answered: its columns, each with the
// PostgreSQL type it is shown as, its rows as text (nil for NULL), and
// its command tag; or its error, and a notice.
type sqlResult struct {
	columns []string
	types   []uint32
	rows    [][][]byte
	tag     string
	notice  string
	err     *sqlError
}

// sqlError is an error as PostgreSQL words one: a SQLSTATE and a message.
type sqlError struct {
	code, message, hint string
}

func (e *sqlError) Error() string { return e.code + ": " + e.message }

// The PostgreSQL type OIDs a column is shown as.
const (
	oidInt8   = 20
	oidText   = 25
	oidFloat8 = 701
	oidBytea  = 17
)

// run runs one statement, bounded in time, rows and bytes.
func (d *sqldb) run(ctx context.Context, stmt string) sqlResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil || d.closed.Load() {
		return sqlResult{err: &sqlError{code: "57P01", message: "the lab server is shutting down"}}
	}
	ctx, cancel := context.WithTimeout(ctx, sqlTimeLimit)
	defer cancel()
	rows, err := d.conn.QueryContext(ctx, stmt)
	if err != nil {
		return sqlResult{err: sqlState(ctx, err)}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return sqlResult{err: sqlState(ctx, err)}
	}
	res := sqlResult{columns: cols, types: make([]uint32, len(cols))}
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	size := 0
	for rows.Next() {
		if len(res.rows) == maxSQLRows || size >= maxSQLAnswer {
			res.notice = fmt.Sprintf("the answer is cut to its first %d rows: the lab's server sends at most %d rows or %d KiB", len(res.rows), maxSQLRows, maxSQLAnswer>>10)
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return sqlResult{err: sqlState(ctx, err)}
		}
		row := make([][]byte, len(cols))
		for i, v := range raw {
			row[i] = sqlText(v)
			size += len(row[i]) + 4
			res.types[i] = mergeType(res.types[i], v)
		}
		res.rows = append(res.rows, row)
	}
	if err := rows.Err(); err != nil {
		return sqlResult{err: sqlState(ctx, err)}
	}
	rows.Close()
	for i, t := range res.types {
		if t == 0 {
			res.types[i] = oidText
		}
	}
	res.tag = d.commandTag(ctx, stmt, len(cols) > 0, len(res.rows))
	return res
}

// commandTag is CommandComplete's tag for stmt: "SELECT 3", "INSERT 0 1",
// "UPDATE 2", "DELETE 1", or the statement's first words ("CREATE
// TABLE").
func (d *sqldb) commandTag(ctx context.Context, stmt string, hasRows bool, n int) string {
	words := strings.Fields(strings.ToUpper(stripComments(stmt)))
	first := ""
	if len(words) > 0 {
		first = words[0]
	}
	count := n
	switch first {
	case "INSERT", "UPDATE", "DELETE", "REPLACE":
		if !hasRows {
			var changed int64
			if err := d.conn.QueryRowContext(ctx, "SELECT changes()").Scan(&changed); err == nil {
				count = int(changed)
			}
		}
		if first == "INSERT" || first == "REPLACE" {
			return "INSERT 0 " + strconv.Itoa(count)
		}
		return first + " " + strconv.Itoa(count)
	case "CREATE", "DROP", "ALTER":
		if len(words) > 1 {
			return first + " " + strings.Trim(words[1], "(;")
		}
	}
	if hasRows || first == "SELECT" || first == "WITH" || first == "VALUES" {
		return "SELECT " + strconv.Itoa(n)
	}
	return first
}

// sqlText is a value as PostgreSQL's text format writes it; nil for NULL.
func sqlText(v any) []byte {
	switch v := v.(type) {
	case nil:
		return nil
	case int64:
		return strconv.AppendInt(nil, v, 10)
	case float64:
		return strconv.AppendFloat(nil, v, 'g', -1, 64)
	case string:
		return []byte(v)
	case []byte:
		return []byte(`\x` + fmt.Sprintf("%x", v))
	case bool:
		if v {
			return []byte("t")
		}
		return []byte("f")
	case time.Time:
		return []byte(v.UTC().Format("2006-01-02 15:04:05.999999"))
	}
	return fmt.Appendf(nil, "%v", v)
}

// mergeType is a column's type after a value more: int8 while every value
// is an integer, float8 while every one is a number, else text (bytea for
// blobs only).
func mergeType(t uint32, v any) uint32 {
	var vt uint32
	switch v.(type) {
	case nil:
		return t
	case int64, bool:
		vt = oidInt8
	case float64:
		vt = oidFloat8
	case []byte:
		vt = oidBytea
	default:
		vt = oidText
	}
	switch {
	case t == 0 || t == vt:
		return vt
	case (t == oidInt8 || t == oidFloat8) && (vt == oidInt8 || vt == oidFloat8):
		return oidFloat8
	}
	return oidText
}

// sqlState words a SQLite error as PostgreSQL would: its SQLSTATE and a
// message.
func sqlState(ctx context.Context, err error) *sqlError {
	if ctx.Err() != nil {
		return &sqlError{code: "57014", message: "canceling statement due to statement timeout", hint: fmt.Sprintf("the lab's server lets a statement run %v", sqlTimeLimit)}
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return &sqlError{code: "XX000", message: err.Error()}
	}
	msg := se.Error()
	// modernc's message is "SQL logic error: no such table: x (1)": keep
	// what SQLite said.
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		msg = msg[:i]
	}
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		switch {
		case strings.Contains(msg, "UNIQUE"), strings.Contains(msg, "PRIMARY KEY"):
			return &sqlError{code: "23505", message: msg}
		case strings.Contains(msg, "NOT NULL"):
			return &sqlError{code: "23502", message: msg}
		case strings.Contains(msg, "FOREIGN KEY"):
			return &sqlError{code: "23503", message: msg}
		}
		return &sqlError{code: "23514", message: msg}
	case sqlite3.SQLITE_FULL:
		return &sqlError{code: "53100", message: "the lab's database is full", hint: fmt.Sprintf("it holds at most %d KiB; DELETE or DROP something of yours", maxSQLPages*sqlPageSize>>10)}
	case sqlite3.SQLITE_AUTH:
		return errNotAllowed
	case sqlite3.SQLITE_TOOBIG:
		return &sqlError{code: "54000", message: msg}
	case sqlite3.SQLITE_INTERRUPT:
		return &sqlError{code: "57014", message: "canceling statement due to statement timeout"}
	case sqlite3.SQLITE_ERROR:
		if strings.HasPrefix(msg, "not authorized") {
			return errNotAllowed
		}
		for _, m := range []struct{ prefix, code string }{
			{"no such table", "42P01"},
			{"no such column", "42703"},
			{"no such function", "42883"},
			{"near ", "42601"},
			{"incomplete input", "42601"},
			{"unrecognized token", "42601"},
			{"table ", "42P07"}, // "table x already exists"
			{"too many", "54000"},
		} {
			if strings.HasPrefix(msg, m.prefix) {
				return &sqlError{code: m.code, message: msg}
			}
		}
		return &sqlError{code: "42000", message: msg}
	}
	return &sqlError{code: "XX000", message: msg}
}

// errNotAllowed is a statement the authorizer refused.
var errNotAllowed = &sqlError{code: "42501", message: "not allowed in the lab's database", hint: "no ATTACH, PRAGMA, BEGIN, extensions, or dropping the lab's own tables: each statement runs on its own"}

// splitSQL splits a Simple Query's text into its statements at the
// semicolons outside quotes and comments; blank statements are left out.
func splitSQL(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\'' || c == '"' || c == '`':
			if j := strings.IndexByte(text[i+1:], c); j >= 0 {
				i += j + 1
			} else {
				i = len(text)
			}
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(text)
			}
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			if j := strings.Index(text[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(text)
			}
		case c == ';':
			out = appendStatement(out, text[start:i])
			start = i + 1
		}
	}
	return appendStatement(out, text[min(start, len(text)):])
}

func appendStatement(out []string, s string) []string {
	if strings.TrimSpace(stripComments(s)) == "" {
		return out
	}
	return append(out, s)
}

// stripComments removes the comments that begin a statement.
func stripComments(s string) string {
	for {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, "--"):
			_, rest, ok := strings.Cut(s, "\n")
			if !ok {
				return ""
			}
			s = rest
		case strings.HasPrefix(s, "/*"):
			_, rest, ok := strings.Cut(s[2:], "*/")
			if !ok {
				return ""
			}
			s = rest
		default:
			return s
		}
	}
}
