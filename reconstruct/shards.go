package reconstruct

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/wirestat/wirestat/reconstruct/continuity"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/textarena"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// shardSet tracks connections in Workers trackers at once, each owning the
// connections whose 4-tuple hashes to it (flow.Shard). The reading
// goroutine decodes and queues every TCP segment into batches that every
// tracker's goroutine reads: each adds the segments of its own
// connections and moves its clock on the others', so TIME_WAIT, linger and
// idle timers fire at the same segment as in one tracker. A merge
// goroutine takes each batch's hand-outs from every tracker, puts them in
// the order one tracker makes them (by segment, then flow.HandOutPhase,
// then finish time and stream), turns the trackers' stream names into
// Wireshark's numbers, and reports them: findings, rows and the writer run
// there, in the order of one tracker, so the output is the same byte for
// byte.
//
// A tracker names a new stream by the capture position of the segment that
// started it (flow.Tracker.NumberFrom); the merge numbers those positions
// in order, and keeps a name's number while the tracker may still hand out
// a connection of it (until flow.Config.Forget). With a filter the
// numbering pass stamps every segment with its number and the trackers
// use those.
type shardSet struct {
	p      *pipeline
	shards []*shard
	forced bool // segments carry their stream numbers (numbering pass)
	free   chan *shardBatch
	cur    *shardBatch
	next   int64 // capture position of the next segment queued
	done   chan struct{}

	// Owned by the merge goroutine.
	numbers    map[int64]int64 // a tracker's stream name → stream number
	nextNumber int64
	starts     []int64
	listeners  map[string]*listenerSum
	end        time.Time       // the end of the capture, set before the final batch
	text       textarena.Arena // the rows' filters, once numbered
}

// shardBatch is a run of decoded segments every shard reads.
type shardBatch struct {
	segs    []decode.Segment
	owner   []uint8 // each segment's shard
	payload []byte  // the segments' payload bytes, with Reassemble
	first   int64   // capture position of segs[0]
	// final: the capture ends at end after these segments; the shards
	// hand out what is still open.
	final bool
	end   time.Time
	refs  atomic.Int32 // shards still reading the batch
}

// shard is one tracker and what belongs with it.
type shard struct {
	set     *shardSet
	idx     int
	tracker *flow.Tracker
	tunnels map[int64]decode.Tunnels
	cont    *continuity.Assembler
	in      chan *shardBatch
	out     chan *shardOut
	free    chan *shardOut
	cur     *shardOut
	pos     int64 // capture position of the segment being handled
	seq     int64 // PhasePacket hand-outs so far: their order
	rows    *rowMaker
}

// shardOut is what one shard made of one batch.
type shardOut struct {
	starts  []int64 // names of the streams started, in order
	forgets []int64 // names the tracker will not use again
	hands   []hand
	conns   []flow.Conn
	tunnels []decode.Tunnels
	trans   []flow.Transition
	ends    []int // end of each connection's transitions in trans
	missed  []int64
	// recs and rows are each connection's record and report row, made
	// by the shard (prepare) for all but their stream number.
	recs     []finished.Conn
	rows     []result.Connection
	prepared int // connections with their record and row
	// partial: more of this batch's hand-outs follow in the next output
	// (only once the batch's segments are all handled: every start is in
	// the first part).
	partial bool
	// final: the batch ended the capture; listeners are the tracker's.
	final     bool
	listeners []flow.Listener
}

// hand places one hand-out in the order of a single tracker.
type hand struct {
	pos   int64 // capture position of the segment whose handling made it
	phase flow.HandOutPhase
	done  int64 // PhaseLinger: finish time
	key   int64 // stream name; PhasePacket: the shard's sequence
}

func (h *hand) compare(o *hand) int {
	if c := cmp.Compare(h.pos, o.pos); c != 0 {
		return c
	}
	if c := cmp.Compare(h.phase, o.phase); c != 0 {
		return c
	}
	if c := cmp.Compare(h.done, o.done); c != 0 {
		return c
	}
	return cmp.Compare(h.key, o.key)
}

type listenerSum struct{ l flow.Listener }

func (o *shardOut) reset() {
	if cap(o.conns) > maxKeptConns {
		// A sweep or the end handed out thousands at once: keep no
		// such buffer for the ordinary batches.
		*o = shardOut{}
		return
	}
	o.starts, o.forgets, o.hands = o.starts[:0], o.forgets[:0], o.hands[:0]
	clear(o.conns)
	clear(o.recs)
	clear(o.rows)
	o.conns, o.tunnels, o.trans, o.ends, o.missed = o.conns[:0], o.tunnels[:0], o.trans[:0], o.ends[:0], o.missed[:0]
	o.recs, o.rows, o.prepared = o.recs[:0], o.rows[:0], 0
	o.partial, o.final, o.listeners = false, false, nil
}

