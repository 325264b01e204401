package tcpstate

// Evidence says how an endpoint's state is known to a passive observer.
type Evidence uint8

const (
	// NoEvidence: the endpoint has no state (UNKNOWN): it sent nothing the
	// capture saw and the peer's packets prove nothing about it.
	NoEvidence Evidence = iota
	// Observed: the endpoint's own packets show the state (it sent the
	// segment that moved it, or acknowledged the one it received).
	Observed
	// Inferred: deduced from the peer's packets or from acknowledgement
	// numbers, elapsed time or the absence of a retransmission: the
	// endpoint's own packets do not show it.
	Inferred
	// Assumed: a default without evidence, such as ESTABLISHED for both
	// sides of a connection picked up mid-stream.
	Assumed
	numEvidence
)

var evidenceNames = [numEvidence]string{"none", "observed", "inferred", "assumed"}

// String returns the contract's word for e: none, observed, inferred or
// assumed.
func (e Evidence) String() string {
	if e < numEvidence {
		return evidenceNames[e]
	}
	return "Evidence(" + itoa(int(e)) + ")"
}

// MarshalText encodes e as its String.
func (e Evidence) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// EvidenceOf is the evidence an event gives the endpoint it moves: what an
// endpoint sends is observed; what it receives, and timers, are inferred.
func EvidenceOf(r Role, e Event) Evidence {
	if r == RoleSent && e != EvTimeout {
		return Observed
	}
	return Inferred
}
