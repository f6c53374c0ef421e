package packet_test

import (
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
)

// TestMain fails the package if its tests leave goroutines behind.
func TestMain(m *testing.M) { labtest.Main(m) }
