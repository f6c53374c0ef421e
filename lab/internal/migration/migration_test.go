package migration_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/socketlab/socketlab/lab/internal/migration"
)

func TestLoadAndPending(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0001_first.sql":  {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"m/0002_second.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")},
		"m/README":          {Data: []byte("not a migration")},
	}
	all, err := migration.Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Version != 1 || all[1].Version != 2 || all[1].Name != "0002_second.sql" || !strings.Contains(all[0].SQL, "TABLE a") {
		t.Fatalf("Load = %+v", all)
	}
	for current, want := range []int{2, 1, 0} {
		p, err := migration.Pending(all, current)
		if err != nil || len(p) != want {
			t.Errorf("Pending(all, %d) = %d migrations, %v; want %d", current, len(p), err, want)
		}
	}
	if _, err := migration.Pending(all, 3); err == nil || !strings.Contains(err.Error(), "newer than this socketlab knows") {
		t.Errorf("Pending(all, 3) = %v, want an error about a newer schema", err)
	}
}

func TestLoadRefuses(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"gap":      {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"badname":  {"m/1_a.sql": {}},
		"noprefix": {"m/first.sql": {}},
		"empty":    {"m/README": {}},
	} {
		if all, err := migration.Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load = %+v, want an error", name, all)
		}
	}
}
