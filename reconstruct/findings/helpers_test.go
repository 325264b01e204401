package findings

import (
	"net/netip"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// t0 is the capture's first instant in every scenario.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// sim drives a flow.Tracker with hand-made segments and feeds every
// finished connection to a Collector, as the orchestrator does.
type sim struct {
	t     testing.TB
	tr    *flow.Tracker
	col   *Collector
	rec   finished.Conn // the record of the connection being added
	frame int64
	last  time.Time
	conns int
}

func newSim(t testing.TB, cfg Config) *sim {
	t.Helper()
	s := &sim{t: t, col: NewCollector(cfg)}
	s.tr = flow.NewTracker(flow.Config{MSL: cfg.MSL}, func(c *flow.Conn) {
		s.conns++
		s.rec.Fill(c, finished.Params{MissedBytes: c.MissedBytes})
		s.col.Add(&s.rec)
	})
	return s
}

// conn is one 4-tuple with the next sequence numbers of both sides.
type conn struct {
	s          *sim
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

var ports uint16 = 40000

// newConn picks a fresh client port on host cli towards srv ("10.0.0.2:80").
func (s *sim) newConn(cli, srv string) *conn {
	ports++
	return &conn{
		s:    s,
		cli:  netip.AddrPortFrom(netip.MustParseAddr(cli), ports),
		srv:  netip.MustParseAddrPort(srv),
		cseq: 1000 * uint32(ports),
		sseq: 7000 * uint32(ports),
	}
}

// send adds one segment at offset at from the capture start and returns
// its frame number.
func (s *sim) send(at time.Duration, src, dst netip.AddrPort, flags uint16, seq, ack uint32, payload int) int64 {
	s.frame++
	tm := t0.Add(at)
	if tm.After(s.last) {
		s.last = tm
	}
	s.tr.Add(&decode.Segment{
		Frame: s.frame, Time: tm, Src: src, Dst: dst, Seq: seq, Ack: ack,
		Flags: flags, Window: 65535, HeaderLen: 20, PayloadLen: payload,
		IPLen: 40 + payload, WScale: -1,
	})
	return s.frame
}

func (c *conn) syn(at time.Duration) int64 {
	return c.s.send(at, c.cli, c.srv, decode.SYN, c.cseq, 0, 0)
}

func (c *conn) synack(at time.Duration) int64 {
	return c.s.send(at, c.srv, c.cli, decode.SYN|decode.ACK, c.sseq, c.cseq+1, 0)
}

// handshake sends SYN, SYN-ACK, ACK 1 ms apart from at.
func (c *conn) handshake(at time.Duration) {
	c.syn(at)
	c.synack(at + time.Millisecond)
	c.cseq++
	c.sseq++
	c.s.send(at+2*time.Millisecond, c.cli, c.srv, decode.ACK, c.cseq, c.sseq, 0)
}

// data sends n payload bytes from the client (fromClient) or the server,
// acknowledged by the peer 1 ms later.
func (c *conn) data(at time.Duration, fromClient bool, n int) {
	if fromClient {
		c.s.send(at, c.cli, c.srv, decode.ACK|decode.PSH, c.cseq, c.sseq, n)
		c.cseq += uint32(n)
		c.s.send(at+time.Millisecond, c.srv, c.cli, decode.ACK, c.sseq, c.cseq, 0)
		return
	}
	c.s.send(at, c.srv, c.cli, decode.ACK|decode.PSH, c.sseq, c.cseq, n)
	c.sseq += uint32(n)
	c.s.send(at+time.Millisecond, c.cli, c.srv, decode.ACK, c.cseq, c.sseq, 0)
}

// fin sends a FIN from the client or the server and returns its frame; the
// peer acknowledges it 1 ms later.
func (c *conn) fin(at time.Duration, fromClient bool) int64 {
	var f int64
	if fromClient {
		f = c.s.send(at, c.cli, c.srv, decode.FIN|decode.ACK, c.cseq, c.sseq, 0)
		c.cseq++
		c.s.send(at+time.Millisecond, c.srv, c.cli, decode.ACK, c.sseq, c.cseq, 0)
	} else {
		f = c.s.send(at, c.srv, c.cli, decode.FIN|decode.ACK, c.sseq, c.cseq, 0)
		c.sseq++
		c.s.send(at+time.Millisecond, c.cli, c.srv, decode.ACK, c.cseq, c.sseq, 0)
	}
	return f
}

// close runs an orderly close begun by the client or the server; the
// active closer ends in TIME_WAIT.
func (c *conn) close(at time.Duration, clientFirst bool) {
	c.fin(at, clientFirst)
	c.fin(at+2*time.Millisecond, !clientFirst)
}

// rst sends a reset from the client or the server and returns its frame.
func (c *conn) rst(at time.Duration, fromClient bool) int64 {
	if fromClient {
		return c.s.send(at, c.cli, c.srv, decode.RST|decode.ACK, c.cseq, c.sseq, 0)
	}
	return c.s.send(at, c.srv, c.cli, decode.RST|decode.ACK, c.sseq, c.cseq, 0)
}

// refuse sends the server's reset to a SYN (closed port) and returns its
// frame.
func (c *conn) refuse(at time.Duration) int64 {
	return c.s.send(at, c.srv, c.cli, decode.RST|decode.ACK, 0, c.cseq+1, 0)
}

// tail adds a completed handshake of an unrelated client and server at
// at, so that the capture goes on past what a test looks at.
func (s *sim) tail(at time.Duration) {
	s.newConn("192.0.2.250", "192.0.2.251:7").handshake(at)
}

// finish flushes the tracker at end (or the last packet) and returns the
// findings.
func (s *sim) finish(end time.Duration) []result.Finding {
	s.t.Helper()
	at := s.last
	if e := t0.Add(end); e.After(at) {
		at = e
	}
	// As the pipeline does: the capture ends at its last packet, which the
	// collector learns before the connections still open are handed out.
	s.col.ObserveUntil(s.last)
	s.tr.Flush(at)
	return s.col.Findings()
}

// ofKind returns the findings of kind k.
func ofKind(fs []result.Finding, k Kind) []result.Finding {
	var out []result.Finding
	for _, f := range fs {
		if f.Kind == k.String() {
			out = append(out, f)
		}
	}
	return out
}

// one returns the single finding of kind k, failing otherwise.
func one(t *testing.T, fs []result.Finding, k Kind) result.Finding {
	t.Helper()
	got := ofKind(fs, k)
	if len(got) != 1 {
		t.Fatalf("want one %s finding, got %d: %+v", k, len(got), kinds(fs))
	}
	return got[0]
}

func kinds(fs []result.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+" "+f.Subject+": "+f.Summary)
	}
	return out
}
