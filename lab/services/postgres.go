//go:build !js

package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgproto3"
)

// postgresVersion is the server_version the server reports: psql reads
// it to know which features it may use.
const postgresVersion = "15.0 (socketlab: SQLite underneath)"

// sqlService is how the SQL database serves a connection.
func (s *Server) sqlService() func(net.Conn) { return s.sqlServer }

// sqlServer serves one connection of the SQL database in PostgreSQL's
// protocol (version 3.0), read and written with pgx's pgproto3: the
// startup message (no password: every user is trusted), then Simple
// Query messages, each answered with RowDescription, DataRow and
// CommandComplete per statement, or ErrorResponse with a SQLSTATE, then
// ReadyForQuery; Terminate ends it. The SQL is SQLite's, on the lab
// server's database (sqldb).
func (s *Server) sqlServer(c net.Conn) {
	rw := struct {
		io.Reader
		io.Writer
	}{deadlineReader{c, mailIdle}, c}
	servePostgres(s.stop, rw, &s.sql)
}

// servePostgres runs one PostgreSQL session on rw until Terminate, the
// end of the connection, or a message that breaks the protocol.
func servePostgres(ctx context.Context, rw io.ReadWriter, db *sqldb) {
	b := pgproto3.NewBackend(rw, rw)
	b.SetMaxBodyLen(maxSQLStatement)
	fatal := func(code, msg string) {
		b.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
		b.Flush()
	}
	if !startup(b, rw, fatal) {
		return
	}
	if err := db.open(); err != nil {
		fatal("58000", "the lab's database could not start: "+err.Error())
		return
	}
	b.Send(&pgproto3.AuthenticationOk{})
	for _, p := range [][2]string{
		{"server_version", postgresVersion},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"standard_conforming_strings", "on"},
	} {
		b.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	b.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 0}})
	b.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	skipping := false // after an error in the extended protocol, until Sync
	for b.Flush() == nil {
		msg, err := b.Receive()
		if err != nil {
			var tooLong *pgproto3.ExceededMaxBodyLenErr
			switch {
			case errors.As(err, &tooLong):
				fatal("54000", fmt.Sprintf("a message of %d bytes: the lab's server takes statements of at most %d", tooLong.ActualBodyLen, maxSQLStatement))
			case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
			default:
				var ne net.Error
				if !errors.As(err, &ne) {
					fatal("08P01", "protocol violation: "+err.Error()+": each message is a type byte, then its length (4 bytes, counting themselves), then its body")
				}
			}
			return
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			simpleQuery(ctx, b, db, m.String)
		case *pgproto3.Terminate:
			return
		case *pgproto3.Sync:
			skipping = false
			b.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		default:
			if !skipping {
				skipping = true
				b.Send(errorResponse(&sqlError{code: "0A000", message: "the lab's server speaks the Simple Query protocol only: send a Query message ('Q')"}))
			}
		}
	}
}

// startup reads the startup message, answering SSL and GSSAPI encryption
// requests with 'N' (no); false when the session cannot go on.
func startup(b *pgproto3.Backend, w io.Writer, fatal func(code, msg string)) bool {
	for range 3 {
		msg, err := b.ReceiveStartupMessage()
		if err != nil {
			var ne net.Error
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &ne) {
				fatal("08P01", "protocol violation: "+err.Error()+": a startup message is its length (4 bytes, counting themselves), the protocol version 3.0 (0x00030000), then name and value pairs, each ending in a zero byte, and a zero byte")
			}
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := w.Write([]byte{'N'}); err != nil {
				return false
			}
		case *pgproto3.StartupMessage:
			if m.Parameters["user"] == "" {
				fatal("28000", "no PostgreSQL user name specified in startup packet")
				return false
			}
			return true
		default: // a CancelRequest: nothing runs long enough to cancel
			return false
		}
	}
	fatal("08P01", "protocol violation: too many encryption requests")
	return false
}

// simpleQuery answers a Query message: each statement's result or the
// first error, then ReadyForQuery.
func simpleQuery(ctx context.Context, b *pgproto3.Backend, db *sqldb, text string) {
	defer b.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	stmts := splitSQL(text)
	if len(stmts) == 0 {
		b.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, stmt := range stmts {
		res := db.run(ctx, stmt)
		if res.err != nil {
			b.Send(errorResponse(res.err))
			return
		}
		if len(res.columns) > 0 {
			fields := make([]pgproto3.FieldDescription, len(res.columns))
			for i, name := range res.columns {
				fields[i] = pgproto3.FieldDescription{Name: []byte(name), DataTypeOID: res.types[i], DataTypeSize: typeSize(res.types[i]), TypeModifier: -1}
			}
			b.Send(&pgproto3.RowDescription{Fields: fields})
			for _, row := range res.rows {
				b.Send(&pgproto3.DataRow{Values: row})
			}
		}
		if res.notice != "" {
			b.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "01000", Message: res.notice})
		}
		b.Send(&pgproto3.CommandComplete{CommandTag: []byte(res.tag)})
	}
}

// typeSize is pg_type.typlen of a type the server sends.
func typeSize(oid uint32) int16 {
	if oid == oidInt8 || oid == oidFloat8 {
		return 8
	}
	return -1
}

// errorResponse is e as an ERROR, after which the session goes on.
func errorResponse(e *sqlError) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: e.code, Message: e.message, Hint: e.hint}
}
