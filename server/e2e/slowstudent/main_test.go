// Package slowstudent walks the worksheet in Chromium as a slow student
// would (see TestWorksheetsSlowStudent). It is a package of its own, beside
// server/e2e, because the walk takes minutes of paused typing: apart, the
// two fit go test's ten minutes a package and run side by side.
package slowstudent

import (
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/server/e2e/internal/browsertest"
)

// TestMain removes the lab.wasm the test built, and fails the package if
// its test leaves goroutines behind.
func TestMain(m *testing.M) { labtest.Main(m, browsertest.RemoveBuild) }
