package flow

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
	"github.com/wirestat/wirestat/reconstruct/zeek"
)

// Fuzz input: one configuration byte, then 12-byte segment records.
//
//	config   bits 0-1: four-tuples in play (1 + n%3)
//	         bit 2:    MaxConns 2 (evictions) instead of the default
//	         bit 3:    freeze every connection the clock has moved past
//	         bit 4:    compact the frozen records after every segment
//	         bits 5-7: MSL and Linger in seconds (1 + n)
//	record 0 bit 0: client to server; bits 1-2: four-tuple; bit 3: quoted
//	         in an ICMP error; bit 4: bogus data offset; bit 5: NS; bit 6:
//	         sequence number far from the sender's; bit 7: time delta in
//	         seconds rather than milliseconds
//	     1   TCP flags byte (FIN..CWR)
//	     2-3 sequence number: sender's next sequence number + int16
//	     4-5 acknowledgement: peer's next sequence number + int16
//	     6-7 payload length (14 bits)
//	     8-9 time delta, int16 (negative: out-of-order timestamps)
//	     10  window, high byte
//	     11  bit 7: window scale option (bits 0-3); bit 6: MSS option
const fuzzRecord = 12

// fuzzTuples are the four-tuples a fuzz input drives: two sharing a
// server port, and an IPv6 one whose client has the lower port.
var fuzzTuples = [3][2]netip.AddrPort{
	{netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:80")},
	{netip.MustParseAddrPort("10.0.0.1:40001"), netip.MustParseAddrPort("10.0.0.2:80")},
	{netip.MustParseAddrPort("[fd00::1]:443"), netip.MustParseAddrPort("[fd00::2]:50000")},
}

// maxTransitions bounds a connection's transitions: a segment steps each
// endpoint at most through RST, SYN, ACK of SYN, ACK of FIN and FIN (the
// simultaneous-close case makes two changes at once), so at most 5 per
// segment; each TIME_WAIT expiry follows a segment's change into TIME_WAIT,
// hence 6 per segment, plus 2 for a midstream pickup and 2 for a 4-tuple
// reuse closing the old connection's TIME_WAIT endpoints.
func maxTransitions(c *Conn) int {
	return 6*int(c.EP[Client].Packets+c.EP[Server].Packets) + 4
}

// checkConn asserts what must hold for any connection on any input.
func checkConn(t *testing.T, c *Conn) {
	t.Helper()
	for r := range c.EP {
		s := c.EP[r].State
		if int(s) >= tcpstate.NumStates {
			t.Fatalf("stream %d %v: state %d out of range", c.Stream, Role(r), s)
		}
		if s.String() == "" {
			t.Fatalf("stream %d %v: state %d has an empty name", c.Stream, Role(r), s)
		}
	}
	if h := c.Zeek.History(); len(h) > 64 {
		t.Fatalf("stream %d: history %d letters: %q", c.Stream, len(h), h)
	}
	if n, bound := len(c.Transitions), maxTransitions(c); n > bound {
		t.Fatalf("stream %d: %d transitions after %d packets (bound %d)", c.Stream, n,
			c.EP[Client].Packets+c.EP[Server].Packets, bound)
	}
	for _, tr := range c.Transitions {
		if int(tr.From) >= tcpstate.NumStates || int(tr.To) >= tcpstate.NumStates || tr.From == tr.To {
			t.Fatalf("stream %d: bad transition %v -> %v (%s)", c.Stream, tr.From, tr.To, tr.Cause())
		}
	}
	if c.FirstFrame > c.LastFrame {
		t.Fatalf("stream %d: first frame %d after last frame %d", c.Stream, c.FirstFrame, c.LastFrame)
	}
	if c.ClosedBy < -1 || c.ClosedBy > 2 {
		t.Fatalf("stream %d: closed by %d", c.Stream, c.ClosedBy)
	}
}

func FuzzTrack(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 1+fuzzRecord*512 {
			return
		}
		conf := data[0]
		data = data[1:]
		ntuples := 1 + int(conf&3)%3
		cfg := Config{
			MSL:          time.Duration(1+conf>>5) * time.Second,
			Linger:       time.Duration(1+conf>>5) * time.Second,
			IdleTimeout:  2 * time.Minute,
			TombstoneTTL: 5 * time.Minute,
		}
		if conf&4 != 0 {
			cfg.MaxConns = 2
		}
		// A second tracker that never freezes must hand out the same
		// connections as this one, which with bit 3 freezes every
		// connection as soon as the clock moves past its last packet and
		// with bit 4 rewrites its record store after every segment.
		refCfg := cfg
		refCfg.ColdAfter = -1
		if conf&8 != 0 {
			cfg.ColdAfter = 1
		}
		// What a connection shows: its fields (hole slots beyond the
		// holes in use are left-overs nothing reads) and Zeek's view as
		// its methods give it.
		type shown struct {
			Conn
			history, state string
			orig, resp     int64
			origSide       int
		}
		snap := func(c *Conn) shown {
			x := shown{Conn: *c, history: c.Zeek.History(), state: c.Zeek.ConnState(), origSide: c.Zeek.OrigSide()}
			x.orig, x.resp = c.Zeek.Sizes()
			x.Transitions = nil // empty or nil: the same
			if len(c.Transitions) > 0 {
				x.Transitions = slices.Clone(c.Transitions)
			}
			x.Zeek = zeek.Conn{}
			for i := range x.EP {
				clear(x.EP[i].holes[x.EP[i].nholes:])
			}
			return x
		}
		var got, want []shown
		emitted := 0
		tr := NewTracker(cfg, func(c *Conn) {
			emitted++
			checkConn(t, c)
			got = append(got, snap(c))
		})
		ref := NewTracker(refCfg, func(c *Conn) { want = append(want, snap(c)) })
		// next[tuple][0] is the client's next sequence number, [1] the server's.
		next := [3][2]uint32{{1000, 5000}, {70000, 900000}, {0xfffffff0, 0x7fffffff}}
		now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		var frame int64
		for ; len(data) >= fuzzRecord; data = data[fuzzRecord:] {
			b := data[:fuzzRecord]
			tuple := int(b[0]>>1&3) % ntuples
			from := 1
			if b[0]&1 != 0 {
				from = 0
			}
			seq := next[tuple][from] + uint32(int32(int16(binary.BigEndian.Uint16(b[2:]))))
			if b[0]&0x40 != 0 {
				seq += 1 << 31
			}
			ack := next[tuple][1-from] + uint32(int32(int16(binary.BigEndian.Uint16(b[4:]))))
			dt := time.Duration(int16(binary.BigEndian.Uint16(b[8:])))
			if b[0]&0x80 != 0 {
				dt *= time.Second
			} else {
				dt *= time.Millisecond
			}
			now = now.Add(dt)
			frame++
			payload := int(binary.BigEndian.Uint16(b[6:]) & 0x3fff)
			seg := decode.Segment{
				Frame: frame, Time: now,
				Src: fuzzTuples[tuple][from], Dst: fuzzTuples[tuple][1-from],
				Seq: seq, Ack: ack,
				Flags:      uint16(b[1]) | uint16(b[0]>>5&1)<<8,
				Window:     uint16(b[10])<<8 | 0xff,
				HeaderLen:  20,
				PayloadLen: payload,
				IPLen:      40 + payload,
				WScale:     -1,
				Quoted:     b[0]&8 != 0,
			}
			if b[0]&0x10 != 0 {
				seg.HeaderLen, seg.BadHeaderLen, seg.PayloadLen = 16, true, 0
			}
			if b[11]&0x80 != 0 {
				seg.WScale = int8(b[11] & 0x0f)
			}
			if b[11]&0x40 != 0 {
				seg.MSS = 1460
			}
			refSeg := seg
			tr.Add(&seg)
			ref.Add(&refSeg)
			if conf&16 != 0 {
				tr.compact()
			}
			end := seq + uint32(seg.PayloadLen)
			if seg.Flags&decode.SYN != 0 {
				end++
			}
			if seg.Flags&decode.FIN != 0 {
				end++
			}
			if tcpstate.Seq(next[tuple][from]).LessThan(tcpstate.Seq(end)) {
				next[tuple][from] = end
			}
			for _, c := range tr.conns {
				checkConn(t, c)
			}
			if tr.Open() > ntuples {
				t.Fatalf("%d connections open over %d four-tuples", tr.Open(), ntuples)
			}
		}
		tr.Flush(now)
		ref.Flush(now)
		if tr.Open() != 0 {
			t.Fatalf("%d connections left after Flush", tr.Open())
		}
		if len(got) != len(want) {
			t.Fatalf("%d connections handed out, %d without freezing", len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				g, w := fmt.Sprintf("%+v", got[i]), fmt.Sprintf("%+v", want[i])
				at := 0
				for at < min(len(g), len(w)) && g[at] == w[at] {
					at++
				}
				from := max(at-120, 0)
				t.Fatalf("connection %d differs from the one never frozen at:\n got ...%s\nwant ...%s",
					i, g[from:min(at+80, len(g))], w[from:min(at+80, len(w))])
			}
		}
		if int64(emitted) != tr.Stats().Connections {
			t.Fatalf("%d connections handed out, %d created", emitted, tr.Stats().Connections)
		}
	})
}

