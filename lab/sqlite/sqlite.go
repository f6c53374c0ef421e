//go:build !js

// Package sqlite is the lab.WorkshopStore in a SQLite file, through
// modernc.org/sqlite (SQLite translated to Go: no cgo). It is socketlab's
// default store.
//
// The file is in WAL mode with synchronous=FULL, so a write that has
// returned is on disk and survives the process being killed (and the
// machine losing power). One connection writes, every transaction of it
// BEGIN IMMEDIATE, so writers queue in the process instead of failing
// with SQLITE_BUSY; a few read-only connections read beside it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/internal/migration"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Readers is how many connections read at once.
const Readers = 4

// busyTimeout is how long a connection waits for another process's lock
// (a backup, the sqlite3 shell) before giving up.
const busyTimeout = 5 * time.Second

// DB is a lab.WorkshopStore in a SQLite file.
type DB struct {
	path    string
	w       *sql.DB // the one writer
	r       *sql.DB // readers
	now     func() time.Time
	newCode func() string
}

var _ lab.WorkshopStore = (*DB)(nil)

// Open opens the SQLite database at path, creating it (readable by its
// owner only) if it does not exist, and brings its schema up to date. Its
// directory must exist (DefaultPath makes the default one).
func Open(ctx context.Context, path string) (_ *DB, err error) {
	defer wrap(&err, "open sqlite database "+path)
	if path == "" {
		return nil, errors.New("no path")
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	db := &DB{path: path, now: time.Now, newCode: lab.NewCode}
	params := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1", busyTimeout.Milliseconds())
	db.w, err = sql.Open("sqlite", dsn(path, params+"&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	db.w.SetMaxOpenConns(1)
	if err := db.migrate(ctx); err != nil {
		db.w.Close()
		return nil, err
	}
	db.r, err = sql.Open("sqlite", dsn(path, params+"&_query_only=1"))
	if err != nil {
		db.w.Close()
		return nil, err
	}
	db.r.SetMaxOpenConns(Readers)
	db.r.SetMaxIdleConns(Readers)
	return db, nil
}

// dsn is modernc.org/sqlite's name for the file at path with the
// driver's parameters.
func dsn(path, params string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// migrate applies the migrations the file has not had, in one
// transaction.
func (db *DB) migrate(ctx context.Context) (err error) {
	defer wrap(&err, "migrate")
	all, err := migration.Load(migrations, "migrations")
	if err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_us INTEGER NOT NULL
	) STRICT`); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return err
	}
	pending, err := migration.Pending(all, current)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied_us) VALUES (?, ?)`, m.Version, db.now().UnixMicro()); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// DefaultPath is where socketlab keeps its database unless told
// otherwise: $XDG_STATE_HOME/socketlab/socketlab.db, or
// ~/.local/state/socketlab/socketlab.db when XDG_STATE_HOME is unset (or
// not an absolute path, which the XDG base directory specification says
// to ignore). It creates the directory, readable by its owner only.
func DefaultPath() (string, error) {
	state := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(state) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find state directory: %w", err)
		}
		state = filepath.Join(home, ".local", "state")
	}
	dir := filepath.Join(state, "socketlab")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("make state directory: %w", err)
	}
	return filepath.Join(dir, "socketlab.db"), nil
}

// wrap prefixes a failure with what was being done.
func wrap(err *error, what string) {
	if *err != nil {
		*err = fmt.Errorf("%s: %w", what, *err)
	}
}

// isUnique reports whether err is a UNIQUE constraint on column (as
// "table.column") failing.
func isUnique(err error, column string) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE && strings.Contains(se.Error(), column)
}
