package tcpstate

// Seq is a TCP sequence number. Comparisons use the signed 32-bit
// difference, so they are correct across wraparound as long as the two
// numbers are less than 2^31 apart (RFC 9293 §3.4).
type Seq uint32

// LessThan reports whether s precedes v.
func (s Seq) LessThan(v Seq) bool { return int32(s-v) < 0 }

// LessEq reports whether s precedes or equals v.
func (s Seq) LessEq(v Seq) bool { return int32(s-v) <= 0 }

// InRange reports whether a <= s < b.
func (s Seq) InRange(a, b Seq) bool { return a.LessEq(s) && s.LessThan(b) }

// InWindow reports whether s lies in [first, first+size) (RFC 9293 §3.10.7.4
// acceptability); a zero window accepts only s == first.
func (s Seq) InWindow(first Seq, size uint32) bool {
	if size == 0 {
		return s == first
	}
	return uint32(s-first) < size
}

// Add returns s advanced by n.
func (s Seq) Add(n uint32) Seq { return s + Seq(n) }

// Sub returns the distance from v to s (s - v) as a signed number.
func (s Seq) Sub(v Seq) int64 { return int64(int32(s - v)) }
