// Package live captures packets from a network interface and hands them to
// the pipeline as a capture.Source, so a live run goes through the same
// decode and tracking code as a capture file.
//
// The default build is pure Go and Linux only. Each AF_PACKET socket (one,
// or Options.Sockets joined by PACKET_FANOUT in hash mode) maps a
// TPACKET_V3 ring of Options.BufferSize bytes; Options.Filter is compiled
// for the link type and attached with SO_ATTACH_FILTER before the socket
// is bound, behind a prefix that drops loopback's outgoing copies, so
// neither rejected packets nor duplicates are received or counted. A
// goroutine per socket queues filled blocks; Next returns their frames in
// place (Packet.Data points into the ring until the next call to Next) and
// gives a block back to the kernel once past its last frame. Counts reports
// the kernel's tpacket_stats_v3 and the blocks dropped because the queue
// was full. "any" captures in Linux cooked format.
//
// A build with -tags libpcap captures through gopacket/pcap instead, with
// libpcap's ring (Options.BufferSize, immediate mode off), its kernel
// filter and the same finite-timeout loop; that is the only place outside
// cmd/ that needs cgo and libpcap.
//
// The pure-Go capture does not put back VLAN tags that the network card
// strips on receive (libpcap does, from PACKET_AUXDATA).
//
// Live capture is the one part of wirestat that reads the wall clock (to
// notice a cancelled context); frame timestamps come from the kernel.
//
// Writer saves packets as a pcap file (nanosecond timestamps, any link type);
// it does not depend on live capture and serves offline tools as well.
package live
