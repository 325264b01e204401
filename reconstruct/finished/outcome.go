package finished

import (
	"strconv"

	"github.com/wirestat/wirestat/reconstruct/flow"
)

// Outcome is how a connection's opening handshake ended, seen from the
// server side of the client's first SYN.
type Outcome uint8

// The outcomes.
const (
	// NoHandshake: no handshake to judge (midstream pickup, roles inferred
	// because the client's SYN was not captured).
	NoHandshake Outcome = iota
	// Unanswered: the client sent SYN and the server sent nothing (Zeek
	// S0; RSTOS0 when the client gave up with a reset).
	Unanswered
	// Rejected: the server answered the SYN with RST and never with
	// SYN-ACK (Zeek REJ: closed port).
	Rejected
	// SYNACKUnanswered: the server sent SYN-ACK, never reached
	// ESTABLISHED, and the client sent no reset: the server was left
	// half-open in SYN_RECEIVED.
	SYNACKUnanswered
	// Aborted: the server sent SYN-ACK and the client reset the handshake
	// before it completed (a SYN "half-open" scan probe of an open port, or
	// a spoofed SYN whose real owner refused the SYN-ACK), or the server
	// answered with neither SYN-ACK nor RST.
	Aborted
	// Completed: both endpoints reached ESTABLISHED (or the server did,
	// the SYN-ACK that reached the client not being captured).
	Completed
	numOutcomes
)

var outcomeText = [numOutcomes]string{"none", "unanswered", "rejected", "synack_unanswered", "aborted", "completed"}

// String returns the outcome's name ("unanswered", "completed"...).
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeText[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Failed reports whether the outcome is a failed first contact in the
// scan detectors' sense: no answer, or a reset in answer to the SYN.
func (o Outcome) Failed() bool { return o == Unanswered || o == Rejected }

// HalfOpen reports whether the handshake occupied the server (or was aimed
// at it) without completing: what a SYN flood produces.
func (o Outcome) HalfOpen() bool {
	return o == Unanswered || o == SYNACKUnanswered || o == Aborted
}

// handshake judges c's opening handshake; established says which
// endpoints ever reached ESTABLISHED.
func handshake(c *flow.Conn, established [2]bool) Outcome {
	cl, sv := &c.EP[flow.Client], &c.EP[flow.Server]
	if c.Midstream || c.RolesInferred || !cl.SentSYN {
		return NoHandshake
	}
	switch {
	case established[flow.Client] && established[flow.Server]:
		return Completed
	case !sv.SentSYN && sv.SentRST:
		return Rejected
	case !sv.SentSYN && sv.Packets == 0:
		return Unanswered
	case !sv.SentSYN:
		// The server sent something that was neither SYN-ACK nor RST
		// (a stray ACK): it is alive, so not a failure.
		return Aborted
	case cl.SentRST:
		return Aborted
	case established[flow.Server]:
		// Established from the server's view (the client's ACK was seen,
		// the SYN-ACK that reached the client was not).
		return Completed
	}
	return SYNACKUnanswered
}
