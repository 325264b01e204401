package flow

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// feed gives the tracker a segment between client port cport and srv.
func feed(tr *Tracker, frame int64, at time.Duration, cport uint16, c2s bool, flags uint16, seq, ack uint32) {
	c := netip.AddrPortFrom(cli.Addr(), cport)
	seg := decode.Segment{Frame: frame, Time: t0.Add(at), Seq: seq, Ack: ack, Flags: flags, HeaderLen: 20, IPLen: 40, Window: 64000, WScale: -1}
	seg.Src, seg.Dst = c, srv
	if !c2s {
		seg.Src, seg.Dst = srv, c
	}
	tr.Add(&seg)
}

// TestEachSeesLiveAndFrozen: Each visits every open connection, those
// frozen after ColdAfter without packets included, with their states, and
// leaves the table as it was.
func TestEachSeesLiveAndFrozen(t *testing.T) {
	tr := NewTracker(Config{ColdAfter: time.Second}, func(*Conn) {})
	// Port 1000: a handshake, then quiet (frozen). Port 2000: a SYN late on.
	feed(tr, 1, 0, 1000, true, S, 100, 0)
	feed(tr, 2, time.Millisecond, 1000, false, SA, 500, 101)
	feed(tr, 3, 2*time.Millisecond, 1000, true, A, 101, 501)
	feed(tr, 4, 5*time.Second, 2000, true, S, 900, 0)
	if tr.stats.Frozen == 0 {
		t.Fatal("the quiet connection was not frozen: the test does not cover frozen records")
	}
	type seen struct {
		port           uint16
		client, server tcpstate.State
	}
	var got []seen
	tr.Each(func(c *Conn) {
		got = append(got, seen{c.EP[Client].Addr.Port(), c.EP[Client].State, c.EP[Server].State})
	})
	slices.SortFunc(got, func(a, b seen) int { return int(a.port) - int(b.port) })
	want := []seen{{1000, tcpstate.Established, tcpstate.Established}, {2000, tcpstate.SynSent, tcpstate.StateNone}}
	if !slices.Equal(got, want) {
		t.Errorf("Each saw %+v, want %+v", got, want)
	}
	if tr.Open() != 2 || tr.stats.Thawed != 0 {
		t.Errorf("after Each: %d open, %d thawed; want 2 open, none thawed", tr.Open(), tr.stats.Thawed)
	}
}

// TestOnTransition: the hook sees each state change as it is recorded, in
// order, with the connection it belongs to.
func TestOnTransition(t *testing.T) {
	type change struct {
		stream   int64
		ep       Role
		from, to tcpstate.State
	}
	var got []change
	cfg := Config{OnTransition: func(c *Conn, tr *Transition) {
		got = append(got, change{c.Stream, tr.Endpoint, tr.From, tr.To})
	}}
	tr := NewTracker(cfg, func(*Conn) {})
	feed(tr, 1, 0, 1000, true, S, 100, 0)
	feed(tr, 2, time.Millisecond, 1000, false, RA, 0, 101)
	// The SYN moves the client; the refusing RST closes the server, then
	// the client.
	want := []change{
		{0, Client, tcpstate.StateNone, tcpstate.SynSent},
		{0, Server, tcpstate.StateNone, tcpstate.Closed},
		{0, Client, tcpstate.SynSent, tcpstate.Closed},
	}
	if !slices.Equal(got, want) {
		t.Errorf("transitions seen %+v, want %+v", got, want)
	}
}
