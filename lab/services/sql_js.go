//go:build js

package services

import "net"

// The SQL database needs SQLite (modernc.org/sqlite), which does not
// build for js/wasm. lab.wasm never links this package (lab/bridge keeps
// its own type for the hello's services); on js the service does not
// exist, and starting it is "no such service".

type sqldb struct{}

func (*sqldb) close() {}

func (s *Server) sqlService() func(net.Conn) { return nil }
