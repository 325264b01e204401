package findings

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

const ms = time.Millisecond

// Frames: flow.Endpoint records the frame of the first SYN, the first FIN
// and the state-changing RST only, so these tests expect exactly those
// (see synFrames). Retransmitted SYNs are selected by the filters but not
// yet listed in Frames.

func TestSYNUnanswered(t *testing.T) {
	s := newSim(t, Config{})
	var streams, frames []int64
	for i := range 3 {
		c := s.newConn("10.0.0.1", "10.0.0.2:80")
		base := time.Duration(i) * 10 * time.Second
		frames = append(frames, c.syn(base))
		streams = append(streams, int64(i))
		// Linux's schedule: retries after 1, 2, 4 s. The retransmitted
		// SYNs are evidence too: the filter selects them.
		frames = append(frames, c.syn(base+1*time.Second))
		frames = append(frames, c.syn(base+3*time.Second))
		frames = append(frames, c.syn(base+7*time.Second))
	}
	// The client's connection to another server is answered: the capture
	// holds both directions.
	s.newConn("10.0.0.1", "10.0.0.3:443").handshake(35 * time.Second)
	fs := s.finish(40 * time.Second)
	f := one(t, fs, SYNUnanswered)
	if f.Subject != "10.0.0.2:80" || f.Count != 3 || f.Severity != "medium" || f.Details["one_direction"] != nil {
		t.Errorf("subject %q count %d severity %s details %v", f.Subject, f.Count, f.Severity, f.Details)
	}
	if !slices.Equal(f.Streams, streams) || !slices.Equal(f.Frames, frames) {
		t.Errorf("streams %v frames %v, want %v %v", f.Streams, f.Frames, streams, frames)
	}
	if want := "tcp.stream in {0..2} && tcp.flags.syn==1 && tcp.flags.ack==0"; f.Filter != want {
		t.Errorf("filter %q, want %q", f.Filter, want)
	}
	if f.Details["syn_packets"] != int64(12) || f.Details["max_retries"] != 3 {
		t.Errorf("details %v", f.Details)
	}
	if got := f.Details["retransmission_intervals"]; !reflect.DeepEqual(got, []float64{1, 2, 4}) {
		t.Errorf("intervals %v, want [1 2 4]", got)
	}
	if len(ofKind(fs, Scan)) != 0 {
		t.Errorf("one client retrying one server is not a scan: %v", kinds(fs))
	}
}

func TestSYNRejected(t *testing.T) {
	s := newSim(t, Config{})
	var frames []int64
	for i := range 2 {
		c := s.newConn("10.0.0.1", "10.0.0.2:8080")
		at := time.Duration(i) * time.Second
		frames = append(frames, c.syn(at), c.refuse(at+ms))
	}
	fs := s.finish(0)
	f := one(t, fs, SYNRejected)
	if f.Subject != "10.0.0.2:8080" || f.Count != 2 || f.Details["attempts"] != int64(2) {
		t.Errorf("got %+v", f)
	}
	if !slices.Equal(f.Frames, frames) {
		t.Errorf("frames %v, want %v", f.Frames, frames)
	}
	if want := "tcp.stream in {0, 1} && (tcp.flags.syn==1 && tcp.flags.ack==0 || tcp.flags.reset==1)"; f.Filter != want {
		t.Errorf("filter %q, want %q", f.Filter, want)
	}
}

func TestSYNACKUnanswered(t *testing.T) {
	s := newSim(t, Config{})
	c := s.newConn("10.0.0.7", "10.0.0.2:443")
	c.syn(0)
	sa := c.synack(ms)
	sa2 := c.synack(time.Second + ms) // retransmitted SYN-ACK, same ISN
	s.tail(5 * time.Second)
	fs := s.finish(5 * time.Second)
	f := one(t, fs, SYNACKUnanswered)
	if f.Subject != "10.0.0.2:443" || f.Count != 1 || f.Details["synack_retransmissions"] != int64(1) {
		t.Errorf("got %+v", f)
	}
	if !slices.Equal(f.Frames, []int64{sa, sa2}) || f.Filter != "tcp.stream eq 0 && tcp.flags.syn==1 && tcp.flags.ack==1" {
		t.Errorf("frames %v filter %q", f.Frames, f.Filter)
	}
	if len(ofKind(fs, SYNFlood)) != 0 || len(ofKind(fs, Scan)) != 0 {
		t.Errorf("one half-open is neither a flood nor a scan: %v", kinds(fs))
	}
}

