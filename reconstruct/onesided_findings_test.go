package reconstruct

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// oneSidedFindings runs the pipeline over capFile cut to the packets of
// one side (nil keep: uncut) and returns the findings.
func oneSidedFindings(t *testing.T, capFile string, keep func(string) bool) []result.Finding {
	t.Helper()
	src, err := capture.Open([]string{capFile}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var in capture.Source = src
	if keep != nil {
		in = &oneSided{Source: src, keep: keep, dec: decode.NewDecoder()}
	}
	r, err := Run(context.Background(), in, Config{Sources: []string{capFile}}, &collect{})
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return r.Findings
}

// TestOneSidedFindings: a capture that holds one direction only (a
// one-sided tap, asymmetric routing) does not make silence a failure: no
// server is reported as never answering, nor a side as leaking CLOSE_WAIT,
// above info, when the capture holds no packet of the silent side at all.
// Every shipped capture is cut to its client side's packets; the shipped
// one-sided captures are read as they are.
func TestOneSidedFindings(t *testing.T) {
	root := testenv.RepoRoot(t)
	caps, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.pcap"))
	if len(caps) == 0 {
		t.Fatal("no pcaps/*.pcap")
	}
	quiet := 0
	for _, capFile := range caps {
		name := strings.TrimSuffix(filepath.Base(capFile), ".pcap")
		keep := sideOf("client")
		if _, ok := oneSidedCut(name); ok {
			keep = nil
		} else if _, err := os.Stat(filepath.Join(root, "pcaps", name+".expected.tsv")); err != nil {
			continue // not a namespace scenario: no client side to cut
		}
		t.Run(name, func(t *testing.T) {
			for _, f := range oneSidedFindings(t, capFile, keep) {
				silent := f.Kind == "syn_unanswered" || (f.Kind == "half_closed" && f.Details["close_wait_side"] == "server")
				if silent && f.Severity != "info" {
					t.Errorf("%s %s is %s on a one-sided capture: %s", f.Kind, f.Subject, f.Severity, f.Summary)
				}
				if silent {
					quiet++
				}
			}
		})
	}
	if quiet == 0 {
		t.Error("no cut produced a syn_unanswered or server half_closed finding at all: the test checks nothing")
	}
}

// TestOneSidedCutsSayWhy: the client side of pcaps/demo.pcap and of
// pcaps/close-wait.pcap (tcpdump -r X -w c.pcap 'src host 10.213.0.1')
// report the unanswered SYNs and the CLOSE_WAIT as info, saying the
// capture holds one direction; the whole captures report them above info.
func TestOneSidedCutsSayWhy(t *testing.T) {
	root := testenv.RepoRoot(t)
	for _, tc := range []struct {
		pcap, kind, subject string
	}{
		{"demo", "syn_unanswered", "10.213.0.2:82"},
		{"demo", "syn_unanswered", "10.213.0.2:81"},
		{"close-wait", "half_closed", "10.213.0.2:80"},
	} {
		t.Run(tc.pcap+"/"+tc.subject, func(t *testing.T) {
			capFile := filepath.Join(root, "pcaps", tc.pcap+".pcap")
			var got *result.Finding
			fs := oneSidedFindings(t, capFile, func(a string) bool { return a == "10.213.0.1" })
			for i := range fs {
				if fs[i].Kind == tc.kind && fs[i].Subject == tc.subject {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s %s in the client-side cut: %v", tc.kind, tc.subject, fs)
			}
			if got.Severity != "info" || got.Details["one_direction"] != true || !strings.Contains(got.Summary, "one direction") {
				t.Errorf("client-side cut: %s %v: %s", got.Severity, got.Details, got.Summary)
			}
			for _, f := range oneSidedFindings(t, capFile, nil) {
				if f.Kind == tc.kind && f.Subject == tc.subject && f.Details["one_direction"] == true {
					t.Errorf("the whole capture says one direction: %s", f.Summary)
				}
			}
		})
	}
}
