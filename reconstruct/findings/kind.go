package findings

import (
	"fmt"
	"strconv"
)

// Kind is the closed vocabulary of finding kinds. New kinds are appended;
// none is renamed, because the text form is part of the report contract.
type Kind uint8

// The finding kinds, in the order of the report contract.
const (
	SYNUnanswered Kind = iota
	SYNRejected
	SYNACKUnanswered
	SYNRetransmitted
	HalfClosed
	TimeWaitAccumulation
	Reset
	Scan
	SYNFlood
	Anomaly
	Backscatter
	PasswordGuessing
	ResetInjection
	numKinds
)

// NumKinds is the number of kinds.
const NumKinds = int(numKinds)

var kindNames = [...]string{
	SYNUnanswered:        "syn_unanswered",
	SYNRejected:          "syn_rejected",
	SYNACKUnanswered:     "synack_unanswered",
	SYNRetransmitted:     "syn_retransmitted",
	HalfClosed:           "half_closed",
	TimeWaitAccumulation: "time_wait_accumulation",
	Reset:                "reset",
	Scan:                 "scan",
	SYNFlood:             "syn_flood",
	Anomaly:              "anomaly",
	Backscatter:          "backscatter",
	PasswordGuessing:     "password_guessing",
	ResetInjection:       "reset_injection",
}

// String returns the contract's spelling (syn_unanswered, scan...) and never
// panics: an out-of-range value prints as Kind(n).
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// ParseKind returns the kind spelled s.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), true
		}
	}
	return 0, false
}

// Severity ranks findings with the report contract's levels. The zero value
// is Info.
type Severity uint8

// Severities, least to most serious.
const (
	// Info: worth knowing, usually harmless.
	Info Severity = iota
	// Low: unusual but often benign.
	Low
	// Medium: likely a problem for the hosts involved.
	Medium
	// High: an attack, an outage or resource exhaustion.
	High
	numSeverities
)

var severityNames = [...]string{Info: "info", Low: "low", Medium: "medium", High: "high"}

// String returns info, low, medium or high, and Severity(n) out of range.
func (s Severity) String() string {
	if s < numSeverities {
		return severityNames[s]
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: it accepts the
// spellings String returns (info, low, medium, high).
func (s *Severity) UnmarshalText(b []byte) error {
	v, ok := ParseSeverity(string(b))
	if !ok {
		return fmt.Errorf("unknown severity %q (want info, low, medium or high)", b)
	}
	*s = v
	return nil
}

// ParseSeverity returns the severity spelled s.
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), true
		}
	}
	return 0, false
}
