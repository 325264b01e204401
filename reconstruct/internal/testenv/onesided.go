package testenv

import (
	"fmt"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Verdict is how wirestat's state for an endpoint, from a capture holding
// the packets of one side only, compares with the kernel's (ss).
type Verdict int

const (
	// Agree: wirestat's state is the kernel's.
	Agree Verdict = iota
	// Undecidable: the endpoint's packets are in the capture and the
	// kernel's state follows from wirestat's only through packets it
	// received and did not answer (ByReceiving), or wirestat's state is
	// assumed (the capture started after the packets that showed the
	// endpoint's state, and what it holds proves none): no capture of its
	// own packets from there on can tell.
	Undecidable
	// Wrong: the endpoint's packets are in the capture, they decide its
	// state, and wirestat's differs from the kernel's.
	Wrong
	// SilentUnknown: the endpoint's packets are not in the capture and
	// wirestat says UNKNOWN.
	SilentUnknown
	// SilentOther: the endpoint's packets are not in the capture and
	// wirestat infers a state other than the kernel's from the peer's
	// acknowledgements; worth a log line, not an error.
	SilentOther
)

// JudgeOneSided compares wirestat's state got, known by evidence
// ("observed", "inferred", "assumed", "none"), with the kernel's want for
// an endpoint whose packets the capture holds (visible) or not.
func JudgeOneSided(got, evidence, want string, visible bool) Verdict {
	switch {
	case got == want:
		return Agree
	case visible && (evidence == "assumed" || ByReceiving(got, want)):
		return Undecidable
	case visible:
		return Wrong
	case got == "UNKNOWN":
		return SilentUnknown
	}
	return SilentOther
}

// Tally counts how the endpoints of one-sided captures compare with the
// kernel.
type Tally struct {
	Seen, SeenOK, Undecidable       int // endpoints whose packets the capture holds
	Silent, SilentOK, SilentUnknown int // the others
}

// Judge compares one endpoint (named by what, "local -> peer") with
// JudgeOneSided and counts the verdict, failing t when the endpoint's own
// packets decide its state and wirestat's differs, logging the undecidable
// and the silent endpoints wirestat gives another state.
func (n *Tally) Judge(t testing.TB, what, got, evidence, want string, visible bool) {
	t.Helper()
	if visible {
		n.Seen++
	} else {
		n.Silent++
	}
	switch JudgeOneSided(got, evidence, want, visible) {
	case Agree:
		if visible {
			n.SeenOK++
		} else {
			n.SilentOK++
		}
	case Undecidable:
		n.Undecidable++
		t.Logf("%s: kernel %s, wirestat %s (%s): the capture cannot show what it received or sent before it", what, want, got, evidence)
	case Wrong:
		t.Errorf("%s (its packets in the capture): kernel %s, wirestat %s (%s)", what, want, got, evidence)
	case SilentUnknown:
		n.SilentUnknown++
	case SilentOther:
		t.Logf("%s (silent in the capture): kernel %s, wirestat %s (%s)", what, want, got, evidence)
	}
}

// String renders the counts for a test log.
func (n *Tally) String() string {
	return fmt.Sprintf("endpoints with packets %d/%d agree with the kernel, %d more undecidable from their own packets; silent endpoints %d/%d agree, %d UNKNOWN",
		n.SeenOK, n.Seen, n.Undecidable, n.SilentOK, n.Silent, n.SilentUnknown)
}

// ByReceiving reports whether state want follows from state got through
// events the endpoint receives and need not answer (an ACK of its FIN, a
// RST, a FIN or SYN-ACK whose acknowledgement was lost): what a cut that
// misses the peer's packets cannot show, whatever the inference.
func ByReceiving(got, want string) bool {
	from, ok1 := tcpstate.ParseState(got)
	to, ok2 := tcpstate.ParseState(want)
	if !ok1 || !ok2 {
		return false
	}
	seen := map[tcpstate.State]bool{from: true}
	queue := []tcpstate.State{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, ev := range []tcpstate.Event{tcpstate.EvSYNACK, tcpstate.EvACKFIN, tcpstate.EvFIN, tcpstate.EvRST} {
			if n, res := tcpstate.Next(s, tcpstate.RoleRecv, ev); res == tcpstate.Moved && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return seen[to]
}
