package flow

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Advance moves the tracker's clock to now (packet time): TIME_WAIT
// endpoints whose 2*MSL passed go to CLOSED, finished connections whose
// linger passed are handed out, idle connections expire, and old
// tombstones are dropped. Time never goes backwards.
func (t *Tracker) Advance(now time.Time) {
	if n := UnixNanos(now); n > t.now {
		t.advance(n)
	}
}

// advance is Advance to nowN unix nanoseconds, later than t.now.
func (t *Tracker) advance(nowN int64) {
	t.now = nowN
	for len(t.timeWaits) > 0 && t.timeWaits[0].at <= nowN {
		tm := t.timeWaits[0]
		t.timeWaits[0] = timer{}
		t.timeWaits = t.timeWaits[1:]
		c := t.lookup(tm.key, tm.id)
		if c == nil || c.EP[tm.role].State != tcpstate.TimeWait || c.EP[tm.role].timeWait != tm.at {
			continue // handed out, replaced, restarted or left TIME_WAIT
		}
		seg := decode.Segment{Time: fromNanos(tm.at)} // clock-driven: no frame (0)
		t.apply(c, tm.role, tcpstate.RoleRecv, tcpstate.EvTimeout, &seg)
		t.checkDone(c, tm.at)
	}
	if len(t.lingering) > 0 && t.lingering[0].at+int64(t.cfg.Linger) <= nowN {
		t.endLinger(nowN)
	}
	if t.cfg.TombstoneTTL > 0 {
		t.tombQueue = t.expireTombs(t.tombQueue, nowN-int64(t.cfg.TombstoneTTL))
	}
	if t.lastSweep == math.MinInt64 || nowN-t.lastSweep >= int64(t.cfg.IdleTimeout/8) {
		t.lastSweep = nowN
		t.sweepIdle(nowN)
	}
	if cold := int64(t.cfg.ColdAfter); cold >= 0 && nowN-t.lastCold >= cold {
		t.lastCold = nowN
		t.freezeIdle(nowN, cold)
	}
}

// dueLinger is a connection whose linger is over.
type dueLinger struct {
	at int64
	c  *Conn
}

// endLinger hands out the connections whose linger is over by nowN, in
// (finish time, stream) order: the order does not depend on which of
// those that finished at once did so first, so trackers sharing a
// capture (Shard) merge their hand-outs into the order of one.
func (t *Tracker) endLinger(nowN int64) {
	due := t.due[:0]
	for len(t.lingering) > 0 && t.lingering[0].at+int64(t.cfg.Linger) <= nowN {
		ref := t.lingering[0]
		t.lingering[0] = lingerRef{}
		t.lingering = t.lingering[1:]
		// A connection that came back to life (a SYN after its reset,
		// with the same sequence number, continues its stream) no longer
		// lingers: handing it out would split its stream in two rows.
		if c := t.lookup(ref.key, ref.id); c != nil && c.done && c.doneAt == ref.at {
			due = append(due, dueLinger{ref.at, c})
		}
	}
	slices.SortFunc(due, func(a, b dueLinger) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.c.Stream, b.c.Stream)
	})
	for i, d := range due {
		due[i] = dueLinger{}
		t.handing = HandOut{Phase: PhaseLinger, Done: d.at}
		t.finish(d.c)
	}
	t.due = due[:0]
}

// minColdCap is the live table size below which only the periodic pass
// freezes connections (a variable for tests).
var minColdCap = 1 << 16

// freezeIdle freezes the live connections without a packet for idle
// nanoseconds up to now.
func (t *Tracker) freezeIdle(now, idle int64) {
	for mk, c := range t.conns {
		if now-c.lastSeen >= idle {
			t.freeze(mk, c)
		}
	}
	// A map keeps the size of its busiest moment: once the live table is
	// down to a quarter of its peak, it moves to a map of its size.
	if t.connsPeak >= 4096 && len(t.conns) <= t.connsPeak/4 {
		fresh := make(map[mapKey]*Conn, len(t.conns))
		for mk, c := range t.conns {
			fresh[mk] = c
		}
		t.conns, t.connsPeak = fresh, len(t.conns)
	}
}

