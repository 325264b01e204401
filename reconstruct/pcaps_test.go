package reconstruct

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// readExpected reads a pcaps/NAME.expected.tsv: the kernel's own endpoint
// states (ss -tan) at the end of the capture, as local, peer, state.
func readExpected(t *testing.T, path string) map[[2]string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[[2]string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 || cols[0] == "local" || strings.HasPrefix(cols[0], "#") {
			continue
		}
		want[[2]string{cols[0], cols[1]}] = cols[2]
	}
	return want
}

func hostPort(addr string, port uint16) string {
	if strings.Contains(addr, ":") {
		return fmt.Sprintf("[%s]:%d", addr, port)
	}
	return fmt.Sprintf("%s:%d", addr, port)
}

// TestKernelStates runs every shipped capture and compares each endpoint's
// inferred state with the state the kernel reported (ss) when the capture
// was made. A capture of one direction only (oneSidedCut) is judged as
// TestOneSidedStates judges its cuts.
func TestKernelStates(t *testing.T) {
	root := testenv.RepoRoot(t)
	exps, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.expected.tsv"))
	if len(exps) == 0 {
		t.Fatal("no pcaps/*.expected.tsv")
	}
	var total, agree, undecidable int
	var oneSided testenv.Tally
	for _, exp := range exps {
		name := strings.TrimSuffix(filepath.Base(exp), ".expected.tsv")
		t.Run(name, func(t *testing.T) {
			capFile := filepath.Join(root, "pcaps", name+".pcap")
			if _, err := os.Stat(capFile); err != nil {
				capFile = filepath.Join(root, "pcaps", name+".pcapng")
			}
			want := readExpected(t, exp)
			a := analyse(t, Config{}, capFile)
			if a.err != nil {
				t.Fatal(a.err)
			}
			got := map[[2]string]string{}
			silent := map[[2]string]bool{}  // endpoints that sent nothing the capture saw
			assumed := map[[2]string]bool{} // endpoints whose state the capture gives no evidence of
			for _, c := range a.conns {
				cl, sv := hostPort(c.Client.Addr, c.Client.Port), hostPort(c.Server.Addr, c.Server.Port)
				got[[2]string{cl, sv}] = c.Client.State
				got[[2]string{sv, cl}] = c.Server.State
				silent[[2]string{cl, sv}] = c.Client.Packets == 0
				silent[[2]string{sv, cl}] = c.Server.Packets == 0
				assumed[[2]string{cl, sv}] = c.Client.Evidence == "assumed"
				assumed[[2]string{sv, cl}] = c.Server.Evidence == "assumed"
			}
			if keep, ok := oneSidedCut(name); ok {
				eps := endpointsByKey(a.conns)
				for k, w := range want {
					if g, ok := eps[k]; ok {
						oneSided.Judge(t, k[0]+" -> "+k[1], g.State, g.Evidence, w, keep(localAddr(k[0])))
					} else {
						t.Logf("%s -> %s: kernel %s, no packet of the connection on this path", k[0], k[1], w)
					}
				}
				return
			}
			for k, w := range want {
				total++
				g, ok := got[k]
				if !ok {
					t.Errorf("%s -> %s: kernel %s, wirestat has no such endpoint", k[0], k[1], w)
					continue
				}
				if g == "UNKNOWN" && silent[k] {
					// The wire cannot tell: the endpoint sent nothing the
					// capture saw (SYNs dropped before its stack, SYN-ACKs
					// dropped before the wire). UNKNOWN is the honest answer.
					undecidable++
					t.Logf("%s -> %s: kernel %s, not visible on the wire (UNKNOWN)", k[0], k[1], w)
					continue
				}
				if g != w && assumed[k] {
					// Marked as assumed: the capture (one that starts
					// mid-close) holds no evidence either way.
					undecidable++
					t.Logf("%s -> %s: kernel %s, wirestat %s (assumed: undecidable from the capture)", k[0], k[1], w, g)
					continue
				}
				if g != w {
					t.Errorf("%s -> %s: kernel %s, wirestat %s", k[0], k[1], w, g)
					continue
				}
				agree++
			}
		})
	}
	t.Logf("endpoint states vs kernel: %d/%d agree, %d undecidable from the capture (UNKNOWN, or marked assumed)", agree, total-undecidable, undecidable)
	t.Logf("one-sided captures: %v", &oneSided)
}

// TestGolden runs every shipped capture through every writer and compares
// the output with testdata/golden/NAME.FORMAT; -update rewrites them.
func TestGolden(t *testing.T) {
	root := testenv.RepoRoot(t)
	caps, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.pcap"))
	for _, capFile := range caps {
		name := strings.TrimSuffix(filepath.Base(capFile), ".pcap")
		for _, format := range []string{"text", "json", "jsonl", "csv", "zeek"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				w, err := report.ForFormat(format, &buf, report.Options{})
				if err != nil {
					t.Fatal(err)
				}
				src, err := capture.Open([]string{capFile}, capture.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				r, err := Run(context.Background(), src, Config{Sources: []string{"pcaps/" + name + ".pcap"}, Version: "test"}, w)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Close(r); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", "golden", name+"."+format)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./reconstruct -update)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s differs from the golden file:\n%s", golden, firstDiff(string(want), buf.String()))
				}
			})
		}
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// TestShortMSLExpiresTimeWait: with an MSL shorter than the time between
// the client entering TIME_WAIT and the capture's last packet, the client's
// TIME_WAIT ends inside the capture (RFC 9293 §3.10.8), on capture time.
func TestShortMSLExpiresTimeWait(t *testing.T) {
	root := testenv.RepoRoot(t)
	capFile := filepath.Join(root, "pcaps", "close-by-client.pcap")
	long := analyse(t, Config{}, capFile)
	short := analyse(t, Config{Flow: flow.Config{MSL: time.Nanosecond}}, capFile)
	if long.err != nil || short.err != nil {
		t.Fatal(long.err, short.err)
	}
	if got := long.conns[0].Client.State; got != "TIME_WAIT" {
		t.Fatalf("default MSL: client %s, want TIME_WAIT", got)
	}
	c := short.conns[0]
	if c.Client.State != "CLOSED" {
		t.Fatalf("MSL 1ns: client %s, want CLOSED", c.Client.State)
	}
	expired := false
	for _, tr := range c.Transitions {
		if tr.Endpoint == "client" && tr.From == "TIME_WAIT" {
			expired = tr.To == "CLOSED" && tr.Cause == "2*MSL elapsed" && tr.Frame == 0
		}
	}
	if !expired {
		t.Errorf("no clock-driven TIME_WAIT -> CLOSED transition for the client: %+v", c.Transitions)
	}
	if short.res.Capture.MSLSeconds != 1e-9 {
		t.Errorf("msl_seconds %v", short.res.Capture.MSLSeconds)
	}
}
