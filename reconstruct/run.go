package reconstruct

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/continuity"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/filter"
	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// Sentinel errors Run returns; the command maps them to exit codes.
var (
	// ErrUnreadable: no input could be read at all (exit 2).
	ErrUnreadable = errors.New("no input could be read")
	// ErrFilter: the filter expression could not be compiled (exit 1).
	ErrFilter = errors.New("filter expression")
)

// Config is what Run needs beyond the packet source.
type Config struct {
	// Sources names the inputs for the report.
	Sources []string
	// Filter is a tcpdump-syntax expression; empty selects everything.
	Filter string
	// Flow configures the connection table (MSL, timeouts, limits).
	Flow flow.Config
	// Decode configures the decoder: the UDP ports tunnels are decoded
	// on (--decode-as) and the Teredo heuristic.
	Decode decode.Config
	// Workers is the number of connection trackers. 1 (the default): one
	// goroutine does everything. N > 1: reading and decoding run in one
	// goroutine, N trackers in N more, each owning the connections whose
	// 4-tuple hashes to it, and findings, report rows and the writer in
	// one more, fed in the order one tracker hands connections out, so the
	// output is the same byte for byte (see shardSet). The table bound
	// (Flow.MaxConns) is shared out among the trackers, so the output is
	// the same only while no tracker's share fills. Set to 1 with OnTick,
	// Assigned or Segment.
	Workers int
	// Reassemble measures missed bytes by payload reassembly
	// (gopacket/tcpassembly, package continuity) instead of sequence-number
	// hole tracking.
	Reassemble bool
	// Findings holds the finding thresholds; its MSL follows Flow.MSL.
	Findings findings.Config
	// At, when set, reports the states as of that moment of the capture:
	// packets after it are not read.
	At time.Time
	// AtRelative sets At to AtOffset after the first packet.
	AtRelative bool
	AtOffset   time.Duration
	// Count stops after this many packets (0: no limit), as tcpdump -c.
	Count int64
	// CommunityIDSeed seeds every connection's Community ID (0, the
	// default, is what Zeek, Suricata and Wireshark use unless told).
	CommunityIDSeed uint16
	// Version is reported in the tool section.
	Version string
	// Warn receives each warning once (a file problem, a filter that does
	// not apply to a link type). Nil discards them.
	Warn func(msg string)
	// OnConnection receives every finished connection's record and its
	// report row, before the writer. It must not keep the *finished.Conn
	// or the *result.Connection: their memory is reused (a Sink, too, must
	// copy what it keeps).
	OnConnection func(c *finished.Conn, rc *result.Connection)
	// Assigned, when set, learns the stream number of every TCP frame.
	Assigned func(frame, stream int64)
	// Segment, when set, sees every decoded TCP segment with its stream
	// number, after the tracker (the segment's payload is valid during the
	// call).
	Segment func(seg *decode.Segment, stream int64)
	// Packet, when set, sees every packet read (after the filter), for
	// saving or annotating.
	Packet func(p capture.Packet)

	// Clock is the wall clock of a live capture (the live source), nil for
	// files. With it, the capture ends at the clock's time, not at the
	// last packet: the connections still open are handed out as of then
	// and the ages in the findings (how long a CLOSE_WAIT has waited)
	// include the quiet time after the last packet. Run then reads the
	// source to its io.EOF even once ctx is done: a live source ends
	// itself, after handing over what the kernel still held.
	Clock capture.Clock
	// OnTick, when set with Clock, is called every TickEvery (default 1 s)
	// of the clock, or less often when a call takes more than a fifth of
	// that, from the goroutine that tracks connections: after each
	// packet that is due, and while the wire is quiet whenever the source
	// returns capture.ErrNoPacket. Before each call the tracker's clock
	// moves to the tick's time, so TIME_WAIT ends and finished connections
	// are handed out on time although no packet arrives. With OnTick set,
	// Run tracks connections in one goroutine whatever Workers says.
	OnTick    func(t *Tick)
	TickEvery time.Duration
}

// Tick is what Config.OnTick sees of a running capture. It is valid only
// during the call.
type Tick struct {
	// Now is the clock's time of the tick.
	Now time.Time
	// Capture holds the counters so far (packets, TCP packets, decode
	// errors, evicted connections); read only.
	Capture *result.Capture
	// Connections is the number of connections handed out so far.
	Connections int64
	p           *pipeline
}

