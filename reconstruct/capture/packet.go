package capture

import (
	"errors"
	"time"
)

// Link types (LINKTYPE_* values from the tcpdump link-layer header registry).
const (
	LinkNull      uint16 = 0   // BSD loopback: 4-byte host-order address family
	LinkEthernet  uint16 = 1   // IEEE 802.3 Ethernet
	LinkPPP       uint16 = 9   // PPP, optionally with HDLC-like framing (RFC 1662)
	LinkRaw       uint16 = 101 // raw IPv4 or IPv6, version in the first nibble
	LinkCHDLC     uint16 = 104 // Cisco HDLC
	LinkLoop      uint16 = 108 // OpenBSD loopback: 4-byte network-order address family
	LinkLinuxSLL  uint16 = 113 // Linux cooked capture v1
	LinkIPv4      uint16 = 228 // raw IPv4
	LinkIPv6      uint16 = 229 // raw IPv6
	LinkLinuxSLL2 uint16 = 276 // Linux cooked capture v2
)

// Packet is one captured frame. Data aliases a buffer owned by the Source and
// is valid only until the next call to Next.
type Packet struct {
	Data          []byte    // captured bytes (CaptureLength of them)
	Timestamp     time.Time // capture time, UTC
	CaptureLength int       // bytes captured
	Length        int       // bytes on the wire (>= CaptureLength)
	LinkType      uint16    // LINKTYPE_* of the interface the frame came from
	Frame         int64     // 1-based frame number, as Wireshark's frame.number
	File          string    // name of the file the frame was read from ("-" for stdin)
	Offset        int64     // byte offset of the frame's record in that file
}

// Source yields packets in capture order.
type Source interface {
	// Next returns the next packet. It returns io.EOF after the last one.
	// A *FileError reports a problem in one input; reading may continue
	// with the next call (the next file of a multi-file source), and
	// io.EOF still marks the end.
	Next() (Packet, error)
	// Frames is the number of frames counted so far, including frames the
	// source does not hand out (pcapng custom blocks).
	Frames() int64
	// Close releases the underlying files or handles.
	Close() error
}

// ErrNoPacket is returned by the Next of a live Source asked to wake its
// caller (live.Options.Wake) when no packet arrived within its read
// timeout: nothing is wrong, and the next call waits again. It lets the
// reader do periodic work while the wire is quiet.
var ErrNoPacket = errors.New("no packet yet")

// Clock is implemented by sources whose packets arrive as they happen (a
// live capture): Now is the wall-clock time, later than or equal to every
// packet's timestamp give or take the clocks' skew, by which the ages of
// states are measured while no packet arrives. File sources have no
// clock: their time is the packets'.
type Clock interface {
	Now() time.Time
}
