// Package follow reassembles the payload of one TCP connection in both
// directions, as Wireshark's Follow TCP Stream shows it: the bytes each
// side sent, in sequence order, once each (a retransmission or an
// overlapping segment adds only the bytes not delivered before: the first
// copy wins), with the holes the capture never filled marked by their
// size. It uses gopacket/tcpassembly, fed the segments the tracker
// assigned to the stream (Config.Segment of package reconstruct), so the
// stream number is Wireshark's tcp.stream.
package follow

import (
	"encoding/binary"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/tcpassembly"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// seqBase is where each direction's sequence numbers are moved to before
// tcpassembly sees them: tcpassembly compares sequence numbers as plain
// integers except near the ends of the space, so a segment 2^31 ahead
// (modulo 2^32, as TCP and Wireshark count) would look old. Rebased, the
// comparison is right within a quarter of the space either way.
const seqBase = 1 << 30

// Chunk is a run of payload bytes one side sent, delivered by one frame.
type Chunk struct {
	Dir    flow.Role // the sender
	Frame  int64     // the frame that carried the bytes
	Offset int64     // position of the first byte in the sender's stream (0 = first payload byte, counting missed bytes)
	Data   []byte
}

// Gap is a hole in one direction the capture never filled.
type Gap struct {
	Dir    flow.Role
	Frame  int64 // the frame whose bytes follow the hole
	Offset int64 // position of the hole in the sender's stream
	Missed int64 // bytes missing
}

// Stream is one followed connection.
type Stream struct {
	Stream         int64
	Found          bool // the capture holds a TCP connection with that number
	Client, Server netip.AddrPort
	// First is the sender of the stream's first segment: tshark's node 0
	// (the client unless the capture starts with the server's packets).
	First  netip.AddrPort
	Chunks []Chunk // in delivery order (see Finish)
	Gaps   []Gap   // in delivery order
	Bytes  [2]int64
}

// Follower collects one stream. Feed it every segment with Segment and the
// finished connections with Connection, then call Finish.
type Follower struct {
	stream int64
	asm    *tcpassembly.Assembler
	tcp    layers.TCP
	hdr    [20]byte
	frame  int64 // the frame being assembled
	sides  map[netip.AddrPort]*side
	out    Stream
	// Chunks and gaps in the order tcpassembly delivered them (each
	// direction in sequence order), with their sender.
	chunks []sent[Chunk]
	gaps   []sent[Gap]
}

type sent[T any] struct {
	src netip.AddrPort
	v   T
}

// side is one direction's tcpassembly stream.
type side struct {
	f      *Follower
	src    netip.AddrPort
	offset int64
	based  bool
	base   uint32 // the first sequence number seen, fed as seqBase
	// next is the (rebased) sequence number of the next byte tcpassembly
	// delivers; lowest is the lowest data sequence number fed, where it
	// starts when it never saw a SYN.
	next, lowest uint32
	started      bool
	opened       bool   // a SYN (real, or placed before the first data) was fed
	startNext    uint32 // the sequence number after that SYN
	hasData      bool
	// cut maps where a segment the capture truncated (snap length) ends
	// to the bytes it lost: Wireshark shows what was captured and no hole.
	cut    map[uint32]int
	gap    int             // index in Follower.gaps of this side's last hole, -1 before one
	frames map[int64]int64 // packet time (unix ns) -> first frame seen with it
}

// New returns a Follower of the connection numbered stream.
func New(stream int64) *Follower {
	f := &Follower{stream: stream, sides: map[netip.AddrPort]*side{}}
	f.out.Stream = stream
	f.asm = tcpassembly.NewAssembler(tcpassembly.NewStreamPool(factory{f}))
	return f
}

type factory struct{ f *Follower }

// New returns the direction's side.
func (fa factory) New(netFlow, tcpFlow gopacket.Flow) tcpassembly.Stream {
	src, _ := netFlow.Endpoints()
	sp, _ := tcpFlow.Endpoints()
	ip, _ := netip.AddrFromSlice(src.Raw())
	return fa.f.side(netip.AddrPortFrom(ip.Unmap(), binary.BigEndian.Uint16(sp.Raw())))
}

func (f *Follower) side(src netip.AddrPort) *side {
	s := f.sides[src]
	if s == nil {
		s = &side{f: f, src: src, frames: map[int64]int64{}, cut: map[uint32]int{}, gap: -1}
		f.sides[src] = s
	}
	return s
}

// Reassembled takes delivered bytes. The frame of each run is the one
// being assembled when it is in order, else the one first seen with the
// run's packet time.
func (s *side) Reassembled(rs []tcpassembly.Reassembly) {
	for _, r := range rs {
		fr := s.frames[r.Seen.UnixNano()]
		if fr == 0 {
			fr = s.f.frame
		}
		switch {
		case !s.started && r.Start:
			s.next, s.started = s.startNext, true
		case !s.started:
			s.next, s.started = s.lowest, true
		}
		if r.Skip > 0 && s.cut[s.next] == r.Skip {
			s.next += uint32(r.Skip)
			s.offset += int64(r.Skip)
		} else if r.Skip > 0 {
			s.next += uint32(r.Skip)
			if g := s.gap; g >= 0 && s.f.gaps[g].v.Offset+s.f.gaps[g].v.Missed == s.offset {
				// Holes with nothing between them (a segment without
				// payload, a SYN, sat between) are one hole.
				s.f.gaps[g].v.Missed += int64(r.Skip)
				s.f.gaps[g].v.Frame = fr
			} else {
				s.gap = len(s.f.gaps)
				s.f.gaps = append(s.f.gaps, sent[Gap]{s.src, Gap{Frame: fr, Offset: s.offset, Missed: int64(r.Skip)}})
			}
			s.offset += int64(r.Skip)
		}
		if len(r.Bytes) > 0 {
			s.f.chunks = append(s.f.chunks, sent[Chunk]{s.src, Chunk{Frame: fr, Offset: s.offset, Data: append([]byte(nil), r.Bytes...)}})
			s.offset += int64(len(r.Bytes))
			s.next += uint32(len(r.Bytes))
		}
	}
}

// ReassemblyComplete is called by FlushAll only (FIN and RST are not fed).
func (s *side) ReassemblyComplete() {}

// Segment takes one decoded segment and the stream the tracker put it in;
// it keeps those of the followed stream. It fits reconstruct.Config.Segment.
func (f *Follower) Segment(seg *decode.Segment, stream int64) {
	if stream != f.stream {
		return
	}
	f.out.Found = true
	if seg.Quoted || seg.BadHeaderLen {
		return
	}
	if !f.out.First.IsValid() {
		f.out.First = addrPort(seg.Src)
	}
	s := f.side(seg.Src)
	if _, ok := s.frames[seg.Time.UnixNano()]; !ok {
		s.frames[seg.Time.UnixNano()] = seg.Frame
	}
	f.frame = seg.Frame
	if !s.based {
		s.base, s.based = seg.Seq, true
	}
	seq := seg.Seq - s.base + seqBase
	if n := len(seg.Payload); n > 0 {
		data := seq
		if seg.Has(decode.SYN) {
			data++
		}
		if !s.hasData || int32(data-s.lowest) < 0 {
			s.lowest, s.hasData = data, true
		}
		if seg.PayloadLen > n {
			s.cut[data+uint32(n)] = seg.PayloadLen - n
		}
	}
	var nf gopacket.Flow
	if seg.Src.Addr().Is4() {
		a, b := seg.Src.Addr().As4(), seg.Dst.Addr().As4()
		nf = gopacket.NewFlow(layers.EndpointIPv4, a[:], b[:])
	} else {
		a, b := seg.Src.Addr().As16(), seg.Dst.Addr().As16()
		nf = gopacket.NewFlow(layers.EndpointIPv6, a[:], b[:])
	}
	switch {
	case seg.Has(decode.SYN):
		if !s.opened {
			s.opened, s.startNext = true, seq+1
		}
	case !s.opened && len(seg.Payload) > 0:
		// Without its SYN, a direction starts at its first data, as in
		// Wireshark: a SYN just before it tells tcpassembly so, instead
		// of it holding everything back until the end.
		s.opened, s.startNext = true, seq
		f.feed(nf, seg, seq-1, uint16(decode.SYN), nil)
	}
	// FIN and RST are left out: tcpassembly would end the direction
	// there, while Wireshark goes on showing any data sent after them.
	f.feed(nf, seg, seq, seg.Flags&^(decode.FIN|decode.RST), seg.Payload)
}

// feed hands tcpassembly one segment of seg's direction with the given
// (rebased) sequence number, flags and payload.
func (f *Follower) feed(nf gopacket.Flow, seg *decode.Segment, seq uint32, flags uint16, payload []byte) {
	// Rebuild a minimal header and decode it, so the layer's transport
	// flow (kept in unexported fields) is set as tcpassembly expects.
	h := f.hdr[:]
	binary.BigEndian.PutUint16(h[0:], seg.Src.Port())
	binary.BigEndian.PutUint16(h[2:], seg.Dst.Port())
	binary.BigEndian.PutUint32(h[4:], seq)
	binary.BigEndian.PutUint32(h[8:], seg.Ack)
	h[12] = 5 << 4
	h[13] = byte(flags)
	t := &f.tcp
	if err := t.DecodeFromBytes(h, gopacket.NilDecodeFeedback); err != nil {
		return
	}
	t.Payload = payload
	f.asm.AssembleWithTimestamp(nf, t, seg.Time)
}

// Connection learns the followed connection's client and server from its
// finished record. It fits reconstruct.Config.OnConnection.
func (f *Follower) Connection(c *finished.Conn) {
	if c.Stream == f.stream {
		f.out.Client = addrPort(c.EP[flow.Client].Addr)
		f.out.Server = addrPort(c.EP[flow.Server].Addr)
	}
}

func addrPort(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// Finish delivers what is still buffered behind holes and returns the
// stream. Chunks and gaps are in the order the bytes became deliverable,
// each direction in sequence order, as Wireshark's Follow shows them: a
// segment that arrived early is shown when the hole before it fills.
func (f *Follower) Finish() *Stream {
	f.asm.FlushAll()
	out := &f.out
	dir := func(src netip.AddrPort) flow.Role {
		if src == out.Server {
			return flow.Server
		}
		return flow.Client
	}
	for _, c := range f.chunks {
		c.v.Dir = dir(c.src)
		out.Chunks = append(out.Chunks, c.v)
		out.Bytes[c.v.Dir] += int64(len(c.v.Data))
	}
	for _, g := range f.gaps {
		g.v.Dir = dir(g.src)
		out.Gaps = append(out.Gaps, g.v)
	}
	return out
}
