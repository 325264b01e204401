//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// wantFinding is a finding a scenario is built to produce. Count zero and
// absent Details keys are not checked; check, if set, runs on the finding.
type wantFinding struct {
	Kind, Subject, Severity string
	Count                   int64
	Details                 map[string]any
	check                   func(t *testing.T, f result.Finding)
}

// findingsWant holds, for every finding scenario, exactly the findings
// wirestat must report on its capture. Client-side findings (a host, not a
// host:port) are told apart by details.peer.
var findingsWant = map[string][]wantFinding{
	// 201 ports of one host; 22, 80 and 443 answer. The benign client
	// 10.213.0.3 is not reported, nor are the scanner's probes repeated as
	// syn_unanswered or syn_rejected.
	"scan-vertical": {{
		Kind: "scan", Subject: "10.213.0.1", Severity: "high",
		Details: map[string]any{
			"pattern": "vertical", "detector": "both", "targets": 1, "ports": 201,
			"failed_targets": 198, "failed_hosts": 1, "successes": 3,
			"port_scan_host": "10.213.0.2", "port_scan_ports": 198, "trw_walk": "ports of 10.213.0.2",
		},
		check: scanAttempts(201),
	}},
	// 40 hosts on port 445; 4 answer.
	"scan-horizontal": {{
		Kind: "scan", Subject: "10.213.0.1", Severity: "high",
		Details: map[string]any{
			"pattern": "horizontal", "detector": "both", "targets": 40, "ports": 1,
			"failed_targets": 36, "failed_hosts": 36, "successes": 4,
			"address_scan_port": 445, "address_scan_hosts": 36, "trw_walk": "hosts",
		},
		check: scanAttempts(40),
	}},
	// A connect scan completes the handshake with the two open ports and
	// then aborts them with a reset carrying no data: part of the scan, not
	// reported as resets.
	"scan-connect": {
		{
			Kind: "scan", Subject: "10.213.0.1", Severity: "high",
			Details: map[string]any{
				"pattern": "vertical", "detector": "both", "targets": 1, "ports": 100,
				"failed_targets": 98, "failed_hosts": 1, "successes": 2,
				"port_scan_host": "10.213.0.2", "port_scan_ports": 98,
			},
			check: scanAttempts(100),
		},
	},
	// Every forged SYN is half-open: answered by a SYN-ACK nobody
	// acknowledges, or dropped once the backlog is full. Neither
	// synack_unanswered nor syn_unanswered repeats them; the 5 ordinary
	// connections before the flood are not reported.
	"syn-flood": {{
		Kind: "syn_flood", Subject: "10.213.0.2:80", Severity: "high", Count: 300,
		Details: map[string]any{"half_open": 300, "sources": 2, "peak": 300, "window_seconds": 10, "peak_rate": 30},
	}},
	"close-wait-leak": {{
		Kind: "half_closed", Subject: "10.213.0.2:80", Severity: "high", Count: 20,
		Details: map[string]any{
			"side": "server", "close_wait_side": "server", "fin_side": "client", "connections": 20,
			"data_after_fin": 0, "payload_bytes_after_fin": 0, "fin_side_states": map[string]int64{"FIN_WAIT_2": 20},
			"at_end_of_capture": 20, "subject_connections": 31,
		},
	}},
	"time-wait-pileup": {{
		Kind: "time_wait_accumulation", Subject: "10.213.0.2:80", Severity: "low", Count: 200,
		Details: map[string]any{
			"side": "server", "active_closer": "server", "connections": 200, "closed_actively": 200,
			"time_wait_total": 200, "time_wait_peak": 200, "time_wait_at_end": 200,
			"established_at_end": 0, "time_wait_seconds": 120,
		},
	}},
	// Probes that open no connection: the kernel answers an unexpected
	// ACK (and FIN+ACK) with a reset on open and closed ports alike (89 of
	// 100), FIN, NULL and Xmas probes only on closed ones (87); the 11
	// filtered ports answer nothing and nmap retries them once. One scan
	// finding each, typed by details.probe, and nothing about the targets
	// or the benign client.
	"scan-ack":    stealthWant("ack", 89),
	"scan-window": stealthWant("ack", 89),
	"scan-fin":    stealthWant("fin", 87),
	"scan-null":   stealthWant("null", 87),
	"scan-xmas":   stealthWant("xmas", 87),
	"scan-maimon": stealthWant("maimon", 89),
	// 30 of the 40 hosts answer the ACK ping with a reset.
	"ack-sweep": {{
		Kind: "scan", Subject: "10.213.0.1", Severity: "high",
		Details: map[string]any{
			"probe": "ack", "pattern": "horizontal", "detector": "threshold", "targets": 40, "ports": 1,
			"address_scan_port": 80, "address_scan_hosts": 40, "reset": 30,
		},
		check: probesAnswered(30, 10),
	}},
	// The health checks (no data) and the one ordinary session are quiet.
	"password-guessing": {{
		Kind: "password_guessing", Subject: "10.213.0.1", Severity: "medium", Count: 25,
		Details: map[string]any{"peer": "10.213.0.2:22", "service": "SSH", "sessions": 25, "peak": 25},
	}},
	// 40 SYN-ACKs from 5 servers, each reset by the victim's kernel; the
	// 5 ordinary connections to the first server are quiet.
	"backscatter": {{
		Kind: "backscatter", Subject: "10.213.0.60", Severity: "medium", Count: 40,
		Details: map[string]any{"synacks": 40, "senders": 5, "ports": 1, "reset": 40},
	}},
	// 10 forged resets outside the window; the connection is not reported
	// as reset.
	"reset-injection": {{
		Kind: "reset_injection", Subject: "10.213.0.1", Severity: "medium", Count: 1,
		Details: map[string]any{"resets": 10, "connections": 1, "peers": 1},
	}},
	// No finding at all: not the crawler, the health checks, the
	// keep-alive probes (ACKs answered by ACKs) nor the NAT address.
	"benign-neighbours": {},
	"linger-resets": {{
		Kind: "reset", Subject: "10.213.0.1", Severity: "low", Count: 10,
		Details: map[string]any{"side": "client", "peer": "10.213.0.2:80", "count": 10, "by_state": map[string]int64{"ESTABLISHED": 10}},
	}},
}

