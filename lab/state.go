package lab

// SocketState is a socket's protocol state, named as RFC 793 and ss(8) name
// them. UDP sockets are UNCONN until connected, then ESTABLISHED.
type SocketState string

// The socket states.
const (
	StateNone        SocketState = ""
	StateClosed      SocketState = "CLOSED"
	StateListen      SocketState = "LISTEN"
	StateSynSent     SocketState = "SYN-SENT"
	StateSynReceived SocketState = "SYN-RECEIVED"
	StateEstablished SocketState = "ESTABLISHED"
	StateFinWait1    SocketState = "FIN-WAIT-1"
	StateFinWait2    SocketState = "FIN-WAIT-2"
	StateCloseWait   SocketState = "CLOSE-WAIT"
	StateClosing     SocketState = "CLOSING"
	StateLastAck     SocketState = "LAST-ACK"
	StateTimeWait    SocketState = "TIME-WAIT"
	StateUnconnected SocketState = "UNCONN"
)

// SocketInfo is one row of a host's socket table, as ss -tanu shows it.
type SocketInfo struct {
	Socket int         `json:"socket"` // id of the traced socket, 0 if no call created it
	Proto  string      `json:"proto"`  // "tcp" or "udp"
	State  SocketState `json:"state"`
	Local  string      `json:"local"`
	Peer   string      `json:"peer"`
	RecvQ  int         `json:"recv_q"` // bytes received and not yet read
	SendQ  int         `json:"send_q"` // bytes sent and not yet acknowledged
}
