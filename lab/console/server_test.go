package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/services"
)

// A connect refused by the lab server on a port no TCP service of its
// listens on gets a hint naming the ports where one does, from the
// services the room runs.
func TestRefusedHint(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> socket(AF_INET, SOCK_STREAM).connect(("10.0.0.1", 9))
ConnectionRefusedError: [Errno 111] Connection refused
hint: the lab server 10.0.0.1 listens on TCP 7 (echo), 13 (daytime), 21 (ftp), 25 (smtp), 80 (http), 110 (pop3), 143 (imap), 2000 (callme), 2001 (counter), 2007 (iterecho), 5432 (sql), 6379 (kv), 9000 (peer)
>>> socket(AF_INET, SOCK_STREAM).connect(("10.0.0.1", 69))
ConnectionRefusedError: [Errno 111] Connection refused
hint: tftp is on UDP 69: socket(AF_INET, SOCK_DGRAM) reaches it; the lab server 10.0.0.1 listens on TCP 7 (echo), 13 (daytime), 21 (ftp), 25 (smtp), 80 (http), 110 (pop3), 143 (imap), 2000 (callme), 2001 (counter), 2007 (iterecho), 5432 (sql), 6379 (kv), 9000 (peer)
>>> socket(AF_INET, SOCK_STREAM).connect(("127.0.0.1", 9))
ConnectionRefusedError: [Errno 111] Connection refused
`)

	// The hint names the services the room runs, whatever they are.
	l = newLab(t, room.Config{Services: []services.Spec{{Name: "echo", Proto: "tcp", Port: 7}, {Name: "echo", Proto: "udp", Port: 7}}})
	l.transcript(t, `
>>> socket(AF_INET, SOCK_STREAM).connect(("10.0.0.1", 13))
ConnectionRefusedError: [Errno 111] Connection refused
hint: the lab server 10.0.0.1 listens on TCP 7 (echo)
`)

	// A console told nothing of the server gives no hint.
	c := console.New(l.h.Sockets())
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res := c.Exec(ctx, `socket(AF_INET, SOCK_STREAM).connect(("10.0.0.1", 13))`); res.Error != "ConnectionRefusedError: [Errno 111] Connection refused" {
		t.Errorf("without WithServer: got %+v", res)
	}
}
