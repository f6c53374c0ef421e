package services

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// The mail store's bounds: a lab server keeps at most maxMailboxes
// mailboxes of at most maxMailboxMessages messages, each of at most
// maxMessageBytes, and maxMailBytes in all.
const (
	maxMessageBytes    = 16 << 10
	maxMailboxMessages = 32
	maxMailboxes       = 64
	maxMailBytes       = 256 << 10
	maxLocalPart       = 64
)

// MailDomain is the lab's mail domain: every name@lab is a mailbox.
const MailDomain = "lab"

// mailstore holds the lab server's mailboxes, which SMTP delivers to and
// POP3 reads from: a message waits on the server until its reader
// connects. Its zero value is empty; a mailbox comes to be with its first
// message.
type mailstore struct {
	mu     sync.Mutex
	boxes  map[string][]*message // by mailbox name ("ada"), oldest first
	locked map[string]bool       // mailboxes a POP3 session holds
	bytes  int                   // the size of every message kept
	uid    uint32                // the last message's unique identifier
}

// message is one message, its lines ending in CRLF, as POP3 sends it,
// and its unique identifier (IMAP's UID: ascending in every mailbox, as
// the store's are).
type message struct {
	data []byte
	uid  uint32
}

// errMailFull is a delivery over one of the store's bounds.
var errMailFull = errors.New("mailbox full")

// mailbox is the mailbox an address names: "Ada@lab" and "ada" are
// "ada"; ok is false for another domain or a name that is not a plain
// word of letters, digits, '.', '-' and '_'.
func mailbox(addr string) (string, bool) {
	local, domain, found := strings.Cut(addr, "@")
	if found && !strings.EqualFold(domain, MailDomain) {
		return "", false
	}
	if local == "" || len(local) > maxLocalPart {
		return "", false
	}
	for _, r := range local {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-' || r == '_') {
			return "", false
		}
	}
	return strings.ToLower(local), true
}

// deliver keeps a copy of data in each of boxes, or in none if one of
// them, or the store, is full.
func (m *mailstore) deliver(boxes []string, data []byte) error {
	msg := &message{data: crlf(data)}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.uid++
	msg.uid = m.uid
	added := 0
	for _, b := range boxes {
		if _, ok := m.boxes[b]; !ok {
			added++
		}
		if len(m.boxes[b]) >= maxMailboxMessages {
			return fmt.Errorf("deliver to %s@%s: %w: it holds %d messages", b, MailDomain, errMailFull, maxMailboxMessages)
		}
	}
	if len(m.boxes)+added > maxMailboxes {
		return fmt.Errorf("deliver: %w: the lab keeps %d mailboxes", errMailFull, maxMailboxes)
	}
	if m.bytes+len(boxes)*len(msg.data) > maxMailBytes {
		return fmt.Errorf("deliver: %w: the lab keeps %d KiB of mail", errMailFull, maxMailBytes>>10)
	}
	if m.boxes == nil {
		m.boxes = map[string][]*message{}
	}
	for _, b := range boxes {
		m.boxes[b] = append(m.boxes[b], msg)
		m.bytes += len(msg.data)
	}
	return nil
}

// open locks box for a POP3 session and returns its messages; false if
// another session holds it.
func (m *mailstore) open(box string) ([]*message, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locked[box] {
		return nil, false
	}
	if m.locked == nil {
		m.locked = map[string]bool{}
	}
	m.locked[box] = true
	return append([]*message(nil), m.boxes[box]...), true
}

// nextUID is the UID the next message will have.
func (m *mailstore) nextUID() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.uid + 1
}

// peek returns box's messages without locking it: IMAP reads a mailbox
// and leaves its messages where they are.
func (m *mailstore) peek(box string) []*message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*message(nil), m.boxes[box]...)
}

// close removes deleted from box and unlocks it.
func (m *mailstore) close(box string, deleted []*message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.locked, box)
	kept := m.boxes[box][:0]
	for _, msg := range m.boxes[box] {
		if containsMessage(deleted, msg) {
			m.bytes -= len(msg.data)
		} else {
			kept = append(kept, msg)
		}
	}
	if len(kept) == 0 {
		delete(m.boxes, box)
	} else {
		m.boxes[box] = kept
	}
}

func containsMessage(msgs []*message, msg *message) bool {
	for _, m := range msgs {
		if m == msg {
			return true
		}
	}
	return false
}

// crlf ends every line of data in CRLF, the last one too.
func crlf(data []byte) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	out := make([]byte, 0, len(data)+len(lines)+2)
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		l = bytes.TrimSuffix(bytes.TrimSuffix(l, []byte("\n")), []byte("\r"))
		out = append(append(out, l...), '\r', '\n')
	}
	return out
}
