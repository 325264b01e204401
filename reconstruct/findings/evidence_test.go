package findings

import (
	"math/rand/v2"
	"slices"
	"testing"
)

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

// TestLowest checks lowest against a model (sort, dedupe, cut to the
// limit) for limits small and large, inline storage and spilled, merged
// and not, with values repeated and in any order.
func TestLowest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, limit := range []int{1, 2, 3, 5, 50} {
		for trial := range 300 {
			n := rng.IntN(12)
			if trial%10 == 0 {
				n = rng.IntN(300)
			}
			var l, m lowest
			var all []int64
			for i := range n {
				x := int64(rng.IntN(2*n + 1))
				all = append(all, x)
				if i%2 == 0 || trial%3 == 0 {
					l.add(limit, x)
				} else {
					m.add(limit, x)
				}
			}
			l.merge(limit, &m)
			want := slices.Compact(slices.Sorted(slices.Values(all)))
			truncated := len(want) > limit
			if truncated {
				want = want[:limit]
			}
			first := int64(0)
			if len(want) > 0 {
				first = want[0]
			}
			if got := l.first(); got != first {
				t.Fatalf("limit %d, %v: first %d, want %d", limit, all, got, first)
			}
			if got := l.list(limit); !slices.Equal(got, want) || l.truncated != truncated {
				t.Fatalf("limit %d, %v: list %v truncated %v, want %v truncated %v", limit, all, got, l.truncated, want, truncated)
			}
		}
	}
}
