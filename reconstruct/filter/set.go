package filter

import "github.com/wirestat/wirestat/reconstruct/capture"

// Set holds one expression compiled for every link type it has met. A
// capture may mix link types (pcapng interfaces, the "any" device); Set
// compiles the expression the first time a link type appears.
//
// A Set is not safe for concurrent use.
type Set struct {
	expr    string
	snaplen int
	entries []setEntry // few link types per capture: a slice beats a map
}

type setEntry struct {
	linkType uint16
	filter   *Filter // nil when compiling failed
}

// NewSet returns a Set for expr, compiled for snaplen bytes (0 means
// DefaultSnaplen). An empty expression matches everything.
func NewSet(expr string, snaplen int) *Set {
	return &Set{expr: expr, snaplen: snaplen}
}

// Match reports whether p passes the filter for its link type. The first
// packet of a link type for which the expression does not compile gets the
// compile error; that packet and every later one of that link type fail to
// match, so a filter is never silently dropped. Matching an already
// compiled link type does not allocate.
func (s *Set) Match(p capture.Packet) (bool, error) {
	if s.expr == "" {
		return true, nil
	}
	wireLen := max(p.Length, len(p.Data))
	for i := range s.entries {
		if e := &s.entries[i]; e.linkType == p.LinkType {
			return e.filter != nil && e.filter.Match(p.Data, wireLen), nil
		}
	}
	f, err := Compile(s.expr, p.LinkType, s.snaplen)
	s.entries = append(s.entries, setEntry{linkType: p.LinkType, filter: f})
	if err != nil {
		return false, err
	}
	return f.Match(p.Data, wireLen), nil
}

// String returns the Set's expression.
func (s *Set) String() string { return s.expr }
