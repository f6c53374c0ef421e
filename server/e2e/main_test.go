package e2e

import (
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/server/e2e/internal/browsertest"
)

// TestMain removes the lab.wasm the tests built, and fails the package if
// its tests leave goroutines behind.
func TestMain(m *testing.M) { labtest.Main(m, browsertest.RemoveBuild) }
