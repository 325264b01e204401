package varint

import (
	"errors"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var b []byte
	us := []uint64{0, 1, 127, 128, math.MaxUint32, math.MaxUint64}
	is := []int64{0, -1, 1, math.MinInt64, math.MaxInt64}
	for _, v := range us {
		b = AppendU(b, v)
	}
	for _, v := range is {
		b = AppendI(b, v)
	}
	b = AppendBools(b, true, false, true)
	b = AppendU32(b, 0xdeadbeef)
	b = append(b, 7)
	r := NewReader(b)
	for _, want := range us {
		if got := r.U(); got != want {
			t.Errorf("U = %d, want %d", got, want)
		}
	}
	for _, want := range is {
		if got := r.I(); got != want {
			t.Errorf("I = %d, want %d", got, want)
		}
	}
	var x, y, z bool
	r.Bools(&x, &y, &z)
	if !x || y || !z {
		t.Errorf("Bools = %v %v %v", x, y, z)
	}
	if got := r.U32(); got != 0xdeadbeef {
		t.Errorf("U32 = %x", got)
	}
	if got := r.Byte(); got != 7 || r.Err() != nil || len(r.Rest()) != 0 {
		t.Errorf("Byte = %d, err %v, rest %d", got, r.Err(), len(r.Rest()))
	}
}

func TestShort(t *testing.T) {
	cases := map[string]func(*Reader){
		"U":     func(r *Reader) { r.U() },
		"I":     func(r *Reader) { r.I() },
		"Byte":  func(r *Reader) { r.Byte() },
		"U32":   func(r *Reader) { r.U32() },
		"Bools": func(r *Reader) { var f bool; r.Bools(&f) },
	}
	for name, read := range cases {
		r := NewReader([]byte{0x80}) // a varint that never ends, and too short for the rest
		read(r)
		read(r)
		if !errors.Is(r.Err(), ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", name, r.Err())
		}
		if r.U() != 0 || r.U32() != 0 {
			t.Errorf("%s: reads after an error return non-zero", name)
		}
	}
}

// TestLenU: LenU is the length AppendU writes, at every width boundary.
func TestLenU(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 16383, 16384, 1<<21 - 1, 1 << 21, 1<<63 - 1, 1<<64 - 1} {
		if got, want := LenU(v), len(AppendU(nil, v)); got != want {
			t.Errorf("LenU(%d) = %d, AppendU writes %d bytes", v, got, want)
		}
	}
}
