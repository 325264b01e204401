package flow

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/internal/varint"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// A connection with no packet for Config.ColdAfter of capture time is
// frozen: its record is packed into a byte string of varints (frames and
// times as offsets from the connection's own, sequence numbers from each
// side's ISN), about a fifth of a live record, and its *Conn goes back to
// the free list. A packet for it, one of its timers, eviction, the idle
// sweep or the end of the capture thaws it, losslessly: the report is the
// same byte for byte whether or not a connection was ever frozen.
//
// The table keeps, beside each record, the fields it reads without thawing
// (frozenHead).

// frozenHead is what the tracker reads of a frozen connection without
// thawing it.
type frozenHead struct {
	lastSeen int64 // unix nanoseconds
	stream   int64
	id       uint32
	synced   bool // an endpoint reached a synchronized state (see Config.IdleTimeout)
}

// frozenConn is a frozen connection in the table.
type frozenConn struct {
	frozenHead
	rec recRef
}

func (c *Conn) head() frozenHead {
	return frozenHead{lastSeen: c.lastSeen, stream: c.Stream, id: c.id, synced: c.synced}
}

// appendFrozen appends c's record to b. Everything but the 4-tuple (the
// map key holds it) and the head is written.
func (c *Conn) appendFrozen(b []byte) []byte {
	b = varint.AppendI(b, c.FirstFrame)
	b = varint.AppendBools(b, c.ClientDir != 0, c.RolesInferred, c.Midstream, c.QuotedOnly,
		c.zeekFirst != 0, c.done, c.listener, c.evicted)
	b = varint.AppendBools(b, c.baseKnown[0], c.baseKnown[1], c.doneAt != 0, c.finCand.set, c.finCand.by != 0)
	b = varint.AppendI(b, c.LastFrame-c.FirstFrame)
	b = varint.AppendI(b, c.Start.Unix())
	b = varint.AppendU(b, uint64(c.Start.Nanosecond()))
	b = varint.AppendI(b, c.End.Unix()-c.Start.Unix())
	b = varint.AppendU(b, uint64(c.End.Nanosecond()))
	b = varint.AppendI(b, c.MissedBytes)
	b = varint.AppendI(b, int64(c.Part))
	b = append(b, byte(c.ClosedBy))
	b = varint.AppendU(b, uint64(c.FirstFlags))
	a := &c.Anomalies
	for _, v := range [...]int{a.InvalidEvents, a.IllegalFlags, a.OutOfWindowRST, a.BadSYNACK} {
		b = varint.AppendI(b, int64(v))
	}
	var mask uint64
	for k, n := range a.named {
		if n != (namedAnomaly{}) {
			mask |= 1 << k
		}
	}
	b = varint.AppendU(b, mask)
	for _, n := range a.named {
		if n != (namedAnomaly{}) {
			b = varint.AppendU32(b, n.count)
			b = varint.AppendU32(b, n.first)
			b = append(b, n.by)
		}
	}
	b = varint.AppendU32(b, c.base[0])
	b = varint.AppendU32(b, c.base[1])
	b = appendSet(b, c.doneAt, c.lastSeen)
	if k := &c.finCand; k.set {
		b = varint.AppendI(b, k.frame-c.FirstFrame)
		b = varint.AppendI(b, k.at-c.lastSeen)
		b = varint.AppendU32(b, uint32(k.seq))
	}
	for i := range c.EP {
		b = c.EP[i].appendFrozen(b, c)
	}
	b = varint.AppendU(b, uint64(len(c.Transitions)))
	at := c.lastSeen
	for i := range c.Transitions {
		tr := &c.Transitions[i]
		b = varint.AppendI(b, tr.Frame-c.FirstFrame)
		b = varint.AppendI(b, tr.at-at)
		at = tr.at
		b = append(b, packTransition(tr.Endpoint, tr.Evidence, tr.cause), byte(tr.From)<<4|byte(tr.To))
	}
	return c.Zeek.AppendFrozen(b)
}

