package live

import (
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestListInterfaces: the host's loopback is listed, "any" too on Linux,
// in tcpdump -D's order (up and running first, loopback after any).
func TestListInterfaces(t *testing.T) {
	ifs, err := ListInterfaces()
	if err != nil {
		t.Fatal(err)
	}
	lo := slices.IndexFunc(ifs, func(i Interface) bool { return i.Loopback })
	if lo < 0 {
		t.Fatalf("no loopback interface in %v", ifs)
	}
	if !slices.Contains(ifs[lo].Flags(), "Loopback") {
		t.Errorf("loopback flags %v", ifs[lo].Flags())
	}
	if runtime.GOOS != "linux" {
		return
	}
	anyIdx := slices.IndexFunc(ifs, func(i Interface) bool { return i.Name == "any" })
	if anyIdx < 0 || anyIdx > lo || ifs[anyIdx].Description == "" {
		t.Errorf("want any (with a description) before the loopback: %v", ifs)
	}
	for i := range ifs[:anyIdx] {
		if !ifs[i].Up || !ifs[i].Running || ifs[i].Loopback {
			t.Errorf("%s listed before any but not up and running: %v", ifs[i].Name, ifs[i].Flags())
		}
	}
}

// TestFlagsAsTcpdump: the bracketed flags tcpdump -D prints for each kind
// of interface.
func TestFlagsAsTcpdump(t *testing.T) {
	for _, tc := range []struct {
		i    Interface
		want string
	}{
		{Interface{Up: true, Running: true, Link: LinkConnected}, "Up, Running, Connected"},
		{Interface{Up: true, Running: true, Loopback: true, Link: LinkNotApplicable}, "Up, Running, Loopback"},
		{Interface{Up: true, Link: LinkDisconnected}, "Up, Disconnected"},
		{Interface{Link: LinkDisconnected}, "none, Disconnected"},
		{Interface{Link: LinkNotApplicable}, "none"},
		{Interface{Up: true, Link: LinkUnknown}, "Up, Connection status unknown"},
		{Interface{Link: LinkUnknown}, ""},
		{Interface{Wireless: true, Link: LinkConnected}, "Wireless, Associated"},
		{Interface{Wireless: true, Link: LinkNotApplicable}, "Wireless"},
	} {
		if got := strings.Join(tc.i.Flags(), ", "); got != tc.want {
			t.Errorf("%+v: flags %q, want %q", tc.i, got, tc.want)
		}
	}
}
