package reconstruct

import (
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