// fuzzSeg is one hand-written fuzz record.
type fuzzSeg struct {
	c2s      bool
	tuple    byte
	flags    uint16
	seq, ack int16 // relative to the sender's and the peer's next sequence numbers
	payload  uint16
	ms       int16 // time delta
	opts     byte
	bits     byte // extra bits of record byte 0 (quoted, bad offset, far seq, seconds)
}

func encodeFuzz(conf byte, segs ...fuzzSeg) []byte {
	out := []byte{conf}
	for _, s := range segs {
		b0 := s.bits | s.tuple<<1
		if s.c2s {
			b0 |= 1
		}
		b0 |= byte(s.flags>>8&1) << 5
		out = append(out, b0, byte(s.flags))
		out = binary.BigEndian.AppendUint16(out, uint16(s.seq))
		out = binary.BigEndian.AppendUint16(out, uint16(s.ack))
		out = binary.BigEndian.AppendUint16(out, s.payload)
		out = binary.BigEndian.AppendUint16(out, uint16(s.ms))
		out = append(out, 0xfa, s.opts)
	}
	return out
}

func fuzzSeeds() [][]byte {
	const (
		S, A, F, R, P = decode.SYN, decode.ACK, decode.FIN, decode.RST, decode.PSH
	)
	hs := []fuzzSeg{
		{c2s: true, flags: S, opts: 0xc7},
		{flags: S | A, ms: 1, opts: 0xc7},
		{c2s: true, flags: A, ms: 1},
	}
	data := []fuzzSeg{
		{c2s: true, flags: P | A, payload: 100, ms: 1},
		{flags: A, ms: 1},
		{flags: P | A, payload: 1000, ms: 1},
		{c2s: true, flags: A, ms: 1},
	}
	cat := func(parts ...[]fuzzSeg) []fuzzSeg {
		var out []fuzzSeg
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	closeByClient := []fuzzSeg{
		{c2s: true, flags: F | A, ms: 1},
		{flags: F | A, ms: 1},
		{c2s: true, flags: A, ms: 1},
	}
	var tuple1 []fuzzSeg
	for _, s := range cat(hs, data, closeByClient) {
		s.tuple = 1
		tuple1 = append(tuple1, s)
	}
	return [][]byte{
		encodeFuzz(0, cat(hs, data, closeByClient)...),
		// Close by the server, then the client's TIME_WAIT is never entered.
		encodeFuzz(0, cat(hs, []fuzzSeg{{flags: F | A, ms: 1}, {c2s: true, flags: A, ms: 1}, {c2s: true, flags: F | A, ms: 1}, {flags: A, ms: 1}})...),
		// Refused: SYN answered by RST-ACK.
		encodeFuzz(0, fuzzSeg{c2s: true, flags: S}, fuzzSeg{flags: R | A, ms: 1}),
		// Reset after data, and an out-of-window reset first.
		encodeFuzz(0, cat(hs, data, []fuzzSeg{{flags: R, seq: 30000, ms: 1}, {c2s: true, flags: R | A, ms: 1}})...),
		// Port reuse: close, 2*MSL not yet over, a new SYN with a new ISN.
		encodeFuzz(0x20, cat(hs, closeByClient, []fuzzSeg{{c2s: true, flags: S, seq: 20000, ms: 500}, {flags: S | A, ms: 1}, {c2s: true, flags: A, ms: 1}})...),
		// TIME_WAIT expiry (MSL 1 s), then a late segment on the 4-tuple.
		encodeFuzz(0, cat(hs, closeByClient, []fuzzSeg{{flags: A, ms: 5000}})...),
		// Midstream pickup, retransmitted SYN, SYN-ACK seen first.
		encodeFuzz(1, cat(data, []fuzzSeg{{c2s: true, flags: S, tuple: 1}, {c2s: true, flags: S, tuple: 1, seq: -1, ms: 1000}, {flags: S | A, tuple: 1, ms: 1}})...),
		// Simultaneous open and simultaneous close.
		encodeFuzz(0, fuzzSeg{c2s: true, flags: S}, fuzzSeg{flags: S}, fuzzSeg{c2s: true, flags: S | A, seq: -1}, fuzzSeg{flags: S | A, seq: -1},
			fuzzSeg{c2s: true, flags: F | A}, fuzzSeg{flags: F | A, ack: -1}, fuzzSeg{c2s: true, flags: A}, fuzzSeg{flags: A}),
		// Illegal flags (SYN+FIN, null, XMAS), quoted and bogus-offset segments.
		encodeFuzz(2, fuzzSeg{c2s: true, flags: S | F}, fuzzSeg{c2s: true}, fuzzSeg{c2s: true, flags: F | P | decode.URG},
			fuzzSeg{c2s: true, flags: S, bits: 8}, fuzzSeg{flags: S | A, bits: 0x10}, fuzzSeg{c2s: true, flags: A, bits: 0x40}),
		// Three four-tuples, two connections allowed: evictions.
		encodeFuzz(6, cat(hs, tuple1, []fuzzSeg{{c2s: true, flags: S, tuple: 2}, {flags: S | A, tuple: 2}, {c2s: true, flags: A, bits: 0x80, ms: 7200}})...),
	}
}
