package flow

import (
	"strconv"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

// AnomalyKind names one kind of segment a correct pair of TCP stacks would
// not exchange. The names follow Zeek's weirds where Zeek has one
// (TCP_christmas, bad_SYN_ack, data_before_established) and its style
// otherwise; they are part of the report contract (a connection's
// anomalies), so new kinds are appended and none is renamed.
type AnomalyKind uint8

// The anomaly kinds.
const (
	// AnomalySYNRST: SYN and RST together (Zeek's TCP_christmas).
	AnomalySYNRST AnomalyKind = iota
	// AnomalySYNFIN: SYN and FIN together.
	AnomalySYNFIN
	// AnomalyNullFlags: no flag at all (nmap -sN).
	AnomalyNullFlags
	// AnomalyXmasFlags: FIN, PSH and URG without ACK (nmap -sX).
	AnomalyXmasFlags
	// AnomalyFINWithoutACK: FIN without ACK (nmap -sF).
	AnomalyFINWithoutACK
	// AnomalyIllegalFlags: any other combination no stack sends.
	AnomalyIllegalFlags
	// AnomalyRSTOutOfWindow: a reset whose sequence number is not
	// acceptable (blind reset injection, or a stale reset).
	AnomalyRSTOutOfWindow
	// AnomalyBadSYNACK: a SYN-ACK that does not acknowledge the client's
	// SYN (Zeek's bad_SYN_ack).
	AnomalyBadSYNACK
	// AnomalyDataBeforeEstablished: payload from an endpoint still in its
	// handshake, on a segment without SYN (Zeek's
	// data_before_established).
	AnomalyDataBeforeEstablished
	numAnomalyKinds
)

// NumAnomalyKinds is the number of anomaly kinds.
const NumAnomalyKinds = int(numAnomalyKinds)

var anomalyNames = [numAnomalyKinds]string{
	AnomalySYNRST:                "TCP_christmas",
	AnomalySYNFIN:                "SYN_with_FIN",
	AnomalyNullFlags:             "TCP_null_flags",
	AnomalyXmasFlags:             "TCP_xmas_flags",
	AnomalyFINWithoutACK:         "FIN_without_ACK",
	AnomalyIllegalFlags:          "illegal_flags",
	AnomalyRSTOutOfWindow:        "RST_out_of_window",
	AnomalyBadSYNACK:             "bad_SYN_ack",
	AnomalyDataBeforeEstablished: "data_before_established",
}

// String returns the anomaly's name, AnomalyKind(n) out of range.
func (k AnomalyKind) String() string {
	if k < numAnomalyKinds {
		return anomalyNames[k]
	}
	return "AnomalyKind(" + strconv.Itoa(int(k)) + ")"
}

// illegalFlagsKind names an illegal flag combination (PSH, ECE, CWR and NS
// ignored, except PSH for the Xmas combination).
func illegalFlagsKind(f uint16) AnomalyKind {
	switch {
	case f&decode.SYN != 0 && f&decode.RST != 0:
		return AnomalySYNRST
	case f&decode.SYN != 0 && f&decode.FIN != 0:
		return AnomalySYNFIN
	case f&(decode.FIN|decode.SYN|decode.RST|decode.ACK|decode.URG|decode.PSH) == 0:
		return AnomalyNullFlags
	case f&(decode.FIN|decode.PSH|decode.URG) == decode.FIN|decode.PSH|decode.URG && f&decode.ACK == 0:
		return AnomalyXmasFlags
	case f&decode.FIN != 0 && f&decode.ACK == 0:
		return AnomalyFINWithoutACK
	}
	return AnomalyIllegalFlags
}

// namedAnomaly is one kind's record on a connection.
type namedAnomaly struct {
	count uint32
	first uint32 // frame offset from the connection's first frame, plus one; 0: none
	by    uint8  // senders: 1 the client, 2 the server
}

// note records one anomaly of kind k in frame, sent by role r.
func (c *Conn) note(k AnomalyKind, frame int64, r Role) {
	a := &c.Anomalies.named[k]
	a.by |= 1 << r
	if a.count == 0 {
		a.first = min(c.frameOffset(frame), 1<<32-2) + 1
	}
	if a.count < 1<<32-1 {
		a.count++
	}
}

// AnomalyRecord is one kind of anomaly on a connection: how often and the
// first frame it occurred in.
type AnomalyRecord struct {
	Kind  AnomalyKind
	Frame int64
	Count int64
	// ByClient and ByServer say which endpoints sent the segments.
	ByClient, ByServer bool
}

// AppendAnomalies appends the connection's anomalies, in kind order.
func (c *Conn) AppendAnomalies(dst []AnomalyRecord) []AnomalyRecord {
	for k, a := range c.Anomalies.named {
		if a.count > 0 {
			dst = append(dst, AnomalyRecord{Kind: AnomalyKind(k), Frame: c.FirstFrame + int64(a.first) - 1, Count: int64(a.count),
				ByClient: a.by&1 != 0, ByServer: a.by&2 != 0})
		}
	}
	return dst
}

// HasAnomalies reports whether some named anomaly occurred.
func (c *Conn) HasAnomalies() bool {
	for _, a := range c.Anomalies.named {
		if a.count > 0 {
			return true
		}
	}
	return false
}
