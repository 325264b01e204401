package findings

// slab hands out zeroed values cut from blocks of slabBlock, so that the
// many small aggregates of a busy capture (one per client, per side) cost
// an allocation per block rather than one each. A block is freed once
// none of its values is referenced: a retired aggregate pins at most a
// block's worth of memory.
type slab[T any] struct{ free []T }

const slabBlock = 16

func (s *slab[T]) new() *T {
	if len(s.free) == 0 {
		s.free = make([]T, slabBlock)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}
