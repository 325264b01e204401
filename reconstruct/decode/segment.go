package decode

import (
	"net/netip"
	"time"
)

// TCP flag bits as they appear in byte 13 of the TCP header, plus NS (bit 8
// of the 16-bit flags word, the low bit of byte 12).
const (
	FIN uint16 = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
	NS
)

// Segment is the decoded, allocation-free summary of one TCP packet: all the
// tracker and the report writers need. Only Payload refers to the packet
// buffer; it is valid until the next Decode and nothing keeps it.
type Segment struct {
	Frame      int64          // Wireshark frame number
	Time       time.Time      // capture timestamp
	Src, Dst   netip.AddrPort // innermost IP addresses and TCP ports
	Seq, Ack   uint32         // raw sequence and acknowledgement numbers
	Flags      uint16         // FIN..NS bits above
	Window     uint16         // raw window field (unscaled)
	HeaderLen  int            // TCP data offset in bytes (may be < 20 on bogus headers)
	PayloadLen int            // TCP payload bytes per the IP length fields (not the captured bytes)
	IPLen      int            // IP total length (IPv6: payload length + 40), as Zeek's ip_bytes
	MSS        uint16         // MSS option value, 0 when absent
	WScale     int8           // window scale option shift, -1 when absent
	SACKPerm   bool           // SACK-permitted option present
	Quoted     bool           // the header was quoted inside an ICMP/ICMPv6 error, not sent on its own
	// Payload is the captured part of the TCP payload (at most PayloadLen
	// bytes; fewer when the capture cut the packet). It aliases the packet
	// or reassembly buffer and is valid only until the next Decode.
	Payload   []byte
	Truncated bool // the capture cut the packet inside the TCP header options or payload
	// Reassembled: the segment came from IP fragments and Frame is the
	// one that completed the datagram, as in Wireshark. PayloadLen and
	// IPLen describe the whole datagram, which no single frame holds.
	Reassembled bool
	// BadHeaderLen: the TCP data offset is under 5 or reaches past the end
	// of the IP payload. Wireshark still assigns such a segment to a stream
	// but uses none of its sequence numbers as a base; PayloadLen is 0 when
	// the header overruns the payload.
	BadHeaderLen bool
	// Tunnels lists the encapsulations the segment came through,
	// outermost first (empty for plain IP).
	Tunnels Tunnels
}

// Has reports whether all the flag bits in f are set.
func (s *Segment) Has(f uint16) bool { return s.Flags&f == f }
