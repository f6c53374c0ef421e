package services

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// The FTP server's bounds: a command line (RFC 959 has none; 512 bytes
// is plenty), a file put with STOR, the files and bytes of the area,
// a file's name, the passive ports waiting for a data connection on one
// lab server, and how long one waits.
const (
	maxFTPLine  = 512
	maxFTPFile  = 64 << 10
	maxFTPFiles = 32
	maxFTPBytes = 256 << 10
	maxFTPName  = 64
	maxPassive  = 16
	ftpDataWait = 2 * time.Minute
)

// ftpArea is the FTP server's files: the lab's own (those the TFTP
// server has, read-only) and what clients put there with STOR, the lab
// server's (a student's alone, a workshop's shared). Its zero value
// holds the lab's files.
type ftpArea struct {
	mu    sync.Mutex
	files map[string][]byte // what clients put
	bytes int
	at    map[string]time.Time
}

// ftpLabFile is one of the lab's own files; false if name is not one.
func ftpLabFile(name string) ([]byte, bool) {
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil, false
	}
	b, err := tftpFiles.ReadFile("files/" + name)
	return b, err == nil
}

// get is the file named name.
func (a *ftpArea) get(name string) ([]byte, bool) {
	if b, ok := ftpLabFile(name); ok {
		return b, true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.files[name]
	return b, ok
}

// ftpEntry is a file as LIST shows it.
type ftpEntry struct {
	name string
	size int
	at   time.Time
}

// list is every file, by name.
func (a *ftpArea) list(now time.Time) []ftpEntry {
	var out []ftpEntry
	labFiles, _ := fs.ReadDir(tftpFiles, "files")
	for _, f := range labFiles {
		b, _ := ftpLabFile(f.Name())
		out = append(out, ftpEntry{f.Name(), len(b), now})
	}
	a.mu.Lock()
	for name, b := range a.files {
		out = append(out, ftpEntry{name, len(b), a.at[name]})
	}
	a.mu.Unlock()
	slices.SortFunc(out, func(x, y ftpEntry) int { return strings.Compare(x.name, y.name) })
	return out
}

// put keeps data as name, replacing a file a client put before; an
// error, in FTP's words, if the area is full or the name is the lab's.
func (a *ftpArea) put(name string, data []byte, now time.Time) error {
	if _, ok := ftpLabFile(name); ok {
		return fmt.Errorf("553 %s is the lab's own file: STOR it under another name", name)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	old, replacing := a.files[name]
	switch {
	case !replacing && len(a.files) >= maxFTPFiles:
		return fmt.Errorf("552 the lab's area holds %d files: no room for another", maxFTPFiles)
	case a.bytes-len(old)+len(data) > maxFTPBytes:
		return fmt.Errorf("552 the lab's area holds %d KiB in all: no room for %d bytes more", maxFTPBytes>>10, len(data))
	}
	if a.files == nil {
		a.files, a.at = map[string][]byte{}, map[string]time.Time{}
	}
	a.files[name], a.at[name] = data, now
	a.bytes += len(data) - len(old)
	return nil
}

// validFTPName reports whether name may be a file's: a plain name of
// printable ASCII, no slash, not "." or "..".
func validFTPName(name string) bool {
	if name == "" || len(name) > maxFTPName || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r > '~' || r == '/' || r == '\\' {
			return false
		}
	}
	return true
}

// ftp serves one FTP control connection on n (RFC 959, with EPSV from
// RFC 2428): anonymous login, PASV and EPSV (the client opens the data
// connection to a port the server names), LIST, NLST, RETR, STOR, SIZE,
// TYPE, PWD, CWD /, SYST, FEAT, NOOP, QUIT. Active mode (PORT) is not
// offered.
func (s *Server) ftp(n Network) func(net.Conn) {
	return func(c net.Conn) {
		sess := &ftpSession{s: s, n: n, ctrl: c, area: &s.files}
		defer sess.closePassive()
		serveFTP(bufio.NewReaderSize(deadlineReader{c, mailIdle}, 512), bufio.NewWriterSize(c, 512), sess)
	}
}

// ftpSession is one control connection's state.
type ftpSession struct {
	s    *Server
	n    Network
	ctrl net.Conn
	area *ftpArea

	user     string // USER's name, until PASS
	loggedIn bool

	pasv      net.Listener // the passive port waiting for its data connection
	pasvTimer *time.Timer  // closes it after ftpDataWait
}

// serveFTP runs an FTP session on r and w until QUIT or the connection
// ends.
func serveFTP(r *bufio.Reader, w *bufio.Writer, sess *ftpSession) {
	w.WriteString("220 ftp.lab FTP server ready: USER anonymous, any password\r\n")
	for w.Flush() == nil {
		line, err := readLimitedLine(r, maxFTPLine)
		if errors.Is(err, errLineTooLong) {
			w.WriteString("500 line too long: a command is at most 512 bytes\r\n")
			continue
		}
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(line, " ")
		if sess.do(w, strings.ToUpper(cmd), arg) {
			w.Flush()
			return
		}
	}
}

// do answers one command; true when the session ends.
func (sess *ftpSession) do(w *bufio.Writer, cmd, arg string) bool {
	reply := func(format string, a ...any) { fmt.Fprintf(w, format+"\r\n", a...) }
	switch cmd {
	case "QUIT":
		reply("221 goodbye")
		return true
	case "NOOP":
		reply("200 ok")
		return false
	case "USER":
		if !strings.EqualFold(arg, "anonymous") && !strings.EqualFold(arg, "ftp") {
			reply("530 only anonymous here: USER anonymous")
			return false
		}
		sess.user, sess.loggedIn = "anonymous", false
		reply("331 anonymous: now PASS, any password (an e-mail address, by custom)")
		return false
	case "PASS":
		if sess.user == "" {
			reply("503 USER first, then PASS")
			return false
		}
		sess.loggedIn = true
		reply("230 logged in: LIST, RETR, STOR; each over a data connection you open after PASV")
		return false
	case "SYST":
		reply("215 UNIX Type: L8")
		return false
	case "FEAT":
		w.WriteString("211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n UTF8\r\n211 End\r\n")
		return false
	}
	if !sess.loggedIn {
		reply("530 log in first: USER anonymous, then PASS anything")
		return false
	}
	switch cmd {
	case "PWD", "XPWD":
		reply(`257 "/" is the only directory`)
	case "CWD":
		if arg != "/" && arg != "" {
			reply("550 %s: there is only /", printable([]byte(arg), 40))
			return false
		}
		reply("250 in /")
	case "TYPE":
		switch strings.ToUpper(arg) {
		case "A", "A N":
			reply("200 type set to A (ASCII)")
		case "I", "L 8":
			reply("200 type set to I (binary)")
		default:
			reply("504 TYPE A or TYPE I")
		}
	case "MODE", "STRU":
		if a := strings.ToUpper(arg); cmd == "MODE" && a == "S" || cmd == "STRU" && a == "F" {
			reply("200 ok")
		} else {
			reply("504 only MODE S and STRU F")
		}
	case "PASV", "EPSV":
		sess.passive(reply, cmd == "EPSV", arg)
	case "PORT", "EPRT":
		reply("502 active mode is not offered here: send PASV, then connect to the port it names")
	case "SIZE":
		if b, ok := sess.area.get(arg); ok {
			reply("213 %d", len(b))
		} else {
			reply("550 no such file: %s", printable([]byte(arg), 40))
		}
	case "LIST", "NLST":
		sess.list(w, reply, cmd == "NLST", arg)
	case "RETR":
		sess.retr(w, reply, arg)
	case "STOR":
		sess.stor(w, reply, arg)
	default:
		reply("502 %s is not a command this server knows: USER, PASS, PASV, EPSV, LIST, NLST, RETR, STOR, SIZE, QUIT", printable([]byte(cmd), 12))
	}
	return false
}

// passive opens a port for the data connection and names it: PASV as
// six numbers (h1,h2,h3,h4,p1,p2: the port is p1*256+p2), EPSV as the
// port alone (|||port|). A passive port before it is closed.
func (sess *ftpSession) passive(reply func(string, ...any), extended bool, arg string) {
	sess.closePassive()
	if extended && arg != "" && arg != "1" && !strings.EqualFold(arg, "ALL") {
		reply("522 only IPv4: EPSV 1, or EPSV")
		return
	}
	local := netip.MustParseAddrPort(sess.ctrl.LocalAddr().String())
	if sess.s.passive.Add(1) > maxPassive {
		sess.s.passive.Add(-1)
		reply("425 too many data connections waiting on this server: try again")
		return
	}
	ln, err := sess.n.Listen(0)
	if err != nil {
		sess.s.passive.Add(-1)
		reply("425 cannot open a data port: %v", err)
		return
	}
	if !sess.s.track(ln) {
		sess.s.passive.Add(-1)
		ln.Close()
		return
	}
	sess.pasv = ln
	sess.pasvTimer = time.AfterFunc(ftpDataWait, func() { ln.Close() })
	port := netip.MustParseAddrPort(ln.Addr().String()).Port()
	if extended {
		reply("229 Entering Extended Passive Mode (|||%d|)", port)
		return
	}
	a := local.Addr().Unmap().As4()
	reply("227 Entering Passive Mode (%d,%d,%d,%d,%d,%d)", a[0], a[1], a[2], a[3], port>>8, port&0xff)
}

// closePassive closes the passive port, if one is open.
func (sess *ftpSession) closePassive() {
	if sess.pasv == nil {
		return
	}
	sess.pasvTimer.Stop()
	sess.pasv.Close()
	sess.s.untrack(sess.pasv)
	sess.s.passive.Add(-1)
	sess.pasv, sess.pasvTimer = nil, nil
}

// data accepts the data connection on the passive port, from the control
// connection's peer only (anyone else's is closed), and closes the port:
// each transfer has a data connection of its own. nil, and the reply
// said why, if there is none.
func (sess *ftpSession) data(reply func(string, ...any)) net.Conn {
	if sess.pasv == nil {
		reply("425 no data connection: send PASV (or EPSV) first, then connect to the port it names")
		return nil
	}
	defer sess.closePassive()
	peer, _ := peerAddr(sess.ctrl)
	for {
		c, err := sess.pasv.Accept()
		if err != nil {
			reply("425 no data connection came to the port PASV named")
			return nil
		}
		if from, _ := peerAddr(c); from != peer {
			c.Close()
			continue
		}
		if !sess.s.track(c) {
			c.Close()
			return nil
		}
		c.SetDeadline(time.Now().Add(ftpDataWait))
		return c
	}
}

// endData closes a data connection: its FIN says the transfer is over.
func (sess *ftpSession) endData(c net.Conn) {
	c.Close()
	sess.s.untrack(c)
}

func (sess *ftpSession) list(w *bufio.Writer, reply func(string, ...any), names bool, arg string) {
	if arg != "" && arg != "/" && arg != "." && !strings.HasPrefix(arg, "-") {
		if _, ok := sess.area.get(arg); !ok {
			reply("550 no such file or directory: %s", printable([]byte(arg), 40))
			return
		}
	}
	c := sess.data(reply)
	if c == nil {
		return
	}
	reply("150 here comes the listing, over the data connection")
	w.Flush()
	var sb strings.Builder
	for _, e := range sess.area.list(sess.s.now()) {
		if names {
			sb.WriteString(e.name + "\r\n")
		} else {
			fmt.Fprintf(&sb, "-rw-r--r-- 1 ftp ftp %8d %s %s\r\n", e.size, e.at.UTC().Format("Jan 02 15:04"), e.name)
		}
	}
	_, err := io.WriteString(c, sb.String())
	sess.endData(c)
	if err != nil {
		reply("426 the data connection broke")
		return
	}
	reply("226 listing sent; the data connection is closed")
}

func (sess *ftpSession) retr(w *bufio.Writer, reply func(string, ...any), name string) {
	b, ok := sess.area.get(name)
	if !ok {
		reply("550 no such file: %s (LIST shows what there is)", printable([]byte(name), 40))
		return
	}
	c := sess.data(reply)
	if c == nil {
		return
	}
	reply("150 sending %s (%d bytes) over the data connection", name, len(b))
	w.Flush()
	_, err := c.Write(b)
	sess.endData(c)
	if err != nil {
		reply("426 the data connection broke")
		return
	}
	reply("226 %s sent; the data connection is closed", name)
}

func (sess *ftpSession) stor(w *bufio.Writer, reply func(string, ...any), name string) {
	if !validFTPName(name) {
		reply("553 a file's name is 1 to %d printable characters, without /", maxFTPName)
		return
	}
	c := sess.data(reply)
	if c == nil {
		return
	}
	reply("150 send %s over the data connection, then close it", name)
	w.Flush()
	b, err := io.ReadAll(io.LimitReader(c, maxFTPFile+1))
	sess.endData(c)
	switch {
	case err != nil:
		reply("426 the data connection broke")
	case len(b) > maxFTPFile:
		reply("552 a file is at most %d KiB here", maxFTPFile>>10)
	default:
		if err := sess.area.put(name, b, sess.s.now()); err != nil {
			reply("%s", err.Error())
			return
		}
		reply("226 %s stored (%d bytes)", name, len(b))
	}
}
