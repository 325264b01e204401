//go:build linux

package e2e

import (
	"fmt"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// TestAsymScenarios runs the asymmetric-routing scenarios live: the kernel
// must end in the designed states, each path's capture must hold the
// packets of one side only (the routing really is asymmetric), and wirestat
// on each capture must agree with ss for every endpoint whose packets it
// holds, unless its state is undecidable from them (testenv.JudgeOneSided).
func TestAsymScenarios(t *testing.T) {
	testenv.Root(t)
	if err := Available(); err != nil {
		t.Skipf("%v; install them to run the namespace scenarios", err)
	}
	if testing.Short() {
		t.Skip("namespace scenarios take seconds; skipped in -short mode")
	}
	dir := t.TempDir()
	var n testenv.Tally
	defer func() { t.Logf("one-sided captures vs kernel: %v", &n) }()
	for _, sc := range Scenarios() {
		if !sc.Asym {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			out, err := sc.Capture(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range out.Mismatches {
				t.Errorf("%s", m)
			}
			if len(out.Cuts) != 2 {
				t.Fatalf("%d captures, want one per path", len(out.Cuts))
			}
			for _, cut := range out.Cuts {
				clientPath := cut.Name == sc.Name+"-"+CutC2S
				got, _ := inferred(t, cut.Pcap)
				if len(got) == 0 {
					t.Errorf("%s: no connection", cut.Name)
				}
				for ep, g := range got {
					if ClientSide(ep.Local.Addr()) != clientPath && g.Packets > 0 {
						t.Errorf("%s: %v -> %v sent %d packets on the other path", cut.Name, ep.Local, ep.Peer, g.Packets)
					}
				}
				for _, ep := range out.Endpoints() {
					if g, ok := got[ep.Endpoint]; ok { // else no packet of the connection on this path
						what := fmt.Sprintf("%s: %v -> %v", cut.Name, ep.Local, ep.Peer)
						n.Judge(t, what, g.State, g.Evidence, ep.State, ClientSide(ep.Local.Addr()) == clientPath)
					}
				}
			}
		})
	}
}
