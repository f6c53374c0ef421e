package services

import (
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Web is the lab's web site: GET / (a small page), /hello (a line of
// text) and /headers (the request's headers, as the server read them).
func Web() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html>\n<title>socketlab</title>\n<h1>Hello from the lab's web server</h1>\n"+
			"<p>You sent: "+html.EscapeString(r.Method+" "+r.RequestURI+" "+r.Proto)+"</p>\n")
	})
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello, world\n")
	})
	mux.HandleFunc("GET /headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s %s %s\nHost: %s\n", r.Method, r.RequestURI, r.Proto, r.Host)
		names := make([]string, 0, len(r.Header))
		for name := range r.Header {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(w, "%s: %s\n", name, strings.Join(r.Header[name], ", "))
		}
	})
	return mux
}

// ServeHTTP serves h on ln with net/http, keeping connections alive
// between requests unless the client says Connection: close. Its
// connections count against LimitPerPeer.
func (s *Server) ServeHTTP(ln net.Listener, h http.Handler) {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 2 * time.Minute, // a request typed by hand, a line at a time
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if !s.track(hs) {
		ln.Close()
		return
	}
	serve := func() {
		defer s.untrack(hs)
		hs.Serve(admitting{s, ln})
	}
	n, lazy := ln.(Notifier)
	if !lazy {
		s.goTask(serve)
		return
	}
	// net/http waits in Accept for good: start it with the first
	// connection, so that a lab server nobody asks for a page from holds
	// no goroutine for it.
	var once sync.Once
	start := func() { once.Do(func() { s.goTask(serve) }) }
	s.track(&stopper{n.OnReady(start)})
	if n.Ready() {
		start()
	}
}

// admitting is a listener whose connections count against the server's
// bound per peer.
type admitting struct {
	s *Server
	net.Listener
}

func (l admitting) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		peer, ok := l.s.admit(c)
		if ok {
			return &admitted{Conn: c, release: func() { l.s.release(peer) }}, nil
		}
		l.s.refused.Add(1)
		c.Close()
	}
}

// admitted releases its peer's place once, when it closes.
type admitted struct {
	net.Conn
	release func()
	once    sync.Once
}

func (c *admitted) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