// growCold runs before a new connection enters the live table. A table that
// doubled since the last freezing pass (a flood or a scan opening
// connections faster than ColdAfter lets them cool) is thinned by a pass
// with an eighth of ColdAfter, so the live table holds about what arrived
// in that time; the passes cost amortized constant time per connection.
func (t *Tracker) growCold() {
	if t.cfg.ColdAfter < 0 || len(t.conns) < max(t.coldCap, minColdCap) {
		return
	}
	t.freezeIdle(t.now, int64(t.cfg.ColdAfter/8))
	t.coldCap = 2 * len(t.conns)
}

func (t *Tracker) sweepIdle(now int64) {
	idle := t.collect(func(h frozenHead) bool {
		return now-h.lastSeen >= int64(t.cfg.IdleTimeout) && !h.synced
	})
	sortByStream(idle)
	t.handing = HandOut{Phase: PhaseIdle}
	t.handOutRefs(idle, func(c *Conn) { t.stats.IdleExpired++ })
}

// handOutRefs takes the connections refs name out of the table and hands
// them out in that order, calling mark on each first. The references name
// records, so none may move until all are out: compaction waits.
func (t *Tracker) handOutRefs(refs []connRef, mark func(*Conn)) {
	t.pinned = true
	for _, r := range refs {
		c := r.conn
		if c == nil {
			t.frozen.del(r.key)
			c = t.unfreeze(r.key, r.frozenConn)
		} else {
			delete(t.conns, r.key)
		}
		mark(c)
		t.handOut(c, r.key)
	}
	t.pinned = false
	t.tidy()
}

// connRef is a connection in the table: live (conn), or frozen (conn nil,
// its table entry). The head is filled for both.
type connRef struct {
	conn *Conn
	key  mapKey
	frozenConn
}

// collect returns the connections, live and frozen, whose head passes keep
// (all when keep is nil).
func (t *Tracker) collect(keep func(h frozenHead) bool) []connRef {
	var out []connRef
	if keep == nil {
		out = make([]connRef, 0, t.Open())
	}
	for mk, c := range t.conns {
		if h := c.head(); keep == nil || keep(h) {
			out = append(out, connRef{conn: c, key: mk, frozenConn: frozenConn{frozenHead: h}})
		}
	}
	for mk, f := range t.frozen.all() {
		if keep == nil || keep(f.frozenHead) {
			out = append(out, connRef{key: mk, frozenConn: f})
		}
	}
	return out
}

// alloc returns a Conn record from the free list, or a new one.
func (t *Tracker) alloc() *Conn {
	if n := len(t.free); n > 0 {
		c := t.free[n-1]
		t.free = t.free[:n-1]
		return c
	}
	return &Conn{}
}

// freeze packs the live connection c (key mk) into a frozen record and
// frees its Conn.
func (t *Tracker) freeze(mk mapKey, c *Conn) {
	t.stats.Frozen++
	t.scratch = c.appendFrozen(t.scratch[:0])
	t.frozen.set(mk, frozenConn{frozenHead: c.head(), rec: t.records.put(t.scratch)})
	delete(t.conns, mk)
	t.release(c) // never handed out: nobody else holds it
}

// thaw makes the frozen connection of mk live again; nil when there is
// none.
func (t *Tracker) thaw(mk mapKey) *Conn {
	f, ok := t.frozen.get(mk)
	if !ok {
		return nil
	}
	t.frozen.del(mk)
	c := t.unfreeze(mk, f)
	t.conns[mk] = c
	t.connsPeak = max(t.connsPeak, len(t.conns))
	return c
}

