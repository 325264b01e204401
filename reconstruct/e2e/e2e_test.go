//go:build linux

package e2e

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// TestScenarios runs every scenario in its own namespaces and checks that
// each produced a non-empty capture and an ss snapshot of both namespaces,
// and that the kernel ended in the states the scenario was built for.
func TestScenarios(t *testing.T) {
	testenv.Root(t)
	if err := Available(); err != nil {
		t.Skipf("%v; install them to run the namespace scenarios", err)
	}
	if testing.Short() {
		t.Skip("namespace scenarios take about a minute; skipped in -short mode")
	}
	only := os.Getenv("WIRESTAT_E2E_RUN") // comma-separated scenario names
	dir := t.TempDir()
	var agree, total, unknown int
	defer func() {
		t.Logf("wirestat vs kernel: %d/%d endpoint states agree, %d undecidable from the wire (UNKNOWN, or marked assumed)", agree, total, unknown)
	}()
	for _, sc := range Scenarios() {
		if only != "" && !strings.Contains(","+only+",", ","+sc.Name+",") {
			continue
		}
		if _, ok := findingsWant[sc.Name]; ok {
			continue // TestFindings runs it
		}
		if sc.Asym {
			continue // TestAsymScenarios runs it
		}
		t.Run(sc.Name, func(t *testing.T) {
			out, err := sc.Capture(dir)
			if len(sc.Device) > 0 && errors.Is(err, ErrMissing) {
				t.Skip(err) // a tunnel this kernel was built without
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Info.Packets == 0 {
				t.Errorf("%s: no packets captured", out.Pcap)
			}
			if len(out.Snapshots) != 2 {
				t.Fatalf("got %d ss snapshots, want 2 (client and server)", len(out.Snapshots))
			}
			if len(out.States) == 0 {
				t.Errorf("no endpoint states")
			}
			for _, m := range out.Mismatches {
				if sc.Flaky {
					t.Logf("tolerated (flaky scenario): %s", m)
				} else {
					t.Errorf("%s", m)
				}
			}
			for _, ep := range out.Endpoints() {
				t.Logf("%v -> %v %s", ep.Local, ep.Peer, ep.State)
			}
			t.Logf("%d packets, link type %d", out.Info.Packets, out.Info.LinkType)
			a, n, u := checkAgainstKernel(t, out)
			agree, total, unknown = agree+a, total+n, unknown+u
		})
	}
}