// stealthWant is the one finding of a stealth scan of ports 1-100 whose
// probes the kernel answers with reset resets.
func stealthWant(probe string, reset int64) []wantFinding {
	return []wantFinding{{
		Kind: "scan", Subject: "10.213.0.1", Severity: "high",
		Details: map[string]any{
			"probe": probe, "pattern": "vertical", "detector": "threshold", "targets": 1, "ports": 100,
			"port_scan_host": "10.213.0.2", "port_scan_ports": 100, "reset": reset,
		},
		check: probesAnswered(reset, 100-reset),
	}}
}

// probesAnswered checks a stealth scan's counts: reset probes answered,
// each of the silent targets probed at least once more, and Count all the
// probes.
func probesAnswered(reset, silent int64) func(*testing.T, result.Finding) {
	return func(t *testing.T, f result.Finding) {
		t.Helper()
		un, _ := f.Details["unanswered"].(int64)
		if un < silent || f.Count != reset+un {
			t.Errorf("scan %s: %d probes, %d unanswered, want at least %d unanswered and %d answered", f.Subject, f.Count, un, silent, reset)
		}
	}
}

// scanAttempts checks a scan's attempt counts: at least one attempt per
// target (nmap retries unanswered probes from a new source port, so the
// exact number varies), and Count holding the failed ones.
func scanAttempts(targets int64) func(*testing.T, result.Finding) {
	return func(t *testing.T, f result.Finding) {
		t.Helper()
		attempts, _ := f.Details["attempts"].(int64)
		successes, _ := f.Details["successes"].(int64)
		if attempts < targets {
			t.Errorf("scan %s: %d attempts, want at least one per target (%d)", f.Subject, attempts, targets)
		}
		if f.Count != attempts-successes {
			t.Errorf("scan %s: count %d, want the %d failed attempts (%d attempts, %d successes)",
				f.Subject, f.Count, attempts-successes, attempts, successes)
		}
	}
}

// discard is a sink that drops connections.
type discard struct{}

func (discard) Connection(*result.Connection) error { return nil }

// analyse runs wirestat over a capture and returns the result, findings
// included.
func analyse(t *testing.T, pcap string) *result.Result {
	t.Helper()
	src, err := capture.Open([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{pcap}}, discard{})
	if err != nil {
		t.Fatalf("wirestat on %s: %v", pcap, err)
	}
	return r
}

// TestFindings runs every finding scenario in its namespaces, checks the
// kernel states as TestScenarios does, and asserts that wirestat reports
// exactly the designed findings: the scanners, the flood, the leak, the
// pile-up and the resets, and nothing about the benign clients beside them.
// Each finding's display filter must select exactly its frames in tshark.
func TestFindings(t *testing.T) {
	testenv.Root(t)
	if err := Available(); err != nil {
		t.Skipf("%v; install them to run the namespace scenarios", err)
	}
	if testing.Short() {
		t.Skip("finding scenarios take about a minute; skipped in -short mode")
	}
	only := os.Getenv("WIRESTAT_E2E_RUN")
	dir := t.TempDir()
	for _, sc := range FindingScenarios() {
		if only != "" && !strings.Contains(","+only+",", ","+sc.Name+",") {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			for _, tool := range sc.Needs {
				testenv.Tool(t, tool)
			}
			want, ok := findingsWant[sc.Name]
			if !ok {
				t.Errorf("no expected findings for scenario %s (reporting what wirestat found)", sc.Name)
			}
			out, err := sc.Capture(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d packets, %d bytes", out.Info.Packets, out.Info.Bytes)
			for _, m := range out.Mismatches {
				t.Errorf("%s", m)
			}
			agree, total, unknown := checkAgainstKernel(t, out)
			t.Logf("wirestat vs kernel: %d/%d endpoint states agree, %d undecidable from the wire (UNKNOWN, or marked assumed)", agree, total, unknown)
			r := analyse(t, out.Pcap)
			checkFindings(t, r.Findings, want)
			t.Run("filters", func(t *testing.T) {
				checkFilters(t, testenv.Tool(t, "tshark"), out.Pcap, r.Findings)
			})
		})
	}
}