// unfreeze rebuilds the connection of key mk from its table entry f and
// releases its record; the caller puts it where it belongs.
func (t *Tracker) unfreeze(mk mapKey, f frozenConn) *Conn {
	t.stats.Thawed++
	c := t.alloc()
	if err := c.readFrozen(mk.unpacked(), f.frozenHead, t.records.get(f.rec), t.osByIndex); err != nil {
		// Only a bug can corrupt a record the tracker wrote.
		panic(fmt.Sprintf("flow: frozen connection unreadable: %v", err))
	}
	t.records.free(f.rec)
	t.tidy()
	c.Zeek.SetPorts(t.cfg.ZeekPorts)
	return c
}

// tidy compacts the record store once it is mostly garbage, unless
// references to records are held (pinned).
func (t *Tracker) tidy() {
	if !t.pinned && t.records.wasteful() {
		t.compact()
	}
}

// compact rewrites the frozen records into fresh chunks, dropping the
// space of thawed ones.
func (t *Tracker) compact() {
	old := t.records
	t.records = newRecordStore()
	// The table is rebuilt too: a map keeps the size of its busiest moment.
	fresh := frozenTable{v4: make(map[key4]frozenConn, len(t.frozen.v4)), v6: make(map[mapKey]frozenConn, len(t.frozen.v6))}
	for mk, f := range t.frozen.all() {
		f.rec = t.records.put(old.get(f.rec))
		fresh.set(mk, f)
	}
	t.frozen = fresh
}

// lookup returns the connection of mk if it is the one numbered id,
// thawing it if frozen; nil when it was handed out or replaced.
func (t *Tracker) lookup(mk mapKey, id uint32) *Conn {
	if c := t.conns[mk]; c != nil {
		if c.id == id {
			return c
		}
		return nil
	}
	if f, ok := t.frozen.get(mk); ok && f.id == id {
		return t.thaw(mk)
	}
	return nil
}

// expireTombs drops the tombstones of q (in time order) last seen at or
// before cutoff and returns the rest of the queue.
func (t *Tracker) expireTombs(q []tombRef, cutoff int64) []tombRef {
	for len(q) > 0 && q[0].at <= cutoff {
		ref := q[0]
		q = q[1:]
		if tb, ok := t.tombs[ref.key]; ok && tb.at == ref.at {
			delete(t.tombs, ref.key)
			t.forget(tb.stream)
		}
	}
	return q
}

// finish hands a connection out and leaves a tombstone for its 4-tuple
// (see Config.TombstoneTTL).
func (t *Tracker) finish(c *Conn) {
	mk := c.Key.packed()
	if t.conns[mk] == c {
		delete(t.conns, mk)
	}
	t.handOut(c, mk)
}

// handOut is finish for a connection already out of the table.
func (t *Tracker) handOut(c *Conn, mk mapKey) {
	tb := tomb{stream: c.Stream, part: c.Part, base: c.base, baseKnown: c.baseKnown, at: max(t.now, c.lastSeen)}
	if old, ok := t.tombs[mk]; ok && old.stream != tb.stream {
		t.forget(old.stream)
	}
	t.tombs[mk] = tb
	t.tombQueue = append(t.tombQueue, tombRef{key: mk, at: tb.at})
	for len(t.tombs) > t.cfg.MaxConns && len(t.tombQueue) > 0 {
		// Over the bound: forget the oldest tombstone.
		ref := t.tombQueue[0]
		t.tombQueue = t.tombQueue[1:]
		if old, ok := t.tombs[ref.key]; ok && old.at == ref.at {
			delete(t.tombs, ref.key)
			t.forget(old.stream)
		}
	}
	if len(t.tombQueue) > 2*len(t.tombs)+1024 {
		// Mostly references to tombstones a continuation took: keep the
		// live ones, so the queue stays bounded by the table.
		q := t.tombQueue[:0]
		for _, ref := range t.tombQueue {
			if old, ok := t.tombs[ref.key]; ok && old.at == ref.at {
				q = append(q, ref)
			}
		}
		clear(t.tombQueue[len(q):])
		t.tombQueue = q
	}
	t.settle(c, t.now)
	t.emit(c)
	t.recycle(c)
}