// maxKeptConns bounds the connections a reused shardOut keeps room for,
// and those of each part of the end of the capture (a variable for the
// tests).
var maxKeptConns = 256

// shardBatchSize is the segments of a batch (a variable for the tests).
var shardBatchSize = 1024

// newShardSet starts n trackers configured by fl and the merge.
func newShardSet(p *pipeline, n int, fl flow.Config) *shardSet {
	set := &shardSet{
		p:         p,
		forced:    p.numbering != nil,
		free:      make(chan *shardBatch, 4*n+8),
		done:      make(chan struct{}),
		listeners: map[string]*listenerSum{},
	}
	if !set.forced {
		set.numbers = map[int64]int64{}
	}
	// The table bound is shared out: n shards hold what one would.
	if fl.MaxConns <= 0 {
		fl.MaxConns = flow.DefaultMaxConns
	}
	fl.MaxConns = (fl.MaxConns + n - 1) / n
	for i := range n {
		s := &shard{set: set, idx: i, in: make(chan *shardBatch, 4), out: make(chan *shardOut, 4), free: make(chan *shardOut, 4), rows: new(rowMaker)}
		c := fl
		if !set.forced {
			c.Forget = s.forget
		}
		s.tracker = flow.NewTracker(c, s.emit)
		if p.cfg.Reassemble {
			s.cont = continuity.New(0)
		}
		set.shards = append(set.shards, s)
		go s.run()
	}
	go set.merge()
	return set
}

// batch returns the batch being filled.
func (set *shardSet) batch() *shardBatch {
	if set.cur == nil {
		select {
		case set.cur = <-set.free:
		default:
			set.cur = new(shardBatch)
		}
		set.cur.first = set.next
	}
	return set.cur
}

// queue copies a segment into the current batch and sends full batches.
func (set *shardSet) queue(seg *decode.Segment) {
	b := set.batch()
	b.segs = append(b.segs, *seg)
	b.owner = append(b.owner, uint8(flow.Shard(seg.Src, seg.Dst, len(set.shards))))
	last := &b.segs[len(b.segs)-1]
	if set.p.cfg.Reassemble {
		// The payload aliases the read buffer: copy it for the shards.
		start := len(b.payload)
		b.payload = append(b.payload, seg.Payload...)
		last.Payload = b.payload[start:len(b.payload):len(b.payload)]
	} else {
		last.Payload = nil
	}
	set.next++
	if len(b.segs) == shardBatchSize {
		set.send()
	}
}

// send hands the current batch to every shard.
func (set *shardSet) send() {
	b := set.cur
	set.cur = nil
	b.refs.Store(int32(len(set.shards)))
	for _, s := range set.shards {
		s.in <- b
	}
}

// release returns a batch every shard has read.
func (set *shardSet) release(b *shardBatch) {
	if b.refs.Add(-1) != 0 {
		return
	}
	clear(b.segs)
	b.segs, b.owner, b.payload = b.segs[:0], b.owner[:0], b.payload[:0]
	b.final, b.end = false, time.Time{}
	select {
	case set.free <- b:
	default:
	}
}

// finish sends the last batch: the capture ends at end, and the shards
// hand out what is still open. It returns once everything is reported.
func (set *shardSet) finish(end time.Time) {
	set.end = end
	b := set.batch()
	b.final, b.end = true, end
	set.send()
	set.stop()
}

// stop ends the shards and waits for the merge to report what they sent.
func (set *shardSet) stop() {
	if set.cur != nil {
		set.send()
	}
	for _, s := range set.shards {
		close(s.in)
	}
	<-set.done
}

// listenersOf returns the listeners of every shard as one tracker's.
func (set *shardSet) listenersOf() []flow.Listener {
	out := make([]flow.Listener, 0, len(set.listeners))
	for _, l := range set.listeners {
		out = append(out, l.l)
	}
	slices.SortFunc(out, func(a, b flow.Listener) int { return cmp.Compare(a.FirstFrame, b.FirstFrame) })
	return out
}

func (s *shard) run() {
	defer close(s.out)
	for b := range s.in {
		s.handle(b)
		s.set.release(b)
	}
}

