package findings

import (
	"time"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// The functions in this file are pure functions of a finished connection:
// they read a *flow.Conn and keep nothing of it.

// outcome is how a connection's opening handshake ended, seen from the
// server side of the client's first SYN.
type outcome uint8

const (
	// outNone: no handshake to judge (midstream pickup, roles inferred
	// because the client's SYN was not captured).
	outNone outcome = iota
	// outUnanswered: the client sent SYN and the server sent nothing
	// (Zeek S0; RSTOS0 when the client gave up with a reset).
	outUnanswered
	// outRejected: the server answered the SYN with RST and never with
	// SYN-ACK (Zeek REJ: closed port).
	outRejected
	// outSYNACKUnanswered: the server sent SYN-ACK, never reached
	// ESTABLISHED, and the client sent no reset: the server was left
	// half-open in SYN_RECEIVED.
	outSYNACKUnanswered
	// outAborted: the server sent SYN-ACK and the client reset the
	// handshake before it completed (a SYN "half-open" scan probe of an open
	// port, or a spoofed SYN whose real owner refused the SYN-ACK).
	outAborted
	// outCompleted: both endpoints reached ESTABLISHED.
	outCompleted
)

// failed reports whether the outcome is a failed first contact in the
// scan detectors' sense: no answer, or a reset in answer to the SYN.
func (o outcome) failed() bool { return o == outUnanswered || o == outRejected }

// halfOpen reports whether the handshake occupied the server (or was aimed
// at it) without completing: what a SYN flood produces.
func (o outcome) halfOpen() bool {
	return o == outUnanswered || o == outSYNACKUnanswered || o == outAborted
}

func handshakeOutcome(c *flow.Conn) outcome {
	cl, sv := &c.EP[flow.Client], &c.EP[flow.Server]
	if c.Midstream || c.RolesInferred || !cl.SentSYN {
		return outNone
	}
	switch {
	case reached(c, flow.Client, tcpstate.Established) && reached(c, flow.Server, tcpstate.Established):
		return outCompleted
	case !sv.SentSYN && sv.SentRST:
		return outRejected
	case !sv.SentSYN && sv.Packets == 0:
		return outUnanswered
	case !sv.SentSYN:
		// The server sent something that was neither SYN-ACK nor RST
		// (a stray ACK): it is alive, so not a failure.
		return outAborted
	case cl.SentRST:
		return outAborted
	case reached(c, flow.Server, tcpstate.Established):
		// Established from the server's view (the client's ACK was seen,
		// the SYN-ACK that reached the client was not).
		return outCompleted
	}
	return outSYNACKUnanswered
}

// reached reports whether endpoint r ever entered state s (or started in it).
func reached(c *flow.Conn, r flow.Role, s tcpstate.State) bool {
	for i := range c.Transitions {
		if t := &c.Transitions[i]; t.Endpoint == r && t.To == s {
			return true
		}
	}
	return false
}

// everSynchronized reports whether endpoint r ever was in a synchronized
// state (ESTABLISHED or a closing state).
func everSynchronized(c *flow.Conn, r flow.Role) bool {
	for i := range c.Transitions {
		if t := &c.Transitions[i]; t.Endpoint == r && t.To.Synchronized() {
			return true
		}
	}
	return false
}

// synFrames appends the frames in which endpoint r sent its SYN (client)
// or SYN-ACK (server), retransmissions included (the first
// flow.MaxSYNTimes of them).
func synFrames(dst []int64, c *flow.Conn, r flow.Role) []int64 {
	return c.AppendSYNFrames(dst, r)
}

// rstFrames appends the frames in which endpoint r sent a reset (the first
// flow.MaxFlagFrames of them).
func rstFrames(dst []int64, c *flow.Conn, r flow.Role) []int64 {
	return c.AppendRSTFrames(dst, r)
}

// finFrames appends the frames in which endpoint r sent a FIN,
// retransmissions included (the first flow.MaxFlagFrames of them).
func finFrames(dst []int64, c *flow.Conn, r flow.Role) []int64 {
	return c.AppendFINFrames(dst, r)
}

// synTimes returns the recorded SYN (or SYN-ACK) send times of endpoint r.
func synTimes(c *flow.Conn, r flow.Role) []time.Time {
	var buf [flow.MaxSYNTimes]time.Time
	return c.AppendSYNTimes(buf[:0], r)
}

// retryIntervals returns the seconds between consecutive recorded SYNs.
func retryIntervals(c *flow.Conn, r flow.Role) []float64 {
	ts := synTimes(c, r)
	if len(ts) < 2 {
		return nil
	}
	out := make([]float64, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		out = append(out, round3(ts[i].Sub(ts[i-1]).Seconds()))
	}
	return out
}

// retransmitSpan is the time between the first and the last recorded SYN
// (or SYN-ACK) of an endpoint: what its retransmissions added to the
// connect time.
func retransmitSpan(c *flow.Conn, r flow.Role) time.Duration {
	ts := synTimes(c, r)
	if len(ts) < 2 {
		return 0
	}
	return ts[len(ts)-1].Sub(ts[0])
}

// resetBy returns the endpoint that sent the connection's first accepted
// reset and the state it was in before, ok false when none did.
func resetBy(c *flow.Conn) (r flow.Role, from tcpstate.State, frame int64, ok bool) {
	for i := range c.Transitions {
		t := &c.Transitions[i]
		if role, ev, ok := t.Event(); ok && role == tcpstate.RoleSent && ev == tcpstate.EvRST {
			return t.Endpoint, t.From, t.Frame, true
		}
	}
	return 0, 0, 0, false
}

// timeWaitInterval returns when endpoint r entered TIME_WAIT and when it
// left it (the 2*MSL expiry or a reset), or enter+2*MSL when the connection
// was handed out still in TIME_WAIT.
func timeWaitInterval(c *flow.Conn, r flow.Role, msl time.Duration) (enter, exit time.Time, ok bool) {
	for i := range c.Transitions {
		t := &c.Transitions[i]
		if t.Endpoint != r {
			continue
		}
		switch {
		case t.To == tcpstate.TimeWait && !ok:
			enter, ok = t.Time(), true
			exit = enter.Add(2 * msl)
		case ok && t.From == tcpstate.TimeWait:
			if t.Time().Before(exit) {
				exit = t.Time()
			}
			return enter, exit, true
		}
	}
	return enter, exit, ok
}

func round3(x float64) float64 {
	if x < 0 {
		return -round3(-x)
	}
	return float64(int64(x*1000+0.5)) / 1000
}
