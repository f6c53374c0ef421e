// Package migration reads a store's versioned schema migrations: SQL files
// named NNNN_what.sql (0001_workshops.sql, …), numbered from 1 without
// gaps, embedded in the store's package. Each store applies the ones its
// database has not had yet, in one transaction, and records each version
// in its schema_version table.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one step of a schema.
type Migration struct {
	Version int
	Name    string // the file's name
	SQL     string
}

// Load reads the migrations in dir of fsys, in order of version.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var all []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("read migrations: %s is not named NNNN_what.sql", name)
		}
		if v != len(all)+1 {
			return nil, fmt.Errorf("read migrations: %s is not version %d", name, len(all)+1)
		}
		sql, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migrations: %w", err)
		}
		all = append(all, Migration{Version: v, Name: name, SQL: string(sql)})
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("read migrations: none in %s", dir)
	}
	return all, nil
}

// Pending returns the migrations a database at version current has not
// had. A database newer than the newest migration was written by a newer
// program, which this one must not touch: that is an error.
func Pending(all []Migration, current int) ([]Migration, error) {
	latest := all[len(all)-1].Version
	if current > latest {
		return nil, fmt.Errorf("database schema is version %d, newer than this socketlab knows (%d): run a newer socketlab, or use another database", current, latest)
	}
	if current < 0 {
		return nil, fmt.Errorf("database schema version is %d", current)
	}
	return all[current:], nil
}
