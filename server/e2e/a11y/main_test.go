// Package a11y runs axe-core in Chromium over the lab's pages (see
// TestAccessibility). It is a package of its own, beside server/e2e, so
// that the browser tests, split in packages, each fit go test's ten
// minutes a package and run side by side; the workshop's pages are
// checked where their class tests open them.
package a11y

import (
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/server/e2e/internal/browsertest"
)

// TestMain removes the lab.wasm the test built, and fails the package if
// its test leaves goroutines behind.
func TestMain(m *testing.M) { labtest.Main(m, browsertest.RemoveBuild) }
