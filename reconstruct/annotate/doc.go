// Package annotate writes a capture back out as pcapng with a comment on
// every frame wirestat has something to say about: the connection's
// tcp.stream number, each state change the frame caused, and the findings
// it is evidence for. Wireshark shows these as frame.comment ("Packet
// comments") and can filter on them (frame.comment contains "CLOSE_WAIT").
//
// The writer is hand-written because gopacket/pcapgo's NgWriter (v1.1.19)
// writes no per-packet options and stores link types in a uint8.
package annotate