func TestSYNRetransmittedThenCompleted(t *testing.T) {
	s := newSim(t, Config{})
	c := s.newConn("10.0.0.1", "10.0.0.2:80")
	first := c.syn(0)
	second := c.syn(time.Second)
	sa := c.synack(time.Second + 20*ms)
	c.cseq++
	c.sseq++
	s.send(time.Second+21*ms, c.cli, c.srv, 0x10, c.cseq, c.sseq, 0)
	c.close(2*time.Second, true)
	fs := s.finish(3 * time.Second)
	f := one(t, fs, SYNRetransmitted)
	// One retransmitted handshake, the only connection of its server: a
	// low impact, one level lower for a kind that is often benign.
	if f.Subject != "10.0.0.2:80" || f.Count != 1 || f.Severity != "info" {
		t.Errorf("got %+v", f)
	}
	if f.Details["syn_retransmissions"] != int64(1) || f.Details["extra_latency_max"] != 1.0 ||
		f.Details["extra_latency_median"] != 1.0 || f.Details["connect_latency_max"] != 1.02 {
		t.Errorf("details %v", f.Details)
	}
	if !slices.Equal(f.Frames, []int64{first, second, sa}) || f.Filter != "tcp.stream eq 0 && tcp.flags.syn==1" {
		t.Errorf("frames %v filter %q", f.Frames, f.Filter)
	}
	if len(ofKind(fs, SYNUnanswered)) != 0 {
		t.Errorf("a completed handshake is not unanswered: %v", kinds(fs))
	}
}

func TestHalfClosedServerLeaksSockets(t *testing.T) {
	s := newSim(t, Config{})
	var fins []int64
	for i := range 3 {
		c := s.newConn("10.0.0.1", "10.0.0.2:8000")
		at := time.Duration(i) * time.Second
		c.handshake(at)
		c.data(at+10*ms, true, 100)
		fins = append(fins, c.fin(at+20*ms, true))
		if i == 0 {
			c.data(at+30*ms, false, 500) // the server still writes
		}
	}
	// Another client connects 10 s later: the capture goes on long enough
	// for every CLOSE_WAIT to have lasted HalfClosedMinAge.
	s.newConn("10.0.0.5", "10.0.0.2:9000").handshake(10 * time.Second)
	fs := s.finish(60 * time.Second)
	f := one(t, fs, HalfClosed)
	if f.Subject != "10.0.0.2:8000" || f.Count != 3 || f.Severity != "medium" || f.Details["at_end_of_capture"] != int64(3) {
		t.Errorf("got %+v", f)
	}
	d := f.Details
	if d["close_wait_side"] != "server" || d["fin_side"] != "client" || d["data_after_fin"] != int64(1) ||
		d["payload_bytes_after_fin"] != int64(500) {
		t.Errorf("details %v", d)
	}
	// The capture's last packet is the other client's ACK at 10.002 s, so
	// the oldest FIN (20 ms) is 9.982 s old at the end of the capture (the
	// flush time is not a packet); on its own connection the last packet
	// (the ACK of the server's data) came 11 ms after it.
	if got := d["max_seconds_since_fin"]; got != 9.982 {
		t.Errorf("max_seconds_since_fin = %v, want 9.982", got)
	}
	if got := d["max_seconds_fin_to_last_packet"]; got != 0.011 {
		t.Errorf("max_seconds_fin_to_last_packet = %v, want 0.011", got)
	}
	if !slices.Equal(f.Frames, fins) || f.Filter != "tcp.stream in {0..2} && tcp.flags.fin==1" {
		t.Errorf("frames %v filter %q", f.Frames, f.Filter)
	}
	if got := d["fin_side_states"]; !reflect.DeepEqual(got, map[string]int64{"FIN_WAIT_2": 3}) {
		t.Errorf("fin_side_states %v", got)
	}
}