// current returns the output being filled for this batch.
func (s *shard) current() *shardOut {
	if s.cur == nil {
		select {
		case s.cur = <-s.free:
		default:
			s.cur = new(shardOut)
		}
	}
	return s.cur
}

// handle tracks one batch and sends what came of it to the merge, also
// after a panic, which becomes a warning and skips the rest of the batch.
func (s *shard) handle(b *shardBatch) {
	out := s.current()
	defer func() {
		if v := recover(); v != nil {
			s.set.p.warn(fmt.Sprintf("internal error tracking connections, rest of a batch of %d segments skipped: %v", len(b.segs), v))
		}
		last := s.current()
		last.final = b.final
		if b.final && last.listeners == nil {
			last.listeners = []flow.Listener{}
		}
		s.send(last)
	}()
	forced := s.set.forced
	for i := range b.segs {
		seg := &b.segs[i]
		s.pos = b.first + int64(i)
		if int(b.owner[i]) != s.idx {
			s.tracker.Advance(seg.Time)
			continue
		}
		if !forced {
			s.tracker.NumberFrom(s.pos)
		}
		stream := s.tracker.Add(seg)
		if !forced && s.tracker.NextStream() != s.pos {
			out.starts = append(out.starts, s.pos)
		}
		if seg.Tunnels.N > 0 {
			if s.tunnels == nil {
				s.tunnels = map[int64]decode.Tunnels{}
			}
			if _, ok := s.tunnels[stream]; !ok {
				s.tunnels[stream] = seg.Tunnels
			}
		}
		if s.cont != nil {
			s.cont.Add(seg)
		}
	}
	if b.final {
		s.pos = math.MaxInt64
		if s.cont != nil {
			s.cont.FlushAll()
		}
		s.tracker.Flush(b.end)
		s.current().listeners = s.tracker.Listeners()
	}
}

// emit copies a connection the tracker hands out into the batch's output.
func (s *shard) emit(c *flow.Conn) {
	out := s.current()
	h := s.tracker.HandingOut()
	hd := hand{pos: s.pos, phase: h.Phase, done: h.Done, key: c.Stream}
	if h.Phase == flow.PhasePacket {
		hd.key = s.seq
		s.seq++
	}
	var missed int64
	if s.cont != nil {
		missed = s.cont.Take(c.Key, c.End.Add(time.Nanosecond))
	}
	var tun decode.Tunnels
	if len(s.tunnels) > 0 {
		if t, ok := s.tunnels[c.Stream]; ok {
			tun = t
			delete(s.tunnels, c.Stream)
		}
	}
	out.hands = append(out.hands, hd)
	out.conns = append(out.conns, *c)
	out.tunnels = append(out.tunnels, tun)
	out.trans = append(out.trans, c.Transitions...)
	out.ends = append(out.ends, len(out.trans))
	out.missed = append(out.missed, missed)
	if h.Phase == flow.PhaseFlush && len(out.conns) == maxKeptConns {
		// The end of the capture hands out every open connection:
		// send them in parts rather than hold copies of them all.
		out.partial = true
		s.send(out)
	}
}

// send prepares an output and hands it to the merge.
func (s *shard) send(out *shardOut) {
	s.prepare(out)
	s.cur = nil
	s.out <- out
}

// prepare makes the record and the report row of each connection of out,
// in the shard's goroutine: everything but the stream number, which the
// merge sets.
func (s *shard) prepare(out *shardOut) {
	defer func() {
		if v := recover(); v != nil {
			s.set.p.warn(fmt.Sprintf("internal error preparing connections: %v", v))
			out.conns, out.hands = out.conns[:out.prepared], out.hands[:out.prepared]
		}
	}()
	p := s.set.p
	out.recs = slices.Grow(out.recs, len(out.conns)-len(out.recs))[:len(out.conns)]
	out.rows = slices.Grow(out.rows, len(out.conns)-len(out.rows))[:len(out.conns)]
	for i := out.prepared; i < len(out.conns); i++ {
		c := &out.conns[i]
		start := 0
		if i > 0 {
			start = out.ends[i-1]
		}
		c.Transitions = out.trans[start:out.ends[i]:out.ends[i]]
		missed := c.MissedBytes
		if p.cfg.Reassemble {
			missed = out.missed[i]
		}
		out.recs[i].Fill(c, finished.Params{CommunityIDSeed: p.cfg.CommunityIDSeed, Tunnels: &out.tunnels[i], MissedBytes: missed, Texts: s.rows.texts()})
		out.rows[i] = connection(&out.recs[i], s.rows)
		out.prepared = i + 1
	}
}

