package flow

import (
	"sort"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Advance moves the tracker's clock to now (packet time): TIME_WAIT
// endpoints whose 2*MSL passed go to CLOSED, finished connections whose
// linger passed are handed out, idle connections expire, and old
// tombstones are dropped. Time never goes backwards.
func (t *Tracker) Advance(now time.Time) {
	if !now.After(t.now) {
		return
	}
	t.now = now
	nowN := toNanos(now)
	for len(t.timeWaits) > 0 && t.timeWaits[0].at <= nowN {
		tm := t.timeWaits[0]
		t.timeWaits[0] = timer{}
		t.timeWaits = t.timeWaits[1:]
		c, ep := tm.conn, &tm.conn.EP[tm.role]
		if c.gen != tm.gen || ep.State != tcpstate.TimeWait || ep.timeWait != tm.at || t.conns[c.Key.packed()] != c {
			continue // restarted, left TIME_WAIT, or already handed out
		}
		seg := decode.Segment{Time: fromNanos(tm.at)} // clock-driven: no frame (0)
		t.apply(c, tm.role, tcpstate.RoleRecv, tcpstate.EvTimeout, &seg)
		t.checkDone(c, tm.at)
	}
	for len(t.lingering) > 0 {
		ref := t.lingering[0]
		if ref.conn.gen == ref.gen && ref.conn.doneAt+int64(t.cfg.Linger) > nowN {
			break
		}
		t.lingering[0] = lingerRef{}
		t.lingering = t.lingering[1:]
		if ref.conn.gen == ref.gen && t.conns[ref.conn.Key.packed()] == ref.conn {
			t.finish(ref.conn)
		}
	}
	t.tombQueue = t.expireTombs(t.tombQueue, nowN-int64(t.cfg.TombstoneTTL))
	t.openTombQueue = t.expireTombs(t.openTombQueue, nowN-int64(t.cfg.IdleTimeout))
	if now.Sub(t.lastSweep) >= t.cfg.IdleTimeout/8 {
		t.lastSweep = now
		t.sweepIdle(nowN)
	}
}

func (t *Tracker) sweepIdle(now int64) {
	var idle []*Conn
	for _, c := range t.conns {
		if now-c.lastSeen >= int64(t.cfg.IdleTimeout) {
			idle = append(idle, c)
		}
	}
	sortByStream(idle)
	for _, c := range idle {
		t.stats.IdleExpired++
		t.finish(c)
	}
}

// expireTombs drops the tombstones of q (in time order) last seen at or
// before cutoff and returns the rest of the queue.
func (t *Tracker) expireTombs(q []tombRef, cutoff int64) []tombRef {
	for len(q) > 0 && q[0].at <= cutoff {
		ref := q[0]
		q = q[1:]
		if tb, ok := t.tombs[ref.key]; ok && tb.at == ref.at {
			delete(t.tombs, ref.key)
		}
	}
	return q
}

// finish hands a connection out and leaves a tombstone for its 4-tuple:
// for TombstoneTTL when the connection was over, for IdleTimeout when it
// was handed out open (idle or evicted) and may well go on.
func (t *Tracker) finish(c *Conn) {
	if t.conns[c.Key.packed()] == c {
		delete(t.conns, c.Key.packed())
	}
	mk := c.Key.packed()
	tb := tomb{stream: c.Stream, base: c.base, baseKnown: c.baseKnown, at: c.lastSeen}
	t.tombs[mk] = tb
	if c.Done() {
		t.tombQueue = append(t.tombQueue, tombRef{key: mk, at: tb.at})
	} else {
		t.openTombQueue = append(t.openTombQueue, tombRef{key: mk, at: tb.at})
	}
	for len(t.tombs) > t.cfg.MaxConns && len(t.tombQueue)+len(t.openTombQueue) > 0 {
		// Over the bound: forget the oldest tombstone of either queue.
		q := &t.tombQueue
		if len(*q) == 0 || len(t.openTombQueue) > 0 && t.openTombQueue[0].at < (*q)[0].at {
			q = &t.openTombQueue
		}
		ref := (*q)[0]
		*q = (*q)[1:]
		if old, ok := t.tombs[ref.key]; ok && old.at == ref.at {
			delete(t.tombs, ref.key)
		}
	}
	t.emit(c)
	t.recycle(c)
}

// maxFree bounds the recycled connections kept for reuse.
const maxFree = 4096

func (t *Tracker) recycle(c *Conn) {
	if !t.cfg.Reuse || len(t.free) >= maxFree {
		return
	}
	c.gen++ // queued timers and linger entries for it are now stale
	t.free = append(t.free, c)
}

// evict makes room when the table is full: the least recently active tenth
// of the connections is handed out early.
func (t *Tracker) evict() {
	all := make([]*Conn, 0, len(t.conns))
	for _, c := range t.conns {
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].lastSeen != all[j].lastSeen {
			return all[i].lastSeen < all[j].lastSeen
		}
		return all[i].Stream < all[j].Stream
	})
	n := len(all)/10 + 1
	for _, c := range all[:n] {
		c.evicted = true
		t.stats.Evicted++
		t.finish(c)
	}
}

// Flush hands out every connection still in the table, in stream order, as
// the capture ends at time end (TIME_WAIT deadlines up to end are applied
// first).
func (t *Tracker) Flush(end time.Time) {
	t.Advance(end)
	rest := make([]*Conn, 0, len(t.conns))
	for _, c := range t.conns {
		rest = append(rest, c)
	}
	sortByStream(rest)
	for _, c := range rest {
		delete(t.conns, c.Key.packed())
		t.emit(c)
		t.recycle(c)
	}
	t.timeWaits, t.lingering = nil, nil
}

func sortByStream(cs []*Conn) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Stream != cs[j].Stream {
			return cs[i].Stream < cs[j].Stream
		}
		return cs[i].FirstFrame < cs[j].FirstFrame
	})
}
