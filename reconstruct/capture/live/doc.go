// Package live captures packets from a network interface and hands them to
// the pipeline as a capture.Source, so a live run goes through the same
// decode and tracking code as a capture file.
//
// The default build is pure Go and Linux only: it reads an AF_PACKET socket
// bound to the interface (or to every interface for "any", in Linux cooked
// format), with a receive timeout so Next notices a cancelled context within
// Options.ReadTimeout. A build with -tags libpcap captures through
// gopacket/pcap instead, with the same finite-timeout loop; that is the
// only place outside cmd/ that needs cgo and libpcap.
//
// The pure-Go capture does not put back VLAN tags that the network card
// strips on receive (libpcap does, from PACKET_AUXDATA), and frames from
// loopback are returned once, not once outgoing and once incoming.
//
// Live capture is the one part of wirestat that reads the wall clock: frame
// timestamps come from the kernel (SO_TIMESTAMPNS) when it provides them.
//
// Writer saves packets as a pcap file (nanosecond timestamps, any link type);
// it does not depend on live capture and serves offline tools as well.
package live