func (e *Endpoint) appendFrozen(b []byte, c *Conn) []byte {
	b = append(b, byte(e.State), byte(e.Evidence))
	b = varint.AppendBools(b, e.SentSYN, e.SentFIN, e.SentRST, e.isnKnown, e.nxtKnown, e.ackKnown, e.winKnown)
	b = varint.AppendBools(b, e.FINFrame != 0, e.finAt != 0, e.timeWait != 0, e.spoke, e.closeUnsure)
	b = varint.AppendI(b, e.SinceFrame-c.FirstFrame)
	b = varint.AppendI(b, e.since-c.lastSeen)
	for _, v := range [...]int64{e.Packets, e.PayloadBytes, e.IPBytes, int64(e.SYNs), int64(e.FINs), int64(e.RSTs)} {
		b = varint.AppendI(b, v)
	}
	for _, s := range [...][]uint32{e.synFrame[:], e.synAt[:], e.finFrame[:], e.rstFrame[:]} {
		b = appendTrimmed(b, s)
	}
	b = appendSet(b, e.FINFrame, c.FirstFrame)
	b = appendSet(b, e.finAt, c.lastSeen)
	b = varint.AppendI(b, e.PayloadAfterPeerFIN)
	b = varint.AppendU32(b, uint32(e.isn))
	for _, s := range [...]tcpstate.Seq{e.finSeq, e.sndNxt, e.ackSent} {
		b = varint.AppendU(b, uint64(uint32(s-e.isn)))
	}
	b = varint.AppendU(b, uint64(e.window))
	b = append(b, byte(e.wscale))
	b = appendSet(b, e.timeWait, c.lastSeen)
	b = append(b, e.nholes)
	for _, h := range e.holes[:min(e.nholes, maxHoles)] {
		b = varint.AppendU(b, uint64(uint32(h.start-e.isn)))
		b = varint.AppendU(b, uint64(uint32(h.end-e.isn)))
	}
	osNum := 0 // the OS guess's number + 1, 0 for none
	if e.os != nil {
		osNum = e.os.index + 1
	}
	b = varint.AppendU(b, uint64(osNum))
	return b
}

// appendTrimmed appends s up to its last non-zero element, with its count.
func appendTrimmed(b []byte, s []uint32) []byte {
	n := len(s)
	for n > 0 && s[n-1] == 0 {
		n--
	}
	b = append(b, byte(n))
	for _, v := range s[:n] {
		b = varint.AppendU(b, uint64(v))
	}
	return b
}

func readTrimmed(r *varint.Reader, s []uint32) {
	n := int(r.Byte())
	if n > len(s) {
		r.Fail()
		return
	}
	for i := range s {
		s[i] = 0
		if i < n {
			s[i] = uint32(r.U())
		}
	}
}

// readFrozen restores c, the connection of key, from its head and record.
// c's transition buffer is reused; its other contents are overwritten.
//
// osAt resolves the OS guess numbers the record holds (nil: none kept).
func (c *Conn) readFrozen(key Key, h frozenHead, rec []byte, osAt func(int) *osGuess) error {
	*c = Conn{Transitions: c.Transitions[:0], Key: key}
	r := varint.NewReader(rec)
	c.lastSeen, c.Stream, c.id, c.synced = h.lastSeen, h.stream, h.id, h.synced
	c.FirstFrame = r.I()
	var clientDir, zeekFirst bool
	r.Bools(&clientDir, &c.RolesInferred, &c.Midstream, &c.QuotedOnly, &zeekFirst, &c.done, &c.listener, &c.evicted)
	if clientDir {
		c.ClientDir = DirBA
	}
	if zeekFirst {
		c.zeekFirst = DirBA
	}
	var hasDone, candBy bool
	r.Bools(&c.baseKnown[0], &c.baseKnown[1], &hasDone, &c.finCand.set, &candBy)
	c.LastFrame = c.FirstFrame + r.I()
	startSec := r.I()
	c.Start = time.Unix(startSec, int64(r.U())).UTC()
	c.End = time.Unix(startSec+r.I(), int64(r.U())).UTC()
	c.MissedBytes = r.I()
	c.Part = int32(r.I())
	c.ClosedBy = Closer(int8(r.Byte()))
	c.FirstFlags = uint16(r.U())
	a := &c.Anomalies
	for _, v := range [...]*int{&a.InvalidEvents, &a.IllegalFlags, &a.OutOfWindowRST, &a.BadSYNACK} {
		*v = int(r.I())
	}
	mask := r.U()
	for k := range a.named {
		if mask&(1<<k) != 0 {
			a.named[k].count = r.U32()
			a.named[k].first = r.U32()
			a.named[k].by = r.Byte()
		} else {
			a.named[k] = namedAnomaly{}
		}
	}
	c.base[0], c.base[1] = r.U32(), r.U32()
	c.doneAt = readSet(r, hasDone, c.lastSeen)
	if k := &c.finCand; k.set {
		if candBy {
			k.by = Server
		}
		k.frame = c.FirstFrame + r.I()
		k.at = c.lastSeen + r.I()
		k.seq = tcpstate.Seq(r.U32())
	} else if candBy {
		r.Fail()
	}
	for i := range c.EP {
		c.EP[i].readFrozen(r, c, osAt)
	}
	c.EP[Client].Addr = key.Src(c.ClientDir)
	c.EP[Server].Addr = key.Src(1 - c.ClientDir)
	n := r.U()
	if n > uint64(len(rec)) { // each transition takes at least seven bytes
		r.Fail()
	}
	at := c.lastSeen
	for range n {
		if r.Err() != nil {
			break
		}
		tr := Transition{Frame: c.FirstFrame + r.I()}
		tr.at = at + r.I()
		at = tr.at
		tr.Endpoint, tr.Evidence, tr.cause = unpackTransition(r.Byte())
		states := r.Byte()
		tr.From, tr.To = tcpstate.State(states>>4), tcpstate.State(states&15)
		c.Transitions = append(c.Transitions, tr)
	}
	c.Zeek.ReadFrozen(r)
	switch {
	case r.Err() != nil:
		return r.Err()
	case len(r.Rest()) != 0:
		return fmt.Errorf("flow: %d bytes after a frozen connection", len(r.Rest()))
	}
	return nil
}

