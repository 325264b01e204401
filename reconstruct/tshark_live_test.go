package reconstruct

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// runTshark asks the installed tshark for the stream number of every TCP
// frame of capFile.
func runTshark(t *testing.T, tshark, capFile string) []testenv.TsharkRow {
	t.Helper()
	cmd := exec.Command(tshark, "-n", "-r", capFile, "-Y", "tcp", "-T", "fields", "-e", "frame.number", "-e", "tcp.stream")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v: %s", capFile, err, stderr.String())
	}
	return testenv.ParseTsharkRows(t, "tshark -r "+capFile, out)
}

// TestTsharkStreamsLive runs the installed tshark over the shipped captures
// and Zeek's traces and checks wirestat's stream and frame numbering
// against it, as TestWiresharkStreams does with stored tshark output.
func TestTsharkStreamsLive(t *testing.T) {
	tshark := testenv.Tool(t, "tshark")
	caps := captureFiles(t, nil)
	var agree, total int
	for _, c := range caps {
		name := filepath.Base(filepath.Dir(c)) + "/" + filepath.Base(c)
		t.Run(name, func(t *testing.T) {
			a, n := compareStreams(t, c, runTshark(t, tshark, c))
			agree, total = agree+a, total+n
		})
	}
	t.Logf("live tshark stream agreement: %d/%d TCP frames in %d captures", agree, total, len(caps))
}

// captureFiles lists the shipped captures and the Zeek oracle's traces
// (those absent from leftOut, by case folder), the set the cross-checks
// run over.
func captureFiles(t *testing.T, leftOut map[string]string) []string {
	t.Helper()
	caps, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "pcaps", "*.pcap"))
	zdir := filepath.Join(testenv.SharedDir(t), "oracles", "zeek")
	traces, _ := filepath.Glob(filepath.Join(zdir, "*", "*.pcap*"))
	if len(traces) == 0 {
		t.Logf("no Zeek traces at %s: shipped captures only", zdir)
	}
	for _, tr := range traces {
		if _, skip := leftOut[filepath.Base(filepath.Dir(tr))]; !skip {
			caps = append(caps, tr)
		}
	}
	return caps
}