// Each calls fn for every connection still open (see flow.Tracker.Each:
// fn must not keep or modify the connection).
func (t *Tick) Each(fn func(c *flow.Conn)) { t.p.tracker.Each(fn) }

// Findings returns the findings as the report would state them if the
// capture ended now: those of the connections handed out so far, then,
// while at most maxProvisional connections are open, those the open ones
// would add (a kind and subject already found is not repeated).
func (t *Tick) Findings() []result.Finding {
	t.p.col.Advance(t.Now)
	fs := t.p.col.Findings()
	if n := t.p.tracker.Open(); n == 0 || n > maxProvisional {
		return fs
	}
	open := findings.NewCollector(t.p.fcfg)
	// Every connection added is still open now: ages run to the clock.
	open.ObserveUntil(t.Now)
	var rec finished.Conn
	var tun decode.Tunnels
	t.p.tracker.Each(func(c *flow.Conn) {
		// The missed bytes are the tracker's: the assembler's count of a
		// connection is taken once, when it is handed out.
		tun = t.p.tunnels[c.Stream]
		rec.Fill(c, finished.Params{CommunityIDSeed: t.p.cfg.CommunityIDSeed, Tunnels: &tun, MissedBytes: c.MissedBytes})
		open.Add(&rec)
	})
	open.Advance(t.Now)
	type key struct{ kind, subject string }
	seen := make(map[key]bool, len(fs))
	for _, f := range fs {
		seen[key{f.Kind, f.Subject}] = true
	}
	for _, f := range open.Findings() {
		if !seen[key{f.Kind, f.Subject}] {
			fs = append(fs, f)
		}
	}
	return fs
}

// maxProvisional bounds the open connections Tick.Findings classifies as
// if the capture ended (a few microseconds each).
const maxProvisional = 100_000

// Run reads src to the end (or until ctx is cancelled, At or Count), rebuilds
// every connection and streams each finished one to w. It returns the
// final Result: listeners, findings, summary and capture statistics, with
// Connections empty because they went to w; the caller closes w with it.
// Problems inside the input are warnings, not errors: everything readable
// is reported. Run returns ErrUnreadable when not a single packet could be
// read and every input failed, and ErrFilter when the filter does not
// compile.
func Run(ctx context.Context, src capture.Source, cfg Config, w Sink) (*result.Result, error) {
	if cfg.OnTick != nil && cfg.Clock != nil {
		cfg.Workers = 1
		if cfg.TickEvery <= 0 {
			cfg.TickEvery = time.Second
		}
	} else {
		cfg.OnTick = nil
	}
	if cfg.Assigned != nil || cfg.Segment != nil {
		cfg.Workers = 1 // called in frame order, from one tracker
	}
	cfg.Workers = min(max(cfg.Workers, 1), MaxWorkers)
	p := newPipeline(cfg, w)
	if cfg.OnTick != nil {
		p.nextTick = cfg.Clock.Now().UnixNano() + int64(cfg.TickEvery)
	}
	err := p.read(ctx, src)
	if errors.Is(err, ErrFilter) {
		if p.shards != nil {
			p.shards.stop()
		}
		return nil, err
	} else if err != nil {
		return p.finish(), err
	}
	r := p.finish()
	switch {
	case r.Capture.Packets == 0 && p.fileErrors > 0 && p.fileErrors >= len(cfg.Sources) && src.Frames() == 0:
		return r, ErrUnreadable
	case p.writeErr != nil:
		return r, p.writeErr
	}
	return r, nil
}

