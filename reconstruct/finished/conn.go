package finished

import (
	"time"

	"github.com/wirestat/wirestat/reconstruct/communityid"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/textarena"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Conn is one finished connection: the tracker's record and what is
// derived from it once. The embedded *flow.Conn holds the raw facts
// (Key, Stream, EP, Transitions, ClosedBy, Anomalies...); the fields
// below are filled by Fill and valid until the next Fill.
type Conn struct {
	*flow.Conn

	// Handshake is how the opening handshake ended.
	Handshake Outcome
	// Reset is the connection's first accepted reset (Reset.Sent false
	// when nobody reset it).
	Reset Reset
	// Established says which endpoints ever reached ESTABLISHED, indexed
	// by flow.Role.
	Established [2]bool
	// Synchronized says which endpoints ever were in a synchronized state
	// (ESTABLISHED or a closing state), indexed by flow.Role.
	Synchronized [2]bool
	// EstablishedAt is when each endpoint first reached ESTABLISHED; valid
	// only where Established is true.
	EstablishedAt [2]time.Time
	// TimeWait is each endpoint's first TIME_WAIT, indexed by flow.Role.
	TimeWait [2]TimeWait

	// CommunityID is the connection's Community ID (its flow hash as Zeek,
	// Suricata and Wireshark compute it).
	CommunityID string
	// Tunnels is the tunnel stack of the connection's first tunnelled
	// packet; nil or N 0 when none.
	Tunnels *decode.Tunnels
	// MissedBytes is the sequence space the capture missed, as the
	// pipeline measured it (sequence holes, or payload reassembly).
	MissedBytes int64
}

// Reset says who reset a connection first.
type Reset struct {
	// Sent is false when no endpoint sent an accepted reset; the other
	// fields are then zero.
	Sent bool
	// By is the endpoint that sent it.
	By flow.Role
	// From is the state By was in before it.
	From tcpstate.State
	// Frame is the frame that carried it.
	Frame int64
}

// TimeWait is one endpoint's first stay in TIME_WAIT.
type TimeWait struct {
	// Entered is false when the endpoint never entered TIME_WAIT.
	Entered bool
	// Enter is when it entered.
	Enter time.Time
	// Left is false when the connection was handed out still in (or
	// without a recorded exit from) that TIME_WAIT.
	Left bool
	// Exit is when it left (the 2*MSL expiry or a reset); valid only when
	// Left.
	Exit time.Time
}

// Until returns when the TIME_WAIT ended: at Exit, or 2*MSL after Enter
// when it did not leave earlier.
func (tw *TimeWait) Until(msl time.Duration) time.Time {
	end := tw.Enter.Add(2 * msl)
	if tw.Left && tw.Exit.Before(end) {
		return tw.Exit
	}
	return end
}

// Params are what the pipeline knows of a connection beside the tracker.
type Params struct {
	// CommunityIDSeed seeds the Community ID.
	CommunityIDSeed uint16
	// Tunnels is the tunnel stack of the first tunnelled packet (nil:
	// none).
	Tunnels *decode.Tunnels
	// MissedBytes is the connection's missed bytes as the pipeline knows
	// them.
	MissedBytes int64
	// Texts makes the record's strings (nil: each its own allocation).
	Texts *textarena.Arena
}

// Fill makes r the record of c, in place: it walks c's transitions once.
// r keeps c and p.Tunnels; both must stay unchanged while r is used.
func (r *Conn) Fill(c *flow.Conn, p Params) {
	var id [communityid.Len]byte
	*r = Conn{
		Conn:        c,
		CommunityID: p.Texts.String(communityid.Append(id[:0], p.CommunityIDSeed, communityid.ProtoTCP, c.EP[flow.Client].Addr, c.EP[flow.Server].Addr)),
		Tunnels:     p.Tunnels,
		MissedBytes: p.MissedBytes,
	}
	for i := range c.Transitions {
		t := &c.Transitions[i]
		e := t.Endpoint
		if t.To == tcpstate.Established && !r.Established[e] {
			r.Established[e], r.EstablishedAt[e] = true, t.Time()
		}
		if t.To.Synchronized() {
			r.Synchronized[e] = true
		}
		if !r.Reset.Sent {
			if role, ev, ok := t.Event(); ok && role == tcpstate.RoleSent && ev == tcpstate.EvRST {
				r.Reset = Reset{Sent: true, By: e, From: t.From, Frame: t.Frame}
			}
		}
		switch tw := &r.TimeWait[e]; {
		case t.To == tcpstate.TimeWait && !tw.Entered:
			tw.Entered, tw.Enter = true, t.Time()
		case tw.Entered && !tw.Left && t.From == tcpstate.TimeWait:
			tw.Left, tw.Exit = true, t.Time()
		}
	}
	r.Handshake = handshake(c, r.Established)
}

// BothSynchronized reports whether both endpoints ever were synchronized:
// the connection was established, not a failed attempt.
func (r *Conn) BothSynchronized() bool {
	return r.Synchronized[flow.Client] && r.Synchronized[flow.Server]
}
