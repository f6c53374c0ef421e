package services

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
)

// maxIMAPLine bounds an IMAP command line, its CRLF included; a longer
// one is answered BAD and skipped.
const maxIMAPLine = 1024

// imap serves one IMAP connection (RFC 9051's IMAP4rev2, a subset on
// the mail store SMTP delivers to and POP3 reads): CAPABILITY, NOOP,
// LOGIN (any password), LIST, SELECT and EXAMINE of INBOX (read-only:
// the messages stay on the server), FETCH and UID FETCH of BODY[],
// BODY.PEEK[], RFC822, RFC822.SIZE, FLAGS and UID, CLOSE, LOGOUT. A
// session that says nothing for mailIdle is logged out.
func (s *Server) imap(c net.Conn) {
	r := bufio.NewReaderSize(deadlineReader{c, mailIdle}, 512)
	w := bufio.NewWriterSize(c, 512)
	serveIMAP(r, w, &s.mail)
}

// imapSession is an IMAP session's state: not authenticated, then
// authenticated as user, then with INBOX selected (msgs, as they were
// at SELECT).
type imapSession struct {
	mail     *mailstore
	user     string
	selected bool
	msgs     []*message
}

// serveIMAP runs an IMAP session on r and w until LOGOUT or the
// connection ends.
func serveIMAP(r *bufio.Reader, w *bufio.Writer, mail *mailstore) {
	is := &imapSession{mail: mail}
	w.WriteString("* OK [CAPABILITY IMAP4rev1 IMAP4rev2] " + MailHost + " IMAP server ready: LOGIN name anything\r\n")
	for w.Flush() == nil {
		line, err := readLimitedLine(r, maxIMAPLine)
		if errors.Is(err, errLineTooLong) {
			w.WriteString("* BAD line too long: a command is at most 1024 bytes\r\n")
			continue
		}
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(line, " ")
		if !validTag(tag) {
			w.WriteString("* BAD a command starts with a tag of your choosing, then a space: A1 LOGIN ada anything\r\n")
			continue
		}
		cmd, args, _ := strings.Cut(rest, " ")
		if is.do(w, tag, strings.ToUpper(cmd), args) {
			w.Flush()
			return
		}
	}
}

// validTag reports whether tag is an IMAP tag: 1 to 32 printable
// characters, none of them special.
func validTag(tag string) bool {
	if tag == "" || len(tag) > 32 {
		return false
	}
	for _, r := range tag {
		if r <= ' ' || r > '~' || strings.ContainsRune(`(){%*"\+`, r) {
			return false
		}
	}
	return true
}

// do answers one command; true when the session ends.
func (is *imapSession) do(w io.Writer, tag, cmd, args string) bool {
	ok := func(text string) { fmt.Fprintf(w, "%s OK %s\r\n", tag, text) }
	no := func(text string) { fmt.Fprintf(w, "%s NO %s\r\n", tag, text) }
	bad := func(text string) { fmt.Fprintf(w, "%s BAD %s\r\n", tag, text) }
	switch cmd {
	case "LOGOUT":
		io.WriteString(w, "* BYE logging out; your mail stays on the server\r\n")
		ok("LOGOUT completed")
		return true
	case "CAPABILITY":
		io.WriteString(w, "* CAPABILITY IMAP4rev1 IMAP4rev2\r\n")
		ok("CAPABILITY completed")
		return false
	case "NOOP":
		ok("NOOP completed")
		return false
	case "LOGIN":
		words, err := imapWords(args)
		if err != nil || len(words) != 2 {
			bad("LOGIN takes a name and a password: A1 LOGIN ada anything")
			return false
		}
		box, valid := mailbox(words[0])
		if !valid {
			no("[AUTHENTICATIONFAILED] a mailbox is a name of letters, digits, . - _: LOGIN ada anything, for ada@" + MailDomain)
			return false
		}
		is.user, is.selected, is.msgs = box, false, nil
		ok("[CAPABILITY IMAP4rev1 IMAP4rev2] logged in as " + box + "@" + MailDomain + " (any password: it is a lab)")
		return false
	}
	if is.user == "" {
		bad("log in first: A1 LOGIN ada anything")
		return false
	}
	switch cmd {
	case "LIST":
		io.WriteString(w, "* LIST () \"/\" INBOX\r\n")
		ok("LIST completed")
	case "SELECT", "EXAMINE":
		words, err := imapWords(args)
		if err != nil || len(words) != 1 || !strings.EqualFold(words[0], "INBOX") {
			no("there is one mailbox, INBOX: A2 SELECT INBOX")
			return false
		}
		is.selected, is.msgs = true, is.mail.peek(is.user)
		next := is.mail.nextUID()
		fmt.Fprintf(w, "* %d EXISTS\r\n* FLAGS (\\Seen)\r\n* OK [PERMANENTFLAGS ()] read-only\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT %d] predicted next UID\r\n", len(is.msgs), next)
		ok("[READ-ONLY] " + cmd + " completed: the lab's IMAP server reads mail and leaves it on the server")
	case "CLOSE", "UNSELECT":
		is.selected, is.msgs = false, nil
		ok(cmd + " completed")
	case "FETCH":
		is.fetch(w, tag, false, args, ok, bad)
	case "UID":
		sub, rest, _ := strings.Cut(args, " ")
		if !strings.EqualFold(sub, "FETCH") {
			bad("UID FETCH only")
			return false
		}
		is.fetch(w, tag, true, rest, ok, bad)
	case "STORE", "EXPUNGE", "COPY", "MOVE", "APPEND", "CREATE", "DELETE", "RENAME":
		no("the lab's IMAP server is read-only: it reads mail and never changes it")
	default:
		bad("unknown command: CAPABILITY, LOGIN, LIST, SELECT, FETCH, UID FETCH, CLOSE, LOGOUT")
	}
	return false
}

