package flow

import (
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// A capture often misses packets the endpoints exchanged: it holds one
// direction (a SPAN port, asymmetric routing), starts in the middle of a
// handshake or close, or lost packets. A sender's own sequence and
// acknowledgement numbers still prove what it received, and the rules
// here turn that proof into the states the capture did not show, marked
// tcpstate.Inferred:
//
//   - A client in SYN_SENT that sends an ACK without SYN received a
//     SYN-ACK: the server sent one (SYN_RECEIVED), and both are
//     ESTABLISHED once that ACK reaches the server.
//   - A server in SYN_RECEIVED that sends anything but a SYN-ACK received
//     the handshake's ACK: both are ESTABLISHED.
//   - An endpoint that never showed a state and acknowledges the peer's
//     SYN-ACK completed the handshake; one that a mid-stream sender keeps
//     acknowledging new data from sent it.
//   - An acknowledgement that covers exactly one sequence number more than
//     the peer is known to have sent (nothing of the peer seen, or all of
//     it acknowledged already) is the acknowledgement of a FIN the capture
//     missed. Data of one byte looks the same, so the FIN is a candidate:
//     committed at once when the acknowledging endpoint had closed itself
//     (a FIN then follows the peer's last data), when that endpoint sends
//     FIN or RST, or when the connection is handed out; refuted by a
//     later acknowledgement of more, or by the peer sending beyond it.
//   - When the peer sent nothing the capture saw, a FIN never
//     retransmitted for MinRTO was acknowledged.
//
// A side that sent nothing stays UNKNOWN unless such a rule proves
// otherwise: one unanswered packet proves nothing about its receiver.

// MinRTO is the shortest retransmission timeout of common stacks (Linux's
// TCP_RTO_MIN, 200 ms): a FIN not retransmitted for this long while the
// capture went on was acknowledged.
const MinRTO = 200_000_000 // nanoseconds

// finCandidate is a FIN of endpoint by, at sequence number seq, implied by
// the other endpoint's acknowledgement in frame at time at.
type finCandidate struct {
	frame int64
	at    int64 // unix nanoseconds
	seq   tcpstate.Seq
	by    Role
	set   bool
}

// inferBefore runs the rules that a segment from sender role sr proves
// before the segment's own events are applied.
func (t *Tracker) inferBefore(c *Conn, sr Role, seg *decode.Segment) {
	rr := 1 - sr
	s, r := &c.EP[sr], &c.EP[rr]
	f := seg.Flags
	hasACK := f&decode.ACK != 0
	ack := tcpstate.Seq(seg.Ack)

	if k := &c.finCand; k.set {
		switch {
		case k.by == sr && (f&decode.FIN != 0 || k.seq.LessThan(tcpstate.Seq(seg.Seq).Add(uint32(seg.PayloadLen)))):
			// The supposed FIN's sender goes on (or its FIN shows up).
			*k = finCandidate{}
		case k.by == rr && hasACK && k.seq.Add(1).LessThan(ack):
			// More was acknowledged: the byte was data.
			*k = finCandidate{}
		case f&(decode.FIN|decode.RST) != 0:
			t.commitFIN(c)
		}
	}
	if f&(decode.SYN|decode.RST) != 0 || !hasACK {
		return
	}
	switch {
	case s.State == tcpstate.SynSent:
		// Only an endpoint that received a SYN-ACK sends an ACK here.
		if r.State == tcpstate.StateNone || r.State == tcpstate.Listen {
			t.setState(c, rr, tcpstate.SynReceived, seg, tcpstate.Inferred, CauseUnseenSYNACK)
			if !r.isnKnown {
				r.isn, r.isnKnown = ack.Add(^uint32(0)), true
			}
			r.SentSYN = true
			t.markListener(c, seg)
		}
		t.setState(c, sr, tcpstate.Established, seg, tcpstate.Inferred, CauseAckedSYNACK)
	case s.State == tcpstate.SynReceived && sr == Server:
		// A server sends nothing but SYN-ACKs until the handshake's ACK.
		if r.State == tcpstate.SynSent || r.State == tcpstate.StateNone || r.State == tcpstate.Closed {
			t.setState(c, rr, tcpstate.Established, seg, tcpstate.Inferred, CauseAckedSYNACK)
		}
		t.setState(c, sr, tcpstate.Established, seg, tcpstate.Inferred, CauseUnseenHandshake)
		t.markListener(c, seg)
	case s.State == tcpstate.StateNone && r.State == tcpstate.SynReceived && r.isnKnown && ack == r.isn.Add(1):
		// The third packet of a handshake whose SYN the capture missed.
		t.setState(c, sr, tcpstate.Established, seg, tcpstate.Observed, CauseAckedSYNACK)
		t.markListener(c, seg)
	case s.State == tcpstate.StateNone && c.Midstream:
		t.setState(c, sr, tcpstate.Established, seg, tcpstate.Assumed, CauseMidstream)
		if r.SentFIN && r.finSeq.LessThan(ack) {
			t.apply(c, sr, tcpstate.RoleRecv, tcpstate.EvFIN, seg)
		}
	}
	if r.State == tcpstate.StateNone && c.Midstream && s.ackKnown && s.ackSent.LessThan(ack) {
		t.setState(c, rr, tcpstate.Established, seg, tcpstate.Inferred, CausePeerData)
	}
	t.findFIN(c, sr, seg)
}

// findFIN looks for a FIN of the peer that the acknowledgement in seg, sent
// by sr, implies (see the rules above).
func (t *Tracker) findFIN(c *Conn, sr Role, seg *decode.Segment) {
	rr := 1 - sr
	s, r := &c.EP[sr], &c.EP[rr]
	ack := tcpstate.Seq(seg.Ack)
	if c.finCand.set || r.SentFIN || !s.ackKnown || !r.State.Synchronized() {
		return
	}
	switch {
	case r.Packets == 0:
		if ack != s.ackSent.Add(1) {
			return
		}
	case r.nxtKnown:
		if s.ackSent != r.sndNxt || ack != r.sndNxt.Add(1) {
			return
		}
	default:
		return
	}
	c.finCand = finCandidate{frame: seg.Frame, at: UnixNanos(seg.Time), seq: ack.Add(^uint32(0)), by: rr, set: true}
	switch {
	case seg.Flags&decode.FIN != 0:
		// The acknowledging endpoint closes too: the peer's last byte
		// went before its FIN.
		t.commitFIN(c)
	case s.State == tcpstate.FinWait1, s.State == tcpstate.FinWait2, s.State == tcpstate.Closing:
		t.commitFIN(c)
	}
}

// commitFIN applies the candidate FIN: its sender closed, the other
// endpoint received it and acknowledged it in the candidate's frame.
func (t *Tracker) commitFIN(c *Conn) {
	k := c.finCand
	c.finCand = finCandidate{}
	if !k.set {
		return
	}
	fr, ar := k.by, 1-k.by
	f, a := &c.EP[fr], &c.EP[ar]
	if f.SentFIN {
		return
	}
	seg := &decode.Segment{Frame: k.frame, Time: fromNanos(k.at)}
	f.SentFIN, f.finSeq, f.finAt, f.FINFrame = true, k.seq, k.at, k.frame
	if c.ClosedBy == ClosedByNone {
		c.ClosedBy = closerOf(fr)
	}
	closedSecond := f.State == tcpstate.CloseWait
	t.applyAs(c, fr, tcpstate.RoleSent, tcpstate.EvFIN, seg, tcpstate.Inferred, CauseUnseenFIN)
	if closedSecond && a.State == tcpstate.FinWait1 {
		// The peer closed after receiving our FIN: its FIN acknowledged ours.
		t.applyAs(c, ar, tcpstate.RoleRecv, tcpstate.EvACKFIN, seg, tcpstate.Inferred, EventCause(tcpstate.RoleRecv, tcpstate.EvACKFIN))
	}
	// The acknowledgement is the endpoint's own packet, unless the state
	// it moved from was only assumed (a mid-stream pickup).
	ev := tcpstate.Observed
	if a.Evidence == tcpstate.Assumed {
		ev = tcpstate.Inferred
	}
	t.applyAs(c, ar, tcpstate.RoleRecv, tcpstate.EvFIN, seg, ev, CauseAckedFIN)
	t.applyAs(c, fr, tcpstate.RoleRecv, tcpstate.EvACKFIN, seg, tcpstate.Inferred, EventCause(tcpstate.RoleRecv, tcpstate.EvACKFIN))
}

// confirm upgrades sender s's inferred state to observed when the segment
// it sent shows it: the SYN-ACK of a SYN_RECEIVED endpoint, any ACK of an
// ESTABLISHED one, the acknowledgement of the peer's FIN after receiving it.
func confirm(s, r *Endpoint, seg *decode.Segment) {
	if s.Evidence != tcpstate.Inferred || seg.Flags&decode.RST != 0 || seg.Flags&decode.ACK == 0 {
		return
	}
	syn := seg.Flags&decode.SYN != 0
	switch s.State {
	case tcpstate.SynReceived:
		if syn {
			s.Evidence = tcpstate.Observed
		}
	case tcpstate.Established:
		if !syn {
			s.Evidence = tcpstate.Observed
		}
	case tcpstate.CloseWait, tcpstate.TimeWait, tcpstate.Closing:
		if r.SentFIN && r.finSeq.LessThan(tcpstate.Seq(seg.Ack)) && (s.State != tcpstate.Closing || seg.Flags&decode.FIN != 0) {
			s.Evidence = tcpstate.Observed
		}
	}
}

// settle applies, as a connection is handed out at time now, what only the
// end can tell: a candidate FIN nothing refuted, and FINs acknowledged out
// of the capture's sight (the peer sent nothing it saw, and they were not
// retransmitted for MinRTO).
func (t *Tracker) settle(c *Conn, now int64) {
	t.commitFIN(c)
	for i := range c.EP {
		s, r := &c.EP[i], &c.EP[1-i]
		if r.Packets != 0 || !s.SentFIN || s.FINs != 1 || now-s.finAt < MinRTO {
			continue
		}
		switch s.State {
		case tcpstate.FinWait1, tcpstate.LastAck, tcpstate.Closing:
			seg := &decode.Segment{Frame: s.FINFrame, Time: fromNanos(s.finAt + MinRTO)}
			t.applyAs(c, Role(i), tcpstate.RoleRecv, tcpstate.EvACKFIN, seg, tcpstate.Inferred, CauseFINNotRetransmitted)
		}
	}
}

// markListener counts the server of c as a listener once its SYN-ACK is
// shown to answer a client (the client's SYN seen, or the handshake
// completed).
func (t *Tracker) markListener(c *Conn, seg *decode.Segment) {
	if !c.listener {
		c.listener = true
		t.countListener(c.EP[Server].Addr, seg.Frame)
	}
}

// reincarnate ends the connection a reused 4-tuple carried before seg's
// SYN-ACK: both endpoints are CLOSED and forget their closing, so the new
// handshake starts from a clean slate within the same stream.
func (t *Tracker) reincarnate(c *Conn, seg *decode.Segment) {
	c.finCand = finCandidate{}
	for r := range c.EP {
		e := &c.EP[r]
		t.setState(c, Role(r), tcpstate.Closed, seg, tcpstate.Inferred, CauseReused)
		e.SentFIN, e.finSeq, e.isnKnown, e.timeWait = false, 0, false, 0
	}
	c.done = false
}
