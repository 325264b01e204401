package flow

import "net/netip"

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
