//go:build !js

package services

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"testing"
)

// A PostgreSQL session on whatever a client sends answers with whole
// backend messages only (each a type byte and a length that frames it),
// never panics, and ends when the input does.
func FuzzPostgres(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00Q\x00\x00\x00\x1aselect * from courses\x00X\x00\x00\x00\x04"))
	f.Add([]byte("\x00\x00\x00\x08\x04\xd2\x16\x2f\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00Q\x00\x00\x00\x0dselect 1;;\x00"))
	f.Add([]byte("\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00P\x00\x00\x00\x0c\x00select\x00\x00\x00S\x00\x00\x00\x04Q\x00\x00\x00\x05\x00"))
	f.Add([]byte("select count(*) from students\r\n"))
	f.Add([]byte("\x00\x00\x00\x12\x00\x03\x00\x00user\x00ada\x00\x00Q\x00\x00\x00\x02x"))
	var db sqldb
	defer db.close()
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		servePostgres(context.Background(), struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(in), &out}, &db)
		b := out.Bytes()
		for len(b) > 0 {
			if b[0] == 'N' && len(b) == 1 || b[0] == 'N' && b[1] != 0 { // the answer to an SSL request
				b = b[1:]
				continue
			}
			if len(b) < 5 {
				t.Fatalf("a message cut short: % x", b)
			}
			n := int(binary.BigEndian.Uint32(b[1:5]))
			if n < 4 || 1+n > len(b) {
				t.Fatalf("message %q of length %d in %d bytes", b[0], n, len(b))
			}
			b = b[1+n:]
		}
	})
}
