// Package varint writes and reads the compact byte records of frozen
// connections: unsigned and zigzag varints (encoding/binary's), flag bytes
// and fixed-width words, read back by a Reader that records the first
// error instead of panicking.
package varint

import (
	"encoding/binary"
	"errors"
)

// ErrCorrupt is the Reader's error when a record ends before its fields
// do or holds a value its writer cannot have written.
var ErrCorrupt = errors.New("varint: corrupt record")

// AppendU appends v as an unsigned varint.
func AppendU(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// LenU is the number of bytes AppendU writes for v.
func LenU(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// AppendI appends v as a zigzag varint.
func AppendI(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendBools appends up to eight flags as one byte, the first in bit 0.
func AppendBools(b []byte, flags ...bool) []byte {
	var v byte
	for i, f := range flags {
		if f {
			v |= 1 << i
		}
	}
	return append(b, v)
}

// AppendU32 appends v as four little-endian bytes (for values such as
// sequence numbers, which are as likely large as small).
func AppendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

// Reader reads a record written with the Append functions. After the first
// error every read returns zero and Err reports it.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Rest returns the bytes not read yet.
func (r *Reader) Rest() []byte { return r.b }

// Fail marks the record corrupt: a field read holds an impossible value.
func (r *Reader) Fail() {
	if r.err == nil {
		r.err = ErrCorrupt
	}
	r.b = nil
}

// U reads an unsigned varint.
func (r *Reader) U() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.Fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// I reads a zigzag varint.
func (r *Reader) I() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.Fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) < 1 {
		r.Fail()
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// Bools reads a flag byte into the given flags, the first from bit 0.
func (r *Reader) Bools(flags ...*bool) {
	v := r.Byte()
	for i, f := range flags {
		*f = v&(1<<i) != 0
	}
}

// U32 reads four little-endian bytes.
func (r *Reader) U32() uint32 {
	if len(r.b) < 4 {
		r.Fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}
