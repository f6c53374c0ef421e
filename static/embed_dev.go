//go:build !release

package static

import "io/fs"

// Embedded is the browser client built into the binary: none in a
// development build, which builds it from source on start instead.
func Embedded() (fs.FS, bool) { return nil, false }