// maxFree bounds the recycled connections kept for reuse.
const maxFree = 4096

// recycle puts a connection that was handed out on the free list, when
// the emit callback keeps nothing of it (Config.Reuse).
func (t *Tracker) recycle(c *Conn) {
	if t.cfg.Reuse {
		t.release(c)
	}
}

// release puts a connection nobody holds on the free list, while there is
// room.
func (t *Tracker) release(c *Conn) {
	if len(t.free) < maxFree {
		t.free = append(t.free, c)
	}
}

// evict makes room when the table is full: the least recently active tenth
// of the connections is handed out early.
func (t *Tracker) evict() {
	// The tenth is the connections up to the n-th in (last packet, stream)
	// order: find that one by selection, then collect and sort only them.
	keys := make([]evictKey, 0, t.Open())
	for _, c := range t.conns {
		keys = append(keys, evictKey{c.lastSeen, c.Stream})
	}
	for _, f := range t.frozen.all() {
		keys = append(keys, evictKey{f.lastSeen, f.stream})
	}
	n := len(keys)/10 + 1
	cut := nth(keys, n-1)
	out := t.collect(func(h frozenHead) bool { return !cut.less(evictKey{h.lastSeen, h.stream}) })
	slices.SortFunc(out, func(a, b connRef) int {
		return evictKey{a.lastSeen, a.stream}.compare(evictKey{b.lastSeen, b.stream})
	})
	t.handOutRefs(out, func(c *Conn) {
		c.evicted = true
		t.stats.Evicted++
	})
}

// evictKey orders connections for eviction: least recently active first,
// then by stream (unique among the connections in the table).
type evictKey struct{ lastSeen, stream int64 }

func (a evictKey) compare(b evictKey) int {
	if c := cmp.Compare(a.lastSeen, b.lastSeen); c != 0 {
		return c
	}
	return cmp.Compare(a.stream, b.stream)
}

func (a evictKey) less(b evictKey) bool { return a.compare(b) < 0 }

// nth returns the element that would be at index k of keys sorted,
// reordering keys (quickselect, expected linear time).
func nth(keys []evictKey, k int) evictKey {
	lo, hi := 0, len(keys)-1
	for lo < hi {
		p := keys[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for keys[i].less(p) {
				i++
			}
			for p.less(keys[j]) {
				j--
			}
			if i <= j {
				keys[i], keys[j] = keys[j], keys[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return keys[k]
		}
	}
	return keys[k]
}

// Flush hands out every connection still in the table, in stream order, as
// the capture ends at time end (TIME_WAIT deadlines up to end are applied
// first).
func (t *Tracker) Flush(end time.Time) {
	t.Advance(end)
	t.handing = HandOut{Phase: PhaseFlush}
	t.pinned = true
	defer func() { t.pinned = false }()
	rest := t.collect(nil)
	sortByStream(rest)
	// Every connection goes: the tables are dropped now, so their memory
	// is free while the connections are handed out, and a frozen one is
	// thawed from its reference without a lookup.
	t.conns, t.frozen = make(map[mapKey]*Conn), newFrozenTable(0)
	for i, r := range rest {
		// Drop each reference as the connection goes, for the same reason.
		rest[i] = connRef{}
		c := r.conn
		if c == nil {
			c = t.unfreeze(r.key, r.frozenConn)
		}
		t.settle(c, max(t.now, UnixNanos(end)))
		t.emit(c)
		t.recycle(c)
	}
	t.timeWaits, t.lingering = nil, nil
}

func sortByStream(cs []connRef) {
	slices.SortFunc(cs, func(a, b connRef) int {
		if c := cmp.Compare(a.stream, b.stream); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id) // records of one stream: in the order made
	})
}
