package flow

import (
	"encoding/binary"
	"net/netip"
)

// Sharding: several trackers, each owning the connections whose 4-tuple
// hashes to it, give the same connections as one tracker when every
// tracker's clock moves on every segment of the capture (Advance for the
// segments of the others) and the hand-outs are merged in the order one
// tracker makes them. HandOut says where each hand-out falls in that
// order, and NumberFrom lets the trackers name streams by the capture
// position of the segment that started them, which a merge turns into
// Wireshark's numbers.

// Shard returns which of n trackers owns the connection of a segment from
// src to dst: a hash of the 4-tuple that is the same in both directions.
// It is at least as coarse as the tracker's key (an IPv4 address and its
// IPv4-mapped IPv6 form hash alike), so one connection never spans two
// trackers.
func Shard(src, dst netip.AddrPort, n int) int {
	if n <= 1 {
		return 0
	}
	h := endpointHash(src) ^ endpointHash(dst)
	return int((h >> 32) * uint64(n) >> 32)
}

func endpointHash(a netip.AddrPort) uint64 {
	b := a.Addr().As16()
	h := binary.LittleEndian.Uint64(b[:8])*0x9e3779b97f4a7c15 ^ binary.LittleEndian.Uint64(b[8:])
	h ^= uint64(a.Port()) << 17
	h *= 0xc2b2ae3d27d4eb4f
	return h ^ h>>29
}

// HandOutPhase is why a connection is handed out, in the order the
// phases run for one segment: the clock's move to the segment's time
// first (PhaseLinger, then PhaseIdle), then the segment itself
// (PhasePacket); PhaseFlush is the end of the capture.
type HandOutPhase uint8

const (
	// PhaseLinger: finished, and its linger has passed. Within one move
	// of the clock these go in (finish time, stream) order.
	PhaseLinger HandOutPhase = iota
	// PhaseIdle: an attempt idle for IdleTimeout, in stream order.
	PhaseIdle
	// PhasePacket: the segment being added replaced it (a new stream on
	// its 4-tuple) or the full table evicted it.
	PhasePacket
	// PhaseFlush: still open at the end of the capture, in stream order.
	PhaseFlush
)

// HandOut describes the hand-out in progress; valid during the emit
// callback.
type HandOut struct {
	Phase HandOutPhase
	// Done is when a PhaseLinger connection finished (unix nanoseconds).
	Done int64
}

// HandingOut returns what the hand-out in progress is (call it from the
// emit callback).
func (t *Tracker) HandingOut() HandOut { return t.handing }

// NumberFrom makes n the stream number the next new stream gets; the
// streams after it count up from there. A sharded tracker is given the
// capture position of each segment before adding it, so its streams are
// named by the position of the segment that started them.
func (t *Tracker) NumberFrom(n int64) { t.nextStream = n }

// NextStream returns the number the next new stream would get: it moved
// during Add when the segment started a stream.
func (t *Tracker) NextStream() int64 { return t.nextStream }
