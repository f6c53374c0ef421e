// Package postgres is the lab.WorkshopStore in PostgreSQL, for socketlab
// nodes that share one database (serve --db postgres://…).
//
// It speaks pgx's own interface through its pool (jackc/pgx/v5/pgxpool)
// rather than database/sql: nothing here is shared with the SQLite store
// through database/sql, and pgx's own interface gives PostgreSQL's error
// codes (a unique violation is ErrConflict), its types (inet, text[],
// timestamptz) without conversions, and a pool built for many
// goroutines. Joins lock their workshop's row, so two nodes adding
// students at once never give two the same address.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/internal/migration"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock (pg_advisory_xact_lock) that
// serializes nodes migrating one database at once.
const migrationLock = 0x736f636b65746c62 // "socketlb"

// DB is a lab.WorkshopStore in a PostgreSQL database.
type DB struct {
	pool    *pgxpool.Pool
	now     func() time.Time
	newCode func() string
}

var _ lab.WorkshopStore = (*DB)(nil)

// Open connects to the PostgreSQL database at url (postgres://… or
// postgresql://…, or key=value pairs; see pgxpool.ParseConfig) and brings
// its schema up to date. The tables go where search_path says (set it in
// the URL: ?search_path=…).
func Open(ctx context.Context, url string) (_ *DB, err error) {
	defer wrap(&err, "open postgresql database")
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{pool: pool, now: time.Now, newCode: lab.NewCode}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool's connections.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migrate applies the migrations the database has not had, in one
// transaction.
func (db *DB) migrate(ctx context.Context) (err error) {
	defer wrap(&err, "migrate")
	all, err := migration.Load(migrations, "migrations")
	if err != nil {
		return err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    integer     PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return err
	}
	pending, err := migration.Pending(all, current)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)`, m.Version, db.now()); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// wrap prefixes a failure with what was being done.
func wrap(err *error, what string) {
	if *err != nil {
		*err = fmt.Errorf("%s: %w", what, *err)
	}
}

// isUnique reports whether err is the unique constraint named failing.
func isUnique(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}

// notFound maps pgx's "no rows" to err.
func notFound(err, notFound error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound
	}
	return err
}
