// Package packet turns raw IPv4 packets into lab.Packet values and back into
// files: it decodes IPv4, TCP, UDP and ICMP headers, numbers TCP sequences
// relative to each connection's initial sequence number, summarises packets
// in the style of Wireshark's Info column, and reads and writes pcap files.
//
// It works on bytes alone: it knows nothing of sockets or of the TCP/IP
// stack that produced the packets.
package packet
