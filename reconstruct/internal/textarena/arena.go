// Package textarena makes many small strings out of few allocations: each
// string's bytes are copied into a shared block, and a block is never
// written again where a string already lies, so the strings stay as
// immutable as any other.
//
// An Arena suits texts made by the thousand and dropped soon after, such
// as the filter and Community ID of each report row. A string kept long
// keeps its whole block (BlockSize bytes) alive; texts that are cached
// for reuse belong in ordinary strings.
package textarena

import "unsafe"

// BlockSize is the size of each shared block.
const BlockSize = 4096

// maxShared is the longest text copied into a block; longer ones get their
// own allocation, so one long text never wastes most of a block.
const maxShared = BlockSize / 16

// Arena hands out strings backed by shared blocks. The zero Arena is
// ready; a nil *Arena makes every string its own allocation. An Arena is
// not safe for concurrent use.
type Arena struct {
	// block is the current block: its bytes up to len are taken and never
	// change again; only the room beyond len is written.
	block []byte
}

// String returns a string equal to b.
func (a *Arena) String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if a == nil || len(b) > maxShared {
		return string(b)
	}
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, BlockSize)
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[start], len(b))
}
