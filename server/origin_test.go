package server

import (
	"net/http/httptest"
	"testing"
)

func TestOriginsAllowed(t *testing.T) {
	for _, tc := range []struct {
		allow  []string
		origin string
		want   bool
	}{
		{nil, "http://lab.test:8080", true}, // the request's own host
		{nil, "http://LAB.test:8080", true},
		{nil, "http://lab.test", false}, // another port is another origin
		{nil, "https://other.test", false},
		{[]string{"*"}, "https://other.test", true},
		{[]string{"https://other.test/"}, "https://other.test", true},
		{[]string{"https://other.test"}, "http://other.test", false},
		{[]string{"other.test"}, "http://other.test", true},
		{[]string{"other.test"}, "http://other.test:81", false},
		{[]string{" "}, "null", false},
	} {
		r := httptest.NewRequest("GET", "http://lab.test:8080/bridge", nil)
		r.Header.Set("Origin", tc.origin)
		if got := newOrigins(tc.allow).allowed(r); got != tc.want {
			t.Errorf("allow %q, origin %q: %v, want %v", tc.allow, tc.origin, got, tc.want)
		}
	}
}
