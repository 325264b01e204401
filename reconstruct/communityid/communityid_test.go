package communityid

import (
	"net/netip"
	"testing"
)

// The vectors are tshark 4.0's communityid field on Wireshark's own
// test/captures/communityid.pcap.gz (seed 0), the spec's Zeek example,
// and hand-checked corner cases of the ordering rule.
func TestFlow(t *testing.T) {
	tests := []struct {
		name string
		seed uint16
		a, b string
		want string
	}{
		{"spec example", 0, "128.232.110.120:34855", "66.35.250.204:80", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"spec example reversed", 0, "66.35.250.204:80", "128.232.110.120:34855", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"4in6 mapped is IPv4", 0, "[::ffff:128.232.110.120]:34855", "66.35.250.204:80", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"mixed families", 0, "10.0.0.1:1", "[::1]:2", ""},
		{"invalid", 0, "10.0.0.1:1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := netip.ParseAddrPort(tt.a)
			b, _ := netip.ParseAddrPort(tt.b)
			if got := Flow(tt.seed, ProtoTCP, a, b); got != tt.want {
				t.Errorf("Flow(%d, %s, %s) = %q, want %q", tt.seed, tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestOrderSameAddress: with equal addresses the lower port goes first,
// so both directions of a loopback flow hash alike, and a seed changes it.
func TestOrderSameAddress(t *testing.T) {
	a := netip.MustParseAddrPort("[::1]:40000")
	b := netip.MustParseAddrPort("[::1]:80")
	if Flow(0, ProtoTCP, a, b) != Flow(0, ProtoTCP, b, a) {
		t.Error("direction changes the ID")
	}
	if Flow(0, ProtoTCP, a, b) == Flow(1, ProtoTCP, a, b) {
		t.Error("seed does not change the ID")
	}
}

func BenchmarkFlow(b *testing.B) {
	x := netip.MustParseAddrPort("10.0.0.1:40000")
	y := netip.MustParseAddrPort("10.0.0.2:80")
	b.ReportAllocs()
	for b.Loop() {
		Flow(0, ProtoTCP, x, y)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

// TestAppend: Append adds Flow's ID after what dst holds, and nothing for
// a flow without one.
func TestAppend(t *testing.T) {
	a := netip.MustParseAddrPort("128.232.110.120:34855")
	b := netip.MustParseAddrPort("66.35.250.204:80")
	got := Append([]byte("id="), 0, ProtoTCP, a, b)
	if want := "id=" + Flow(0, ProtoTCP, a, b); string(got) != want || len(got) != 3+Len {
		t.Errorf("Append = %q, want %q", got, want)
	}
	if got := Append([]byte("id="), 0, ProtoTCP, a, netip.AddrPort{}); string(got) != "id=" {
		t.Errorf("Append without an ID = %q", got)
	}
	var buf [Len]byte
	if n := testing.AllocsPerRun(100, func() { Append(buf[:0], 0, ProtoTCP, a, b) }); n != 0 {
		t.Errorf("Append into room: %v allocations", n)
	}
}
