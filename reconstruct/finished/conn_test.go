package finished

import (
	"net/netip"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// pkt is one segment: from the client when c2s, at ms milliseconds.
type pkt struct {
	c2s      bool
	flags    uint16
	seq, ack uint32
	ms       int
}

const (
	S  = decode.SYN
	SA = decode.SYN | decode.ACK
	A  = decode.ACK
	FA = decode.FIN | decode.ACK
	RA = decode.RST | decode.ACK
	R  = decode.RST
)

// record plays the segments of one connection through a tracker and
// returns the record of the connection it hands out.
func record(t *testing.T, pkts ...pkt) Conn {
	t.Helper()
	cli := netip.MustParseAddrPort("10.0.0.1:40000")
	srv := netip.MustParseAddrPort("10.0.0.2:80")
	var got []Conn
	tr := flow.NewTracker(flow.Config{MSL: time.Second}, func(c *flow.Conn) {
		var r Conn
		r.Fill(c, Params{MissedBytes: 7})
		got = append(got, r)
	})
	for i, p := range pkts {
		src, dst := srv, cli
		if p.c2s {
			src, dst = cli, srv
		}
		tr.Add(&decode.Segment{
			Frame: int64(i + 1), Time: t0.Add(time.Duration(p.ms) * time.Millisecond), Src: src, Dst: dst,
			Seq: p.seq, Ack: p.ack, Flags: p.flags, Window: 65535, HeaderLen: 20, IPLen: 40, WScale: -1,
		})
	}
	tr.Flush(t0.Add(time.Hour))
	if len(got) != 1 {
		t.Fatalf("%d connections, want 1", len(got))
	}
	return got[0]
}

// handshake is a complete opening: client ISN 100, server ISN 500.
var handshake3 = []pkt{{c2s: true, flags: S, seq: 100}, {flags: SA, seq: 500, ack: 101, ms: 1}, {c2s: true, flags: A, seq: 101, ack: 501, ms: 2}}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name string
		pkts []pkt
		want Outcome
	}{
		{"unanswered", []pkt{{c2s: true, flags: S, seq: 100}}, Unanswered},
		{"rejected", []pkt{{c2s: true, flags: S, seq: 100}, {flags: RA, ack: 101, ms: 1}}, Rejected},
		{"synack unanswered", []pkt{{c2s: true, flags: S, seq: 100}, {flags: SA, seq: 500, ack: 101, ms: 1}}, SYNACKUnanswered},
		{"aborted", []pkt{{c2s: true, flags: S, seq: 100}, {flags: SA, seq: 500, ack: 101, ms: 1}, {c2s: true, flags: R, seq: 101, ms: 2}}, Aborted},
		{"completed", handshake3, Completed},
		{"midstream", []pkt{{c2s: true, flags: A, seq: 101, ack: 501}, {flags: A, seq: 501, ack: 101, ms: 1}}, NoHandshake},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := record(t, tt.pkts...).Handshake; got != tt.want {
				t.Errorf("handshake %v, want %v", got, tt.want)
			}
		})
	}
}

// TestResetAfterHandshake: the server resets an established connection;
// the record names it, its state and the frame.
func TestResetAfterHandshake(t *testing.T) {
	r := record(t, append(handshake3[:3:3], pkt{flags: RA, seq: 501, ack: 101, ms: 3})...)
	want := Reset{Sent: true, By: flow.Server, From: tcpstate.Established, Frame: 4}
	if r.Reset != want {
		t.Errorf("reset %+v, want %+v", r.Reset, want)
	}
	if !r.BothSynchronized() || r.EstablishedAt[flow.Client] != t0.Add(time.Millisecond) {
		t.Errorf("synchronized %v, client established at %v", r.Synchronized, r.EstablishedAt[flow.Client])
	}
	if r.MissedBytes != 7 || r.CommunityID == "" {
		t.Errorf("missed %d, community id %q", r.MissedBytes, r.CommunityID)
	}
}

// TestTimeWaitOfActiveCloser: the client closes first and holds the
// TIME_WAIT for 2*MSL; the server never enters it.
func TestTimeWaitOfActiveCloser(t *testing.T) {
	r := record(t, append(handshake3[:3:3],
		pkt{c2s: true, flags: FA, seq: 101, ack: 501, ms: 10},
		pkt{flags: FA, seq: 501, ack: 102, ms: 11},
		pkt{c2s: true, flags: A, seq: 102, ack: 502, ms: 12})...)
	if r.ClosedBy != flow.ClosedByClient || r.ClosedBy.String() != "client" {
		t.Errorf("closed by %v", r.ClosedBy)
	}
	tw := r.TimeWait[flow.Client]
	if !tw.Entered || !tw.Enter.Equal(t0.Add(11*time.Millisecond)) {
		t.Fatalf("client TIME_WAIT %+v", tw)
	}
	if got, want := tw.Until(time.Second), tw.Enter.Add(2*time.Second); !got.Equal(want) {
		t.Errorf("TIME_WAIT until %v, want %v", got, want)
	}
	if r.TimeWait[flow.Server].Entered {
		t.Errorf("server entered TIME_WAIT: %+v", r.TimeWait[flow.Server])
	}
	if r.Reset.Sent {
		t.Errorf("reset %+v on a clean close", r.Reset)
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{NoHandshake: "none", SYNACKUnanswered: "synack_unanswered", Completed: "completed", Outcome(42): "Outcome(42)"} {
		if got := o.String(); got != want {
			t.Errorf("%d: %q, want %q", o, got, want)
		}
	}
}
