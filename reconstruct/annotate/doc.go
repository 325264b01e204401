// Package annotate writes a capture back out as pcapng with a comment on
// every frame wirestat has something to say about: the connection's
// tcp.stream number, each state change the frame caused, and the findings
// it is evidence for, then one machine-readable line (MachinePrefix) that
// the Wireshark plugin in wireshark/wirestat.lua reads. Wireshark shows
// these as frame.comment ("Packet comments") and can filter on them
// (frame.comment contains "CLOSE_WAIT").
//
// The copy is faithful: the blocks of a pcapng input are copied as they
// are, and only the packets with something to say get their comments
// appended after the options they had, so comments already there,
// custom blocks, name resolution, statistics and decryption secrets stay,
// and frame numbers are the original ones. A pcap input becomes one
// pcapng section with its link type, snap length and timestamp resolution.
// The writer is hand-written because gopacket/pcapgo's NgWriter (v1.1.19)
// writes no per-packet options and copies no foreign blocks.
package annotate
