package findings

import "testing"

// TestStreamFilter pins the display filter syntax: a set of streams is
// comma-separated, which Wireshark 4 requires ("tcp.stream in {0 1}" is a
// syntax error there), with consecutive runs as ranges ("0..2").
func TestStreamFilter(t *testing.T) {
	for _, tc := range []struct {
		streams []int64
		extra   string
		want    string
	}{
		{[]int64{7}, fltRST, "tcp.stream eq 7 && tcp.flags.reset==1"},
		{[]int64{7}, "", "tcp.stream eq 7"},
		{[]int64{0, 1, 12}, fltFIN, "tcp.stream in {0, 1, 12} && tcp.flags.fin==1"},
		{[]int64{3, 4}, "", "tcp.stream in {3, 4}"},
		{[]int64{0, 1, 2, 5, 6, 8, 9, 10, 11}, fltFIN, "tcp.stream in {0..2, 5, 6, 8..11} && tcp.flags.fin==1"},
	} {
		if got := streamFilter(tc.streams, tc.extra); got != tc.want {
			t.Errorf("streamFilter(%v, %q) = %q, want %q", tc.streams, tc.extra, got, tc.want)
		}
	}
}