// forget records a stream name the tracker dropped.
func (s *shard) forget(stream int64) {
	out := s.current()
	out.forgets = append(out.forgets, stream)
}

// merge reports the shards' hand-outs batch by batch in the order of one
// tracker.
func (set *shardSet) merge() {
	defer close(set.done)
	outs := make([]*shardOut, len(set.shards))
	for {
		for i, s := range set.shards {
			o, ok := <-s.out
			if !ok {
				set.drain()
				return
			}
			outs[i] = o
		}
		set.mergeBatch(outs)
		for i, s := range set.shards {
			// What a panic left unread of a batch sent in parts.
			for outs[i].partial {
				set.recycle(i, outs[i])
				outs[i] = <-s.out
			}
			set.recycle(i, outs[i])
		}
	}
}

// recycle returns a shard's output for reuse.
func (set *shardSet) recycle(i int, o *shardOut) {
	o.reset()
	select {
	case set.shards[i].free <- o:
	default:
	}
}

// drain empties the shards' outputs after they stopped.
func (set *shardSet) drain() {
	for _, s := range set.shards {
		for range s.out {
		}
	}
}

// mergeBatch numbers the streams the shards started in one batch, then
// reports their hand-outs in order: each shard's come in that order, so
// this merges the shards' lists, taking the next part of a list sent in
// parts (the end of the capture) as one runs out. A panic becomes a
// warning and skips the rest of the batch's connections.
func (set *shardSet) mergeBatch(outs []*shardOut) {
	p := set.p
	defer func() {
		if v := recover(); v != nil {
			p.warn(fmt.Sprintf("internal error reporting connections, rest of a batch skipped: %v", v))
		}
	}()
	if !set.forced {
		// Every start of the batch is in its first part.
		starts := set.starts[:0]
		for _, o := range outs {
			starts = append(starts, o.starts...)
		}
		slices.Sort(starts)
		for _, name := range starts {
			set.numbers[name] = set.nextNumber
			set.nextNumber++
		}
		set.starts = starts[:0]
	}
	next := make([]int, len(outs)) // each list's next hand-out
	observed := false
	var filter [32]byte
	for {
		best := -1
		for si, o := range outs {
			for next[si] == len(o.hands) && o.partial {
				set.forgetAll(o)
				set.recycle(si, o)
				o = <-set.shards[si].out
				outs[si], next[si] = o, 0
			}
			if next[si] < len(o.hands) && (best < 0 || o.hands[next[si]].compare(&outs[best].hands[next[best]]) < 0) {
				best = si
			}
		}
		if best < 0 {
			break
		}
		o, i := outs[best], next[best]
		next[best]++
		if !observed && o.hands[i].pos == math.MaxInt64 {
			// The end of the capture: what follows was still open then.
			set.observe()
			observed = true
		}
		c, row := &o.conns[i], &o.rows[i]
		if !set.forced {
			name := c.Stream
			n, ok := set.numbers[name]
			if !ok {
				panic(fmt.Sprintf("stream name %d has no number", name))
			}
			c.Stream, row.Stream = n, n
			row.Filter = set.text.String(appendFilter(filter[:0], n))
			if o.hands[i].phase == flow.PhaseFlush {
				delete(set.numbers, name)
			}
		}
		p.report(&o.recs[i], row)
	}
	final := false
	for _, o := range outs {
		final = final || o.final
		set.forgetAll(o)
		for _, l := range o.listeners {
			k := l.Addr.String()
			if sum := set.listeners[k]; sum != nil {
				sum.l.Connections += l.Connections
				sum.l.FirstFrame = min(sum.l.FirstFrame, l.FirstFrame)
			} else {
				set.listeners[k] = &listenerSum{l}
			}
		}
	}
	if final && !observed {
		set.observe()
	}
}

// observe tells the findings that the capture ends, as finish does with
// one tracker: a live capture's clock first, then the end.
func (set *shardSet) observe() {
	p := set.p
	if p.cfg.Clock != nil && p.cfg.At.IsZero() {
		p.col.Advance(set.end)
	}
	p.col.ObserveUntil(set.end)
}

// forgetAll drops the numbers of the names a shard forgot.
func (set *shardSet) forgetAll(o *shardOut) {
	for _, name := range o.forgets {
		delete(set.numbers, name)
	}
	o.forgets = o.forgets[:0]
}
