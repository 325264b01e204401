package tally

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// script drives a tracker with segments between clients and servers.
type script struct {
	tr    *flow.Tracker
	frame int64
}

func (s *script) seg(at time.Duration, src, dst string, flags uint16, seq, ack uint32) {
	s.frame++
	seg := decode.Segment{Frame: s.frame, Time: t0.Add(at), Seq: seq, Ack: ack, Flags: flags,
		HeaderLen: 20, IPLen: 40, Window: 64000, WScale: -1,
		Src: netip.MustParseAddrPort(src), Dst: netip.MustParseAddrPort(dst)}
	s.tr.Add(&seg)
}

// closeWait opens a connection and has the client close it: the server
// is left in CLOSE_WAIT from at.
func (s *script) closeWait(at time.Duration, cli, srv string) {
	s.seg(at, cli, srv, decode.SYN, 100, 0)
	s.seg(at, srv, cli, decode.SYN|decode.ACK, 500, 101)
	s.seg(at, cli, srv, decode.ACK, 101, 501)
	s.seg(at, cli, srv, decode.FIN|decode.ACK, 101, 501)
	s.seg(at, srv, cli, decode.ACK, 501, 102)
}

func TestTally(t *testing.T) {
	s := &script{tr: flow.NewTracker(flow.Config{}, func(*flow.Conn) {})}
	web, ssh, db := "10.0.0.2:80", "10.0.0.3:22", "10.0.0.4:5432"
	s.closeWait(0, "10.0.0.1:40000", web)
	s.closeWait(time.Second, "10.0.0.1:40001", web)
	s.seg(2*time.Second, "10.0.0.1:40002", ssh, decode.SYN, 7, 0) // unanswered
	s.seg(2*time.Second, "10.0.0.1:40003", db, decode.SYN, 9, 0)
	s.seg(2*time.Second, db, "10.0.0.1:40003", decode.SYN|decode.ACK, 90, 10) // half-open
	s.seg(2*time.Second, "10.0.0.1:40004", web, decode.SYN, 11, 0)
	s.seg(2*time.Second, web, "10.0.0.1:40004", decode.SYN|decode.ACK, 91, 12)
	s.seg(2*time.Second, "10.0.0.1:40004", web, decode.ACK, 12, 92) // established: not waiting
	s.closeWait(3*time.Second, "10.0.0.1:40005", "10.0.0.5:8080")   // fewer CLOSE_WAIT than web

	// One per kind: web (CLOSE_WAIT), db (SYN_RECEIVED), ssh (unanswered).
	b := New(Options{Services: 1})
	s.tr.Each(b.Add)
	got := b.Tally()
	if got.Connections != 6 {
		t.Errorf("%d connections counted, want 6", got.Connections)
	}
	for _, c := range []struct {
		role  flow.Role
		state tcpstate.State
		want  int64
	}{
		{flow.Server, tcpstate.CloseWait, 3},
		{flow.Client, tcpstate.FinWait2, 3},
		{flow.Client, tcpstate.SynSent, 1},
		{flow.Server, tcpstate.StateNone, 1},
		{flow.Server, tcpstate.SynReceived, 1},
		{flow.Client, tcpstate.Established, 2}, // the SYN-ACK establishes the database client
		{flow.Server, tcpstate.Established, 1},
	} {
		if n := got.Count(c.role, c.state); n != c.want {
			t.Errorf("%s %s: %d endpoints, want %d", c.role, c.state, n, c.want)
		}
	}
	want := []Service{
		{netip.MustParseAddrPort(web), Waiting{CloseWait: 2, OldestCloseWait: t0}},
		{netip.MustParseAddrPort(ssh), Waiting{Unanswered: 1}},
		{netip.MustParseAddrPort(db), Waiting{SynReceived: 1}},
	}
	if !reflect.DeepEqual(got.Services, want) {
		t.Errorf("services\n got %+v\nwant %+v", got.Services, want)
	}
	if got.OtherServices != 1 || got.Other != (Waiting{CloseWait: 1, OldestCloseWait: t0.Add(3 * time.Second)}) {
		t.Errorf("other: %d services, %+v; want the second CLOSE_WAIT service", got.OtherServices, got.Other)
	}
}

// BenchmarkTally counts a table of 100,000 open connections, most of
// them frozen, as every live interval does.
func BenchmarkTally(b *testing.B) {
	const n = 100_000
	tr := flow.NewTracker(flow.Config{}, func(*flow.Conn) {})
	for i := range n {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(40000+i%1000))
		srv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, 0, byte(i % 50)}), 80)
		seg := decode.Segment{Frame: int64(i + 1), Time: t0.Add(time.Duration(i) * 100 * time.Microsecond), Src: cli, Dst: srv,
			Flags: decode.SYN, Seq: uint32(i), HeaderLen: 20, IPLen: 40, Window: 64000, WScale: -1}
		tr.Add(&seg)
	}
	for b.Loop() {
		tb := New(Options{})
		tr.Each(tb.Add)
		if t := tb.Tally(); t.Connections != n {
			b.Fatalf("%d connections counted", t.Connections)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/conn")
}