func (e *Endpoint) readFrozen(r *varint.Reader, c *Conn, osAt func(int) *osGuess) {
	e.State = tcpstate.State(r.Byte())
	e.Evidence = tcpstate.Evidence(r.Byte())
	r.Bools(&e.SentSYN, &e.SentFIN, &e.SentRST, &e.isnKnown, &e.nxtKnown, &e.ackKnown, &e.winKnown)
	var hasFINFrame, hasFinAt, hasTimeWait bool
	r.Bools(&hasFINFrame, &hasFinAt, &hasTimeWait, &e.spoke, &e.closeUnsure)
	e.SinceFrame = c.FirstFrame + r.I()
	e.since = c.lastSeen + r.I()
	e.Packets, e.PayloadBytes, e.IPBytes = r.I(), r.I(), r.I()
	e.SYNs, e.FINs, e.RSTs = int(r.I()), int(r.I()), int(r.I())
	for _, s := range [...][]uint32{e.synFrame[:], e.synAt[:], e.finFrame[:], e.rstFrame[:]} {
		readTrimmed(r, s)
	}
	e.FINFrame = readSet(r, hasFINFrame, c.FirstFrame)
	e.finAt = readSet(r, hasFinAt, c.lastSeen)
	e.PayloadAfterPeerFIN = r.I()
	e.isn = tcpstate.Seq(r.U32())
	for _, s := range [...]*tcpstate.Seq{&e.finSeq, &e.sndNxt, &e.ackSent} {
		*s = e.isn + tcpstate.Seq(uint32(r.U()))
	}
	e.window = uint32(r.U())
	e.wscale = int8(r.Byte())
	e.timeWait = readSet(r, hasTimeWait, c.lastSeen)
	e.nholes = r.Byte()
	if e.nholes > maxHoles {
		r.Fail()
		e.nholes = 0
	}
	for i := range e.holes[:e.nholes] {
		e.holes[i].start = e.isn + tcpstate.Seq(uint32(r.U()))
		e.holes[i].end = e.isn + tcpstate.Seq(uint32(r.U()))
	}
	if n := int(min(r.U(), 1<<20)); n > 0 && osAt != nil {
		e.os = osAt(n - 1)
	}
}

// unpacked returns the Key a mapKey was packed from.
func (m *mapKey) unpacked() Key {
	addr := func(b []byte, v4 bool) netip.Addr {
		a := netip.AddrFrom16([16]byte(b))
		if v4 {
			return a.Unmap()
		}
		return a
	}
	return Key{
		A: netip.AddrPortFrom(addr(m[0:16], m[36]&1 != 0), uint16(m[32])<<8|uint16(m[33])),
		B: netip.AddrPortFrom(addr(m[16:32], m[36]&2 != 0), uint16(m[34])<<8|uint16(m[35])),
	}
}

// appendSet appends v, a value whose zero means "none" (a frame number, a
// time), as its difference from base when set; the flag saying whether it
// is set is written with the record's other flags. An unset value, which
// as a difference would take ten bytes, takes none.
func appendSet(b []byte, v, base int64) []byte {
	if v == 0 {
		return b
	}
	return varint.AppendI(b, v-base)
}

// readSet reads a value written by appendSet.
func readSet(r *varint.Reader, set bool, base int64) int64 {
	if !set {
		return 0
	}
	return base + r.I()
}

// A transition's endpoint, evidence and cause share one byte (1, 2 and 5
// bits), its two states another (4 bits each); the constants below fail to
// compile if they outgrow them.
const (
	_ = uint(16 - tcpstate.NumStates)
	_ = uint(3 - tcpstate.Assumed)
	_ = uint(32 - numCauses)
)

func packTransition(r Role, ev tcpstate.Evidence, why Cause) byte {
	return byte(r)<<7 | byte(ev)<<5 | byte(why)
}

func unpackTransition(b byte) (Role, tcpstate.Evidence, Cause) {
	return Role(b >> 7), tcpstate.Evidence(b >> 5 & 3), Cause(b & 31)
}
