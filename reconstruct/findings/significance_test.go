package findings

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSeverityFollowsImpact(t *testing.T) {
	cfg := DefaultConfig()
	for _, tc := range []struct {
		name string
		kind Kind
		im   impact
		want Severity
	}{
		{"one refused among 4000 good", SYNRejected, impact{n: 1, total: 4001, peers: 1}, Info},
		{"one of one: a closed port tried once", SYNRejected, impact{n: 1, total: 1, peers: 1}, Low},
		{"one of ten", SYNUnanswered, impact{n: 1, total: 10, peers: 1}, Low},
		{"one at a busy service", SYNUnanswered, impact{n: 1, total: 25, peers: 1}, Info},
		{"three of three", SYNUnanswered, impact{n: 3, total: 3, peers: 1}, Medium},
		{"five of a hundred: 5%", SYNUnanswered, impact{n: 5, total: 100, peers: 5}, Low},
		{"twenty of a hundred", SYNUnanswered, impact{n: 20, total: 100, peers: 3}, Medium},
		{"outage seen by many clients", SYNUnanswered, impact{n: 20, total: 40, peers: 12}, High},
		{"half the attempts of few clients", SYNUnanswered, impact{n: 20, total: 40, peers: 3}, Medium},
		{"many and a large share", SYNRejected, impact{n: 150, total: 200, peers: 1}, High},
		{"many but a small share", SYNRejected, impact{n: 150, total: 10000, peers: 40}, Medium},
		{"a brief sprinkle below the noise share", SYNUnanswered, impact{n: 50, total: 10000, peers: 40, span: 10 * time.Second}, Info},
		{"a steady trickle below the noise share", SYNUnanswered, impact{n: 50, total: 10000, peers: 40, span: 3 * time.Hour}, Low},
		{"reset: one of one", Reset, impact{n: 1, total: 1, peers: 1}, Info},
		{"reset: many and a large share", Reset, impact{n: 150, total: 200, peers: 30}, Medium},
		{"reset: a third of a side's connections", Reset, impact{n: 10, total: 30, peers: 1}, Low},
		{"retransmitted: one among 4000", SYNRetransmitted, impact{n: 1, total: 4000, peers: 1}, Info},
		{"half_closed: ten of thirty", HalfClosed, impact{n: 10, total: 30, peers: 1, many: 10}, High},
		{"half_closed: ten of 4000", HalfClosed, impact{n: 10, total: 4000, peers: 10, many: 10}, Medium},
		{"half_closed: one of 4000", HalfClosed, impact{n: 1, total: 4000, peers: 1, many: 10}, Info},
		{"unknown total counts as all", SYNUnanswered, impact{n: 3, total: 0, peers: 1}, Medium},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.im.many == 0 {
				tc.im.many = cfg.ManyConnections
			}
			if got := cfg.severityOf(tc.kind, tc.im); got != tc.want {
				t.Errorf("%s %+v (share %.4f): %s, want %s", tc.kind, tc.im, tc.im.share(), got, tc.want)
			}
		})
	}
}

// TestOneRefusalAtABusyServiceIsInfo runs the rule end to end: one reset
// to a SYN among many completed connections of the same server.
func TestOneRefusalAtABusyServiceIsInfo(t *testing.T) {
	for _, tc := range []struct {
		good int
		want string
	}{
		{0, "low"},
		{5, "low"},
		{40, "info"},
	} {
		t.Run(fmt.Sprint(tc.good, " good"), func(t *testing.T) {
			s := newSim(t, Config{})
			for i := range tc.good {
				c := s.newConn(fmt.Sprintf("10.0.1.%d", i+1), "10.0.0.2:443")
				at := time.Duration(i) * 10 * ms
				c.handshake(at)
				c.close(at+5*ms, true)
			}
			c := s.newConn("10.0.0.9", "10.0.0.2:443")
			c.syn(time.Second)
			c.refuse(time.Second + ms)
			fs := s.finish(2 * time.Second)
			f := one(t, fs, SYNRejected)
			if f.Severity != tc.want {
				t.Errorf("severity %s, want %s (%v)", f.Severity, tc.want, f.Details)
			}
			if got, want := f.Details["subject_connections"], int64(tc.good+1); got != want {
				t.Errorf("subject_connections %v, want %d", got, want)
			}
		})
	}
}

