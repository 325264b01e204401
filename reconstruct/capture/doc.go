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
//
// Open reads several files as one capture (frame numbers continue from file
// to file) and accepts "-" for standard input; NewReader reads any
// io.Reader. Input compressed with gzip, zstd, xz, bzip2 or lz4 (how
// rotated captures are archived) is recognised by its magic, not its name,
// and decompressed on the fly in a goroutine of its own. Both readers reuse one buffer for packet data, so
// Packet.Data is only valid until the next call to Next.
//
// Frame numbers follow Wireshark: every pcap record and every pcapng
// Enhanced, Simple and obsolete Packet Block gets one, and so do custom,
// sysdig event and systemd journal blocks, which the reader counts but does
// not hand out. After a truncated or corrupt record the reader returns one
// *FileError and goes on with the next file; everything before the damage
// is delivered.
package capture
