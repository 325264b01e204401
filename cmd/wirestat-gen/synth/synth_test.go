package synth_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wirestat/wirestat/cmd/wirestat-gen/synth"
	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/report"
	"github.com/wirestat/wirestat/reconstruct/result"
)

func generate(t *testing.T, cfg synth.Config) ([]byte, synth.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := synth.Generate(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Fatalf("stats say %d bytes, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

func TestSameSeedSameBytes(t *testing.T) {
	for _, format := range []string{"pcap", "pcapng"} {
		t.Run(format, func(t *testing.T) {
			cfg := synth.Config{Seed: 7, Packets: 30000, Format: format}
			a, _ := generate(t, cfg)
			b, _ := generate(t, cfg)
			if sha256.Sum256(a) != sha256.Sum256(b) {
				t.Fatal("two runs with seed 7 differ")
			}
			cfg.Seed = 8
			c, _ := generate(t, cfg)
			if bytes.Equal(a, c) {
				t.Fatal("seeds 7 and 8 gave the same capture")
			}
		})
	}
}

// counter collects what the tests check from every connection.
type counter struct {
	states    map[string]int // "client SYN_SENT", "server CLOSE_WAIT"...
	connState map[string]int // Zeek conn_state
	v6        int
	conns     int
}

func (c *counter) Connection(rc *result.Connection) error {
	c.conns++
	c.states["client "+rc.Client.State]++
	c.states["server "+rc.Server.State]++
	c.connState[rc.ZeekConnState]++
	if len(rc.Client.Addr) > 0 && bytes.ContainsRune([]byte(rc.Client.Addr), ':') {
		c.v6++
	}
	return nil
}

func analyse(t *testing.T, data []byte) (*result.Result, *counter) {
	t.Helper()
	cnt := &counter{states: map[string]int{}, connState: map[string]int{}}
	src := capture.NewReader("synth", bytes.NewReader(data), capture.Options{})
	defer src.Close()
	r, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{"synth"}}, cnt)
	if err != nil {
		t.Fatal(err)
	}
	return r, cnt
}

// TestWirestatFindsTheMix reads a generated capture with the whole
// pipeline: no warnings or decode errors, and every scripted outcome shows
// up in the states and Zeek conn_states.
func TestWirestatFindsTheMix(t *testing.T) {
	for _, format := range []string{"pcap", "pcapng"} {
		t.Run(format, func(t *testing.T) {
			data, st := generate(t, synth.Config{Seed: 1, Packets: 60000, Format: format})
			r, cnt := analyse(t, data)
			if len(r.Capture.Warnings) != 0 {
				t.Errorf("warnings: %q", r.Capture.Warnings)
			}
			if r.Capture.Packets != st.Packets || r.Capture.TCPPackets != st.Packets {
				t.Errorf("read %d packets (%d tcp), generated %d", r.Capture.Packets, r.Capture.TCPPackets, st.Packets)
			}
			if r.Capture.DecodeErrors != 0 || r.Capture.TruncatedPackets != 0 {
				t.Errorf("decode errors %d, truncated %d", r.Capture.DecodeErrors, r.Capture.TruncatedPackets)
			}
			for _, want := range []string{
				"client TIME_WAIT", "server TIME_WAIT", "server CLOSE_WAIT", "client CLOSE_WAIT",
				"client SYN_SENT", "server SYN_RECEIVED", "client ESTABLISHED", "client FIN_WAIT_2",
			} {
				if cnt.states[want] == 0 {
					t.Errorf("no %s endpoint; states %v", want, cnt.states)
				}
			}
			for _, want := range []string{"S0", "REJ", "SF", "RSTO", "RSTR", "S1", "OTH"} {
				if cnt.connState[want] == 0 {
					t.Errorf("no %s connection; conn_states %v", want, cnt.connState)
				}
			}
			if cnt.v6 < cnt.conns/20 || cnt.v6 > cnt.conns/5 {
				t.Errorf("%d of %d connections are IPv6, want about 10%%", cnt.v6, cnt.conns)
			}
			scans := 0
			for _, f := range r.Findings {
				if f.Kind == "scan" {
					scans++
				}
			}
			if scans == 0 {
				t.Error("no scan finding")
			}
		})
	}
}

// TestSpan stretches a capture over three days.
func TestSpan(t *testing.T) {
	_, st := generate(t, synth.Config{Seed: 3, Packets: 40000, Span: 72 * time.Hour})
	if d := st.Last.Sub(st.First); d < 48*time.Hour || d > 72*time.Hour {
		t.Errorf("capture spans %s, want most of 72h", d)
	}
	if st.Packets < 30000 {
		t.Errorf("only %d packets", st.Packets)
	}
}

// TestOpen leaves every connection established.
func TestOpen(t *testing.T) {
	data, st := generate(t, synth.Config{Seed: 4, Open: 5000})
	if st.Connections != 5000 {
		t.Fatalf("%d connections, want 5000", st.Connections)
	}
	_, cnt := analyse(t, data)
	if cnt.states["client ESTABLISHED"] != 5000 || cnt.states["server ESTABLISHED"] != 5000 {
		t.Errorf("states %v, want 5000 ESTABLISHED on both sides", cnt.states)
	}
}

// TestServicesProfileDigest reads a capture of thousands of services with
// thin failures: the digest that opens the findings fits one screen, and
// no finding of medium or higher severity is a single connection at a
// busy service.
func TestServicesProfileDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and reads 300,000 packets")
	}
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		_, err := synth.Generate(bw, synth.Config{Seed: 5, Packets: 300000, Profile: synth.ProfileServices})
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	src := capture.NewReader("services", pr, capture.Options{})
	defer src.Close()
	r, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{"services"}}, &counter{states: map[string]int{}, connState: map[string]int{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Listeners) < 1000 {
		t.Fatalf("%d listeners, want thousands of services", len(r.Listeners))
	}
	if len(r.Findings) < 100 {
		t.Fatalf("%d findings, want the thin failures spread over many services", len(r.Findings))
	}
	var buf bytes.Buffer
	w, err := report.ForFormat("text", &buf, report.Options{FindingsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(r); err != nil {
		t.Fatal(err)
	}
	digest, _, ok := strings.Cut(buf.String(), "\nFindings\n")
	if !ok {
		t.Fatalf("no findings section:\n%s", buf.String())
	}
	if n := strings.Count(digest, "\n"); n > 40 {
		t.Errorf("the digest takes %d lines, more than a screen of 40:\n%s", n, digest)
	}
	for _, want := range []string{"scan ", "syn_rejected ", "half_closed ", "reset "} {
		if !strings.Contains(digest, "\n  "+want) {
			t.Errorf("the digest has no %s line:\n%s", want, digest)
		}
	}
	const busy = 20
	scans := 0
	for _, f := range r.Findings {
		if f.Kind == "scan" && f.Severity == "high" {
			scans++
		}
		sev, _ := findings.ParseSeverity(f.Severity)
		total, _ := f.Details["subject_connections"].(int64)
		if sev >= findings.Medium && f.Count == 1 && total >= busy {
			t.Errorf("%s %s is %s for 1 of %d connections", f.Kind, f.Subject, f.Severity, total)
		}
	}
	if scans != 2 {
		t.Errorf("%d high scan findings, want the profile's 2 scanners", scans)
	}
}
