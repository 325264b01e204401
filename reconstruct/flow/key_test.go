package flow

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestCanonPacked checks the per-packet key against Canon and Key.packed
// over addresses that differ in few bits, share prefixes, are equal, mix
// families (IPv4 and IPv4-mapped IPv6) or carry zones.
func TestCanonPacked(t *testing.T) {
	addrs := []netip.Addr{
		netip.MustParseAddr("10.0.0.1"),
		netip.MustParseAddr("10.0.0.2"),
		netip.MustParseAddr("10.0.1.1"),
		netip.MustParseAddr("192.168.0.1"),
		netip.MustParseAddr("255.255.255.255"),
		netip.MustParseAddr("0.0.0.0"),
		netip.MustParseAddr("::ffff:10.0.0.1"),
		netip.MustParseAddr("::ffff:10.0.0.2"),
		netip.MustParseAddr("::1"),
		netip.MustParseAddr("::"),
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("2001:db8::1:0:0:1"),
		netip.MustParseAddr("2001:db8:0:1::1"),
		netip.MustParseAddr("fe80::1%eth0"),
		netip.MustParseAddr("fe80::1%eth1"),
		netip.MustParseAddr("fe80::1"),
		netip.MustParseAddr("ffff::1"),
	}
	ports := []uint16{0, 1, 80, 443, 40000, 65535}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200_000 {
		src := netip.AddrPortFrom(addrs[rng.IntN(len(addrs))], ports[rng.IntN(len(ports))])
		dst := netip.AddrPortFrom(addrs[rng.IntN(len(addrs))], ports[rng.IntN(len(ports))])
		if rng.IntN(2) == 0 { // random addresses of one family
			var b [16]byte
			for i := range b {
				b[i] = byte(rng.Uint32() & 3) // few values: many equal prefixes
			}
			a6, b6 := b, b
			a6[15], b6[rng.IntN(16)] = byte(rng.Uint32()), byte(rng.Uint32())
			src, dst = netip.AddrPortFrom(netip.AddrFrom16(a6), src.Port()), netip.AddrPortFrom(netip.AddrFrom16(b6), dst.Port())
			if rng.IntN(2) == 0 {
				src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(a6[12:])), src.Port())
				dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b6[12:])), dst.Port())
			}
		}
		key, dir := Canon(src, dst)
		mk, mdir := canonPacked(src, dst)
		if mk != key.packed() || mdir != dir {
			t.Fatalf("canonPacked(%v, %v) = %x, %d; Canon and packed give %x, %d", src, dst, mk, mdir, key.packed(), dir)
		}
	}
}

// TestKey4RoundTrip: an IPv4 pair's short key expands to the same mapKey,
// and only IPv4 pairs have one.
func TestKey4RoundTrip(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		v4   bool
	}{
		{"10.0.0.1:40000", "192.0.2.7:80", true},
		{"255.255.255.255:65535", "0.0.0.0:0", true},
		{"[fd00::1]:40000", "[fd00::2]:443", false},
		{"[::ffff:10.0.0.1]:1", "[fd00::2]:2", false},
		{"10.0.0.1:1", "[fd00::2]:2", false},
	} {
		src, dst := netip.MustParseAddrPort(tc.a), netip.MustParseAddrPort(tc.b)
		mk, _ := canonPacked(src, dst)
		k, ok := short(&mk)
		if ok != tc.v4 {
			t.Errorf("%s %s: short key %v, want %v", tc.a, tc.b, ok, tc.v4)
			continue
		}
		if ok && k.long() != mk {
			t.Errorf("%s %s: %x expands to %x, want %x", tc.a, tc.b, k, k.long(), mk)
		}
	}
}