// pipeline holds one run's stages and counters.
type pipeline struct {
	cfg Config
	r   *result.Result
	dec *decode.Decoder
	seg decode.Segment
	flt *filter.Set
	// numbering follows every TCP packet of the capture when a filter is
	// set, so that stream numbers are Wireshark's over the whole capture
	// and the filter only selects what is reported (nil without a filter).
	numbering   *numbering
	tracker     *flow.Tracker
	rows        *rowMaker         // makes the report rows
	tun         decode.Tunnels    // the tunnel stack of the connection reported now
	row         result.Connection // the report row being written
	rec         finished.Conn     // the record of the connection being reported
	col         *findings.Collector
	fcfg        findings.Config       // col's, for Tick.Findings
	cont        *continuity.Assembler // nil unless cfg.Reassemble
	sum         summary
	w           Sink
	writeErr    error
	first, last time.Time
	clock       clock // packet time made monotonic and writable
	fileErrors  int
	// tunnels holds the tunnel stack of each open stream's first
	// tunnelled packet, until the stream is handed out. Owned by the
	// goroutine that tracks.
	tunnels map[int64]decode.Tunnels
	cur     capture.Packet // the packet being handled, for panic warnings
	panics  int
	warnMu  sync.Mutex // warn is called from every goroutine with Workers > 1

	// shards tracks connections with Workers > 1 (nil otherwise: tracker
	// does).
	shards *shardSet

	nextTick int64 // unix nanoseconds of the next Config.OnTick (0: none)
	handed   int64 // connections handed out
}

// MaxWorkers bounds Config.Workers (a shard is a byte of each queued
// segment).
const MaxWorkers = 64

func newPipeline(cfg Config, w Sink) *pipeline {
	p := &pipeline{
		cfg:  cfg,
		rows: new(rowMaker),
		r: &result.Result{
			Schema: result.Schema,
			Tool:   result.Tool{Name: "wirestat", Version: cfg.Version},
		},
		dec: decode.NewDecoderConfig(cfg.Decode),
		w:   w,
	}
	p.r.Capture.Sources = append([]string{}, cfg.Sources...)
	msl := cfg.Flow.MSL
	if msl <= 0 {
		msl = 60 * time.Second
	}
	p.r.Capture.MSLSeconds = msl.Seconds()
	if !cfg.At.IsZero() {
		p.r.Capture.At = timePtr(cfg.At)
	}
	if cfg.Filter != "" {
		p.flt = filter.NewSet(cfg.Filter, 0)
		p.numbering = newNumbering(cfg.Flow)
	}
	fcfg := cfg.Findings
	fcfg.MSL = msl
	fcfg.IdleTimeout = cfg.Flow.IdleTimeout
	if fcfg.IdleTimeout <= 0 {
		fcfg.IdleTimeout = flow.DefaultIdleTimeout
	}
	p.fcfg = fcfg
	p.col = findings.NewCollector(fcfg)
	if cfg.Reassemble {
		p.cont = continuity.New(0)
	}
	fl := cfg.Flow
	fl.Reuse = true // connection keeps nothing of the *flow.Conn
	if cfg.Workers > 1 {
		p.cont = nil // each shard has its own
		p.shards = newShardSet(p, cfg.Workers, fl)
	} else {
		p.tracker = flow.NewTracker(fl, p.emit)
	}
	return p
}

func (p *pipeline) warn(msg string) {
	p.warnMu.Lock()
	defer p.warnMu.Unlock()
	p.r.Capture.Warnings = append(p.r.Capture.Warnings, msg)
	if p.cfg.Warn != nil {
		p.cfg.Warn(msg)
	}
}

// emit receives each finished connection from the tracker (Workers 1).
func (p *pipeline) emit(c *flow.Conn) {
	var missed int64
	if p.cont != nil {
		// The assembler belongs to the tracking goroutine: ask it now.
		missed = p.cont.Take(c.Key, c.End.Add(time.Nanosecond))
	}
	tun := &p.tun
	*tun = decode.Tunnels{}
	if len(p.tunnels) > 0 {
		if t, ok := p.tunnels[c.Stream]; ok {
			*tun = t
			delete(p.tunnels, c.Stream)
		}
	}
	p.connection(c, missed, tun)
}

// connection reports one finished connection; with Reassemble, missed is
// its missed bytes as the assembler measured them; tun is the tunnel stack
// of its first tunnelled packet.
func (p *pipeline) connection(c *flow.Conn, missed int64, tun *decode.Tunnels) {
	if !p.cfg.Reassemble {
		missed = c.MissedBytes
	}
	// The record, then the row from it, are built in place once: the
	// consumers copy what they keep.
	rec := &p.rec
	rec.Fill(c, finished.Params{CommunityIDSeed: p.cfg.CommunityIDSeed, Tunnels: tun, MissedBytes: missed, Texts: p.rows.texts()})
	p.row = connection(rec, p.rows)
	p.report(rec, &p.row)
}

