package liveview

import (
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Frame is what one refresh shows. The View keeps it: the caller must
// not change it after Update.
type Frame struct {
	Time      time.Time
	Interface string
	Capture   result.Capture    // counters so far (a copy)
	Live      *result.LiveStats // the kernel's counters; nil when unknown
	Finished  int64             // connections handed out so far
	Tally     *tally.Tally
	Changes   []Change // the latest state changes, newest first
	Findings  []result.Finding
	Warnings  []string
}

// Change is one state change of an endpoint.
type Change struct {
	Time     time.Time
	Stream   int64
	Endpoint flow.Role
	Addr     netip.AddrPort // the endpoint's
	Peer     netip.AddrPort
	From, To tcpstate.State
	Cause    string
}

// Changes remembers the latest state changes, up to its capacity; the
// zero value is not usable, use NewChanges.
type Changes struct {
	ring []Change
	next int
	n    int
}

// NewChanges returns a Changes keeping the last n.
func NewChanges(n int) *Changes { return &Changes{ring: make([]Change, max(n, 1))} }

// Record notes one change: it has the signature of
// flow.Config.OnTransition.
func (c *Changes) Record(conn *flow.Conn, tr *flow.Transition) {
	r := tr.Endpoint
	if r > flow.Server {
		return
	}
	c.ring[c.next] = Change{
		Time: tr.Time(), Stream: conn.Stream, Endpoint: r,
		Addr: conn.EP[r].Addr, Peer: conn.EP[1-r].Addr,
		From: tr.From, To: tr.To, Cause: tr.Cause().String(),
	}
	c.next = (c.next + 1) % len(c.ring)
	c.n = min(c.n+1, len(c.ring))
}

// Latest returns a copy of the changes kept, newest first.
func (c *Changes) Latest() []Change {
	out := make([]Change, 0, c.n)
	for i := 1; i <= c.n; i++ {
		out = append(out, c.ring[(c.next-i+len(c.ring))%len(c.ring)])
	}
	return out
}
