package flow

import (
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/osfp"
)

// An endpoint's operating system is guessed passively from its first SYN
// or SYN-ACK (package osfp, p0f's model) and decides, with
// Config.OSTimeWait, how long its TIME_WAIT lasts: 60 s on Linux, 240 s on
// Windows, 30 s on macOS (osfp.TimeWait). The guesses of one capture are
// few (one per distinct signature), so the tracker keeps each once and an
// endpoint points at its own.

// maxOSGuesses bounds the distinct signatures kept; beyond it new
// signatures are not fingerprinted.
const maxOSGuesses = 4096

// osGuess is one distinct signature's guess and its number in the
// tracker's table (frozen records store the number).
type osGuess struct {
	osfp.Guess
	index int
}

// OS returns the endpoint's operating-system guess, if its SYN or SYN-ACK
// was seen and matched.
func (e *Endpoint) OS() (osfp.Guess, bool) {
	if e.os == nil {
		return osfp.Guess{}, false
	}
	return e.os.Guess, true
}

// fingerprint guesses the sender's OS from its first SYN or SYN-ACK.
func (t *Tracker) fingerprint(s *Endpoint, seg *decode.Segment) {
	if s.os != nil || s.SYNs > 0 {
		return
	}
	sig, ok := osfp.FromSegment(seg)
	if !ok {
		return
	}
	if g, ok := t.osIndex[sig]; ok {
		s.os = g
		return
	}
	if len(t.osGuesses) >= maxOSGuesses {
		return
	}
	g := &osGuess{Guess: osfp.Classify(sig), index: len(t.osGuesses)}
	if g.Family == osfp.Unknown && g.Detail == "" {
		g = nil // nothing matched: keep no guess, but remember the signature
	} else {
		t.osGuesses = append(t.osGuesses, g)
	}
	if t.osIndex == nil {
		t.osIndex = make(map[osfp.Signature]*osGuess)
	}
	t.osIndex[sig] = g
	s.os = g
}

// timeWait is how long endpoint e stays in TIME_WAIT: its OS's default
// when Config.OSTimeWait is on and its OS is known, otherwise 2*MSL.
func (t *Tracker) timeWait(e *Endpoint) time.Duration {
	if t.cfg.OSTimeWait && e.os != nil {
		if d, ok := osfp.TimeWait(e.os.Family); ok {
			return d
		}
	}
	return 2 * t.cfg.MSL
}

// osByIndex returns guess number i of the table (nil when out of range,
// as a corrupt frozen record may name).
func (t *Tracker) osByIndex(i int) *osGuess {
	if i < 0 || i >= len(t.osGuesses) {
		return nil
	}
	return t.osGuesses[i]
}
