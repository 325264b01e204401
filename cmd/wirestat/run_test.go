package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/filter"
)

func demo(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "pcaps", "demo.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExitCodes drives the command as a user would and checks the exit code
// and the one-line messages on stderr.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pcap")
	if err := os.WriteFile(junk, []byte("this is not a capture file at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pcap")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(demo(t))
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.pcap")
	if err := os.WriteFile(trunc, whole[:len(whole)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring
		stderrLine string // substring of the only stderr line ("" = no stderr)
	}{
		{"text report", []string{"-r", demo(t)}, exitOK, "CLOSE_WAIT", ""},
		{"csv", []string{"-r", demo(t), "-F", "csv"}, exitOK, "stream,client_addr", ""},
		{"filter after options", []string{"-r", demo(t), "-F", "csv", "tcp", "port", "81"}, exitOK, ",81,CLOSED", ""},
		{"options after filter", []string{"-r", demo(t), "tcp port 81", "-F", "csv"}, exitOK, ",81,CLOSED", ""},
		{"version", []string{"--version"}, exitOK, "wirestat ", ""},
		{"help", []string{"-h"}, exitOK, "exit codes", ""},
		{"no input", []string{"-F", "json"}, exitUsage, "", "give either -r FILE or -i IFACE"},
		{"unknown flag", []string{"--bogus"}, exitUsage, "", "flag provided but not defined"},
		{"unknown format", []string{"-r", demo(t), "-F", "xml"}, exitUsage, "", "xml"},
		{"bad msl", []string{"-r", demo(t), "--msl", "0"}, exitUsage, "", "--msl must be positive"},
		{"bad at", []string{"-r", demo(t), "--at", "yesterday"}, exitUsage, "", "--at"},
		{"missing file", []string{"-r", filepath.Join(dir, "nope.pcap")}, exitInput, "", "nope.pcap"},
		{"not a capture", []string{"-r", junk, "-q"}, exitInput, "", "junk.pcap: no input could be read"},
		{"empty file", []string{"-r", empty, "-q"}, exitInput, "", "empty.pcap"},
		{"annotate needs files", []string{"-r", "-", "--annotate", filepath.Join(dir, "a.pcapng")}, exitUsage, "", "--annotate reads the capture files twice"},
		{"annotate", []string{"-r", demo(t), "--annotate", filepath.Join(dir, "a.pcapng"), "--findings-only"}, exitOK, "half_closed", ""},
		{"list thresholds", []string{"--thresholds"}, exitOK, "time-wait-threshold", ""},
		{"threshold lowers the bar", []string{"-r", demo(t), "--findings-only", "--threshold", "flood-half-open=1"}, exitOK, "syn_flood", ""},
		{"unknown threshold", []string{"-r", demo(t), "--threshold", "nope=1"}, exitUsage, "", "unknown threshold"},
		{"bad threshold file", []string{"-r", demo(t), "--thresholds-file", filepath.Join(dir, "missing.conf")}, exitUsage, "", "--thresholds-file"},
		{"two workers", []string{"-r", demo(t), "--workers", "2", "-F", "csv"}, exitOK, "CLOSE_WAIT", ""},
		{"truncated keeps results", []string{"-r", trunc, "-F", "csv"}, exitOK, "TIME_WAIT", "trunc.pcap: offset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if slices.Contains(tt.args, "tcp") || slices.Contains(tt.args, "tcp port 81") {
				needFilterCompiler(t)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errb.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out.String())
			}
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			switch {
			case tt.stderrLine == "" && errb.Len() > 0:
				t.Errorf("unexpected stderr: %s", errb.String())
			case tt.stderrLine != "" && !strings.Contains(errb.String(), tt.stderrLine):
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderrLine)
			case tt.stderrLine != "" && len(lines) > 2:
				t.Errorf("want one clear line, got %d:\n%s", len(lines), errb.String())
			}
		})
	}
}

// TestAt reports the states as of a moment inside the capture.
func TestAt(t *testing.T) {
	var out, errb bytes.Buffer
	// Frame 3 is the first SYN of stream 0 in the demo capture; right after
	// it only that SYN has been seen.
	if code := run(context.Background(), []string{"-r", demo(t), "-F", "csv", "-c", "3"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "SYN_SENT") || strings.Contains(out.String(), "TIME_WAIT") {
		t.Errorf("after 3 packets want only a SYN_SENT client:\n%s", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-r", demo(t), "-F", "csv", "--at", "+0s"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("--at +0s: want no connection yet (the demo starts with ARP):\n%s", out.String())
	}
}

// TestLiveSave: a live capture saved with -w is a capture wirestat reads
// back; a save that fails (a full disk) is reported on stderr and with exit
// 3, and the report is still written.
func TestLiveSave(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (CAP_NET_RAW)")
	}
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to fail the save")
	}
	saved := filepath.Join(t.TempDir(), "lo.pcap")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-i", "lo", "--duration", "200ms", "-w", saved, "-q", "-F", "csv"}, &out, &errb); code != exitOK {
		t.Fatalf("save to %s: exit %d: %s", saved, code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-r", saved, "-q", "-F", "csv"}, &out, &errb); code != exitOK {
		t.Fatalf("reading the saved capture back: exit %d: %s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	code := run(context.Background(), []string{"-i", "lo", "--duration", "200ms", "-w", "/dev/full", "-q", "-F", "csv"}, &out, &errb)
	if code != exitOutput || !strings.Contains(errb.String(), "-w /dev/full") || !strings.Contains(out.String(), "stream,") {
		t.Errorf("save to /dev/full: exit %d, stderr %q, report %q", code, errb.String(), out.String())
	}
}

// TestLiveBufferAndFilter: -B sizes the ring, the filter goes to the
// kernel, and the JSON report carries the live counters; a filter that
// does not compile is a usage error (exit 1), as for files.
func TestLiveBufferAndFilter(t *testing.T) {
	needFilterCompiler(t)
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (CAP_NET_RAW)")
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-i", "lo", "-B", "512", "--duration", "200ms", "-q", "-F", "json", "tcp", "port", "1"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, field := range []string{`"received"`, `"dropped"`, `"kernel_dropped"`, `"queue_dropped"`} {
		if !strings.Contains(out.String(), field) {
			t.Errorf("report lacks capture.stats field %s:\n%s", field, out.String())
		}
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"-i", "lo", "--duration", "200ms", "-q", "tcp", "port"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "tcp port") {
		t.Errorf("bad filter: exit %d, stderr %q; want exit %d naming the filter", code, errb.String(), exitUsage)
	}
}

// needFilterCompiler skips the test unless this build can compile capture
// filters here (tcpdump in PATH, or a build with -tags libpcap).
func needFilterCompiler(t *testing.T) {
	t.Helper()
	if !filter.CanCompile(capture.LinkEthernet) {
		t.Skip("compiling capture filters needs tcpdump in PATH (apt-get install tcpdump; .ci/run does) or a build with -tags libpcap")
	}
}