// report hands one finished connection's record and row to the summary,
// the findings, OnConnection and the writer.
func (p *pipeline) report(rec *finished.Conn, rc *result.Connection) {
	c := rec.Conn
	if c.Evicted() {
		p.r.Capture.Evicted++
	}
	p.handed++
	p.sum.add(c)
	p.col.Add(rec)
	if p.cfg.OnConnection != nil {
		p.cfg.OnConnection(rec, rc)
	}
	if p.writeErr == nil {
		p.writeErr = p.w.Connection(rc)
	}
}

// read consumes the source. It returns a filter error or a source error
// that is not a *capture.FileError; file problems become warnings. A panic
// while handling one packet (a bug met on hostile input) becomes a warning
// naming the frame, that packet is skipped and reading goes on, so the
// report of everything else is still written.
func (p *pipeline) read(ctx context.Context, src capture.Source) error {
	for {
		done, err := p.readGuarded(ctx, src)
		if done {
			return err
		}
	}
}

// readGuarded runs readLoop, turning a panic into a warning; done is false
// when reading should resume after the packet that panicked.
func (p *pipeline) readGuarded(ctx context.Context, src capture.Source) (done bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			p.panics++
			p.warn(fmt.Sprintf("%s: frame %d: internal error, packet skipped: %v", p.cur.File, p.cur.Frame, v))
			done, err = p.panics >= maxPanics, nil
		}
	}()
	return true, p.readLoop(ctx, src)
}

// maxPanics stops reading after this many packets panicked: something is
// wrong with every packet, not with one.
const maxPanics = 100

func (p *pipeline) readLoop(ctx context.Context, src capture.Source) error {
	cfg := &p.cfg
	for ctx.Err() == nil || cfg.Clock != nil {
		if cfg.Count > 0 && p.r.Capture.Packets >= cfg.Count {
			return nil
		}
		pkt, err := src.Next()
		if err == io.EOF {
			return nil
		}
		if err == capture.ErrNoPacket {
			p.tickIfDue()
			continue
		}
		if err != nil {
			var fe *capture.FileError
			if !errors.As(err, &fe) {
				return err
			}
			p.fileErrors++
			p.warn(fe.Error())
			continue
		}
		p.clock.fix(&pkt, p.warn)
		if cfg.AtRelative {
			cfg.AtRelative = false
			cfg.At = pkt.Timestamp.Add(cfg.AtOffset)
			p.r.Capture.At = timePtr(cfg.At)
		}
		if !cfg.At.IsZero() && pkt.Timestamp.After(cfg.At) {
			return nil
		}
		if p.flt != nil {
			ok, err := p.flt.Match(pkt)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrFilter, err)
			}
			if !ok {
				p.numbering.skip(pkt)
				continue
			}
		}
		p.cur = pkt
		p.packet(pkt)
		if p.nextTick != 0 && pkt.Timestamp.UnixNano() >= p.nextTick {
			p.tickIfDue()
		}
	}
	return nil
}

// tickIfDue calls Config.OnTick when the clock has reached the next tick.
func (p *pipeline) tickIfDue() {
	if p.cfg.OnTick == nil {
		return
	}
	now := p.cfg.Clock.Now()
	if now.UnixNano() < p.nextTick {
		return
	}
	p.tracker.Advance(now)
	p.cfg.OnTick(&Tick{Now: now, Capture: &p.r.Capture, Connections: p.handed, p: p})
	// A tick visits every open connection (a few microseconds each): with
	// a table so large that it takes long, ticks come less often, so they
	// take at most a fifth of the time.
	took := p.cfg.Clock.Now().Sub(now)
	p.nextTick = now.UnixNano() + int64(max(p.cfg.TickEvery, tickShare*took))
}

// tickShare is the inverse of the most time ticks may take.
const tickShare = 5