func TestTimeWaitAccumulationOnActiveCloser(t *testing.T) {
	s := newSim(t, Config{})
	for i := range 120 {
		c := s.newConn(fmt.Sprintf("10.0.1.%d", i%50+1), "10.0.0.2:80")
		at := time.Duration(i) * 100 * ms
		c.handshake(at)
		c.data(at+5*ms, true, 100)
		c.data(at+10*ms, false, 1000)
		c.close(at+20*ms, false) // the server closes first: it holds TIME_WAIT
	}
	fs := s.finish(20 * time.Second)
	f := one(t, fs, TimeWaitAccumulation)
	if f.Subject != "10.0.0.2:80" || f.Count != 120 || f.Severity != "low" {
		t.Errorf("got subject %q count %d severity %s", f.Subject, f.Count, f.Severity)
	}
	d := f.Details
	if d["time_wait_peak"] != int64(120) || d["time_wait_at_end"] != int64(120) || d["closed_actively"] != int64(120) ||
		d["active_closer"] != "server" || d["time_wait_seconds"] != 120.0 {
		t.Errorf("details %v", d)
	}
}

func TestTimeWaitSpreadOutIsNoFinding(t *testing.T) {
	// MSL 1 s: each TIME_WAIT lasts 2 s, connections come 1 s apart, so at
	// most 3 overlap although 150 passed through TIME_WAIT.
	s := newSim(t, Config{MSL: time.Second})
	for i := range 150 {
		c := s.newConn("10.0.0.1", "10.0.0.2:80")
		at := time.Duration(i) * time.Second
		c.handshake(at)
		c.close(at+10*ms, false)
	}
	fs := s.finish(200 * time.Second)
	if got := ofKind(fs, TimeWaitAccumulation); len(got) != 0 {
		t.Errorf("unexpected %v", kinds(got))
	}
	if s.conns != 150 {
		t.Errorf("tracker handed out %d connections, want 150", s.conns)
	}
}

func TestResetBySide(t *testing.T) {
	s := newSim(t, Config{})
	var srvRSTs []int64
	for i := range 3 {
		c := s.newConn("10.0.0.1", "10.0.0.2:5432")
		at := time.Duration(i) * time.Second
		c.handshake(at)
		c.data(at+5*ms, true, 10)
		srvRSTs = append(srvRSTs, c.rst(at+10*ms, false)) // abortive close
	}
	c := s.newConn("10.0.0.1", "10.0.0.2:5432")
	c.handshake(5 * time.Second)
	c.fin(5*time.Second+10*ms, false) // server FIN...
	srvRSTs = append(srvRSTs, c.rst(5*time.Second+20*ms, false))
	cl := s.newConn("10.0.0.9", "10.0.0.2:5432")
	cl.handshake(7 * time.Second)
	cliRST := cl.rst(7*time.Second+10*ms, true)
	fs := s.finish(0)
	got := ofKind(fs, Reset)
	if len(got) != 2 {
		t.Fatalf("want 2 reset findings, got %v", kinds(fs))
	}
	srv, cli := got[0], got[1]
	if srv.Subject != "10.0.0.2:5432" || srv.Count != 4 || !slices.Equal(srv.Frames, srvRSTs) {
		t.Errorf("server resets: %+v", srv)
	}
	if want := map[string]int64{"ESTABLISHED": 3, "FIN_WAIT_2": 1}; !reflect.DeepEqual(srv.Details["by_state"], want) {
		t.Errorf("by_state %v, want %v", srv.Details["by_state"], want)
	}
	if cli.Subject != "10.0.0.9" || cli.Details["side"] != "client" || cli.Details["peer"] != "10.0.0.2:5432" ||
		!slices.Equal(cli.Frames, []int64{cliRST}) || cli.Filter != "tcp.stream eq 4 && tcp.flags.reset==1" {
		t.Errorf("client reset: %+v", cli)
	}
}

// scanHosts makes src send one SYN to each of n hosts on port, 100 ms
// apart from start; answer decides what the target does.
func scanHosts(s *sim, src string, n int, port uint16, start time.Duration, answer func(c *conn, at time.Duration)) {
	for i := range n {
		c := s.newConn(src, fmt.Sprintf("10.1.%d.%d:%d", i/200, i%200+1, port))
		at := start + time.Duration(i)*100*ms
		c.syn(at)
		if answer != nil {
			answer(c, at+ms)
		}
	}
}