func TestSeverityText(t *testing.T) {
	for _, s := range []Severity{Info, Low, Medium, High} {
		b, _ := s.MarshalText()
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%s: round trip gave %s, %v", s, back, err)
		}
	}
	var v struct{ S Severity }
	if err := json.Unmarshal([]byte(`{"S":"medium"}`), &v); err != nil || v.S != Medium {
		t.Errorf("json: %v %v", v.S, err)
	}
	if err := json.Unmarshal([]byte(`{"S":"critical"}`), &v); err == nil {
		t.Error("critical accepted")
	}
}

// TestCaptureEdges: what the end of the capture cut short is not called a
// failure or a leak.
func TestCaptureEdges(t *testing.T) {
	t.Run("SYN-ACK in the last round trip", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			tail time.Duration // capture goes on this long after the SYN-ACK (0: it is the last packet)
			want int
		}{
			{"last packet", 0, 0},
			{"100 ms before the end", 100 * ms, 0},
			{"a second before the end", time.Second, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newSim(t, Config{})
				c := s.newConn("10.0.0.7", "10.0.0.2:443")
				c.syn(0)
				c.synack(ms)
				if tc.tail > 0 {
					s.tail(ms + tc.tail - 2*ms) // the tail's last packet is tc.tail after the SYN-ACK
				}
				if got := len(ofKind(s.finish(0), SYNACKUnanswered)); got != tc.want {
					t.Errorf("%d synack_unanswered findings, want %d", got, tc.want)
				}
			})
		}
	})
	t.Run("CLOSE_WAIT must have lasted", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			age     time.Duration // FIN to the end of the capture
			cfg     Config
			sev     string
			recent  bool
			summary string
		}{
			{"FIN 500 ms before the end", 500 * ms, Config{}, "info", true, "too recent to tell a socket leak"},
			{"FIN 5 s before the end", 5 * time.Second, Config{}, "medium", false, "at end of capture on 3 connections"},
			{"FIN 5 s before the end, a 10 s minimum", 5 * time.Second, Config{HalfClosedMinAge: 10 * time.Second}, "info", true, "less than 10 s"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newSim(t, tc.cfg)
				for i := range 3 {
					c := s.newConn("10.0.0.1", "10.0.0.2:8000")
					c.handshake(time.Duration(i) * ms * 10)
					c.fin(100*ms, true)
				}
				s.tail(100*ms + tc.age - 2*ms)
				f := one(t, s.finish(0), HalfClosed)
				if f.Severity != tc.sev || (f.Details["recent_fin"] == true) != tc.recent || !strings.Contains(f.Summary, tc.summary) {
					t.Errorf("got %s %v: %s", f.Severity, f.Details, f.Summary)
				}
			})
		}
	})
}

// TestUnansweredClientNeverHeard: SYNs of a client towards which the
// capture holds no packet at all may be a one-direction capture: info.
func TestUnansweredClientNeverHeard(t *testing.T) {
	for _, heard := range []bool{false, true} {
		t.Run(fmt.Sprint("heard ", heard), func(t *testing.T) {
			s := newSim(t, Config{})
			for i := range 3 {
				s.newConn("10.0.0.1", "10.0.0.2:80").syn(time.Duration(i) * time.Second)
			}
			if heard {
				s.newConn("10.0.0.1", "10.0.0.3:443").handshake(5 * time.Second)
			} else {
				s.tail(5 * time.Second) // other hosts' traffic does not count
			}
			f := one(t, s.finish(10*time.Second), SYNUnanswered)
			want, dir := "medium", any(nil)
			if !heard {
				want, dir = "info", true
			}
			if f.Severity != want || f.Details["one_direction"] != dir {
				t.Errorf("severity %s one_direction %v, want %s %v: %s", f.Severity, f.Details["one_direction"], want, dir, f.Summary)
			}
		})
	}
}

