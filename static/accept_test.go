package static

import (
	"maps"
	"slices"
	"testing"
)

func TestAcceptedEncodings(t *testing.T) {
	for _, c := range []struct {
		headers []string
		want    []string
	}{
		{[]string{"gzip, deflate, br, zstd"}, []string{"br", "deflate", "gzip", "zstd"}},
		{[]string{"br;q=0, gzip"}, []string{"gzip"}},
		{[]string{"BR ; Q=0.5", "gzip;q=0.0"}, []string{"br"}},
		{[]string{"*"}, []string{"*", "br", "gzip"}},
		{[]string{"*;q=0, gzip"}, []string{"gzip"}},
		{[]string{"identity"}, []string{"identity"}},
		{[]string{"gzip;q=nonsense"}, nil},
		{[]string{"xbr, gzipped"}, []string{"gzipped", "xbr"}},
		{nil, nil},
	} {
		got := acceptedEncodings(c.headers)
		var takes []string
		for _, k := range slices.Sorted(maps.Keys(got)) {
			if got[k] {
				takes = append(takes, k)
			}
		}
		if !slices.Equal(takes, c.want) {
			t.Errorf("%q: takes %q, want %q", c.headers, takes, c.want)
		}
	}
}
