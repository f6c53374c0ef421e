//go:build !js

// Package store opens the workshop store that a command line names: a
// PostgreSQL database (lab/postgres) for a postgres:// URL, else a SQLite
// file (lab/sqlite).
package store

import (
	"context"
	"net/url"
	"strings"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/postgres"
	"github.com/socketlab/socketlab/lab/sqlite"
)

// Store is an open lab.WorkshopStore.
type Store interface {
	lab.WorkshopStore
	// Close closes the store's connections.
	Close() error
}

// Open opens the store at target: a postgres:// or postgresql:// URL is a
// PostgreSQL database; anything else is the path of a SQLite file, and ""
// is sqlite.DefaultPath(). where says which, to print at start: the
// file's path, or the URL without its password.
func Open(ctx context.Context, target string) (s Store, where string, err error) {
	if IsPostgres(target) {
		where = target
		if u, err := url.Parse(target); err == nil {
			where = u.Redacted()
		}
		db, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, where, err
		}
		return db, where, nil
	}
	if target == "" {
		if target, err = sqlite.DefaultPath(); err != nil {
			return nil, "", err
		}
	}
	db, err := sqlite.Open(ctx, target)
	if err != nil {
		return nil, target, err
	}
	return db, target, nil
}

// IsPostgres reports whether target names a PostgreSQL database.
func IsPostgres(target string) bool {
	scheme, _, ok := strings.Cut(target, "://")
	return ok && (scheme == "postgres" || scheme == "postgresql")
}
