package findings

import (
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// The functions in this file are pure functions of a finished connection:
// they read a *finished.Conn and keep nothing of it. The facts derived
// once per connection (the handshake's outcome, who reset, TIME_WAIT) are
// the record's own fields.

// synFrames appends the frames in which endpoint r sent its SYN (client)
// or SYN-ACK (server), retransmissions included (the first
// flow.MaxSYNTimes of them).
func synFrames(dst []int64, c *finished.Conn, r flow.Role) []int64 {
	return c.AppendSYNFrames(dst, r)
}

// rstFrames appends the frames in which endpoint r sent a reset (the first
// flow.MaxFlagFrames of them).
func rstFrames(dst []int64, c *finished.Conn, r flow.Role) []int64 {
	return c.AppendRSTFrames(dst, r)
}

// finFrames appends the frames in which endpoint r sent a FIN,
// retransmissions included (the first flow.MaxFlagFrames of them).
func finFrames(dst []int64, c *finished.Conn, r flow.Role) []int64 {
	return c.AppendFINFrames(dst, r)
}

// synTimes returns the recorded SYN (or SYN-ACK) send times of endpoint r.
func synTimes(c *finished.Conn, r flow.Role) []time.Time {
	var buf [flow.MaxSYNTimes]time.Time
	return c.AppendSYNTimes(buf[:0], r)
}

// retryIntervals returns the seconds between consecutive recorded SYNs.
func retryIntervals(c *finished.Conn, r flow.Role) []float64 {
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
func retransmitSpan(c *finished.Conn, r flow.Role) time.Duration {
	ts := synTimes(c, r)
	if len(ts) < 2 {
		return 0
	}
	return ts[len(ts)-1].Sub(ts[0])
}

func round3(x float64) float64 {
	if x < 0 {
		return -round3(-x)
	}
	return float64(int64(x*1000+0.5)) / 1000
}
