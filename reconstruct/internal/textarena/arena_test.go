package textarena

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestStrings checks, over many texts of random length, that every string
// handed out equals its bytes, keeps them after the source and the arena
// move on, and that short ones share blocks.
func TestStrings(t *testing.T) {
	for _, tt := range []struct {
		name  string
		arena *Arena
	}{
		{"arena", new(Arena)},
		{"nil", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var got, want []string
			src := make([]byte, 2*BlockSize)
			for range 5000 {
				n := rng.IntN(40)
				if rng.IntN(50) == 0 {
					n = maxShared + 1 + rng.IntN(BlockSize)
				}
				for i := range n {
					src[i] = byte(rng.Uint32())
				}
				got = append(got, tt.arena.String(src[:n]))
				want = append(want, string(src[:n]))
				// The caller reuses its buffer at once.
				clear(src[:n])
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("string %d = %x, want %x", i, got[i], want[i])
				}
			}
		})
	}
}

// TestAllocations: short strings cost one block per BlockSize bytes; an
// empty one costs nothing; a long one its own.
func TestAllocations(t *testing.T) {
	var a Arena
	text := []byte("tcp.stream eq 123456")
	per := testing.AllocsPerRun(1000, func() {
		for range 100 {
			_ = a.String(text)
		}
	})
	if limit := float64(100*len(text))/BlockSize + 1; per > limit {
		t.Errorf("%v allocations per 100 strings, want at most %v", per, limit)
	}
	if n := testing.AllocsPerRun(100, func() { _ = a.String(nil) }); n != 0 {
		t.Errorf("empty string: %v allocations", n)
	}
	long := bytes.Repeat([]byte("x"), maxShared+1)
	if s := a.String(long); s != strings.Repeat("x", maxShared+1) {
		t.Error("long string differs")
	}
}
