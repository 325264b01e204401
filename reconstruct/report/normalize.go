package report

import (
	"github.com/wirestat/wirestat/reconstruct/findings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// The contract prints times in UTC and empty lists as [] rather than null.
// The helpers below make shallow copies of the model values with those
// rules applied, so writers never modify what the caller passed in.

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonNilInts(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilCounts(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// connNormalizer copies connections for output, reusing one transitions
// slice and the endpoints' Since times between calls; the copy is valid
// until the next call.
type connNormalizer struct {
	trans []result.Transition
	since [2]time.Time
}

// utcIn returns t in UTC, stored in *buf; nil for nil.
func utcIn(t *time.Time, buf *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	*buf = t.UTC()
	return buf
}

func (n *connNormalizer) normalize(dst, c *result.Connection) {
	*dst = *c
	dst.Start = c.Start.UTC()
	dst.End = c.End.UTC()
	dst.Client.Since = utcIn(c.Client.Since, &n.since[0])
	dst.Server.Since = utcIn(c.Server.Since, &n.since[1])
	if n.trans == nil {
		n.trans = make([]result.Transition, 0, 16)
	}
	n.trans = append(n.trans[:0], c.Transitions...)
	for i := range n.trans {
		n.trans[i].Time = n.trans[i].Time.UTC()
	}
	dst.Transitions = n.trans
}

func normalizeFinding(f result.Finding) result.Finding {
	f.Streams = nonNilInts(f.Streams)
	f.Frames = nonNilInts(f.Frames)
	if f.Details == nil {
		f.Details = map[string]any{}
	}
	f.First = f.First.UTC()
	f.Last = f.Last.UTC()
	return f
}

// digestOf is the findings' digest, never nil.
func digestOf(fs []result.Finding) []result.DigestEntry {
	return findings.Digest(fs, findings.DigestWorst)
}

func normalizeFindings(fs []result.Finding) []result.Finding {
	out := make([]result.Finding, len(fs))
	for i := range fs {
		out[i] = normalizeFinding(fs[i])
	}
	return out
}

func normalizeCapture(c result.Capture) result.Capture {
	c.Sources = nonNilStrings(c.Sources)
	c.Warnings = nonNilStrings(c.Warnings)
	c.First = utcPtr(c.First)
	c.Last = utcPtr(c.Last)
	c.At = utcPtr(c.At)
	return c
}

func normalizeListeners(ls []result.Listener) []result.Listener {
	if ls == nil {
		return []result.Listener{}
	}
	return ls
}

func normalizeSummary(s result.Summary) result.Summary {
	s.ClientStates = nonNilCounts(s.ClientStates)
	s.ServerStates = nonNilCounts(s.ServerStates)
	return s
}
