package reconstruct

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// runTshark asks the installed tshark for the stream number of every TCP
// frame of capFile.
func runTshark(t *testing.T, tshark, capFile string) []tsharkRow {
	t.Helper()
	cmd := exec.Command(tshark, "-n", "-r", capFile, "-Y", "tcp", "-T", "fields", "-e", "frame.number", "-e", "tcp.stream")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v: %s", capFile, err, stderr.String())
	}
	var rows []tsharkRow
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) < 2 || cols[1] == "" {
			continue
		}
		fr, err1 := strconv.ParseInt(cols[0], 10, 64)
		st, err2 := strconv.ParseInt(strings.SplitN(cols[1], ",", 2)[0], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("tshark output %q", line)
		}
		rows = append(rows, tsharkRow{Frame: fr, Stream: st})
	}
	return rows
}

// zeekTracesLeftOut carry TCP inside tunnels wirestat does not decapsulate,
// so tshark numbers inner flows wirestat cannot see.
var zeekTracesLeftOut = map[string]string{
	"ayiya-ipv6-tunnel":     "TCP inside AYIYA tunnels",
	"teredo-bubble-payload": "TCP inside Teredo tunnels",
	"teredo-ipv6-tunnel":    "TCP inside Teredo tunnels",
	"gtp-outer-ip-frag":     "TCP inside GTP tunnels",
	"gtp-s3":                "TCP inside GTP tunnels",
	"gre-sample":            "TCP inside GRE tunnels",
}

// TestTsharkStreamsLive runs the installed tshark over the shipped captures
// and Zeek's traces and checks wirestat's stream and frame numbering
// against it, as TestWiresharkStreams does with stored tshark output.
func TestTsharkStreamsLive(t *testing.T) {
	tshark := testenv.Tool(t, "tshark")
	root := testenv.RepoRoot(t)
	caps, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.pcap"))
	zdir := filepath.Join(filepath.Dir(root), "shared", "oracles", "zeek")
	if d := os.Getenv("WIRESTAT_SHARED"); d != "" {
		zdir = filepath.Join(d, "oracles", "zeek")
	}
	traces, _ := filepath.Glob(filepath.Join(zdir, "*", "*.pcap*"))
	if len(traces) == 0 {
		t.Logf("no Zeek traces at %s: checking pcaps/ only", zdir)
	}
	for _, tr := range traces {
		if _, skip := zeekTracesLeftOut[filepath.Base(filepath.Dir(tr))]; !skip {
			caps = append(caps, tr)
		}
	}
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
