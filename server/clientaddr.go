package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address r came from: the connection's, or, when that
// is a proxy named in Config.TrustedProxies, the right-most address in
// X-Forwarded-For that is not one of them (what the proxies nearest the
// server saw; entries to its left anyone can write). Wrong guesses and
// sessions are counted by it.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	a := remoteAddr(r)
	if !s.trusted(a) {
		return a
	}
	fwd := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(fwd) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(fwd[i]))
		if err != nil {
			break // garbled: the last address read stands
		}
		if a = hop.Unmap(); !s.trusted(a) {
			break
		}
	}
	return a
}

// trusted reports whether a is one of Config.TrustedProxies.
func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// remoteAddr is the address of r's connection.
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}
