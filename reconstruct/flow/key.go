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
