package packet

import (
	"io"

	"github.com/socketlab/socketlab/lab"
)

// WriteTrace writes the packets among events as a pcapng file, with
// nanosecond timestamps: the capture of the host whose trace it is, each
// packet on the interface it was seen on (lab.Packet.Interface), each
// interface described before its first packet.
func WriteTrace(w io.Writer, events []lab.Event) error {
	pw, err := NewPcapngWriter(w)
	if err != nil {
		return err
	}
	ifaces := map[string]int{}
	for _, e := range events {
		if e.Kind != lab.KindPacket || e.Packet == nil {
			continue
		}
		id, ok := ifaces[e.Packet.Interface]
		if !ok {
			if id, err = pw.Interface(e.Packet.Interface); err != nil {
				return err
			}
			ifaces[e.Packet.Interface] = id
		}
		if err := pw.WritePacket(id, e.Time, e.Packet.Data); err != nil {
			return err
		}
	}
	return nil
}
