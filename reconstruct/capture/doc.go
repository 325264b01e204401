// Package capture reads packets from capture files and live interfaces.
//
// It is the first stage of the pipeline. A Source yields Packets in capture
// order, each carrying its full 16-bit link type and the 1-based frame number
// Wireshark would show for it. The offline readers for pcap and pcapng are
// written here rather than taken from gopacket/pcapgo because pcapgo v1.1.19
// stores link types in a uint8 (LINKTYPE_LINUX_SLL2, 276, wraps to 20), skips
// packets of a second link type in pcapng, does not count custom blocks as
// frames, and reports a truncated block as a plain io.EOF. Problems in a file
// are reported as *FileError values naming the file and byte offset.
package capture
