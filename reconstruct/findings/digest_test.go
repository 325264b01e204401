package findings

import (
	"reflect"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/result"
)

func fnd(kind, sev, subject string, count int64, details map[string]any) result.Finding {
	return result.Finding{Kind: kind, Severity: sev, Subject: subject, Count: count, Details: details}
}

func TestDigest(t *testing.T) {
	share := func(n, total int64) map[string]any {
		return map[string]any{"subject_connections": total, "share": round4(float64(n) / float64(total))}
	}
	for _, tc := range []struct {
		name string
		in   []result.Finding
		want []result.DigestEntry
	}{
		{"none", nil, []result.DigestEntry{}},
		{
			"kinds by worst severity, worst subjects by impact, the rest folded",
			[]result.Finding{
				fnd("syn_rejected", "info", "10.0.0.2:443", 1, share(1, 4001)),
				fnd("syn_rejected", "medium", "10.0.0.3:80", 3, share(3, 3)),
				fnd("syn_rejected", "low", "10.0.0.4:80", 1, share(1, 1)),
				fnd("syn_rejected", "medium", "10.0.0.5:80", 9, share(9, 30)),
				fnd("syn_rejected", "low", "10.0.0.6:80", 2, share(2, 40)),
				fnd("scan", "high", "10.9.9.9", 249, map[string]any{"attempts": int64(252), "pattern": "vertical", "targets": 1, "ports": 201}),
			},
			[]result.DigestEntry{
				{Kind: "scan", Subjects: 1, BySeverity: map[string]int64{"high": 1}, Worst: []result.DigestItem{
					{Subject: "10.9.9.9", Severity: "high", Count: 249, Figure: "249 of 252 attempts failed, vertical: 1 host, 201 ports"},
				}},
				{Kind: "syn_rejected", Subjects: 5, BySeverity: map[string]int64{"medium": 2, "low": 2, "info": 1}, Folded: 2, Worst: []result.DigestItem{
					{Subject: "10.0.0.5:80", Severity: "medium", Count: 9, SubjectConnections: 30, Share: 0.3, Figure: "9 of 30 attempts (30%)"},
					{Subject: "10.0.0.3:80", Severity: "medium", Count: 3, SubjectConnections: 3, Share: 1, Figure: "3 of 3 attempts (100%)"},
					{Subject: "10.0.0.6:80", Severity: "low", Count: 2, SubjectConnections: 40, Share: 0.05, Figure: "2 of 40 attempts (5.0%)"},
				}},
			},
		},
		{
			"a kind of info only names one subject",
			[]result.Finding{
				fnd("reset", "info", "10.0.0.1", 1, share(1, 4000)),
				fnd("reset", "info", "10.0.0.7", 1, share(1, 9)),
				fnd("half_closed", "info", "10.0.0.2:80", 1, share(1, 2500)),
			},
			[]result.DigestEntry{
				{Kind: "half_closed", Subjects: 1, BySeverity: map[string]int64{"info": 1}, Worst: []result.DigestItem{
					{Subject: "10.0.0.2:80", Severity: "info", Count: 1, SubjectConnections: 2500, Share: 0.0004, Figure: "1 of 2,500 connections (0.04%)"},
				}},
				{Kind: "reset", Subjects: 2, BySeverity: map[string]int64{"info": 2}, Folded: 1, Worst: []result.DigestItem{
					{Subject: "10.0.0.7", Severity: "info", Count: 1, SubjectConnections: 9, Share: 0.1111, Figure: "1 of 9 connections (11%)"},
				}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Digest(tc.in, DigestWorst)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRankBySeverityThenImpact(t *testing.T) {
	in := []result.Finding{
		fnd("reset", "low", "a", 5, nil),
		fnd("scan", "high", "b", 10, nil),
		fnd("reset", "low", "c", 50, nil),
		fnd("syn_rejected", "info", "d", 900, nil),
		fnd("syn_rejected", "low", "e", 5, map[string]any{"share": 0.5}),
	}
	var got []string
	for _, f := range Rank(in) {
		got = append(got, f.Subject)
	}
	if want := []string{"b", "c", "e", "a", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if in[0].Subject != "a" {
		t.Error("Rank modified its input")
	}
}
