package findings

// Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, "Fast Portscan
// Detection Using Sequential Hypothesis Testing", IEEE S&P 2004).
//
// For one source, Y_i is the outcome of its first contact with the i-th
// distinct destination (0 success, 1 failure). H0 says the source is benign,
// H1 that it scans; θ0 = P(Y=0|H0) > θ1 = P(Y=0|H1). The likelihood ratio
//
//	Λ = Π P(Y_i|H1) / P(Y_i|H0)
//
// is multiplied by θ1/θ0 on a success and by (1-θ1)/(1-θ0) on a failure.
// Wald's sequential test stops at Λ ≥ η1 = P_D/P_F (scanner) or at
// Λ ≤ η0 = (1-P_D)/(1-P_F) (benign) and keeps waiting in between. With the
// defaults (θ0 0.8, θ1 0.2, P_D 0.99, P_F 0.01) a failure multiplies Λ by
// 4 and a success divides it by 4, η1 = 99 and η0 ≈ 0.0101: four failures
// in a row decide "scanner" (4^4 = 256), four successes "benign".
//
// A decision is final, as in the paper: later contacts are still counted
// (for the failure ratio the collector checks) but no longer move Λ.

// verdict is the state of a walk.
type verdict uint8

const (
	pending verdict = iota
	scanner
	benign
)

func (v verdict) String() string {
	switch v {
	case scanner:
		return "scanner"
	case benign:
		return "benign"
	}
	return "pending"
}

// trwParams are the walk's multipliers and thresholds, derived once from
// a Config.
type trwParams struct {
	success, failure float64 // factors applied to Λ
	eta0, eta1       float64 // benign and scanner thresholds
}

func newTRWParams(cfg *Config) trwParams {
	t0, t1 := cfg.TRWTheta0, cfg.TRWTheta1
	pd, pf := cfg.TRWDetection, cfg.TRWFalsePositive
	return trwParams{
		success: t1 / t0,
		failure: (1 - t1) / (1 - t0),
		eta1:    pd / pf,
		eta0:    (1 - pd) / (1 - pf),
	}
}

// walk is one sequential test over first-contact outcomes.
type walk struct {
	lambda   float64 // Λ; frozen once decided
	verdict  verdict
	contacts int // outcomes fed so far
	failures int // failed outcomes fed so far
	decided  int // contacts at the decision, 0 while pending
}

func newWalk() walk { return walk{lambda: 1} }

// step feeds one first-contact outcome and returns the verdict after it.
func (p *trwParams) step(w *walk, failed bool) verdict {
	w.contacts++
	if failed {
		w.failures++
	}
	if w.verdict != pending {
		return w.verdict
	}
	if failed {
		w.lambda *= p.failure
	} else {
		w.lambda *= p.success
	}
	switch {
	case w.lambda >= p.eta1:
		w.verdict, w.decided = scanner, w.contacts
	case w.lambda <= p.eta0:
		w.verdict, w.decided = benign, w.contacts
	}
	return w.verdict
}

// failureRatio is the share of failed outcomes among all fed.
func (w *walk) failureRatio() float64 {
	if w.contacts == 0 {
		return 0
	}
	return float64(w.failures) / float64(w.contacts)
}