func scanPorts(s *sim, src, host string, ports []uint16, start time.Duration, answer func(c *conn, at time.Duration)) {
	for i, p := range ports {
		c := s.newConn(src, fmt.Sprintf("%s:%d", host, p))
		at := start + time.Duration(i)*50*ms
		c.syn(at)
		if answer != nil {
			answer(c, at+ms)
		}
	}
}

func refused(c *conn, at time.Duration) { c.refuse(at) }

func served(c *conn, at time.Duration) {
	c.synack(at)
	c.cseq++
	c.sseq++
	c.s.send(at+ms, c.cli, c.srv, 0x10, c.cseq, c.sseq, 0)
	c.data(at+2*ms, true, 200)
	c.data(at+4*ms, false, 2000)
	c.close(at+6*ms, true)
}

func portRange(lo, n int) []uint16 {
	out := make([]uint16, n)
	for i := range out {
		out[i] = uint16(lo + i)
	}
	return out
}

func TestScanDetection(t *testing.T) {
	tests := []struct {
		name     string
		run      func(s *sim)
		detector string
		pattern  string
		count    int64
	}{
		{
			name:     "horizontal: 30 silent hosts on 445",
			run:      func(s *sim) { scanHosts(s, "10.0.0.9", 30, 445, 0, nil) },
			detector: "both", pattern: "horizontal", count: 30,
		},
		{
			name:     "horizontal below the threshold: TRW alone",
			run:      func(s *sim) { scanHosts(s, "10.0.0.9", 6, 23, 0, nil) },
			detector: "trw", pattern: "horizontal", count: 6,
		},
		{
			name:     "vertical: 20 closed ports of one host",
			run:      func(s *sim) { scanPorts(s, "10.0.0.9", "10.0.0.3", portRange(1, 20), 0, refused) },
			detector: "both", pattern: "vertical", count: 20,
		},
		{
			name: "vertical with two open ports among 40",
			run: func(s *sim) {
				scanPorts(s, "10.0.0.9", "10.0.0.3", portRange(1, 40), 0, func(c *conn, at time.Duration) {
					if c.srv.Port() == 22 || c.srv.Port() == 25 {
						c.synack(at)
						c.rst(at+ms, true) // half-open SYN scan probe
						return
					}
					c.refuse(at)
				})
			},
			detector: "both", pattern: "vertical", count: 38,
		},
		{
			name: "block: 30 hosts by 20 ports",
			run: func(s *sim) {
				for h := range 30 {
					scanPorts(s, "10.0.0.9", fmt.Sprintf("10.2.0.%d", h+1), portRange(1000, 20), time.Duration(h)*time.Second, refused)
				}
			},
			detector: "both", pattern: "block", count: 600,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Config{})
			tt.run(s)
			fs := s.finish(0)
			f := one(t, fs, Scan)
			if f.Subject != "10.0.0.9" || f.Severity != "high" || f.Count != tt.count {
				t.Errorf("subject %q severity %s count %d, want 10.0.0.9 high %d", f.Subject, f.Severity, f.Count, tt.count)
			}
			if f.Details["detector"] != tt.detector || f.Details["pattern"] != tt.pattern {
				t.Errorf("detector %v pattern %v, want %s %s; %s", f.Details["detector"], f.Details["pattern"], tt.detector, tt.pattern, f.Summary)
			}
			if len(f.Streams) != int(min(tt.count, 1000)) || len(f.Frames) != int(min(tt.count, 1000)) {
				t.Errorf("%d streams, %d frames for %d probes", len(f.Streams), len(f.Frames), tt.count)
			}
			// The scanner's probes are reported once, as the scan.
			for _, k := range []Kind{SYNUnanswered, SYNRejected, SYNACKUnanswered} {
				if got := ofKind(fs, k); len(got) != 0 {
					t.Errorf("scanner probes leaked into %s: %v", k, kinds(got))
				}
			}
		})
	}
}