// fetch answers FETCH (by message number) or UID FETCH (by UID).
func (is *imapSession) fetch(w io.Writer, tag string, byUID bool, args string, ok, bad func(string)) {
	if !is.selected {
		bad("SELECT INBOX first")
		return
	}
	set, items, found := strings.Cut(args, " ")
	if !found {
		bad("FETCH takes messages and what of them: A3 FETCH 1 BODY[]")
		return
	}
	var last uint32
	if byUID && len(is.msgs) > 0 {
		last = is.msgs[len(is.msgs)-1].uid
	} else if !byUID {
		last = uint32(len(is.msgs))
	}
	want, err := parseSeqSet(set, last)
	if err != nil {
		bad(err.Error())
		return
	}
	names, err := fetchItems(items)
	if err != nil {
		bad(err.Error())
		return
	}
	if byUID && !slices.Contains(names, "UID") {
		names = append([]string{"UID"}, names...)
	}
	for i, m := range is.msgs {
		key := uint32(i + 1)
		if byUID {
			key = m.uid
		}
		if !want(key) {
			continue
		}
		var parts []string
		var body []byte
		for _, n := range names {
			switch n {
			case "UID":
				parts = append(parts, "UID "+strconv.FormatUint(uint64(m.uid), 10))
			case "FLAGS":
				parts = append(parts, "FLAGS ()")
			case "RFC822.SIZE":
				parts = append(parts, "RFC822.SIZE "+strconv.Itoa(len(m.data)))
			default: // BODY[], RFC822: the message, as a literal, last
				body = m.data
				parts = append(parts, strings.Replace(n, "BODY.PEEK[]", "BODY[]", 1)+" {"+strconv.Itoa(len(m.data))+"}")
			}
		}
		fmt.Fprintf(w, "* %d FETCH (%s", i+1, strings.Join(parts, " "))
		if body != nil {
			io.WriteString(w, "\r\n")
			w.Write(body)
		}
		io.WriteString(w, ")\r\n")
	}
	if byUID {
		ok("UID FETCH completed")
	} else {
		ok("FETCH completed")
	}
}

// fetchItems are the data items a FETCH asks for, upper case, the
// message's body last (it is sent as a literal).
func fetchItems(s string) ([]string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
	var names []string
	body := ""
	for _, f := range strings.Fields(s) {
		switch f {
		case "UID", "FLAGS", "RFC822.SIZE":
			names = append(names, f)
		case "BODY[]", "BODY.PEEK[]", "RFC822":
			body = f
		case "ALL", "FAST":
			names = append(names, "FLAGS", "RFC822.SIZE")
		default:
			return nil, fmt.Errorf("FETCH %s is not offered: BODY[], RFC822, RFC822.SIZE, FLAGS, UID", printable([]byte(f), 20))
		}
	}
	if body != "" {
		names = append(names, body)
	}
	if len(names) == 0 {
		return nil, errors.New("FETCH what? BODY[], RFC822.SIZE, FLAGS or UID")
	}
	return names, nil
}

// parseSeqSet reads a sequence set (RFC 9051, 9: "1", "2:4", "3:*",
// "1,3"), "*" being last, into a test of membership.
func parseSeqSet(s string, last uint32) (func(uint32) bool, error) {
	errSet := errors.New("messages by number: 1, 2:4, 1:*, or 1,3")
	num := func(t string) (uint32, error) {
		if t == "*" {
			return last, nil
		}
		n, err := strconv.ParseUint(t, 10, 32)
		if err != nil || n == 0 {
			return 0, errSet
		}
		return uint32(n), nil
	}
	type span struct{ lo, hi uint32 }
	var spans []span
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(part, ":")
		lo, err := num(a)
		if err != nil {
			return nil, err
		}
		hi := lo
		if isRange {
			if hi, err = num(b); err != nil {
				return nil, err
			}
		}
		spans = append(spans, span{min(lo, hi), max(lo, hi)})
		if len(spans) > 64 {
			return nil, errSet
		}
	}
	return func(n uint32) bool {
		for _, sp := range spans {
			if sp.lo <= n && n <= sp.hi {
				return true
			}
		}
		return false
	}, nil
}

// imapWords splits arguments into atoms and quoted strings; a literal
// ({n}) is not taken.
func imapWords(s string) ([]string, error) {
	var out []string
	for s = strings.TrimLeft(s, " "); s != ""; s = strings.TrimLeft(s, " ") {
		if s[0] == '{' {
			return nil, errors.New("literals are not taken here: send the name and password as words or in quotes")
		}
		if s[0] != '"' {
			word, rest, _ := strings.Cut(s, " ")
			out, s = append(out, word), rest
			continue
		}
		var sb strings.Builder
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			sb.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, errors.New("a quoted string without its closing quote")
		}
		out, s = append(out, sb.String()), s[i+1:]
	}
	return out, nil
}
