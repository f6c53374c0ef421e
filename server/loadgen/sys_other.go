//go:build !unix

package loadgen

import "time"

// openFilesLimit is unknown here.
func openFilesLimit() (uint64, bool) { return 0, false }

// selfUsage is unknown here.
func selfUsage() (cpu time.Duration, peakRSS uint64, ok bool) { return 0, 0, false }
