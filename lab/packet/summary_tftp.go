package packet

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// tftpPort is where a TFTP server takes requests (RFC 1350).
const tftpPort = 69

// tftpBlock is a TFTP DATA packet's most bytes: a full block and its
// header; a shorter one is the transfer's last.
const tftpBlock = 4 + 512

// tftpErrors are TFTP's error codes' names, as Wireshark says them.
var tftpErrors = [...]string{"Not defined", "File not found", "Access violation", "Disk full or allocation exceeded",
	"Illegal TFTP Operation", "Unknown transfer ID", "File already exists", "No such user", "Option negotiation failed"}

// appendTFTP appends a TFTP packet's line as Wireshark's Info column has
// it ("Read Request, File: tftp.txt, Transfer type: octet", "Data Packet,
// Block: 1", "Acknowledgement, Block: 1"), and true; or b and false when
// payload is not a TFTP packet it knows.
func appendTFTP(b []byte, payload []byte) ([]byte, bool) {
	if len(payload) < 4 {
		return b, false
	}
	op, rest := binary.BigEndian.Uint16(payload), payload[2:]
	num := func(label string, v uint16) []byte { return strconv.AppendUint(append(b, label...), uint64(v), 10) }
	switch op {
	case 1, 2:
		parts := bytes.Split(rest, []byte{0})
		if len(parts) < 3 || len(parts[0]) == 0 || len(parts[1]) == 0 || !printable(parts[0]) || !printable(parts[1]) {
			return b, false
		}
		if op == 1 {
			b = append(b, "Read Request"...)
		} else {
			b = append(b, "Write Request"...)
		}
		b = append(append(b, ", File: "...), parts[0]...)
		return append(append(b, ", Transfer type: "...), parts[1]...), true
	case 3:
		if len(payload) > tftpBlock {
			return b, false
		}
		b = num("Data Packet, Block: ", binary.BigEndian.Uint16(rest))
		if len(payload) < tftpBlock {
			b = append(b, " (last)"...)
		}
		return b, true
	case 4:
		if len(payload) != 4 {
			return b, false
		}
		return num("Acknowledgement, Block: ", binary.BigEndian.Uint16(rest)), true
	case 5:
		code := binary.BigEndian.Uint16(rest)
		msg, _, ok := bytes.Cut(rest[2:], []byte{0})
		if !ok || !printable(msg) {
			return b, false
		}
		b = append(b, "Error Code, Code: "...)
		if int(code) < len(tftpErrors) {
			b = append(b, tftpErrors[code]...)
		} else {
			b = strconv.AppendUint(b, uint64(code), 10)
		}
		return append(append(b, ", Message: "...), msg...), true
	}
	return b, false
}

// printable reports whether b is printable ASCII.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
