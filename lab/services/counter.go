package services

import (
	"bufio"
	"errors"
	"net"
	"strconv"
)

// maxLine bounds a line the line-based services read: a longer one is
// read on to its end and counted as one line.
const maxLine = 1024

// Counter answers each line the client sends with how many lines this
// connection has sent so far: "1\n", "2\n", …. It keeps that count for as
// long as the connection lasts and forgets it when it closes: state kept
// per connection, where daytime keeps none.
func Counter(c net.Conn) {
	r := bufio.NewReaderSize(c, maxLine)
	for n := 1; ; n++ {
		if err := skipLine(r); err != nil {
			return
		}
		if _, err := c.Write(append(strconv.AppendInt(nil, int64(n), 10), '\n')); err != nil {
			return
		}
	}
}

// skipLine reads up to and including the next newline, however long the
// line.
func skipLine(r *bufio.Reader) error {
	for {
		_, err := r.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// readLine reads the next line, without its line ending; a line longer
// than maxLine is an error.
func readLine(r *bufio.Reader) (string, error) {
	b, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errors.New("read line: longer than 1024 bytes")
	}
	if err != nil {
		return "", err
	}
	b = b[:len(b)-1]
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return string(b), nil
}