// TestFloodWords: a burst's rate is over its own duration, and its words
// follow how the handshakes ended; SYNs answered by resets are a closed
// port, never a flood.
func TestFloodWords(t *testing.T) {
	for _, tc := range []struct {
		name  string
		open  func(c *conn, at time.Duration)
		kind  Kind
		words string
	}{
		{"SYN-ACKs nobody completes", func(c *conn, at time.Duration) { c.syn(at); c.synack(at + ms) }, SYNFlood, "filling the server's SYN backlog with handshakes it answered"},
		{"SYNs never answered", func(c *conn, at time.Duration) { c.syn(at) }, SYNFlood, "never answered"},
		{"spoofed sources reset the SYN-ACKs", func(c *conn, at time.Duration) {
			c.syn(at)
			c.synack(at + ms)
			c.s.send(at+2*ms, c.cli, c.srv, 0x04, c.cseq+1, 0, 0)
		}, SYNFlood, "spoofed sources"},
		{"SYNs answered by resets", func(c *conn, at time.Duration) { c.syn(at); c.refuse(at + ms) }, SYNRejected, "nothing listens on that port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, Config{})
			for i := range 201 {
				c := s.newConn(fmt.Sprintf("198.51.100.%d", i%250+1), "10.0.0.2:80")
				tc.open(c, time.Duration(i)*5*ms) // 201 SYNs in 1 s
			}
			s.tail(30 * time.Second)
			fs := s.finish(0)
			f := one(t, fs, tc.kind)
			if !strings.Contains(f.Summary, tc.words) {
				t.Errorf("summary %q lacks %q", f.Summary, tc.words)
			}
			if tc.kind == SYNFlood && (f.Details["burst_rate"] != 201.0 || f.Details["burst_seconds"] != 1.0) {
				t.Errorf("burst %v s at %v per second, want 1 s at 201", f.Details["burst_seconds"], f.Details["burst_rate"])
			}
			if tc.kind != SYNFlood && len(ofKind(fs, SYNFlood)) != 0 {
				t.Errorf("a closed port is reported as a flood: %v", kinds(fs))
			}
		})
	}
}

// TestAnomalyFinding: a host sending illegal flag combinations on many
// connections is reported once, with the anomalies by name; a few are not.
func TestAnomalyFinding(t *testing.T) {
	for _, tc := range []struct {
		conns int
		want  int
	}{{3, 0}, {12, 1}} {
		t.Run(fmt.Sprint(tc.conns), func(t *testing.T) {
			s := newSim(t, Config{})
			var frames []int64
			for i := range tc.conns {
				c := s.newConn("10.0.0.66", fmt.Sprintf("10.0.0.%d:80", 10+i))
				frames = append(frames, s.send(time.Duration(i)*ms, c.cli, c.srv, 0x29, c.cseq, 0, 0)) // FIN+PSH+URG
			}
			fs := ofKind(s.finish(time.Second), Anomaly)
			if len(fs) != tc.want {
				t.Fatalf("%d anomaly findings, want %d: %v", len(fs), tc.want, kinds(fs))
			}
			if tc.want == 0 {
				return
			}
			f := fs[0]
			if f.Subject != "10.0.0.66" || f.Count != int64(tc.conns) || f.Severity != "low" ||
				!reflect.DeepEqual(f.Details["by_name"], map[string]int64{"TCP_xmas_flags": int64(tc.conns)}) {
				t.Errorf("got %+v", f)
			}
			if want := strings.Replace(streamFilter(frames, ""), "tcp.stream", "frame.number", 1); f.Filter != want {
				t.Errorf("filter %q, want %q", f.Filter, want)
			}
		})
	}
}
