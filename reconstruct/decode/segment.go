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

	// What a passive OS fingerprint (package osfp) reads. The IP fields
	// come from the innermost IP header of every segment (for a quoted
	// segment, from the quote); Opts is filled only for SYNs.
	TTL      uint8     // IPv4 TTL or IPv6 hop limit
	DF       bool      // IPv4 don't-fragment bit; false for IPv6
	IPIDZero bool      // IPv4 identification field is zero; false for IPv6
	IPMBZ    bool      // IPv4 reserved ("must be zero") flag bit is set
	IPOptLen uint8     // IPv4 header options length in bytes (IHL*4 - 20)
	Flow     bool      // IPv6 flow label is non-zero
	Opts     OptLayout // TCP option layout of a SYN or SYN-ACK

	// Stream, when not 0, is the Wireshark stream number plus one that the
	// segment belongs to, decided by whoever numbers the whole capture
	// (the tracker then keeps to it); the decoder leaves it 0.
	Stream int64

	// Tunnels lists the encapsulations the segment came through,
	// outermost first (empty for plain IP).
	Tunnels Tunnels
}

// MaxOptKinds bounds the option kinds OptLayout records: 40 bytes of
// options hold at most 40, but no stack sends more than a dozen.
const MaxOptKinds = 16

// OptLayout is the order of the TCP options of a SYN, as p0f v3 reads it
// ("olayout"), kept in a fixed array so decoding does not allocate.
// Valid only when the segment has SYN set.
type OptLayout struct {
	Kinds    [MaxOptKinds]uint8 // option kinds in header order, NOP (1) and EOL (0) included
	N        uint8              // entries used in Kinds
	Overflow bool               // more than MaxOptKinds options: Kinds holds the first ones
	EOLPad   uint8              // bytes after an EOL option (p0f "eol+N")
	// TS: a timestamp option is present; TSValZero and TSEcrNonZero
	// describe its fields (p0f quirks ts1- and ts2+).
	TS, TSValZero, TSEcrNonZero bool
	ExcessWS                    bool // window scale shift above 14 (p0f quirk exws); WScale holds 14
	TrailingData                bool // non-zero bytes after EOL (p0f quirk opt+)
	Bad                         bool // a malformed option ended the scan (p0f quirk bad)
}

// Kind returns the option kinds in order. The slice aliases o.
func (o *OptLayout) Kind() []uint8 { return o.Kinds[:min(int(o.N), MaxOptKinds)] }

// Has reports whether all the flag bits in f are set.
func (s *Segment) Has(f uint16) bool { return s.Flags&f == f }
