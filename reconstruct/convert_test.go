package reconstruct

import (
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
	"net/netip"
	"testing"
)

// TestAddrNames: the cache always gives an address's own text, whether the
// address is new, cached, or took the slot of another (200,000 addresses
// through 4,096 slots), and an IPv4-mapped address prints as IPv4.
func TestAddrNames(t *testing.T) {
	var n addrNames
	check := func(a netip.Addr) {
		t.Helper()
		if got, want := n.name(a), a.Unmap().String(); got != want {
			t.Fatalf("name(%v) = %q, want %q", a, got, want)
		}
	}
	for round := range 2 {
		for i := range 100_000 {
			check(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
			check(netip.AddrFrom16([16]byte{0: 0xfd, 13: byte(round), 14: byte(i >> 8), 15: byte(i)}))
		}
	}
	check(netip.MustParseAddr("::ffff:192.0.2.1"))
	check(netip.MustParseAddr("192.0.2.1"))
	check(netip.MustParseAddr("fe80::1%eth0"))
	var none *addrNames
	if got := none.name(netip.MustParseAddr("::ffff:10.0.0.1")); got != "10.0.0.1" {
		t.Errorf("nil cache: %q", got)
	}
}

// TestHistories: the cache always gives the history's own text, for
// histories new, cached or in a slot another took.
func TestHistories(t *testing.T) {
	var h histories
	letters := []byte("ShADadFfRrTtWwIiQqCcGg^")
	for round := range 2 {
		for i := range 20_000 {
			var b []byte
			for x := i + round; x > 0; x /= len(letters) {
				b = append(b, letters[x%len(letters)])
			}
			if got := h.text(b); got != string(b) {
				t.Fatalf("text(%q) = %q", b, got)
			}
		}
	}
	if got := h.text(nil); got != "" {
		t.Errorf("empty history: %q", got)
	}
}

// TestRowMakerParts: the parts cut from shared blocks never overlap, and
// a consumer appending to a row's transitions cannot write into the next
// row's.
func TestRowMakerParts(t *testing.T) {
	var m rowMaker
	seen := map[*[2]time.Time]bool{}
	var prev []result.Transition
	for i := range 3 * rowBlock {
		s := m.sinces()
		if seen[s] {
			t.Fatalf("row %d: Since room given twice", i)
		}
		seen[s] = true
		tr := m.transitions(i % 7)
		if cap(tr) != len(tr) {
			t.Fatalf("row %d: %d transitions with capacity %d", i, len(tr), cap(tr))
		}
		for j := range tr {
			tr[j].Frame = int64(i)
		}
		if len(prev) > 0 {
			_ = append(prev, result.Transition{Frame: -1})
			for j := range tr {
				if tr[j].Frame != int64(i) {
					t.Fatalf("row %d: appending to the row before changed this one", i)
				}
			}
		}
		prev = tr
	}
	if n := len(m.transitions(5 * rowBlock)); n != 5*rowBlock {
		t.Errorf("a part larger than a block: %d transitions", n)
	}
}
