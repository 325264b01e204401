package flow

import (
	"reflect"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

func TestIllegalFlagsKind(t *testing.T) {
	for _, tc := range []struct {
		flags uint16
		want  string
	}{
		{decode.SYN | decode.RST, "TCP_christmas"},
		{decode.SYN | decode.RST | decode.ACK, "TCP_christmas"},
		{decode.SYN | decode.FIN, "SYN_with_FIN"},
		{decode.SYN | decode.FIN | decode.PSH | decode.URG, "SYN_with_FIN"},
		{0, "TCP_null_flags"},
		{decode.ECE, "TCP_null_flags"},
		{decode.FIN | decode.PSH | decode.URG, "TCP_xmas_flags"},
		{decode.FIN, "FIN_without_ACK"},
		{decode.FIN | decode.PSH, "FIN_without_ACK"},
		{decode.URG, "illegal_flags"},
		{decode.PSH, "illegal_flags"},
		{decode.FIN | decode.RST | decode.ACK, "illegal_flags"},
	} {
		if legalFlags(tc.flags) {
			t.Errorf("flags %#x are legal", tc.flags)
			continue
		}
		if got := illegalFlagsKind(tc.flags).String(); got != tc.want {
			t.Errorf("flags %#x: %s, want %s", tc.flags, got, tc.want)
		}
	}
	if got := AnomalyKind(200).String(); got != "AnomalyKind(200)" {
		t.Errorf("out of range: %s", got)
	}
}

// TestAnomaliesNamed: each anomaly is named once per connection with its
// first frame and count, survives freezing, and a clean connection has none.
func TestAnomaliesNamed(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		pkts []pkt
		want []AnomalyRecord
	}{
		{"clean handshake", []pkt{{c2s: true, flags: S, seq: 100}, {flags: SA, seq: 900, ack: 101, at: ms}, {c2s: true, flags: A, seq: 101, ack: 901, at: 2 * ms}}, nil},
		{"null and xmas probes", []pkt{
			{c2s: true, flags: 0, seq: 100},
			{c2s: true, flags: F | decode.PSH | decode.URG, seq: 100, at: ms},
			{c2s: true, flags: 0, seq: 100, at: 2 * ms},
		}, []AnomalyRecord{{AnomalyNullFlags, 1, 2, true, false}, {AnomalyXmasFlags, 2, 1, true, false}}},
		{"SYN-ACK not acknowledging the SYN", []pkt{{c2s: true, flags: S, seq: 100}, {flags: SA, seq: 900, ack: 555, at: ms}}, []AnomalyRecord{{AnomalyBadSYNACK, 2, 1, false, true}}},
		{"reset outside the window", []pkt{
			{c2s: true, flags: S, seq: 100}, {flags: SA, seq: 900, ack: 101, at: ms}, {c2s: true, flags: A, seq: 101, ack: 901, at: 2 * ms},
			{flags: R, seq: 900 + 1<<30, at: 3 * ms},
		}, []AnomalyRecord{{AnomalyRSTOutOfWindow, 4, 1, false, true}}},
		{"data before the handshake's ACK", []pkt{
			{c2s: true, flags: S, seq: 100}, {flags: SA, seq: 900, ack: 101, at: ms},
			{flags: A | decode.PSH, seq: 901, ack: 101, payload: 10, at: 2 * ms},
		}, []AnomalyRecord{{AnomalyDataBeforeEstablished, 3, 1, false, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cold := range []time.Duration{0, time.Nanosecond} {
				conns := play(t, Config{ColdAfter: cold}, time.Second, tc.pkts...)
				if len(conns) != 1 {
					t.Fatalf("%d connections", len(conns))
				}
				got := conns[0].AppendAnomalies(nil)
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("cold %v: anomalies %+v, want %+v", cold, got, tc.want)
				}
				if conns[0].HasAnomalies() != (tc.want != nil) {
					t.Errorf("HasAnomalies %v", conns[0].HasAnomalies())
				}
			}
		})
	}
}

func TestCloserAndTransitionEvent(t *testing.T) {
	for _, tc := range []struct {
		c            Closer
		name         string
		client, serv bool
	}{
		{ClosedByNone, "none", false, false},
		{ClosedByClient, "client", true, false},
		{ClosedByServer, "server", false, true},
		{ClosedByBoth, "both", true, true},
		{Closer(9), "Closer(9)", false, false},
	} {
		if tc.c.String() != tc.name || tc.c.Is(Client) != tc.client || tc.c.Is(Server) != tc.serv {
			t.Errorf("%d: %s client %v server %v", tc.c, tc.c, tc.c.Is(Client), tc.c.Is(Server))
		}
	}
	conns := play(t, Config{}, time.Second,
		pkt{c2s: true, flags: S, seq: 100}, pkt{flags: RA, ack: 101, at: time.Millisecond})
	var sent, recv int
	for _, tr := range conns[0].Transitions {
		r, e, ok := tr.Event()
		if !ok {
			t.Errorf("%s: not a machine event", tr.Cause())
			continue
		}
		if want := EventCause(r, e); tr.Cause() != want {
			t.Errorf("Event %v %v is %q, cause %q", r, e, want.String(), tr.Cause().String())
		}
		if e == tcpstate.EvRST && r == tcpstate.RoleSent {
			sent++
		}
		if e == tcpstate.EvRST && r == tcpstate.RoleRecv {
			recv++
		}
	}
	if sent != 1 || recv != 1 || conns[0].ClosedBy != ClosedByServer {
		t.Errorf("sent RST %d, received RST %d, closed by %s", sent, recv, conns[0].ClosedBy)
	}
}
