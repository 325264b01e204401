package flow

import (
	"net/netip"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// step applies one segment travelling in direction dir to connection c:
// counters, Zeek's view, sequence bookkeeping and the endpoint machines.
// Events follow RFC 9293 §3.10.7.4's order: RST, SYN, ACK, FIN.
func (t *Tracker) step(c *Conn, dir Dir, seg *decode.Segment) {
	sr := c.Role(dir)
	rr := 1 - sr
	s, r := &c.EP[sr], &c.EP[rr]
	s.Packets++
	if seg.PayloadLen > 0 || seg.Flags&(decode.FIN|decode.SYN) != 0 {
		// Data cannot follow the endpoint's own earlier FIN.
		s.spoke = true
	}
	s.PayloadBytes += int64(seg.PayloadLen)
	s.IPBytes += int64(seg.IPLen)
	if r.SentFIN && seg.PayloadLen > 0 {
		s.PayloadAfterPeerFIN += int64(seg.PayloadLen)
	}
	zside := 0
	if dir != c.zeekFirst {
		zside = 1
	}
	c.Zeek.Packet(zside, seg)

	f := seg.Flags
	seq := tcpstate.Seq(seg.Seq)
	ack := tcpstate.Seq(seg.Ack)
	hasACK := f&decode.ACK != 0
	if !legalFlags(f) {
		c.Anomalies.IllegalFlags++
		c.note(illegalFlagsKind(f), seg.Frame, sr)
		t.track(s, seg)
		return
	}
	if seg.PayloadLen > 0 && f&decode.SYN == 0 && r.Packets > 0 && (s.State == tcpstate.SynSent || s.State == tcpstate.SynReceived) {
		// Data from an endpoint still in its handshake while the capture
		// holds its peer's direction (in a one-sided capture the
		// inference below explains it as a handshake packet not seen).
		c.note(AnomalyDataBeforeEstablished, seg.Frame, sr)
	}
	t.inferBefore(c, sr, seg)

	if f&decode.RST != 0 {
		s.SentRST = true
		if s.RSTs < MaxFlagFrames {
			s.rstFrame[s.RSTs] = c.frameOffset(seg.Frame)
		}
		s.RSTs++
		if c.ClosedBy == ClosedByNone {
			c.ClosedBy = closerOf(sr)
		}
		if t.acceptableRST(c, sr, seg) {
			t.apply(c, sr, tcpstate.RoleSent, tcpstate.EvRST, seg)
			t.apply(c, rr, tcpstate.RoleRecv, tcpstate.EvRST, seg)
		} else {
			c.Anomalies.OutOfWindowRST++
			c.note(AnomalyRSTOutOfWindow, seg.Frame, sr)
		}
		return
	}

	if f&decode.SYN != 0 && hasACK && s.isnKnown && s.isn != seq && s.State != tcpstate.SynReceived && s.State != tcpstate.StateNone {
		// A SYN-ACK with a new ISN from a server past its handshake: the
		// 4-tuple was reused by a new connection whose SYN the capture
		// missed (Wireshark keeps it in the same stream: only a pure SYN
		// starts one).
		t.reincarnate(c, seg)
	}
	if f&decode.SYN != 0 {
		t.fingerprint(s, seg)
		retrans := s.isnKnown && s.isn == seq
		if !s.isnKnown || !retrans {
			s.isn, s.isnKnown = seq, true
		}
		if s.SYNs < MaxSYNTimes {
			s.synAt[s.SYNs] = c.sinceStart(seg.Time)
			s.synFrame[s.SYNs] = c.frameOffset(seg.Frame)
		}
		s.SYNs++
		s.SentSYN = true
		if seg.WScale >= 0 {
			s.wscale = seg.WScale
		}
		if hasACK {
			if r.isnKnown && ack != r.isn.Add(1) {
				c.Anomalies.BadSYNACK++
				c.note(AnomalyBadSYNACK, seg.Frame, sr)
			} else {
				t.apply(c, sr, tcpstate.RoleSent, tcpstate.EvSYNACK, seg)
				t.apply(c, rr, tcpstate.RoleRecv, tcpstate.EvSYNACK, seg)
				if sr == Server && r.SentSYN {
					// A SYN-ACK nobody was seen asking for (backscatter of
					// a spoofed flood, or a capture that starts here) makes
					// a listener only once the handshake completes.
					t.markListener(c, seg)
				}
			}
		} else {
			t.apply(c, sr, tcpstate.RoleSent, tcpstate.EvSYN, seg)
			t.apply(c, rr, tcpstate.RoleRecv, tcpstate.EvSYN, seg)
		}
	}

	if hasACK {
		t.gaps(c, dir, r, s, ack)
	}
	if hasACK {
		if s.ackKnown && s.ackSent.LessThan(ack) {
			// The peer sent new bytes in the capture's time: data, or a
			// FIN the capture then shows or infers.
			r.spoke = true
		}
		if !s.ackKnown || s.ackSent.LessThan(ack) {
			s.ackSent, s.ackKnown = ack, true
		}
		if r.isnKnown && r.State == tcpstate.SynReceived && r.isn.LessThan(ack) {
			t.apply(c, rr, tcpstate.RoleRecv, tcpstate.EvACKSYN, seg)
		}
		if r.SentFIN && r.finSeq.LessThan(ack) {
			t.apply(c, rr, tcpstate.RoleRecv, tcpstate.EvACKFIN, seg)
		}
	}

	if f&decode.FIN != 0 {
		if s.FINs < MaxFlagFrames {
			s.finFrame[s.FINs] = c.frameOffset(seg.Frame)
		}
		s.FINs++
		fs := seq.Add(uint32(seg.PayloadLen))
		if f&decode.SYN != 0 {
			fs = fs.Add(1)
		}
		switch {
		case !s.SentFIN:
			s.SentFIN = true
			s.finSeq = fs
			s.finAt = UnixNanos(seg.Time)
			s.FINFrame = seg.Frame
			if c.ClosedBy == ClosedByNone {
				c.ClosedBy = closerOf(sr)
			} else if r.SentFIN && !r.finSeq.LessThan(ack) && c.ClosedBy == closerOf(rr) {
				c.ClosedBy = ClosedByBoth
			}
			if r.SentFIN && s.State == tcpstate.CloseWait && hasACK && !r.finSeq.LessThan(ack) {
				// Simultaneous close: this FIN does not acknowledge the
				// peer's, so the endpoint had not received it yet. It was
				// still synchronized when it closed (FIN_WAIT_1) and the
				// peer's FIN reaches it now (CLOSING).
				t.setState(c, sr, tcpstate.FinWait1, seg, tcpstate.Observed, CauseSimultaneousClose)
				t.setState(c, sr, tcpstate.Closing, seg, tcpstate.Observed, EventCause(tcpstate.RoleRecv, tcpstate.EvFIN))
			} else {
				t.apply(c, sr, tcpstate.RoleSent, tcpstate.EvFIN, seg)
			}
			t.apply(c, rr, tcpstate.RoleRecv, tcpstate.EvFIN, seg)
		case r.State == tcpstate.TimeWait:
			// A retransmitted FIN restarts the peer's 2*MSL timer.
			t.startTimeWait(c, rr, seg.Time)
		}
	}
	confirm(s, r, seg)
	t.track(s, seg)
}

// track keeps the sender's highest sequence number and advertised window.
func (t *Tracker) track(s *Endpoint, seg *decode.Segment) {
	end := tcpstate.Seq(seg.Seq).Add(uint32(seg.PayloadLen))
	if seg.Flags&decode.SYN != 0 {
		end = end.Add(1)
	}
	if seg.Flags&decode.FIN != 0 {
		end = end.Add(1)
	}
	seq := tcpstate.Seq(seg.Seq)
	if s.nholes > 0 && seg.PayloadLen > 0 {
		s.fillHoles(seq, end)
	}
	if s.nxtKnown && s.sndNxt.LessThan(seq) && seq.Sub(s.sndNxt) < 1<<30 && seg.Flags&decode.RST == 0 {
		// The segment starts beyond everything seen so far: the bytes in
		// between are a hole until a retransmission fills it.
		s.addHole(s.sndNxt, seq)
	}
	if !s.nxtKnown || s.sndNxt.LessThan(end) {
		s.sndNxt, s.nxtKnown = end, true
	}
	w := uint32(seg.Window)
	if seg.Flags&decode.SYN == 0 && s.wscale > 0 {
		w <<= uint(min(s.wscale, 14))
	}
	s.window, s.winKnown = w, true
}

// gaps counts content gaps in r's data that the acknowledgement ack (sent
// by s) proves: holes in r's sequence space that were skipped and never
// filled, and bytes beyond the highest sequence number the capture saw
// from r. Both are capture loss (Zeek's missed_bytes and G/g letters),
// counted once the handshake was seen and both sides are synchronized.
func (t *Tracker) gaps(c *Conn, dir Dir, r, s *Endpoint, ack tcpstate.Seq) {
	var missed int64
	for i := 0; i < int(r.nholes); {
		h := r.holes[i]
		if !h.end.LessEq(ack) {
			i++
			continue
		}
		missed += h.end.Sub(h.start)
		r.nholes--
		r.holes[i] = r.holes[r.nholes]
	}
	if r.nxtKnown && r.sndNxt.LessThan(ack) && ack.Sub(r.sndNxt) < 1<<30 {
		missed += ack.Sub(r.sndNxt)
		r.sndNxt = ack
	}
	if missed == 0 || c.Midstream || !s.State.Synchronized() || !r.State.Synchronized() {
		return
	}
	c.MissedBytes += missed
	rside := 0
	if 1-dir != c.zeekFirst {
		rside = 1
	}
	c.Zeek.Gap(rside)
}

// acceptableRST applies RFC 9293 §3.10.7's reset check from the observer's
// view. In SYN_SENT the reset must acknowledge the SYN. Otherwise its
// sequence number must fall in the receiver's window, which the observer
// brackets between the receiver's last acknowledgement and the sender's
// highest sequence number plus the receiver's advertised window. With no
// evidence to check against, the reset is accepted.
func (t *Tracker) acceptableRST(c *Conn, sr Role, seg *decode.Segment) bool {
	s, r := &c.EP[sr], &c.EP[1-sr]
	seq := tcpstate.Seq(seg.Seq)
	if r.State == tcpstate.SynSent {
		if seg.Flags&decode.ACK == 0 {
			return false
		}
		return !r.isnKnown || tcpstate.Seq(seg.Ack) == r.isn.Add(1)
	}
	if !r.winKnown {
		return true
	}
	lo := s.sndNxt
	if r.ackKnown && (!s.nxtKnown || r.ackSent.LessThan(lo)) {
		lo = r.ackSent
	}
	if !s.nxtKnown && !r.ackKnown {
		return true
	}
	hi := s.sndNxt
	if !s.nxtKnown || hi.LessThan(lo) {
		hi = lo
	}
	win := r.window
	if win == 0 {
		win = 1
	}
	// [lo, hi + window)
	return seq.InWindow(lo, uint32(hi.Sub(lo))+win)
}

func (t *Tracker) countListener(a netip.AddrPort, frame int64) {
	l := t.listeners[a]
	if l == nil {
		l = &Listener{Addr: a, FirstFrame: frame}
		t.listeners[a] = l
	}
	l.Connections++
}
