package decode

import (
	"net/netip"
	"time"
)

// Bounds on IP fragment reassembly. Together they cap the memory held by
// datagrams in progress at about MaxFragDatagrams × (maxDatagramBytes +
// maxSpans × 16) bytes, 68 MiB, reached only by a capture that sends that
// much fragmented data and never completes it.
const (
	// MaxFragDatagrams is the number of datagrams reassembled at once. A
	// fragment of a new datagram beyond it evicts the oldest one.
	MaxFragDatagrams = 1024
	// FragTimeout abandons a datagram this long (in packet time) after its
	// first fragment, as RFC 8200 §4.5 prescribes for IPv6; Linux uses 30 s
	// (ipfrag_time) for both versions. Wireshark has no timeout, so a
	// datagram whose fragments span more than a minute is the one case
	// where the two differ.
	FragTimeout = 60 * time.Second
	// maxDatagramBytes bounds the reassembled payload (the part after the
	// IPv4 header or the IPv6 fragment header): a datagram whose fragments
	// reach beyond it is dropped, as both IP versions limit it to 64 KiB.
	maxDatagramBytes = 65535
	// maxSpans bounds the disjoint byte ranges a datagram may have
	// received; a datagram sliced into more holes than this is dropped.
	maxSpans = 256
	// maxFreeDatagrams bounds the buffers kept for reuse.
	maxFreeDatagrams = 16
)

// fragKey identifies a datagram: RFC 791 §3.2 (source, destination,
// protocol, identification) for IPv4, RFC 8200 §4.5 (source, destination,
// identification) for IPv6, where proto is 0.
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// span is a half-open byte range [lo, hi) of a datagram's payload.
type span struct{ lo, hi int }

// datagram is one datagram in reassembly.
type datagram struct {
	key   fragKey
	first time.Time // packet time of the first fragment seen
	buf   []byte    // payload bytes; only the ranges in have are valid
	have  []span    // received ranges, sorted, disjoint and not adjacent
	total int       // payload length, known from the last fragment; -1 before
	// Valid once the offset-0 fragment is in: hdrLen is the IPv4 header
	// length or the length of the IPv6 unfragmentable part (fixed header
	// and extension headers before the fragment header); next is the IPv6
	// fragment header's next header, the first header of the payload.
	hdrLen     int
	next       byte
	haveHeader bool
	prev, nxt  *datagram // creation order
}

// reassembler collects IP fragments until a datagram is complete. It
// allocates only when fragments arrive: the map on first use and buffers
// until its free list has filled.
type reassembler struct {
	m              map[fragKey]*datagram
	oldest, newest *datagram
	free           []*datagram
	reassembled    int64
}

// add stores a fragment whose payload p starts at byte off of its
// datagram; last is set when the More Fragments flag is clear. hdrLen and
// next describe the datagram's header and are taken from the offset-0
// fragment. add returns the datagram when this fragment completes it; the
// caller reads it and hands it back with release.
//
// Overlapping fragments never replace bytes already received (the first
// copy wins, as in Wireshark's reassembly). The first last fragment fixes
// the length; data a later fragment places beyond it is ignored.
func (r *reassembler) add(k fragKey, now time.Time, off int, p []byte, last bool, hdrLen int, next byte) *datagram {
	r.expire(now)
	end := off + len(p)
	dg := r.m[k]
	if dg != nil && now.Sub(dg.first) > FragTimeout {
		r.drop(dg) // packet time went backwards past the expiry scan
		dg = nil
	}
	if end > maxDatagramBytes {
		if dg != nil {
			r.drop(dg)
		}
		return nil
	}
	if len(p) == 0 {
		return nil
	}
	if dg == nil {
		if r.m == nil {
			r.m = make(map[fragKey]*datagram)
		}
		if len(r.m) >= MaxFragDatagrams {
			r.drop(r.oldest)
		}
		dg = r.get()
		dg.key, dg.first, dg.total = k, now, -1
		r.m[k] = dg
		r.link(dg)
	}
	if last && dg.total < 0 {
		dg.total = end
		dg.trim(end)
	}
	if dg.total >= 0 && end > dg.total {
		end = max(off, dg.total)
		p = p[:end-off]
	}
	if off == 0 && len(p) > 0 && !dg.haveHeader {
		dg.hdrLen, dg.next, dg.haveHeader = hdrLen, next, true
	}
	if !dg.insert(off, p) {
		r.drop(dg)
		return nil
	}
	if dg.total < 0 || len(dg.have) != 1 || dg.have[0] != (span{0, dg.total}) || !dg.haveHeader {
		return nil
	}
	r.unlink(dg)
	r.reassembled++
	return dg
}

