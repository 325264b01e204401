// Package continuity measures the byte continuity of each direction of
// each connection with gopacket/tcpassembly: payload reassembly reports the
// bytes it had to skip because the capture never held them. It is the exact,
// payload-based counterpart of the sequence-number hole tracking in package
// flow, enabled with --reassemble.
//
// The state machine never depends on it (tcpassembly drops pure ACKs and
// keys each direction separately); it only supplies missed_bytes.
package continuity

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/tcpassembly"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// Assembler feeds segments to a tcpassembly.Assembler and totals the
// skipped bytes per 4-tuple.
type Assembler struct {
	asm    *tcpassembly.Assembler
	tcp    layers.TCP
	hdr    [20]byte
	missed map[flow.Key]int64
	// flushedTo is the latest cutoff already flushed: a stream idle before
	// an earlier cutoff was given up on then.
	flushedTo time.Time
	allDone   bool // FlushAll ran: every gap is settled
}

// New returns an Assembler. maxPagesPerConn bounds the out-of-order data
// buffered per direction (tcpassembly pages of 1900 bytes); past it the
// oldest gap is skipped. 0 means 64.
func New(maxPagesPerConn int) *Assembler {
	if maxPagesPerConn <= 0 {
		maxPagesPerConn = 64
	}
	a := &Assembler{missed: map[flow.Key]int64{}}
	a.asm = tcpassembly.NewAssembler(tcpassembly.NewStreamPool(factory{a}))
	a.asm.MaxBufferedPagesPerConnection = maxPagesPerConn
	return a
}

type factory struct{ a *Assembler }

func (f factory) New(netFlow, tcpFlow gopacket.Flow) tcpassembly.Stream {
	src, dst := netFlow.Endpoints()
	sp, dp := tcpFlow.Endpoints()
	key, _ := flow.Canon(addrPort(src, sp), addrPort(dst, dp))
	return &stream{a: f.a, key: key}
}

type stream struct {
	a   *Assembler
	key flow.Key
}

func (s *stream) Reassembled(rs []tcpassembly.Reassembly) {
	for _, r := range rs {
		if r.Skip > 0 {
			s.a.missed[s.key] += int64(r.Skip)
		}
	}
}

func (s *stream) ReassemblyComplete() {}

// Add feeds one segment. Quoted and bogus segments are ignored.
func (a *Assembler) Add(seg *decode.Segment) {
	if seg.Quoted || seg.BadHeaderLen {
		return
	}
	// Rebuild a minimal header and decode it, so the layer's transport
	// flow (kept in unexported fields) is set as tcpassembly expects.
	h := a.hdr[:]
	binary.BigEndian.PutUint16(h[0:], seg.Src.Port())
	binary.BigEndian.PutUint16(h[2:], seg.Dst.Port())
	binary.BigEndian.PutUint32(h[4:], seg.Seq)
	binary.BigEndian.PutUint32(h[8:], seg.Ack)
	h[12] = 5 << 4
	h[13] = byte(seg.Flags)
	t := &a.tcp
	if err := t.DecodeFromBytes(h, gopacket.NilDecodeFeedback); err != nil {
		return
	}
	t.Payload = seg.Payload
	var nf gopacket.Flow
	if seg.Src.Addr().Is4() {
		s, d := seg.Src.Addr().As4(), seg.Dst.Addr().As4()
		nf = gopacket.NewFlow(layers.EndpointIPv4, s[:], d[:])
	} else {
		s, d := seg.Src.Addr().As16(), seg.Dst.Addr().As16()
		nf = gopacket.NewFlow(layers.EndpointIPv6, s[:], d[:])
	}
	a.asm.AssembleWithTimestamp(nf, t, seg.Time)
}

// Take gives up on every gap in streams idle since before idleBefore
// (among them the connection being reported) and returns, and forgets, the
// bytes skipped on the 4-tuple k so far.
func (a *Assembler) Take(k flow.Key, idleBefore time.Time) int64 {
	if !a.allDone && idleBefore.After(a.flushedTo) {
		a.asm.FlushOlderThan(idleBefore)
		a.flushedTo = idleBefore
	}
	n := a.missed[k]
	delete(a.missed, k)
	return n
}

// FlushAll gives up on every remaining gap at once, as the capture ends,
// so the connections handed out then need no flush each.
func (a *Assembler) FlushAll() {
	a.asm.FlushAll()
	a.allDone = true
}

func addrPort(e, p gopacket.Endpoint) netip.AddrPort {
	ip, _ := netip.AddrFromSlice(e.Raw())
	port := uint16(p.Raw()[0])<<8 | uint16(p.Raw()[1])
	return netip.AddrPortFrom(ip.Unmap(), port)
}
