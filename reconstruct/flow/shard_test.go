package flow

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestShard: both directions of a 4-tuple go to one tracker, an IPv4
// address and its mapped IPv6 form too, and random 4-tuples spread evenly.
func TestShard(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	addr := func() netip.AddrPort {
		var b [4]byte
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return netip.AddrPortFrom(netip.AddrFrom4(b), uint16(rng.UintN(65536)))
	}
	for _, n := range []int{1, 2, 3, 8, 64} {
		count := make([]int, n)
		const flows = 64000
		for range flows {
			a, b := addr(), addr()
			s := Shard(a, b, n)
			if s < 0 || s >= n {
				t.Fatalf("n=%d: shard %d out of range", n, s)
			}
			if r := Shard(b, a, n); r != s {
				t.Fatalf("n=%d: %v>%v in shard %d, %v>%v in %d", n, a, b, s, b, a, r)
			}
			m := netip.AddrPortFrom(netip.AddrFrom16(a.Addr().As16()), a.Port())
			if r := Shard(m, b, n); r != s {
				t.Fatalf("n=%d: mapped %v>%v in shard %d, not %d", n, m, b, r, s)
			}
			count[s]++
		}
		for s, c := range count {
			if want := flows / n; c < want*9/10 || c > want*11/10 {
				t.Errorf("n=%d: shard %d has %d of %d flows, want about %d", n, s, c, flows, want)
			}
		}
	}
	// Many clients of one server, as a busy service sees them.
	srv := netip.MustParseAddrPort("10.0.0.1:443")
	count := make([]int, 4)
	for p := range 40000 {
		count[Shard(netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), uint16(1024+p)), srv, 4)]++
	}
	for s, c := range count {
		if c < 9000 || c > 11000 {
			t.Errorf("one client's ports: shard %d has %d of 40000", s, c)
		}
	}
}