func TestBenignClientsAreNoScanners(t *testing.T) {
	tests := []struct {
		name string
		run  func(s *sim)
	}{
		{"crawler: 60 hosts all served", func(s *sim) { scanHosts(s, "10.0.0.5", 60, 80, 0, served) }},
		{"health checks: 30 ports of one host served", func(s *sim) {
			scanPorts(s, "10.0.0.5", "10.0.0.3", portRange(8000, 30), 0, served)
		}},
		{"crawler meeting some dead hosts (1 in 6)", func(s *sim) {
			scanHosts(s, "10.0.0.5", 120, 443, 0, func(c *conn, at time.Duration) {
				if c.srv.Addr().As4()[3]%6 == 0 {
					return // no answer
				}
				served(c, at)
			})
		}},
		{"proxy: 500 connections to 3 backends, one of them down", func(s *sim) {
			for i := range 500 {
				c := s.newConn("10.0.0.5", fmt.Sprintf("10.0.3.%d:8080", i%3+1))
				at := time.Duration(i) * 20 * ms
				c.syn(at)
				if i%3 != 2 {
					served(c, at+ms)
				}
			}
		}},
		{"midstream connections to 40 hosts", func(s *sim) {
			for i := range 40 {
				c := s.newConn("10.0.0.5", fmt.Sprintf("10.0.4.%d:443", i+1))
				s.send(time.Duration(i)*ms, c.cli, c.srv, 0x10, c.cseq, c.sseq, 100)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Config{})
			tt.run(s)
			if got := ofKind(s.finish(0), Scan); len(got) != 0 {
				t.Errorf("benign client flagged: %v", kinds(got))
			}
		})
	}
}

func TestMixedScannerAndBenignClient(t *testing.T) {
	s := newSim(t, Config{})
	scanHosts(s, "10.0.0.5", 50, 80, 0, served) // benign, many hosts
	scanHosts(s, "10.0.0.66", 50, 3389, 0, nil) // scanner, interleaved in time
	scanPorts(s, "10.0.0.5", "10.0.0.3", portRange(9000, 20), 10*time.Second, served)
	fs := s.finish(0)
	scans := ofKind(fs, Scan)
	if len(scans) != 1 || scans[0].Subject != "10.0.0.66" {
		t.Fatalf("want only 10.0.0.66 flagged, got %v", kinds(scans))
	}
	if scans[0].Details["successes"] != int64(0) || scans[0].Details["attempts"] != int64(50) {
		t.Errorf("details %v", scans[0].Details)
	}
}

func TestSYNFloodVersusFewHalfOpens(t *testing.T) {
	flood := func(s *sim, n int, spacing time.Duration) {
		for i := range n {
			c := s.newConn(fmt.Sprintf("198.51.%d.%d", i/250, i%250+1), "10.0.0.2:80")
			at := time.Duration(i) * spacing
			c.syn(at)
			c.synack(at + ms)
		}
	}
	t.Run("flood", func(t *testing.T) {
		s := newSim(t, Config{})
		flood(s, 300, 10*ms) // 100 per second
		fs := s.finish(0)
		f := one(t, fs, SYNFlood)
		if f.Subject != "10.0.0.2:80" || f.Count != 300 || f.Details["sources"] != 300 ||
			f.Details["peak"] != 300 || f.Details["peak_rate"] != 30.0 {
			t.Errorf("got %+v", f)
		}
		if len(ofKind(fs, SYNACKUnanswered)) != 0 {
			t.Errorf("flooded server also reported as synack_unanswered: %v", kinds(fs))
		}
	})
	t.Run("slow trickle stays below the window threshold", func(t *testing.T) {
		s := newSim(t, Config{})
		flood(s, 150, 200*ms) // 50 per 10 s
		s.tail(31 * time.Second)
		fs := s.finish(0)
		if len(ofKind(fs, SYNFlood)) != 0 {
			t.Errorf("unexpected flood: %v", kinds(fs))
		}
		if f := one(t, fs, SYNACKUnanswered); f.Count != 150 || f.Severity != "high" {
			t.Errorf("got %+v", f)
		}
	})
	t.Run("a few half-opens", func(t *testing.T) {
		s := newSim(t, Config{})
		flood(s, 5, ms)
		s.tail(time.Second)
		fs := s.finish(0)
		if len(ofKind(fs, SYNFlood)) != 0 {
			t.Errorf("unexpected flood: %v", kinds(fs))
		}
		if f := one(t, fs, SYNACKUnanswered); f.Count != 5 || f.Severity != "medium" {
			t.Errorf("got %+v", f)
		}
	})
}

