package reconstruct

import (
	"path/filepath"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// TestMissedBytesTwoWays: the cheap sequence-number hole tracking and the
// payload reassembly of gopacket/tcpassembly (--reassemble) find the same
// capture loss, equal to what Zeek's test suite expects, on Zeek's traces
// with content gaps; neither finds any on the shipped captures.
func TestMissedBytesTwoWays(t *testing.T) {
	zeekDir := testenv.Shared(t, "oracles", "zeek")
	tests := []struct {
		trace  string
		missed int64
	}{
		{"ftp-cwd-gaps/cwd-navigation.pcap", 233},
		{"tcp-miss-end-data/miss_end_data.pcap", 2902},
	}
	for _, tt := range tests {
		t.Run(tt.trace, func(t *testing.T) {
			matches, _ := filepath.Glob(filepath.Join(zeekDir, filepath.Dir(tt.trace), "*.pcap*"))
			if len(matches) != 1 {
				t.Fatalf("trace for %s not found", tt.trace)
			}
			for _, reassemble := range []bool{false, true} {
				a := analyse(t, Config{Reassemble: reassemble}, matches[0])
				var missed int64
				for _, c := range a.conns {
					missed += c.MissedBytes
				}
				if missed != tt.missed {
					t.Errorf("reassemble=%v: missed %d bytes, want %d", reassemble, missed, tt.missed)
				}
			}
		})
	}
	caps, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "pcaps", "*.pcap"))
	for _, c := range caps {
		for _, reassemble := range []bool{false, true} {
			for _, conn := range analyse(t, Config{Reassemble: reassemble}, c).conns {
				if conn.MissedBytes != 0 {
					t.Errorf("%s stream %d (reassemble=%v): %d missed bytes in a loss-free capture", filepath.Base(c), conn.Stream, reassemble, conn.MissedBytes)
				}
			}
		}
	}
}
