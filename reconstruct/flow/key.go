package flow

import (
	"encoding/binary"
	"net/netip"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

// Key is a canonical TCP 4-tuple: A is the lower endpoint, B the higher.
type Key struct {
	A, B netip.AddrPort
}

// Dir says which side of a Key sent a segment: DirAB when the source is A.
type Dir uint8

const (
	DirAB Dir = 0
	DirBA Dir = 1
)

// Canon returns the canonical key of a segment from src to dst and the
// direction the segment travels in.
func Canon(src, dst netip.AddrPort) (Key, Dir) {
	if less(src, dst) {
		return Key{src, dst}, DirAB
	}
	return Key{dst, src}, DirBA
}

func less(a, b netip.AddrPort) bool {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c < 0
	}
	return a.Port() < b.Port()
}

// Src returns the sender's address for direction d.
func (k Key) Src(d Dir) netip.AddrPort {
	if d == DirAB {
		return k.A
	}
	return k.B
}

// Dst returns the receiver's address for direction d.
func (k Key) Dst(d Dir) netip.AddrPort {
	if d == DirAB {
		return k.B
	}
	return k.A
}

// mapKey is Key packed into a pointer-free, padding-free array: hashing it
// is one pass of the runtime's memory hash. IPv4 addresses are stored as
// IPv4-mapped IPv6, and the last byte marks whether each side is IPv4 so
// that an IPv4 flow never meets the IPv6 flow with the mapped addresses.
type mapKey [37]byte

func (k Key) packed() mapKey {
	var m mapKey
	a, b := k.A.Addr().As16(), k.B.Addr().As16()
	copy(m[0:16], a[:])
	copy(m[16:32], b[:])
	m[32], m[33] = byte(k.A.Port()>>8), byte(k.A.Port())
	m[34], m[35] = byte(k.B.Port()>>8), byte(k.B.Port())
	if k.A.Addr().Is4() {
		m[36] |= 1
	}
	if k.B.Addr().Is4() {
		m[36] |= 2
	}
	return m
}

// segKey returns the canonical key of a segment's endpoints.
func segKey(seg *decode.Segment) Key {
	k, _ := Canon(seg.Src, seg.Dst)
	return k
}

// canonPacked is Canon followed by Key.packed, the per-packet lookup key,
// without building the Key: both addresses are expanded once and ordered
// by their bytes, which within one address family is the order of
// netip.Addr.Compare. Mixed families and equal addresses (where Compare
// would look at zones) take the general path.
func canonPacked(src, dst netip.AddrPort) (mapKey, Dir) {
	sa, da := src.Addr(), dst.Addr()
	s16, d16 := sa.As16(), da.As16()
	if sa.Is4() != da.Is4() || s16 == d16 {
		k, dir := Canon(src, dst)
		return k.packed(), dir
	}
	sp, dp := src.Port(), dst.Port()
	sh, dh := binary.BigEndian.Uint64(s16[:8]), binary.BigEndian.Uint64(d16[:8])
	dir := DirAB
	if sh > dh || sh == dh && binary.BigEndian.Uint64(s16[8:]) > binary.BigEndian.Uint64(d16[8:]) {
		dir = DirBA
		s16, d16, sp, dp = d16, s16, dp, sp
	}
	var m mapKey
	copy(m[0:16], s16[:])
	copy(m[16:32], d16[:])
	m[32], m[33] = byte(sp>>8), byte(sp)
	m[34], m[35] = byte(dp>>8), byte(dp)
	if sa.Is4() {
		m[36] = 3
	}
	return m, dir
}