// packet decodes one packet, counts it and hands TCP to the tracker.
func (p *pipeline) packet(pkt capture.Packet) {
	c := &p.r.Capture
	if p.cfg.Packet != nil {
		p.cfg.Packet(pkt)
	}
	c.Packets++
	if p.first.IsZero() {
		p.first = pkt.Timestamp
	}
	if pkt.Timestamp.After(p.last) {
		p.last = pkt.Timestamp
	}
	seg := &p.seg
	switch p.dec.Decode(pkt, seg) {
	case decode.OK:
		if p.numbering != nil {
			p.numbering.number(seg)
		}
		if seg.Quoted {
			c.ICMPQuoted++
		} else {
			c.TCPPackets++
		}
		if seg.Truncated {
			c.TruncatedPackets++
		}
		if seg.BadHeaderLen {
			c.BadTCPHeaders++
		}
		if p.shards != nil {
			p.shards.queue(seg)
		} else {
			p.track(seg)
		}
	case decode.NotTCP:
		c.OtherPackets++
	case decode.Fragment:
		c.Fragments++
		c.OtherPackets++
	case decode.Truncated:
		c.TruncatedPackets++
		c.DecodeErrors++
	case decode.Malformed:
		c.DecodeErrors++
	case decode.UnsupportedLink:
		c.DecodeErrors++ // warned about once, with the count, at the end
	}
}

// track hands one decoded segment to the tracker (and the continuity
// assembler).
func (p *pipeline) track(seg *decode.Segment) {
	stream := p.tracker.Add(seg)
	if seg.Tunnels.N > 0 {
		if p.tunnels == nil {
			p.tunnels = map[int64]decode.Tunnels{}
		}
		if _, ok := p.tunnels[stream]; !ok {
			p.tunnels[stream] = seg.Tunnels
		}
	}
	if p.cont != nil {
		p.cont.Add(seg)
	}
	if p.cfg.Assigned != nil {
		p.cfg.Assigned(seg.Frame, stream)
	}
	if p.cfg.Segment != nil {
		p.cfg.Segment(seg, stream)
	}
}

// finish hands out the connections still open as of the end of the
// capture (or At) and completes the Result.
func (p *pipeline) finish() *result.Result {
	r := p.r
	end := p.last
	if p.cfg.Clock != nil && p.cfg.At.IsZero() {
		// A live capture ends now, however long the wire was quiet.
		if now := p.cfg.Clock.Now(); now.After(end) {
			end = now
		}
		if p.shards == nil {
			p.col.Advance(end)
		} // else the merge does, after the connections handed out so far
	}
	if !p.cfg.At.IsZero() {
		end = p.cfg.At
	}
	var listeners []flow.Listener
	if p.shards != nil {
		p.shards.finish(end)
		listeners = p.shards.listenersOf()
	} else {
		if p.cont != nil {
			p.cont.FlushAll()
		}
		// The findings learn the end of the capture after every
		// connection handed out so far and before those still open.
		p.col.ObserveUntil(end)
		p.tracker.Flush(end)
		listeners = p.tracker.Listeners()
	}
	for _, u := range p.dec.Undecoded() {
		p.warn(undecodedWarning(u))
	}
	r.Capture.First, r.Capture.Last = timePtr(p.first), timePtr(p.last)
	r.Listeners = []result.Listener{}
	for _, l := range listeners {
		r.Listeners = append(r.Listeners, result.Listener{
			Addr: l.Addr.Addr().Unmap().String(), Port: l.Addr.Port(),
			FirstFrame: l.FirstFrame, Connections: l.Connections,
		})
	}
	r.Summary = p.sum.result()
	r.Findings = p.col.Findings()
	if r.Findings == nil {
		r.Findings = []result.Finding{}
	}
	if r.Capture.Warnings == nil {
		r.Capture.Warnings = []string{}
	}
	return r
}

// undecodedWarning words the one warning about frames of a link type or
// encapsulation the decoder could not follow:
// "x.pcap: 12,345 frames of link type 129 (ARCNET) not decoded (first: frame 7)".
func undecodedWarning(u decode.Undecoded) string {
	frames := "frames"
	if u.Count == 1 {
		frames = "frame"
	}
	msg := fmt.Sprintf("%s %s of %s not decoded (first: frame %d)", thousands(u.Count), frames, u.What, u.First)
	if u.Link {
		msg += "; counted as decode errors"
	}
	if u.File != "" {
		msg = u.File + ": " + msg
	}
	return msg
}

// thousands writes n with comma thousands separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Sink receives finished connections; report.Writer satisfies it. The
// connection is valid during the call only: a Sink copies what it keeps.
type Sink interface {
	Connection(c *result.Connection) error
}
