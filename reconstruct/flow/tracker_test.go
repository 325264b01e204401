package flow

import (
	"net/netip"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

var (
	cli = netip.MustParseAddrPort("10.0.0.1:40000")
	srv = netip.MustParseAddrPort("10.0.0.2:80")
	t0  = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
)

// pkt is one hand-made segment: from the client (c2s) or the server.
type pkt struct {
	c2s      bool
	flags    uint16
	seq, ack uint32
	payload  int
	at       time.Duration // offset from t0
	window   uint16
}

const (
	S  = decode.SYN
	A  = decode.ACK
	F  = decode.FIN
	R  = decode.RST
	SA = decode.SYN | decode.ACK
	FA = decode.FIN | decode.ACK
	RA = decode.RST | decode.ACK
)

// play feeds the packets to a tracker and returns every connection, in the
// order they were handed out (the rest flushed at end, plus end offset).
func play(t *testing.T, cfg Config, end time.Duration, pkts ...pkt) []*Conn {
	t.Helper()
	var out []*Conn
	tr := NewTracker(cfg, func(c *Conn) { out = append(out, c) })
	for i, p := range pkts {
		seg := decode.Segment{
			Frame: int64(i + 1), Time: t0.Add(p.at), Seq: p.seq, Ack: p.ack,
			Flags: p.flags, PayloadLen: p.payload, HeaderLen: 20, IPLen: 40 + p.payload,
			Window: p.window, WScale: -1,
		}
		if seg.Window == 0 {
			seg.Window = 64000
		}
		if p.c2s {
			seg.Src, seg.Dst = cli, srv
		} else {
			seg.Src, seg.Dst = srv, cli
		}
		tr.Add(&seg)
	}
	tr.Flush(t0.Add(end))
	return out
}

func states(c *Conn) [2]tcpstate.State {
	return [2]tcpstate.State{c.EP[Client].State, c.EP[Server].State}
}

// handshake is a complete three-way handshake: client ISN 1000, server 5000.
var handshake = []pkt{
	{c2s: true, flags: S, seq: 1000},
	{flags: SA, seq: 5000, ack: 1001},
	{c2s: true, flags: A, seq: 1001, ack: 5001},
}

func with(base []pkt, more ...pkt) []pkt { return append(append([]pkt{}, base...), more...) }

func TestScenarios(t *testing.T) {
	tests := []struct {
		name     string
		pkts     []pkt
		end      time.Duration
		want     [][2]tcpstate.State // per connection: client, server
		closedBy Closer
	}{
		{"unanswered SYN", []pkt{{c2s: true, flags: S, seq: 1000}, {c2s: true, flags: S, seq: 1000, at: time.Second}},
			2 * time.Second, [][2]tcpstate.State{{tcpstate.SynSent, tcpstate.StateNone}}, ClosedByNone},
		{"refused by RST", []pkt{{c2s: true, flags: S, seq: 1000}, {flags: RA, seq: 0, ack: 1001}},
			time.Second, [][2]tcpstate.State{{tcpstate.Closed, tcpstate.Closed}}, ClosedByServer},
		{"RST not acknowledging the SYN is ignored", []pkt{{c2s: true, flags: S, seq: 1000}, {flags: RA, seq: 0, ack: 77}},
			time.Second, [][2]tcpstate.State{{tcpstate.SynSent, tcpstate.StateNone}}, ClosedByServer},
		{"SYN-ACK never acknowledged", []pkt{{c2s: true, flags: S, seq: 1000}, {flags: SA, seq: 5000, ack: 1001}},
			time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.SynReceived}}, ClosedByNone},
		{"established", handshake, time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByNone},
		{"closed by client: client TIME_WAIT", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: FA, seq: 5001, ack: 1002},
			pkt{c2s: true, flags: A, seq: 1002, ack: 5002}),
			time.Second, [][2]tcpstate.State{{tcpstate.TimeWait, tcpstate.Closed}}, ClosedByClient},
		{"TIME_WAIT expires after 2*MSL", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: FA, seq: 5001, ack: 1002},
			pkt{c2s: true, flags: A, seq: 1002, ack: 5002}),
			3 * time.Minute, [][2]tcpstate.State{{tcpstate.Closed, tcpstate.Closed}}, ClosedByClient},
		{"closed by server first: server TIME_WAIT", with(handshake,
			pkt{flags: FA, seq: 5001, ack: 1001},
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5002},
			pkt{flags: A, seq: 5002, ack: 1002}),
			time.Second, [][2]tcpstate.State{{tcpstate.Closed, tcpstate.TimeWait}}, ClosedByServer},
		{"CLOSE_WAIT left open", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: A, seq: 5001, ack: 1002}),
			time.Second, [][2]tcpstate.State{{tcpstate.FinWait2, tcpstate.CloseWait}}, ClosedByClient},
		{"FIN not acknowledged: FIN_WAIT_1", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: A, seq: 5001, ack: 1001, payload: 10}),
			time.Second, [][2]tcpstate.State{{tcpstate.FinWait1, tcpstate.CloseWait}}, ClosedByClient},
		{"half-close with data after FIN", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: A, seq: 5001, ack: 1002, payload: 100},
			pkt{c2s: true, flags: A, seq: 1002, ack: 5101},
			pkt{flags: FA, seq: 5101, ack: 1002},
			pkt{c2s: true, flags: A, seq: 1002, ack: 5102}),
			time.Second, [][2]tcpstate.State{{tcpstate.TimeWait, tcpstate.Closed}}, ClosedByClient},
		{"LAST_ACK: final ACK missing", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: FA, seq: 5001, ack: 1002}),
			time.Second, [][2]tcpstate.State{{tcpstate.TimeWait, tcpstate.LastAck}}, ClosedByClient},
		{"simultaneous close, ACKs lost: CLOSING both", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: FA, seq: 5001, ack: 1001}),
			time.Second, [][2]tcpstate.State{{tcpstate.Closing, tcpstate.Closing}}, ClosedByBoth},
		{"simultaneous close completes: TIME_WAIT both", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: FA, seq: 5001, ack: 1001},
			pkt{c2s: true, flags: A, seq: 1002, ack: 5002},
			pkt{flags: A, seq: 5002, ack: 1002}),
			time.Second, [][2]tcpstate.State{{tcpstate.TimeWait, tcpstate.TimeWait}}, ClosedByBoth},
		{"SO_LINGER 0 abort by client", with(handshake,
			pkt{c2s: true, flags: RA, seq: 1001, ack: 5001}),
			time.Second, [][2]tcpstate.State{{tcpstate.Closed, tcpstate.Closed}}, ClosedByClient},
		{"blind RST outside the window is ignored", with(handshake,
			pkt{c2s: true, flags: RA, seq: 900000, ack: 5001}),
			time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByClient},
		{"simultaneous open", []pkt{
			{c2s: true, flags: S, seq: 1000},
			{flags: S, seq: 5000},
			{c2s: true, flags: SA, seq: 1000, ack: 5001},
			{flags: SA, seq: 5000, ack: 1001}},
			time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByNone},
		{"retransmitted SYN stays one connection", []pkt{
			{c2s: true, flags: S, seq: 1000}, {c2s: true, flags: S, seq: 1000, at: time.Second},
			{flags: SA, seq: 5000, ack: 1001, at: time.Second}, {c2s: true, flags: A, seq: 1001, ack: 5001, at: time.Second}},
			2 * time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByNone},
		{"port reuse: a SYN with a new ISN starts a new connection", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001},
			pkt{flags: FA, seq: 5001, ack: 1002},
			pkt{c2s: true, flags: A, seq: 1002, ack: 5002},
			pkt{c2s: true, flags: S, seq: 90000, at: time.Second},
			pkt{flags: SA, seq: 70000, ack: 90001, at: time.Second},
			pkt{c2s: true, flags: A, seq: 90001, ack: 70001, at: time.Second}),
			2 * time.Second, [][2]tcpstate.State{{tcpstate.Closed, tcpstate.Closed}, {tcpstate.Established, tcpstate.Established}}, ClosedByNone},
		{"midstream pickup", []pkt{{flags: A, seq: 5000, ack: 1000, payload: 100}, {c2s: true, flags: A, seq: 1000, ack: 5100}},
			time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByNone},
		// Vantage points (infer.go).
		{"bare ACK never answered (ACK sweep): the receiver stays unknown", []pkt{{c2s: true, flags: A, seq: 1000, ack: 5000}},
			time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.StateNone}}, ClosedByNone},
		{"SYN-ACK nobody asked for (backscatter): the receiver stays unknown", []pkt{{flags: SA, seq: 5000, ack: 1001}},
			time.Second, [][2]tcpstate.State{{tcpstate.StateNone, tcpstate.SynReceived}}, ClosedByNone},
		{"capture starts at the SYN-ACK", []pkt{{flags: SA, seq: 5000, ack: 1001},
			{c2s: true, flags: A, seq: 1001, ack: 5001}, {c2s: true, flags: A, seq: 1001, ack: 5001, payload: 10},
			{flags: A, seq: 5001, ack: 1011, payload: 1000}},
			time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByNone},
		{"client side only: ACK proves the SYN-ACK, ACK of one more byte after our FIN proves the peer's FIN", []pkt{
			{c2s: true, flags: S, seq: 1000}, {c2s: true, flags: A, seq: 1001, ack: 5001},
			{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 10}, {c2s: true, flags: A, seq: 1011, ack: 5101},
			{c2s: true, flags: FA, seq: 1011, ack: 5101}, {c2s: true, flags: A, seq: 1012, ack: 5102}},
			time.Second, [][2]tcpstate.State{{tcpstate.TimeWait, tcpstate.Closed}}, ClosedByClient},
		{"server side only: data after the SYN-ACK proves the handshake; a last ACK of one byte is the client's FIN", []pkt{
			{flags: SA, seq: 5000, ack: 1001}, {flags: A, seq: 5001, ack: 1011, payload: 100},
			{flags: A, seq: 5101, ack: 1012}},
			time.Second, [][2]tcpstate.State{{tcpstate.FinWait2, tcpstate.CloseWait}}, ClosedByClient},
		{"server side only: a one-byte ACK refuted by more data is not a FIN", []pkt{
			{flags: SA, seq: 5000, ack: 1001}, {flags: A, seq: 5001, ack: 1002},
			{flags: A, seq: 5001, ack: 1102}},
			time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByNone},
		{"a reset connection reopened by its SYN again stays one stream past the linger", []pkt{
			{c2s: true, flags: S, seq: 1000}, {flags: RA, seq: 0, ack: 1001},
			{c2s: true, flags: S, seq: 1000, at: 20 * time.Second}, {flags: SA, seq: 5000, ack: 1001, at: 20 * time.Second},
			{c2s: true, flags: A, seq: 1001, ack: 5001, at: 20 * time.Second},
			{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 5, at: 60 * time.Second}},
			61 * time.Second, [][2]tcpstate.State{{tcpstate.Established, tcpstate.Established}}, ClosedByServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conns := play(t, Config{}, tt.end, tt.pkts...)
			if len(conns) != len(tt.want) {
				t.Fatalf("%d connections, want %d", len(conns), len(tt.want))
			}
			for i, c := range conns {
				if got := states(c); got != tt.want[i] {
					t.Errorf("conn %d: client %v server %v, want %v %v", i, got[0], got[1], tt.want[i][0], tt.want[i][1])
				}
				if c.Stream != int64(i) {
					t.Errorf("conn %d has stream %d", i, c.Stream)
				}
			}
			if last := conns[len(conns)-1]; tt.closedBy != ClosedByNone && last.ClosedBy != tt.closedBy && conns[0].ClosedBy != tt.closedBy {
				t.Errorf("closed by %d, want %d", last.ClosedBy, tt.closedBy)
			}
		})
	}
}

