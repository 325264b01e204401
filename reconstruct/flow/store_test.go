package flow

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/varint"
)

// TestRecordStore: records read back as written while others are freed,
// the waste is measured, and emptied chunks are dropped.
func TestRecordStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s := newRecordStore()
	type kept struct {
		ref recRef
		rec []byte
	}
	var live []kept
	for i := range 20000 {
		rec := make([]byte, 1+rng.IntN(600))
		for j := range rec {
			rec[j] = byte(i + j)
		}
		if i == 7 {
			rec = make([]byte, 3*chunkSize) // a record larger than a chunk
		}
		live = append(live, kept{s.put(rec), rec})
		if rng.IntN(3) > 0 { // free two in three, at random
			j := rng.IntN(len(live))
			s.free(live[j].ref)
			live[j] = live[len(live)-1]
			live = live[:len(live)-1]
		}
	}
	used := 0
	for _, k := range live {
		if !bytes.Equal(s.get(k.ref), k.rec) {
			t.Fatalf("record %v reads back wrong", k.ref)
		}
		used += len(k.rec) + varint.LenU(uint64(len(k.rec))) // with its length
	}
	if s.used != used {
		t.Errorf("used %d, want %d", s.used, used)
	}
	if s.size < used || !s.wasteful() {
		t.Errorf("size %d for %d used: wasteful %v", s.size, used, s.wasteful())
	}
	for _, k := range live {
		s.free(k.ref)
	}
	if s.used != 0 || s.size != cap(s.chunks[s.cur]) || s.wasteful() {
		t.Errorf("all freed: used %d, size %d, wasteful %v", s.used, s.size, s.wasteful())
	}
}
