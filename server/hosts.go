package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// hosts guards against DNS rebinding: a page at a name its owner points
// at this server's address would otherwise be the server's own origin,
// and its script could read the pages and open the bridge. Requests are
// served only for the hosts the server is meant to be reached by: an IP
// address, localhost (and names under .localhost), and the names in
// Config.AllowHosts.
type hosts map[string]bool // lower case, without a port

func newHosts(allow []string) hosts {
	h := hosts{}
	for _, a := range allow {
		h[strings.ToLower(strings.TrimSuffix(strings.TrimSpace(a), "."))] = true
	}
	return h
}

// allowed reports whether a request's Host (with or without a port) is
// one the server answers to.
func (h hosts) allowed(host string) bool {
	if name, _, err := net.SplitHostPort(host); err == nil {
		host = name
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return true
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || h[host]
}

// guard answers 421 to a request for a host the server is not meant to
// be reached by, and passes the others to next.
func (h hosts) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.allowed(r.Host) {
			http.Error(w, "socketlab: this server does not answer to the name "+r.Host+
				" (see serve --allow-host)", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}
