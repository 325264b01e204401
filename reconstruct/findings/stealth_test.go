package findings

import (
	"fmt"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

// TestStealthScans: probes that open no connection (nmap -sA, -sF, -sN,
// -sX, -sM) across many ports of a host, or one port of many hosts (an
// ACK ping sweep), are one scan finding with details.probe; the targets'
// resets are the probes' answers, not per-target findings; a client with
// a few idle keep-alives beside them is quiet.
func TestStealthScans(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   uint16
		probe   string
		hosts   int // 1: vertical over 30 ports; else horizontal on port 80
		pattern string
	}{
		{"ACK scan", decode.ACK, "ack", 1, "vertical"},
		{"FIN scan", decode.FIN, "fin", 1, "vertical"},
		{"NULL scan", 0, "null", 1, "vertical"},
		{"Xmas scan", decode.FIN | decode.PSH | decode.URG, "xmas", 1, "vertical"},
		{"Maimon scan", decode.FIN | decode.ACK, "maimon", 1, "vertical"},
		{"ACK ping sweep", decode.ACK, "ack", 30, "horizontal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, Config{})
			for i := range 30 {
				dst := fmt.Sprintf("10.0.0.2:%d", 1000+i)
				if tc.hosts > 1 {
					dst = fmt.Sprintf("10.0.1.%d:80", i+1)
				}
				c := s.newConn("10.0.0.66", dst)
				at := time.Duration(i) * 10 * ms
				s.send(at, c.cli, c.srv, tc.flags, c.cseq, c.sseq, 0)
				if i%3 != 0 { // the others are filtered: no answer
					s.send(at+ms, c.srv, c.cli, decode.RST, c.sseq, 0, 0)
				}
			}
			// A benign client's keep-alives on two idle connections.
			for i := range 2 {
				c := s.newConn("10.0.0.7", "10.0.0.2:443")
				s.send(time.Duration(i)*ms, c.cli, c.srv, decode.ACK, c.cseq, c.sseq, 0)
				s.send(time.Duration(i)*ms+ms, c.srv, c.cli, decode.ACK, c.sseq, c.cseq, 0)
			}
			fs := s.finish(time.Second)
			if len(fs) != 1 {
				t.Fatalf("want only the scan, got %v", kinds(fs))
			}
			f := fs[0]
			if f.Kind != "scan" || f.Subject != "10.0.0.66" || f.Severity != "high" || f.Count != 30 ||
				f.Details["probe"] != tc.probe || f.Details["pattern"] != tc.pattern ||
				f.Details["reset"] != int64(20) || f.Details["unanswered"] != int64(10) {
				t.Errorf("got %+v", f)
			}
		})
	}
}

// TestFewProbesAreNoScan: a handful of stray ACKs is not a scan.
func TestFewProbesAreNoScan(t *testing.T) {
	s := newSim(t, Config{})
	for i := range 5 {
		c := s.newConn("10.0.0.66", fmt.Sprintf("10.0.0.2:%d", 1000+i))
		s.send(time.Duration(i)*ms, c.cli, c.srv, decode.ACK, c.cseq, c.sseq, 0)
		s.send(time.Duration(i)*ms+ms, c.srv, c.cli, decode.RST, c.sseq, 0, 0)
	}
	if fs := s.finish(time.Second); len(fs) != 0 {
		t.Errorf("findings for 5 stray ACKs: %v", kinds(fs))
	}
}

// TestUnansweredACKsAreNoScan: pure ACKs to many hosts that nothing
// answers (a one-direction capture of a client's idle keep-alives) are no
// ACK sweep.
func TestUnansweredACKsAreNoScan(t *testing.T) {
	s := newSim(t, Config{})
	for i := range 40 {
		c := s.newConn("10.0.0.66", fmt.Sprintf("10.0.1.%d:443", i+1))
		s.send(time.Duration(i)*ms, c.cli, c.srv, decode.ACK, c.cseq, c.sseq, 0)
	}
	for _, f := range s.finish(time.Second) {
		if f.Kind == "scan" {
			t.Errorf("unanswered keep-alives reported as a scan: %s", f.Summary)
		}
	}
}
