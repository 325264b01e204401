package flow

import (
	"encoding/binary"

	"github.com/wirestat/wirestat/reconstruct/internal/varint"
)

// recordStore keeps the frozen connections' records packed in large byte
// chunks: the collector sees a few pointer-free objects instead of one per
// connection, and the table's map of references holds no pointers at all,
// so it is never scanned. Freed space is counted per chunk; a chunk whose
// records are all freed is dropped, and the tracker rewrites the live
// records into fresh chunks once more than half of the space is garbage
// (Tracker.compact).
type recordStore struct {
	chunks [][]byte // nil once every record in it was freed
	live   []int    // bytes of live records per chunk
	spare  []uint32 // indexes of dropped chunks, for reuse
	cur    int      // chunk being filled; -1 when none
	used   int      // bytes of live records
	size   int      // bytes of all chunks held
}

// recRef locates one record: its chunk and its offset there, where the
// record's length comes first as a varint.
type recRef struct {
	chunk, off uint32
}

// chunkSize is the size of a chunk; a larger record gets a chunk of its
// own.
const chunkSize = 256 << 10

func newRecordStore() recordStore { return recordStore{cur: -1} }

// put copies rec into the store.
func (s *recordStore) put(rec []byte) recRef {
	n := len(rec) + varint.LenU(uint64(len(rec)))
	if s.cur < 0 || len(s.chunks[s.cur])+n > cap(s.chunks[s.cur]) {
		if old := s.cur; old >= 0 && s.live[old] == 0 {
			s.drop(old) // emptied while it was being filled
		}
		s.cur = s.newChunk(max(chunkSize, n))
	}
	ch := s.chunks[s.cur]
	ref := recRef{chunk: uint32(s.cur), off: uint32(len(ch))}
	ch = varint.AppendU(ch, uint64(len(rec)))
	s.chunks[s.cur] = append(ch, rec...)
	s.live[s.cur] += n
	s.used += n
	return ref
}

func (s *recordStore) newChunk(size int) int {
	s.size += size
	ch := make([]byte, 0, size)
	if n := len(s.spare); n > 0 {
		i := int(s.spare[n-1])
		s.spare = s.spare[:n-1]
		s.chunks[i], s.live[i] = ch, 0
		return i
	}
	s.chunks = append(s.chunks, ch)
	s.live = append(s.live, 0)
	return len(s.chunks) - 1
}

// get returns the record ref names; it aliases the store until the next
// put or compact.
func (s *recordStore) get(ref recRef) []byte {
	ch := s.chunks[ref.chunk][ref.off:]
	n, k := binary.Uvarint(ch)
	return ch[k : k+int(n) : k+int(n)]
}

// free releases the record ref names.
func (s *recordStore) free(ref recRef) {
	i := int(ref.chunk)
	n, k := binary.Uvarint(s.chunks[i][ref.off:])
	size := k + int(n)
	s.live[i] -= size
	s.used -= size
	if s.live[i] == 0 && i != s.cur {
		s.drop(i)
	}
}

func (s *recordStore) drop(i int) {
	s.size -= cap(s.chunks[i])
	s.chunks[i] = nil
	s.spare = append(s.spare, uint32(i))
}

// wasteful reports whether more than half of the space held is garbage
// (and enough of it to be worth a compaction).
func (s *recordStore) wasteful() bool {
	return s.size-s.used > s.used && s.size-s.used > 8*chunkSize
}
