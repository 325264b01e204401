package findings

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// DigestWorst is how many findings of each kind a digest names.
const DigestWorst = 3

// Rank returns the findings most important first: by severity (high
// first), then by impact (Count, then details.share, larger first), then
// in their given order. fs is not modified.
func Rank(fs []result.Finding) []result.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, compareImpact)
	return out
}

// compareImpact orders two findings, the more important first.
func compareImpact(a, b result.Finding) int {
	sa, _ := ParseSeverity(a.Severity)
	sb, _ := ParseSeverity(b.Severity)
	if c := cmp.Compare(sb, sa); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Count, a.Count); c != 0 {
		return c
	}
	return cmp.Compare(number(b.Details["share"]), number(a.Details["share"]))
}

// Digest sums the findings up per kind: kinds in the order of their worst
// finding (then of the contract's vocabulary), each with its number of
// subjects, the count per severity, the worst findings (at most worst;
// at most one when the kind's worst is info) and how many were folded.
func Digest(fs []result.Finding, worst int) []result.DigestEntry {
	byKind := map[string][]result.Finding{}
	var order []string
	for _, f := range Rank(fs) {
		if _, ok := byKind[f.Kind]; !ok {
			order = append(order, f.Kind)
		}
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	// order is already by worst severity and impact; ties between kinds of
	// equal worst severity keep the vocabulary's order.
	slices.SortStableFunc(order, func(a, b string) int {
		sa, _ := ParseSeverity(byKind[a][0].Severity)
		sb, _ := ParseSeverity(byKind[b][0].Severity)
		if c := cmp.Compare(sb, sa); c != 0 {
			return c
		}
		ka, okA := ParseKind(a)
		kb, okB := ParseKind(b)
		if okA && okB {
			return cmp.Compare(ka, kb)
		}
		return 0
	})
	out := make([]result.DigestEntry, 0, len(order))
	for _, k := range order {
		list := byKind[k]
		e := result.DigestEntry{Kind: k, Subjects: int64(len(list)), BySeverity: map[string]int64{}}
		for _, f := range list {
			e.BySeverity[f.Severity]++
		}
		n := min(worst, len(list))
		if list[0].Severity == Info.String() {
			n = min(n, 1)
		}
		for _, f := range list[:n] {
			e.Worst = append(e.Worst, digestItem(f))
		}
		if e.Worst == nil {
			e.Worst = []result.DigestItem{}
		}
		e.Folded = int64(len(list) - n)
		out = append(out, e)
	}
	return out
}

func digestItem(f result.Finding) result.DigestItem {
	it := result.DigestItem{Subject: f.Subject, Severity: f.Severity, Count: f.Count}
	d := f.Details
	if total := int64(number(d["subject_connections"])); total > 0 {
		it.SubjectConnections = total
		it.Share = number(d["share"])
		noun := "connection"
		switch f.Kind {
		case SYNUnanswered.String(), SYNRejected.String():
			noun = "attempt"
		case SYNACKUnanswered.String():
			noun = "handshake"
		}
		it.Figure = fmt.Sprintf("%s of %s (%s)", group3(f.Count), counted(total, noun), percent(it.Share))
		return it
	}
	switch f.Kind {
	case Scan.String():
		if probe := str(d["probe"]); probe != "" {
			it.Figure = fmt.Sprintf("%s %s probes, %s: %s, %s", group3(f.Count), probe, str(d["pattern"]),
				counted(int64(number(d["targets"])), "host"), counted(int64(number(d["ports"])), "port"))
			break
		}
		it.Figure = fmt.Sprintf("%s of %s failed, %s: %s, %s",
			group3(f.Count), counted(int64(number(d["attempts"])), "attempt"), str(d["pattern"]),
			counted(int64(number(d["targets"])), "host"), counted(int64(number(d["ports"])), "port"))
	case SYNFlood.String():
		it.Figure = fmt.Sprintf("%s half-open from %s, peak %s in %g s",
			group3(f.Count), counted(int64(number(d["sources"])), "source"), group3(int64(number(d["peak"]))), number(d["window_seconds"]))
	case TimeWaitAccumulation.String():
		it.Figure = fmt.Sprintf("peak %s in TIME_WAIT at once, %s at the end, of %s",
			group3(int64(number(d["time_wait_peak"]))), group3(int64(number(d["time_wait_at_end"]))), counted(int64(number(d["connections"])), "connection"))
	case Backscatter.String():
		it.Figure = fmt.Sprintf("%s unasked from %s", counted(f.Count, "SYN-ACK"), counted(int64(number(d["senders"])), "host"))
	case PasswordGuessing.String():
		it.Figure = fmt.Sprintf("%s with %s, %s within %g s", counted(f.Count, "short session"), str(d["peer"]),
			group3(int64(number(d["peak"]))), number(d["burst_seconds"]))
	case ResetInjection.String():
		it.Figure = fmt.Sprintf("%s outside the window on %s", counted(int64(number(d["resets"])), "reset"), counted(f.Count, "connection"))
	default:
		it.Figure = counted(f.Count, "connection")
	}
	return it
}

// number reads a details value as a float: the collector stores ints,
// int64s and float64s, a decoded JSON document float64s.
func number(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// percent prints a share as a percentage with the precision a small share
// needs ("0.03%", "2.5%", "67%").
func percent(x float64) string {
	p := x * 100
	switch {
	case p == 0:
		return "0%"
	case p < 1:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// counted prints "1 attempt" or "4,000 attempts".
func counted(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return group3(n) + " " + noun + "s"
}

// group3 prints n with thousands separators (4,000).
func group3(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