func TestCapsKeepCountExact(t *testing.T) {
	s := newSim(t, Config{MaxStreams: 2, MaxFrames: 2})
	for i := range 5 {
		s.newConn("10.0.0.1", "10.0.0.2:80").syn(time.Duration(i) * ms)
	}
	f := one(t, s.finish(0), SYNUnanswered)
	if f.Count != 5 || !slices.Equal(f.Streams, []int64{0, 1}) || !slices.Equal(f.Frames, []int64{1, 2}) ||
		f.Details["truncated"] != true {
		t.Errorf("got count %d streams %v frames %v details %v", f.Count, f.Streams, f.Frames, f.Details)
	}
}

func TestLargeIPv6ScanUsesAddressFilter(t *testing.T) {
	s := newSim(t, Config{MaxStreams: 10})
	for i := range 40 {
		c := s.newConn("2001:db8::9", fmt.Sprintf("[2001:db8:1::%x]:22", i+1))
		c.syn(time.Duration(i) * ms)
	}
	f := one(t, s.finish(0), Scan)
	if want := "ipv6.src==2001:db8::9 && tcp.flags.syn==1 && tcp.flags.ack==0"; f.Filter != want {
		t.Errorf("filter %q, want %q", f.Filter, want)
	}
	if f.Count != 40 || len(f.Streams) != 10 {
		t.Errorf("count %d streams %v", f.Count, f.Streams)
	}
}

func TestFindingsAreSortedAndRepeatable(t *testing.T) {
	s := newSim(t, Config{})
	c := s.newConn("10.0.0.1", "10.0.0.2:443")
	c.syn(0)
	c2 := s.newConn("10.0.0.1", "10.0.0.3:80")
	c2.syn(ms)
	c2.refuse(2 * ms)
	fs := s.finish(0)
	if len(fs) != 2 || fs[0].Kind != "syn_unanswered" || fs[1].Kind != "syn_rejected" {
		t.Fatalf("order: %v", kinds(fs))
	}
	if again := s.col.Findings(); !reflect.DeepEqual(fs, again) {
		t.Errorf("second call differs")
	}
}

// TestConnectScanResets: a connect scan ends each open port's handshake
// with a reset and no data; those resets belong to the scan finding. The
// same host aborting a connection that carried data is still reported.
func TestConnectScanResets(t *testing.T) {
	for _, withData := range []bool{false, true} {
		s := newSim(t, Config{})
		scanPorts(s, "10.0.0.9", "10.0.0.3", portRange(1, 40), 0, func(c *conn, at time.Duration) {
			if c.srv.Port() == 22 {
				c.handshake(at)
				if withData {
					c.data(at+ms, false, 20)
				}
				c.rst(at+2*ms, true)
				return
			}
			c.refuse(at)
		})
		fs := s.finish(time.Minute)
		if len(ofKind(fs, Scan)) != 1 {
			t.Fatalf("withData=%v: want one scan finding, got %v", withData, kinds(fs))
		}
		if got := len(ofKind(fs, Reset)); got != map[bool]int{false: 0, true: 1}[withData] {
			t.Errorf("withData=%v: %d reset findings: %v", withData, got, kinds(fs))
		}
	}
}

// TestTimeWaitSideCountsBeforeFirstTimeWait: a side's connections that
// came before its first TIME_WAIT (kept as bare counters until then) still
// count in its finding.
func TestTimeWaitSideCountsBeforeFirstTimeWait(t *testing.T) {
	s := newSim(t, Config{})
	at := time.Duration(0)
	for i := range 117 {
		c := s.newConn("10.0.9.9", "10.0.0.2:80")
		c.handshake(at)
		c.data(at+5*ms, true, 100)
		switch {
		case i < 5:
			c.close(at+10*ms, false) // the server closes first: no TIME_WAIT on the client side
		case i < 7:
			// left open
		default:
			c.close(at+10*ms, true) // the client closes first and holds TIME_WAIT
		}
		at += 50 * ms
	}
	fs := s.finish(at + time.Second)
	f := one(t, fs, TimeWaitAccumulation)
	d := f.Details
	if f.Subject != "10.0.9.9" || f.Count != 110 || d["connections"] != int64(117) ||
		d["closed_actively"] != int64(110) || d["established_at_end"] != int64(2) || d["time_wait_at_end"] != int64(110) {
		t.Errorf("subject %q count %d details %v", f.Subject, f.Count, d)
	}
}
