package testenv

import "testing"

func TestJudgeOneSided(t *testing.T) {
	for _, tc := range []struct {
		got, evidence, want string
		visible             bool
		verdict             Verdict
	}{
		{"TIME_WAIT", "observed", "TIME_WAIT", true, Agree},
		{"FIN_WAIT_1", "observed", "FIN_WAIT_2", true, Undecidable}, // the ACK of its FIN is not in the cut
		{"LAST_ACK", "observed", "CLOSED", true, Undecidable},
		{"SYN_SENT", "observed", "CLOSED", true, Undecidable}, // refused: the RST is not in the cut
		{"ESTABLISHED", "observed", "CLOSE_WAIT", true, Undecidable},
		{"ESTABLISHED", "assumed", "TIME_WAIT", true, Undecidable}, // its FIN came before the capture
		{"ESTABLISHED", "observed", "TIME_WAIT", true, Wrong},      // a FIN of its own would be in the cut
		{"CLOSED", "observed", "ESTABLISHED", true, Wrong},
		{"UNKNOWN", "none", "CLOSE_WAIT", false, SilentUnknown},
		{"ESTABLISHED", "inferred", "CLOSED", false, SilentOther},
		{"CLOSE_WAIT", "inferred", "CLOSE_WAIT", false, Agree},
	} {
		if got := JudgeOneSided(tc.got, tc.evidence, tc.want, tc.visible); got != tc.verdict {
			t.Errorf("JudgeOneSided(%s, %s, %s, visible %v) = %d, want %d", tc.got, tc.evidence, tc.want, tc.visible, got, tc.verdict)
		}
	}
}
