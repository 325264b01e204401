package findings

import (
	"math"
	"testing"
)

// Worked examples from the paper's formulas with the default parameters:
// a failure multiplies Λ by (1-0.2)/(1-0.8) = 4, a success by 0.2/0.8 =
// 1/4; η1 = 0.99/0.01 = 99, η0 = 0.01/0.99 ≈ 0.0101.
func TestTRWWalk(t *testing.T) {
	const F, S = true, false
	tests := []struct {
		name     string
		outcomes []bool
		lambda   []float64 // Λ after each step (frozen after a decision)
		verdicts []verdict
	}{
		{
			name:     "four failures decide scanner after the fourth",
			outcomes: []bool{F, F, F, F},
			lambda:   []float64{4, 16, 64, 256},
			verdicts: []verdict{pending, pending, pending, scanner},
		},
		{
			name:     "four successes decide benign after the fourth",
			outcomes: []bool{S, S, S, S},
			lambda:   []float64{0.25, 0.0625, 0.015625, 0.00390625},
			verdicts: []verdict{pending, pending, pending, benign},
		},
		{
			name:     "alternating outcomes stay pending",
			outcomes: []bool{F, S, F, S, F, S, F, S},
			lambda:   []float64{4, 1, 4, 1, 4, 1, 4, 1},
			verdicts: []verdict{pending, pending, pending, pending, pending, pending, pending, pending},
		},
		{
			name:     "a success delays detection by two failures",
			outcomes: []bool{F, F, S, F, F, F},
			lambda:   []float64{4, 16, 4, 16, 64, 256},
			verdicts: []verdict{pending, pending, pending, pending, pending, scanner},
		},
		{
			name:     "the decision is final",
			outcomes: []bool{F, F, F, F, S, S, S, S, S},
			lambda:   []float64{4, 16, 64, 256, 256, 256, 256, 256, 256},
			verdicts: []verdict{pending, pending, pending, scanner, scanner, scanner, scanner, scanner, scanner},
		},
		{
			name:     "three failures are not enough (64 < 99)",
			outcomes: []bool{F, F, F},
			lambda:   []float64{4, 16, 64},
			verdicts: []verdict{pending, pending, pending},
		},
	}
	cfg := DefaultConfig()
	p := newTRWParams(&cfg)
	if !near(p.eta1, 99) || !near(p.eta0, 0.01/0.99) || !near(p.failure, 4) || !near(p.success, 0.25) {
		t.Fatalf("params = %+v, want failure 4, success 0.25, η1 99, η0 0.0101", p)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWalk()
			for i, o := range tt.outcomes {
				v := p.step(&w, o)
				if !near(w.lambda, tt.lambda[i]) || v != tt.verdicts[i] {
					t.Fatalf("step %d: Λ = %g, verdict %v; want Λ = %g, %v", i+1, w.lambda, v, tt.lambda[i], tt.verdicts[i])
				}
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestKindAndSeverityStrings(t *testing.T) {
	want := []string{"syn_unanswered", "syn_rejected", "synack_unanswered", "syn_retransmitted",
		"half_closed", "time_wait_accumulation", "reset", "scan", "syn_flood"}
	for i, w := range want {
		if got := Kind(i).String(); got != w {
			t.Errorf("Kind(%d) = %q, want %q", i, got, w)
		}
		if k, ok := ParseKind(w); !ok || k != Kind(i) {
			t.Errorf("ParseKind(%q) = %v, %v", w, k, ok)
		}
	}
	if got := Kind(200).String(); got != "Kind(200)" {
		t.Errorf("out of range kind prints %q", got)
	}
	for i, w := range []string{"info", "low", "medium", "high"} {
		if got := Severity(i).String(); got != w {
			t.Errorf("Severity(%d) = %q, want %q", i, got, w)
		}
	}
	if got := Severity(9).String(); got != "Severity(9)" {
		t.Errorf("out of range severity prints %q", got)
	}
}
