// Package decode turns captured frames into TCP Segments.
//
// It is the second stage of the pipeline, between capture and flow. A
// Decoder, built once with NewDecoder, reads a capture.Packet, follows its
// link layer (Ethernet with 802.1Q/802.1ad tags, MPLS, PBB, VN-Tag, Cisco
// FabricPath, PPPoE and LLC/SNAP; Linux SLL and SLL2; raw IP; BSD Null
// and Loop; Cisco HDLC; PPP; FDDI; IEEE 802.11 and radiotap; PFLOG;
// NFLOG; IPoIB; ERF), the IP header (IPv4, or IPv6 with its extension
// headers), any stack of tunnels down to the innermost header (IP in IP,
// GRE with ERSPAN, NVGRE and PPTP, and by UDP port as tshark's defaults
// or Config.Ports: VXLAN, VXLAN-GPE, Geneve, GTP-U, Teredo, AYIYA, L2TP),
// and the TCP header, and fills a Segment value; Segment.Tunnels records
// the encapsulations, outermost first. Frames stopped at a link type or
// encapsulation the Decoder cannot follow are counted (Undecoded). The Outcome says why a frame yielded no segment: not TCP,
// an IP fragment, truncated by the capture, malformed, or an unsupported
// link type. None of these is an error; callers count them.
//
// IPv4 and IPv6 fragments of datagrams that may carry TCP are reassembled,
// as tshark does by default: the frame completing a datagram yields its
// segment (Segment.Reassembled set) and the other fragments are Fragment,
// so frame and stream numbers match Wireshark's. Overlapping fragments
// keep the bytes that arrived first. At most MaxFragDatagrams datagrams
// are held (a new one evicts the oldest), each up to 64 KiB, and each is
// abandoned FragTimeout after its first fragment, in packet time.
//
// Lengths come from the IP header, not from the captured bytes: Ethernet
// padding is ignored and a packet cut by the snapshot length still reports
// its real payload length (with Segment.Truncated set). ICMP and ICMPv6
// errors quoting at least 16 bytes of a TCP header yield that header with
// Segment.Quoted set, addressed as the original packet was, so the error
// joins the connection it refers to, as in Wireshark.
//
// Decode does not allocate for unfragmented traffic: the Decoder reuses
// its layer values, and Segment holds addresses as netip values rather
// than slices of the packet buffer. Fragments are copied into buffers that
// are recycled once their datagram completes or is dropped.
package decode