// insert copies the parts of [off, off+len(p)) not yet received and
// records the range. It reports false when the datagram has too many holes.
func (dg *datagram) insert(off int, p []byte) bool {
	end := off + len(p)
	if end <= off {
		return true
	}
	if end > len(dg.buf) {
		if end > cap(dg.buf) {
			nb := make([]byte, end, min(max(end, 2*cap(dg.buf)), maxDatagramBytes))
			copy(nb, dg.buf)
			dg.buf = nb
		}
		dg.buf = dg.buf[:end]
	}
	pos := off
	for _, s := range dg.have {
		if s.hi <= pos {
			continue
		}
		if s.lo >= end {
			break
		}
		if s.lo > pos {
			copy(dg.buf[pos:s.lo], p[pos-off:])
		}
		pos = s.hi
		if pos >= end {
			break
		}
	}
	if pos < end {
		copy(dg.buf[pos:end], p[pos-off:])
	}
	// Merge [off, end) with the spans it touches: have[i:j].
	i := 0
	for i < len(dg.have) && dg.have[i].hi < off {
		i++
	}
	j := i
	for j < len(dg.have) && dg.have[j].lo <= end {
		j++
	}
	merged := span{off, end}
	if i < j {
		merged.lo = min(off, dg.have[i].lo)
		merged.hi = max(end, dg.have[j-1].hi)
	}
	if i == j && len(dg.have) >= maxSpans {
		return false
	}
	if i == j {
		dg.have = append(dg.have, span{})
		copy(dg.have[i+1:], dg.have[i:])
	} else {
		dg.have = append(dg.have[:i+1], dg.have[j:]...)
	}
	dg.have[i] = merged
	return true
}

// trim forgets the bytes received at or beyond n.
func (dg *datagram) trim(n int) {
	k := 0
	for _, s := range dg.have {
		if s.lo >= n {
			break
		}
		s.hi = min(s.hi, n)
		dg.have[k] = s
		k++
	}
	dg.have = dg.have[:k]
	dg.buf = dg.buf[:min(len(dg.buf), n)]
}

// expire drops the datagrams whose first fragment is older than
// FragTimeout. Datagrams are kept in creation order, so it stops at the
// first one still in time.
func (r *reassembler) expire(now time.Time) {
	for r.oldest != nil && now.Sub(r.oldest.first) > FragTimeout {
		r.drop(r.oldest)
	}
}

// drop abandons a datagram in progress.
func (r *reassembler) drop(dg *datagram) {
	r.unlink(dg)
	r.release(dg)
}

// release recycles a datagram that is no longer linked.
func (r *reassembler) release(dg *datagram) {
	buf, have := dg.buf[:0], dg.have[:0]
	*dg = datagram{buf: buf, have: have}
	if len(r.free) < maxFreeDatagrams {
		r.free = append(r.free, dg)
	}
}

func (r *reassembler) get() *datagram {
	if n := len(r.free); n > 0 {
		dg := r.free[n-1]
		r.free = r.free[:n-1]
		return dg
	}
	return &datagram{}
}

func (r *reassembler) link(dg *datagram) {
	dg.prev = r.newest
	if r.newest != nil {
		r.newest.nxt = dg
	} else {
		r.oldest = dg
	}
	r.newest = dg
}

// unlink removes dg from the map and the creation-order list.
func (r *reassembler) unlink(dg *datagram) {
	delete(r.m, dg.key)
	if dg.prev != nil {
		dg.prev.nxt = dg.nxt
	} else {
		r.oldest = dg.nxt
	}
	if dg.nxt != nil {
		dg.nxt.prev = dg.prev
	} else {
		r.newest = dg.prev
	}
	dg.prev, dg.nxt = nil, nil
}

// pending returns the number of datagrams in progress.
func (r *reassembler) pending() int { return len(r.m) }
