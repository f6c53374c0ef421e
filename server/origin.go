package server

import (
	"net/http"
	"net/url"
	"strings"
)

// origins decides which pages may open /bridge. A browser sends the page's
// origin with every WebSocket upgrade; without this check any web site a
// student visits could open sessions on their lab server.
type origins struct {
	any   bool
	full  map[string]bool // "https://lab.example.org": scheme and host
	hosts map[string]bool // "lab.example.org:8443": host, any scheme
}

// newOrigins reads Config.AllowOrigins: each entry is an origin
// ("https://lab.example.org"), a host with an optional port
// ("lab.example.org:8443", any scheme), or "*" for any origin.
func newOrigins(allow []string) origins {
	o := origins{full: map[string]bool{}, hosts: map[string]bool{}}
	for _, a := range allow {
		a = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(a), "/"))
		switch {
		case a == "":
		case a == "*":
			o.any = true
		case strings.Contains(a, "://"):
			o.full[a] = true
		default:
			o.hosts[a] = true
		}
	}
	return o
}

// allowed reports whether r may upgrade: it has no Origin (a native
// client, not a page), its origin's host is the host it asked for (the
// lab's own page), or its origin is allowed.
func (o origins) allowed(r *http.Request) bool {
	vals := r.Header.Values("Origin")
	if len(vals) == 0 {
		return true
	}
	origin := strings.ToLower(vals[0])
	u, err := url.Parse(origin)
	host := ""
	if err == nil {
		host = u.Host
	}
	switch {
	case host != "" && strings.EqualFold(host, r.Host):
		return true
	case o.any, o.full[origin]:
		return true
	case host != "" && o.hosts[host]:
		return true
	}
	return false
}
