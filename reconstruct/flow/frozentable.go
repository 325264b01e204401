package flow

import "iter"

// frozenTable holds the frozen connections. Most 4-tuples are IPv4: they
// are kept by a 12-byte key, the others by the full mapKey, so that a quiet
// IPv4 connection's table slot is 52 bytes rather than 77.
type frozenTable struct {
	v4 map[key4]frozenConn
	v6 map[mapKey]frozenConn
}

// key4 is a mapKey whose addresses are both IPv4: the two addresses and
// the two ports.
type key4 [12]byte

func newFrozenTable(size int) frozenTable {
	return frozenTable{v4: make(map[key4]frozenConn, size), v6: make(map[mapKey]frozenConn)}
}

// short returns the key4 of mk, and false when mk is not an IPv4 pair.
func short(mk *mapKey) (key4, bool) {
	var k key4
	if mk[36] != 3 {
		return k, false
	}
	copy(k[0:4], mk[12:16])
	copy(k[4:8], mk[28:32])
	copy(k[8:12], mk[32:36])
	return k, true
}

// long returns the mapKey of k.
func (k *key4) long() mapKey {
	var mk mapKey
	mk[10], mk[11], mk[26], mk[27] = 0xff, 0xff, 0xff, 0xff // IPv4-mapped
	copy(mk[12:16], k[0:4])
	copy(mk[28:32], k[4:8])
	copy(mk[32:36], k[8:12])
	mk[36] = 3
	return mk
}

func (ft *frozenTable) get(mk mapKey) (frozenConn, bool) {
	if k, ok := short(&mk); ok {
		f, ok := ft.v4[k]
		return f, ok
	}
	f, ok := ft.v6[mk]
	return f, ok
}

func (ft *frozenTable) set(mk mapKey, f frozenConn) {
	if k, ok := short(&mk); ok {
		ft.v4[k] = f
		return
	}
	ft.v6[mk] = f
}

func (ft *frozenTable) del(mk mapKey) {
	if k, ok := short(&mk); ok {
		delete(ft.v4, k)
		return
	}
	delete(ft.v6, mk)
}

func (ft *frozenTable) len() int { return len(ft.v4) + len(ft.v6) }

// all yields every frozen connection with its key.
func (ft *frozenTable) all() iter.Seq2[mapKey, frozenConn] {
	return func(yield func(mapKey, frozenConn) bool) {
		for k, f := range ft.v4 {
			if !yield(k.long(), f) {
				return
			}
		}
		for mk, f := range ft.v6 {
			if !yield(mk, f) {
				return
			}
		}
	}
}
