package reconstruct

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// TestFreezingSameOutput: freezing idle connections is lossless. The report
// is byte for byte the same when no connection is ever frozen and when
// every connection is frozen as soon as the capture clock moves past its
// last packet (and thawed by its next packet, timer or the end), on every
// shipped capture, Zeek trace and Wireshark oracle capture, with short and
// default MSLs.
func TestFreezingSameOutput(t *testing.T) {
	caps := captureFiles(t, nil)
	ws, _ := filepath.Glob(filepath.Join(testenv.SharedDir(t), "oracles", "wireshark", "*.pcap*"))
	for _, c := range ws {
		if filepath.Ext(c) != ".tsv" {
			caps = append(caps, c)
		}
	}
	for _, c := range caps {
		for _, fl := range []flow.Config{{}, {MSL: 1, Linger: 1, TombstoneTTL: 1}} {
			never, always := fl, fl
			never.ColdAfter, always.ColdAfter = -1, 1
			want := render(t, Config{Flow: never}, c)
			got := render(t, Config{Flow: always}, c)
			if !bytes.Equal(want, got) {
				t.Errorf("%s (msl %v): output differs when every connection is frozen", c, fl.MSL)
			}
		}
	}
}
