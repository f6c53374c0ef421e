package loadgen

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab/sqlite"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/server/servertest"
)

// Each of the soak's workshop attacks runs against a real server, which
// holds: the attack reports no error of its own.
func TestAttacks(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		t.Fatal(probs[0])
	}
	addr := servertest.Start(t, server.Config{Store: db, Exercises: exs})
	s := &soaker{cfg: SoakConfig{Timeout: 10 * time.Second}, base: "http://" + addr, bridgeURL: "ws://" + addr + "/bridge"}
	for _, kind := range Attacks {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		if err := s.runAttack(ctx, kind); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		cancel()
	}
}