// TestFindingFiltersSamples checks the display filter of every finding on
// the sample captures against tshark.
func TestFindingFiltersSamples(t *testing.T) {
	tshark := testenv.Tool(t, "tshark")
	dir := filepath.Join(testenv.RepoRoot(t), "pcaps")
	names := []string{"demo"}
	for _, sc := range findingSamples() {
		names = append(names, sc.Name)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			pcap := filepath.Join(dir, name+".pcap")
			r := analyse(t, pcap)
			if len(r.Findings) == 0 {
				t.Fatalf("%s: no findings", pcap)
			}
			checkFilters(t, tshark, pcap, r.Findings)
		})
	}
}

// checkFindings asserts that got holds exactly the (kind, subject) pairs
// of want, and each with the wanted severity, count and details.
func checkFindings(t *testing.T, got []result.Finding, want []wantFinding) {
	t.Helper()
	key := func(kind, subject string, details map[string]any) string {
		if peer, ok := details["peer"]; ok {
			return fmt.Sprintf("%s %s->%v", kind, subject, peer)
		}
		return kind + " " + subject
	}
	var gotKeys, wantKeys []string
	byKey := make(map[string]result.Finding)
	for _, f := range got {
		k := key(f.Kind, f.Subject, f.Details)
		gotKeys = append(gotKeys, k)
		byKey[k] = f
		t.Logf("finding %s (%s, count %d): %s\n\tdetails %v\n\tfilter %s", k, f.Severity, f.Count, f.Summary, f.Details, f.Filter)
	}
	for _, w := range want {
		wantKeys = append(wantKeys, key(w.Kind, w.Subject, w.Details))
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("findings (kind subject):\n got %q\nwant %q", gotKeys, wantKeys)
	}
	for _, w := range want {
		f, ok := byKey[key(w.Kind, w.Subject, w.Details)]
		if !ok {
			continue
		}
		if w.Severity != "" && f.Severity != w.Severity {
			t.Errorf("%s %s: severity %s, want %s", w.Kind, w.Subject, f.Severity, w.Severity)
		}
		if w.Count != 0 && f.Count != w.Count {
			t.Errorf("%s %s: count %d, want %d", w.Kind, w.Subject, f.Count, w.Count)
		}
		for k, v := range w.Details {
			g, ok := f.Details[k]
			if !ok {
				t.Errorf("%s %s: details lack %s, want %v", w.Kind, w.Subject, k, v)
			} else if fmt.Sprint(g) != fmt.Sprint(v) {
				t.Errorf("%s %s: details.%s = %v, want %v", w.Kind, w.Subject, k, g, v)
			}
		}
		if w.check != nil {
			w.check(t, f)
		}
	}
}

// checkFilters runs each finding's display filter through tshark and
// asserts that it selects exactly the finding's frames. Findings whose
// lists were truncated are skipped: their filter selects more.
func checkFilters(t *testing.T, tshark, pcap string, fs []result.Finding) {
	t.Helper()
	for _, f := range fs {
		name := f.Kind + " " + f.Subject
		if f.Filter == "" {
			t.Errorf("%s: no display filter", name)
			continue
		}
		if _, ok := f.Details["truncated"]; ok {
			t.Logf("%s: frame list truncated, filter %q not compared", name, f.Filter)
			continue
		}
		got, err := tsharkFrames(tshark, pcap, f.Filter)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !slices.Equal(got, f.Frames) {
			t.Errorf("%s: filter %q selects frames %v in tshark, finding lists %v", name, f.Filter, got, f.Frames)
		}
	}
}

// tsharkFrames returns the frame numbers tshark's display filter selects.
func tsharkFrames(tshark, pcap, filter string) ([]int64, error) {
	cmd := exec.Command(tshark, "-n", "-r", pcap, "-Y", filter, "-T", "fields", "-e", "frame.number")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tshark -Y %q: %w: %s", filter, err, strings.TrimSpace(stderr.String()))
	}
	frames := []int64{}
	for _, line := range strings.Fields(string(out)) {
		n, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("tshark output %q: %w", line, err)
		}
		frames = append(frames, n)
	}
	return frames, nil
}