func TestRoleInference(t *testing.T) {
	tests := []struct {
		name       string
		src, dst   string
		flags      uint16
		wantClient string
		inferred   bool
	}{
		{"SYN sender is the client", "10.0.0.9:80", "10.0.0.1:40000", S, "10.0.0.9:80", false},
		{"SYN-ACK sender is the server", "10.0.0.2:8080", "10.0.0.1:40000", SA, "10.0.0.1:40000", true},
		{"well-known port is the server", "10.0.0.2:443", "10.0.0.1:50000", A, "10.0.0.1:50000", true},
		{"ephemeral port is the client", "10.0.0.2:9999", "10.0.0.1:50000", A, "10.0.0.1:50000", true},
		{"otherwise the first sender", "10.0.0.2:5000", "10.0.0.1:6000", A, "10.0.0.2:5000", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Conn
			tr := NewTracker(Config{}, func(c *Conn) { got = c })
			seg := decode.Segment{Frame: 1, Time: t0, Src: netip.MustParseAddrPort(tt.src), Dst: netip.MustParseAddrPort(tt.dst),
				Flags: tt.flags, Seq: 1, Ack: 1, HeaderLen: 20, WScale: -1}
			tr.Add(&seg)
			tr.Flush(t0)
			if got.EP[Client].Addr.String() != tt.wantClient || got.RolesInferred != tt.inferred {
				t.Errorf("client %v inferred %v, want %s %v", got.EP[Client].Addr, got.RolesInferred, tt.wantClient, tt.inferred)
			}
		})
	}
}

