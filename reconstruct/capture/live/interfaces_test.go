package live

import (
	"runtime"
	"slices"
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
