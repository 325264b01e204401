package tcpstate

// Role says whether an event is something the endpoint sent or received.
type Role uint8

const (
	// RoleSent: the endpoint sent the segment.
	RoleSent Role = iota
	// RoleRecv: the endpoint is the segment's destination.
	RoleRecv
	numRoles
)

func (r Role) String() string {
	if r == RoleSent {
		return "sent"
	}
	return "received"
}

// Event is what a segment means for one endpoint. A segment can produce
// several events for the same endpoint; the caller applies them in the
// order RFC 9293 §3.10.7.4 processes a segment: RST, SYN, ACK, FIN.
type Event uint8

const (
	// EvSYN: a SYN without ACK.
	EvSYN Event = iota
	// EvSYNACK: a SYN with ACK.
	EvSYNACK
	// EvACKSYN: an acknowledgement that covers the receiving endpoint's SYN.
	EvACKSYN
	// EvFIN: a FIN (first transmission, not a retransmission).
	EvFIN
	// EvACKFIN: an acknowledgement that covers the receiving endpoint's FIN.
	EvACKFIN
	// EvRST: an acceptable reset (sequence number checked by the caller).
	EvRST
	// EvTimeout: 2*MSL of capture time passed in TIME_WAIT.
	EvTimeout
	numEvents
)

// NumEvents is the number of events.
const NumEvents = int(numEvents)

var eventNames = [...]string{"SYN", "SYN-ACK", "ACK of SYN", "FIN", "ACK of FIN", "RST", "2*MSL timeout"}

func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return "Event(" + itoa(int(e)) + ")"
}

// Sentinels stored in the transition table.
const (
	// sIG: keep the state; the event is redundant or ambiguous here
	// (a retransmitted SYN-ACK, a duplicate FIN).
	sIG State = 0xFE
	// sIV: keep the state; no correct stack does this here. Callers count
	// it as an anomaly.
	sIV State = 0xFF
)

// Short names keep the table readable.
const (
	sNO = StateNone
	sCL = Closed
	sLI = Listen
	sSS = SynSent
	sSR = SynReceived
	sES = Established
	sF1 = FinWait1
	sF2 = FinWait2
	sCW = CloseWait
	sCG = Closing
	sLA = LastAck
	sTW = TimeWait
)

// transitions[role][event][state] is the next state. Every cell is written
// out; the exhaustive test fails on a forgotten one (a zero cell would be
// StateNone, which is never a legal target).
var transitions = [numRoles][numEvents][numStates]State{
	RoleSent: {
		/* state:       sNO  sCL  sLI  sSS  sSR  sES  sF1  sF2  sCW  sCG  sLA  sTW */
		// Active open; a SYN repeated in SYN_SENT or SYN_RECEIVED is a retransmission.
		EvSYN: {sSS, sSS, sSS, sIG, sIG, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
		// Passive open answered; in SYN_SENT it is simultaneous open (§3.5, figure 8).
		// ESTABLISHED: the SYN-ACK is repeated because our view saw an ACK the
		// endpoint did not get. CLOSED: the 4-tuple's next connection (its
		// SYN missed), passively opened again.
		EvSYNACK: {sSR, sSR, sSR, sSR, sIG, sIG, sIV, sIV, sIV, sIV, sIV, sIV},
		// Acknowledgements the endpoint sends do not move it.
		EvACKSYN: {sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG},
		// Close: ESTABLISHED and SYN_RECEIVED go to FIN_WAIT_1, CLOSE_WAIT to
		// LAST_ACK. No evidence (sNO) but a FIN means it was synchronized.
		// A FIN from SYN_SENT is not sent by a correct stack.
		EvFIN:    {sF1, sIV, sIV, sIV, sF1, sF1, sIG, sIG, sLA, sIG, sIG, sIG},
		EvACKFIN: {sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG},
		// Abort: whoever sends an acceptable RST has deleted its TCB (§3.10.7).
		EvRST: {sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
		// 2*MSL of capture time ends TIME_WAIT (§3.10.8).
		EvTimeout: {sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sCL},
	},
	RoleRecv: {
		/* state:       sNO  sCL  sLI  sSS  sSR  sES  sF1  sF2  sCW  sCG  sLA  sTW */
		// A SYN reaches a listener (SYN_RECEIVED) or crosses ours (simultaneous
		// open). Without evidence that the peer listens, its state stays unknown
		// until it answers.
		EvSYN: {sIG, sIG, sSR, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG},
		// The SYN-ACK completes an active open. SYN_RECEIVED: simultaneous
		// open, the peer's SYN-ACK acknowledges ours. sNO: nobody was seen
		// asking for it (a capture that missed the SYN, or backscatter of a
		// spoofed flood): the receiver stays unknown until it answers.
		EvSYNACK: {sIG, sIG, sIV, sES, sES, sIG, sIG, sIG, sIG, sIG, sIG, sIG},
		// The third ACK of the handshake (or any later ACK covering our SYN).
		EvACKSYN: {sIG, sIG, sIG, sIG, sES, sIG, sIG, sIG, sIG, sIG, sIG, sIG},
		// The peer closes: CLOSE_WAIT from a synchronized state, CLOSING when
		// our own FIN is still unacknowledged, TIME_WAIT when it was (FIN_WAIT_2).
		// A FIN repeated in TIME_WAIT restarts the 2*MSL timer (the caller's job).
		EvFIN: {sIG, sIG, sIG, sIG, sCW, sCW, sCG, sTW, sIG, sIG, sIG, sIG},
		// Our FIN acknowledged.
		EvACKFIN: {sIG, sIG, sIG, sIG, sIG, sIG, sF2, sIG, sIG, sTW, sCL, sIG},
		// An acceptable RST deletes the TCB in every synchronized or opening
		// state (§3.10.7.3, §3.10.7.4). TIME_WAIT too: Linux's default
		// (tcp_rfc1337=0) lets an RST end TIME_WAIT early.
		EvRST: {sIG, sIG, sIG, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
		// 2*MSL of capture time ends TIME_WAIT (§3.10.8).
		EvTimeout: {sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sCL},
	},
}

// Result of one step.
type Result uint8

const (
	// Moved: the state changed.
	Moved Result = iota
	// Kept: the event is redundant or ambiguous in this state.
	Kept
	// Invalid: no correct stack does this in this state.
	Invalid
)

// Next returns the state after an endpoint in state s sees event e in role r,
// and whether it moved. Out-of-range arguments are Invalid.
func Next(s State, r Role, e Event) (State, Result) {
	if s >= numStates || r >= numRoles || e >= numEvents {
		return s, Invalid
	}
	switch n := transitions[r][e][s]; n {
	case sIG:
		return s, Kept
	case sIV:
		return s, Invalid
	default:
		if n == s {
			return s, Kept
		}
		return n, Moved
	}
}