// TestTombstoneKeepsStream: a late packet after a connection was handed out
// keeps its stream number, as Wireshark does.
func TestTombstoneKeepsStream(t *testing.T) {
	conns := play(t, Config{Linger: time.Second}, 10*time.Second, with(handshake,
		pkt{c2s: true, flags: RA, seq: 1001, ack: 5001},
		pkt{flags: A, seq: 5001, ack: 1001, payload: 10, at: 5 * time.Second})...)
	if len(conns) != 2 || conns[0].Stream != 0 || conns[1].Stream != 0 {
		t.Fatalf("want two records of stream 0, got %d", len(conns))
	}
	if conns[0].Part != 0 || conns[1].Part != 2 {
		t.Errorf("parts %d, %d; want 0 then 2 (the continuation says so)", conns[0].Part, conns[1].Part)
	}
}

// TestIdleNeverSplits: a connection that completed its handshake is one
// record however long it is quiet (Wireshark never splits a stream on
// time); an attempt that never synchronized is handed out at IdleTimeout.
func TestIdleNeverSplits(t *testing.T) {
	tests := []struct {
		name    string
		pkts    []pkt
		records int
		idle    int64 // Stats.IdleExpired
		want    [2]tcpstate.State
	}{
		{"established, quiet 3 h, then data", with(handshake,
			pkt{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 10, at: time.Second},
			pkt{flags: A, seq: 5001, ack: 1011, at: 2 * time.Second},
			pkt{c2s: true, flags: A, seq: 1011, ack: 5001, payload: 10, at: 3 * time.Hour},
			pkt{flags: A, seq: 5001, ack: 1021, at: 3*time.Hour + time.Millisecond}),
			1, 0, [2]tcpstate.State{tcpstate.Established, tcpstate.Established}},
		{"close-wait quiet 5 h, then the close", with(handshake,
			pkt{c2s: true, flags: FA, seq: 1001, ack: 5001, at: time.Second},
			pkt{flags: A, seq: 5001, ack: 1002, at: time.Second + time.Millisecond},
			pkt{flags: FA, seq: 5001, ack: 1002, at: 5 * time.Hour},
			pkt{c2s: true, flags: A, seq: 1002, ack: 5002, at: 5*time.Hour + time.Millisecond}),
			1, 0, [2]tcpstate.State{tcpstate.Closed, tcpstate.Closed}}, // TIME_WAIT over by the end
		{"an unanswered SYN is handed out idle", []pkt{
			{c2s: true, flags: S, seq: 1000},
			{c2s: true, flags: S, seq: 1000, at: time.Second}},
			1, 1, [2]tcpstate.State{tcpstate.SynSent, tcpstate.StateNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []*Conn
			tr := NewTracker(Config{IdleTimeout: time.Hour}, func(c *Conn) { out = append(out, c) })
			for i, p := range tt.pkts {
				seg := decode.Segment{Frame: int64(i + 1), Time: t0.Add(p.at), Seq: p.seq, Ack: p.ack,
					Flags: p.flags, PayloadLen: p.payload, HeaderLen: 20, IPLen: 40 + p.payload, Window: 64000, WScale: -1}
				seg.Src, seg.Dst = srv, cli
				if p.c2s {
					seg.Src, seg.Dst = cli, srv
				}
				tr.Add(&seg)
			}
			tr.Flush(t0.Add(10 * time.Hour))
			if len(out) != tt.records {
				t.Fatalf("%d records, want %d", len(out), tt.records)
			}
			for _, c := range out {
				if c.Stream != 0 || c.Part != 0 {
					t.Errorf("record of stream %d part %d, want stream 0 whole", c.Stream, c.Part)
				}
			}
			if got := tr.Stats().IdleExpired; got != tt.idle {
				t.Errorf("%d idle hand-outs, want %d", got, tt.idle)
			}
			if got := states(out[len(out)-1]); got != tt.want {
				t.Errorf("states %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEvictedContinues: a connection handed out because the table was full
// continues, on its next packet, in a record of the same stream that says
// it is part 2.
func TestEvictedContinues(t *testing.T) {
	var out []*Conn
	tr := NewTracker(Config{MaxConns: 2}, func(c *Conn) { out = append(out, c) })
	add := func(frame int64, at time.Duration, src netip.AddrPort, flags uint16, seq, ack uint32, payload int) {
		seg := decode.Segment{Frame: frame, Time: t0.Add(at), Src: src, Dst: srv, Flags: flags, Seq: seq, Ack: ack,
			PayloadLen: payload, HeaderLen: 20, IPLen: 40 + payload, Window: 64000, WScale: -1}
		if src == srv {
			seg.Dst = cli
		}
		tr.Add(&seg)
	}
	add(1, 0, cli, S, 1000, 0, 0)
	add(2, time.Millisecond, srv, SA, 5000, 1001, 0)
	add(3, 2*time.Millisecond, cli, A, 1001, 5001, 0)
	for i := range 3 { // three attempts from other ports fill the table
		add(int64(4+i), time.Second+time.Duration(i)*time.Millisecond,
			netip.AddrPortFrom(cli.Addr(), uint16(50000+i)), S, 7, 0, 0)
	}
	add(7, 2*time.Second, cli, A, 1001, 5001, 10)
	tr.Flush(t0.Add(time.Minute))
	var parts []int32
	for _, c := range out {
		if c.Stream == 0 {
			parts = append(parts, c.Part)
			if c.Part == 0 && !c.Evicted() {
				t.Errorf("first part of stream 0 not marked evicted")
			}
		}
	}
	if len(parts) != 2 || parts[0] != 0 || parts[1] != 2 {
		t.Fatalf("stream 0 records with parts %v, want [0 2]", parts)
	}
}

func TestMaxConnsEvicts(t *testing.T) {
	var out []*Conn
	tr := NewTracker(Config{MaxConns: 10}, func(c *Conn) { out = append(out, c) })
	for i := range 100 {
		seg := decode.Segment{Frame: int64(i + 1), Time: t0.Add(time.Duration(i) * time.Millisecond),
			Src: netip.AddrPortFrom(cli.Addr(), uint16(40000+i)), Dst: srv, Flags: S, Seq: 7, HeaderLen: 20, WScale: -1}
		tr.Add(&seg)
	}
	if tr.Open() > 10 {
		t.Errorf("%d open, bound is 10", tr.Open())
	}
	tr.Flush(t0.Add(time.Second))
	if len(out) != 100 || tr.Stats().Evicted == 0 {
		t.Errorf("handed out %d, evicted %d", len(out), tr.Stats().Evicted)
	}
	for i, c := range out[:5] {
		if !c.Evicted() {
			t.Errorf("conn %d not marked evicted", i)
		}
	}
}

// TestContentGaps: bytes the capture never saw but the peer acknowledged
// are missed bytes, whether skipped inside the stream or at its end; a
// hole filled by a retransmission is not.
func TestContentGaps(t *testing.T) {
	tests := []struct {
		name   string
		pkts   []pkt
		missed int64
	}{
		{"hole acknowledged", with(handshake,
			pkt{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 100},
			pkt{c2s: true, flags: A, seq: 1201, ack: 5001, payload: 100}, // 1101-1201 never seen
			pkt{flags: A, seq: 5001, ack: 1301}), 100},
		{"hole filled by a retransmission", with(handshake,
			pkt{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 100},
			pkt{c2s: true, flags: A, seq: 1201, ack: 5001, payload: 100},
			pkt{c2s: true, flags: A, seq: 1101, ack: 5001, payload: 100},
			pkt{flags: A, seq: 5001, ack: 1301}), 0},
		{"acknowledged beyond anything seen", with(handshake,
			pkt{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 100},
			pkt{flags: A, seq: 5001, ack: 1501}), 400},
		{"midstream is not counted", []pkt{
			{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 100},
			{flags: A, seq: 5001, ack: 1501}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conns := play(t, Config{}, time.Second, tt.pkts...)
			if got := conns[0].MissedBytes; got != tt.missed {
				t.Errorf("missed %d, want %d", got, tt.missed)
			}
		})
	}
}

// TestTombstonesBounded: with more finished 4-tuples than MaxConns, the
// oldest tombstones are forgotten so the tombstone table stays bounded.
func TestTombstonesBounded(t *testing.T) {
	tr := NewTracker(Config{MaxConns: 50}, func(*Conn) {})
	for i := range 1000 {
		seg := decode.Segment{Frame: int64(i + 1), Time: t0.Add(time.Duration(i) * time.Millisecond),
			Src: netip.AddrPortFrom(cli.Addr(), uint16(10000+i)), Dst: srv, Flags: S, Seq: 7, HeaderLen: 20, WScale: -1}
		tr.Add(&seg)
	}
	if len(tr.tombs) > 50 || tr.Open() > 50 {
		t.Errorf("%d tombstones, %d open; bound is 50", len(tr.tombs), tr.Open())
	}
}
