package reconstruct

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// TestPanicBecomesWarning: a panic while handling one packet is reported
// as a warning naming the frame, the packet is skipped and the rest of the
// capture is still analysed.
func TestPanicBecomesWarning(t *testing.T) {
	demo := filepath.Join(testenv.RepoRoot(t), "pcaps", "demo.pcap")
	src, err := capture.Open([]string{demo}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var sink collect
	r, err := Run(context.Background(), src, Config{
		Packet: func(p capture.Packet) {
			if p.Frame == 5 {
				panic("boom")
			}
		},
	}, &sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Capture.Warnings) != 1 || !strings.Contains(r.Capture.Warnings[0], "frame 5: internal error, packet skipped: boom") {
		t.Errorf("warnings %q", r.Capture.Warnings)
	}
	if r.Capture.Packets != 39 || len(sink.conns) != 6 {
		t.Errorf("%d packets, %d connections; want 39 and 6", r.Capture.Packets, len(sink.conns))
	}
}
