package services

import (
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"strings"
	"time"
)

// The TFTP server's files, read-only.
//
//go:embed files/*.txt
var tftpFiles embed.FS

// TFTP's opcodes and the error codes the server sends (RFC 1350, 5).
const (
	tftpRRQ   = 1
	tftpWRQ   = 2
	tftpDATA  = 3
	tftpACK   = 4
	tftpERROR = 5

	tftpNotDefined   = 0
	tftpNotFound     = 1
	tftpAccess       = 2
	tftpIllegal      = 4
	tftpUnknownTID   = 5
	tftpBlock        = 512
	maxTFTPPacket    = 4 + tftpBlock
	maxTransfers     = 4
	tftpTimeout      = 10 * time.Second
	tftpTransmission = 6 // tries of a block before the transfer gives up
)

// tftpPacket is one TFTP packet, parsed.
type tftpPacket struct {
	op    uint16
	file  string // RRQ, WRQ
	mode  string // RRQ, WRQ: lower case
	block uint16 // DATA, ACK
	code  uint16 // ERROR
	msg   string // ERROR
	data  []byte // DATA
}

// parseTFTP parses a TFTP packet (RFC 1350, 5). A request's options
// (RFC 2347), after its mode, are ignored, as a server without them may.
func parseTFTP(b []byte) (tftpPacket, error) {
	if len(b) < 4 {
		return tftpPacket{}, errors.New("shorter than 4 bytes")
	}
	p := tftpPacket{op: binary.BigEndian.Uint16(b)}
	switch p.op {
	case tftpRRQ, tftpWRQ:
		fields := bytes.SplitN(b[2:], []byte{0}, 3)
		if len(fields) < 3 || len(fields[0]) == 0 {
			return tftpPacket{}, errors.New("a request is a file name and a mode, each ending in a zero byte")
		}
		p.file, p.mode = string(fields[0]), strings.ToLower(string(fields[1]))
	case tftpDATA, tftpACK:
		p.block = binary.BigEndian.Uint16(b[2:])
		if p.op == tftpDATA {
			p.data = b[4:]
		} else if len(b) != 4 {
			return tftpPacket{}, errors.New("an ACK is 4 bytes")
		}
	case tftpERROR:
		p.code = binary.BigEndian.Uint16(b[2:])
		msg, _, _ := bytes.Cut(b[4:], []byte{0})
		p.msg = string(msg)
	default:
		return tftpPacket{}, errors.New("no such opcode")
	}
	return p, nil
}

// tftpError is an ERROR packet.
func tftpError(code uint16, msg string) []byte {
	b := binary.BigEndian.AppendUint16(nil, tftpERROR)
	b = binary.BigEndian.AppendUint16(b, code)
	return append(append(b, msg...), 0)
}

// tftp answers requests on the file server's port (69): a read request
// starts a transfer from a port of its own (the server's transfer ID),
// within maxTransfers at once; a DATA, ACK or ERROR, which belong to a
// transfer, is ignored; anything else gets an ERROR.
func (s *Server) tftp(n Network) func([]byte, net.Addr) []byte {
	return func(b []byte, from net.Addr) []byte {
		p, err := parseTFTP(b)
		switch {
		case err != nil:
			return tftpError(tftpIllegal, "illegal TFTP operation: "+err.Error())
		case p.op == tftpWRQ:
			return tftpError(tftpAccess, "access violation: the lab's file server is read-only")
		case p.op != tftpRRQ:
			return nil // a transfer's packet, sent to the wrong port: answering could loop between two servers
		case p.mode != "octet" && p.mode != "netascii":
			return tftpError(tftpIllegal, "illegal TFTP operation: the mode is octet or netascii")
		}
		data, err := tftpFiles.ReadFile("files/" + p.file)
		if err != nil || strings.ContainsAny(p.file, "/\\") {
			return tftpError(tftpNotFound, "file not found: there are hello.txt and tftp.txt")
		}
		if p.mode == "netascii" {
			data = netascii(data)
		}
		if s.transfers.Add(1) > maxTransfers {
			s.transfers.Add(-1)
			return tftpError(tftpNotDefined, "server busy: try again in a moment")
		}
		pc, err := n.ListenPacket(0)
		if err != nil || !s.track(pc) {
			if pc != nil {
				pc.Close()
			}
			s.transfers.Add(-1)
			return tftpError(tftpNotDefined, "server busy: try again in a moment")
		}
		if !s.goTask(func() { defer s.transfers.Add(-1); defer s.untrack(pc); defer pc.Close(); sendFile(pc, from, data) }) {
			s.untrack(pc)
			pc.Close()
			s.transfers.Add(-1)
		}
		return nil
	}
}

// sendFile sends data to the client at to in blocks of 512 bytes, each
// after the ACK of the one before (RFC 1350's stop and wait): a block not
// acknowledged within tftpTimeout is sent again, up to tftpTransmission
// times. A duplicate ACK is not answered (the Sorcerer's Apprentice bug);
// a packet from anyone else gets ERROR 5, and the transfer goes on.
func sendFile(pc net.PacketConn, to net.Addr, data []byte) {
	read := bufferedReader(pc, maxTFTPPacket)
	if dr, ok := pc.(DatagramReader); ok {
		read = dr.ReadDatagram
	}
	for block := uint16(1); ; block++ {
		chunk := data[min(len(data), int(block-1)*tftpBlock):min(len(data), int(block)*tftpBlock)]
		pkt := binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, tftpDATA), block)
		pkt = append(pkt, chunk...)
		if !sendBlock(pc, to, pkt, block, read) {
			return
		}
		if len(chunk) < tftpBlock {
			return
		}
	}
}

// sendBlock sends one DATA packet until its ACK comes; false if it never
// does, or the client sent an ERROR.
func sendBlock(pc net.PacketConn, to net.Addr, pkt []byte, block uint16, read func(int) ([]byte, net.Addr, error)) bool {
	for try := 0; try < tftpTransmission; try++ {
		if _, err := pc.WriteTo(pkt, to); err != nil {
			return false
		}
		pc.SetReadDeadline(time.Now().Add(tftpTimeout))
		for {
			b, from, err := read(maxTFTPPacket)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break // send it again
			}
			if err != nil {
				return false
			}
			if from.String() != to.String() {
				pc.WriteTo(tftpError(tftpUnknownTID, "unknown transfer ID: this port is another client's transfer"), from)
				continue
			}
			p, err := parseTFTP(b)
			switch {
			case err == nil && p.op == tftpACK && p.block == block:
				return true
			case err == nil && p.op == tftpERROR:
				return false
			}
		}
	}
	return false
}

// netascii is text as TFTP's netascii mode sends it: lines end in CR LF,
// and a lone CR is CR NUL.
func netascii(text []byte) []byte {
	out := make([]byte, 0, len(text)+len(text)/16)
	for _, c := range text {
		switch c {
		case '\n':
			out = append(out, '\r', '\n')
		case '\r':
			out = append(out, '\r', 0)
		default:
			out = append(out, c)
		}
	}
	return out
}
