//go:build release

package static

import (
	"embed"
	"io/fs"
)

//go:embed build/lab.wasm build/lab.wasm.br build/lab.wasm.gz build/wasm_exec.js
var build embed.FS

// Embedded is the browser client built into a release binary
// (task release), precompressed with brotli and gzip.
func Embedded() (fs.FS, bool) {
	sub, err := fs.Sub(build, "build")
	return sub, err == nil
}
