package services

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// The SMTP server's bounds, besides the mail store's: recipients per
// message, and how long it waits for the next line (a conversation typed
// by hand).
const (
	maxRecipients = 8
	mailIdle      = 10 * time.Minute
)

// MailHost is the name of the lab's mail server, in DNS and in its
// greetings.
const MailHost = "mail.lab"

// smtp serves one SMTP connection (RFC 5321, with github.com/emersion/go-smtp):
// a message for any name@lab is kept in that mailbox, for POP3 to read.
func (s *Server) smtp(c net.Conn) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &smtpSession{mail: &s.mail}, nil
	}))
	srv.Domain = MailHost
	srv.MaxMessageBytes = maxMessageBytes
	srv.MaxRecipients = maxRecipients
	srv.ReadTimeout = mailIdle
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	// go-smtp serves only listeners: give it a listener of this one
	// connection, so that the Server's goroutines serve it, and wait for
	// go-smtp's own goroutine to be done with it.
	srv.Serve(newSingleListener(c))
	srv.Shutdown(context.Background())
}

// smtpSession is one SMTP transaction at a time: MAIL, RCPT…, DATA.
type smtpSession struct {
	mail  *mailstore
	boxes []string
}

func (ss *smtpSession) Reset()        { ss.boxes = nil }
func (ss *smtpSession) Logout() error { return nil }

func (ss *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	box, ok := mailbox(to)
	if !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "no such mailbox: this server keeps mail for name@" + MailDomain + " only, and relays nothing"}
	}
	ss.boxes = append(ss.boxes, box)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err // too large: go-smtp answers 552
	}
	if err := ss.mail.deliver(ss.boxes, data); err != nil {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: err.Error()}
	}
	return nil
}

// singleListener is a listener of one connection: Accept returns it, then
// waits until it is closed and returns net.ErrClosed.
type singleListener struct {
	c      net.Conn
	once   sync.Once // c's Close
	taken  chan net.Conn
	closed chan struct{}
}

func newSingleListener(c net.Conn) *singleListener {
	l := &singleListener{c: c, taken: make(chan net.Conn, 1), closed: make(chan struct{})}
	l.taken <- &closeNotifier{Conn: c, l: l}
	return l
}

func (l *singleListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.taken:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close ends Accept; the connection is closed by whoever accepted it.
func (l *singleListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *singleListener) Addr() net.Addr { return l.c.LocalAddr() }

// closeNotifier closes its listener when it closes.
type closeNotifier struct {
	net.Conn
	l *singleListener
}

func (c *closeNotifier) Close() error {
	err := c.Conn.Close()
	c.l.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
