package findings

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// retained counts the entries the collector holds: groups, targets,
// per-source attempt aggregates, TIME_WAIT intervals and flood times.
func (col *Collector) retained() int {
	n := 0
	for _, d := range col.detectors {
		switch d := d.(type) {
		case *scanDetector:
			n += len(d.sources) + len(d.pastScans)
			for _, s := range d.sources {
				n += s.numTargets() + len(s.fails)
			}
		case *attemptDetector:
			n += len(d.attempts)
		case *retransDetector:
			n += len(d.servers)
		case *halfClosedDetector:
			n += len(d.lasting)
		case *timeWaitDetector:
			n += len(d.sides) + len(d.pending)
			for _, a := range d.sides {
				n += len(a.tw)
			}
		case *resetDetector:
			n += len(d.resets)
		case *floodDetector:
			n += len(d.servers)
			for _, a := range d.servers {
				n += len(a.times)
			}
		}
	}
	return n
}

// scanDetector returns the collector's scan detector.
func (col *Collector) scanDetector() *scanDetector {
	for _, d := range col.detectors {
		if sd, ok := d.(*scanDetector); ok {
			return sd
		}
	}
	return nil
}

// benignClient opens, uses and closes one connection from a client of its
// own; the client closes first and holds the TIME_WAIT.
func benignClient(s *sim, i int, at time.Duration) {
	c := s.newConn(fmt.Sprintf("10.%d.%d.%d", 100+i>>16, i>>8&255, i&255), "10.0.0.2:443")
	c.handshake(at)
	c.data(at+5*ms, true, 200)
	c.close(at+10*ms, true)
}

// TestStateFollowsBusiestWindow feeds 200,000 short benign connections from
// distinct clients, spread over three days, and checks that the collector
// keeps state for the last Horizon or so only, not for every client seen.
func TestStateFollowsBusiestWindow(t *testing.T) {
	n, span := 200_000, 72*time.Hour
	if testing.Short() {
		n = 20_000
	}
	gap := span / time.Duration(n)
	cfg := DefaultConfig()
	s := newSim(t, cfg)
	peak := 0
	for i := range n {
		benignClient(s, i, time.Duration(i)*gap)
		if i%1000 == 0 {
			peak = max(peak, s.col.retained())
		}
	}
	fs := s.finish(span + time.Hour)
	if len(fs) != 0 {
		t.Errorf("benign clients gave findings: %v", kinds(fs))
	}
	if s.conns != n {
		t.Fatalf("tracker handed out %d connections, want %d", s.conns, n)
	}
	// Per connection: a source, its target, a client side and its TIME_WAIT
	// interval, for the connections of one Horizon plus a sweep interval,
	// plus the ones the tracker still lingers on.
	window := int((cfg.Horizon + cfg.Horizon/8 + 10*time.Minute) / gap)
	if limit := 4*window + 100; peak > limit {
		t.Errorf("collector held %d entries at its peak, want at most %d (one window of %d connections); %d connections in all", peak, limit, window, n)
	}
	t.Logf("%d connections over %s: at most %d entries retained", n, span, peak)
}

// TestSettledScannerIsStillReported: a scanner quiet for longer than the
// horizon is judged and forgotten, but its finding stays and its probe
// resets are still left out; a benign source settled the same way still
// counts in its server's syn_unanswered finding.
func TestSettledScannerIsStillReported(t *testing.T) {
	s := newSim(t, Config{})
	scanPorts(s, "10.0.0.9", "10.0.0.3", portRange(1, 40), 0, func(c *conn, at time.Duration) {
		if c.srv.Port() == 22 {
			c.handshake(at)
			c.rst(at+2*ms, true)
			return
		}
		c.refuse(at)
	})
	s.newConn("10.0.0.1", "10.0.0.2:80").syn(time.Second)
	// Unrelated traffic moves the clock well past the horizon.
	for i := range 40 {
		benignClient(s, i, time.Duration(i)*10*time.Minute)
	}
	fs := s.finish(7 * time.Hour)
	if _, ok := s.col.scanDetector().sources[netip.MustParseAddr("10.0.0.9")]; ok {
		t.Error("scanner not settled after the horizon")
	}
	f := one(t, fs, Scan)
	if f.Subject != "10.0.0.9" || f.Count != 39 || f.Details["attempts"] != int64(40) {
		t.Errorf("scan %q count %d details %v", f.Subject, f.Count, f.Details)
	}
	if got := ofKind(fs, Reset); len(got) != 0 {
		t.Errorf("probe resets of a settled scanner reported: %v", kinds(got))
	}
	if got := ofKind(fs, SYNRejected); len(got) != 0 {
		t.Errorf("probes of a settled scanner reported: %v", kinds(got))
	}
	if u := one(t, fs, SYNUnanswered); u.Subject != "10.0.0.2:80" || u.Count != 1 || u.Details["sources"] != 1 {
		t.Errorf("syn_unanswered %q count %d details %v", u.Subject, u.Count, u.Details)
	}
}

// TestIncrementalPeaks checks the TIME_WAIT and flood sweeps, settled
// while intervals arrive out of order (but within the horizon), against a
// brute-force count over all of them.
func TestIncrementalPeaks(t *testing.T) {
	const (
		sec     = int64(time.Second)
		horizon = 600 * sec
		window  = 10 * sec
	)
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		type arrival struct {
			at int64 // when the collector sees it
			sp twSpan
		}
		var arr []arrival
		for range 2000 {
			enter := r.Int64N(7200 * sec)
			exit := enter + 1 + r.Int64N(120*sec)
			if r.IntN(8) == 0 {
				exit = enter + r.Int64N(3*sec) + 1 // left early by a reset
			}
			lag := r.Int64N(horizon / 2)
			arr = append(arr, arrival{exit + lag, twSpan{enter, exit}})
		}
		slices.SortFunc(arr, func(a, b arrival) int { return cmpInt(a.at, b.at) })

		side := sideAgg{settled: math.MinInt64}
		flood := floodAgg{settled: math.MinInt64}
		var all []twSpan
		var times []int64
		for i, a := range arr {
			side.tw = append(side.tw, a.sp)
			flood.times = append(flood.times, a.sp.enter)
			all = append(all, a.sp)
			times = append(times, a.sp.enter)
			if i%50 == 0 {
				side.settle(a.at - horizon)
				flood.settle(a.at-horizon, window)
			}
		}
		n, at := side.peakSoFar()
		if wn, wat := brutePeak(all); n != wn || at != wat {
			t.Errorf("seed %d: TIME_WAIT peak %d at %d, want %d at %d", seed, n, at, wn, wat)
		}
		fn, start, _ := flood.peakSoFar(window)
		if wn, wstart := bruteWindow(times, window); fn != wn || start != wstart {
			t.Errorf("seed %d: flood peak %d from %d, want %d from %d", seed, fn, start, wn, wstart)
		}
		if len(side.tw) == len(all) || len(flood.times) == len(times) {
			t.Errorf("seed %d: settling dropped nothing (%d intervals, %d times kept)", seed, len(side.tw), len(flood.times))
		}
	}
}

// brutePeak counts, at every enter time, the intervals open then.
func brutePeak(all []twSpan) (n, at int64) {
	for _, s := range all {
		var c int64
		for _, o := range all {
			if o.enter <= s.enter && s.enter < o.exit {
				c++
			}
		}
		if c > n || (c == n && s.enter < at) {
			n, at = c, s.enter
		}
	}
	return n, at
}

// bruteWindow counts, for every time x, the times in (x-window, x].
func bruteWindow(ts []int64, window int64) (n int, start int64) {
	for _, x := range ts {
		c, lo := 0, int64(math.MaxInt64)
		for _, y := range ts {
			if y > x-window && y <= x {
				c++
				lo = min(lo, y)
			}
		}
		if c > n || (c == n && lo < start) {
			n, start = c, lo
		}
	}
	return n, start
}

func TestRetransMedianFromHistogram(t *testing.T) {
	for _, tc := range []struct {
		vals    []float64
		mx, med float64
	}{
		{nil, 0, 0},
		{[]float64{3}, 3, 3},
		{[]float64{1, 3}, 3, 2},
		{[]float64{1, 1, 1, 7}, 7, 1},
		{[]float64{1, 3, 3, 7, 0.25}, 7, 3},
		{[]float64{0.001, 0.002}, 0.002, 0.002},
	} {
		h := make(map[float64]int64)
		for _, v := range tc.vals {
			h[v]++
		}
		if mx, med := histMaxMedian(h); mx != tc.mx || med != tc.med {
			t.Errorf("%v: max %g median %g, want %g %g", tc.vals, mx, med, tc.mx, tc.med)
		}
	}
}

// BenchmarkCollectorAdd feeds a day of mixed connections (completed,
// refused, unanswered, reset, a port scan) to a fresh collector per
// iteration and reports connections per second and allocations per
// connection (an op is the whole day).
func BenchmarkCollectorAdd(b *testing.B) {
	var conns []*finished.Conn
	s := newSim(b, Config{})
	s.tr = flow.NewTracker(flow.Config{}, func(c *flow.Conn) {
		rec := &finished.Conn{}
		rec.Fill(c, finished.Params{MissedBytes: c.MissedBytes})
		conns = append(conns, rec)
	})
	const n = 20_000
	gap := 24 * time.Hour / n
	for i := range n {
		at := time.Duration(i) * gap
		switch i % 10 {
		case 0:
			s.newConn(fmt.Sprintf("10.9.%d.%d", i>>8&255, i&255), "10.0.0.3:8080").syn(at)
		case 1:
			c := s.newConn("10.0.0.7", fmt.Sprintf("10.0.%d.%d:22", i>>8&255, i&255))
			c.syn(at)
			c.refuse(at + ms)
		case 2:
			c := s.newConn(fmt.Sprintf("10.8.%d.%d", i>>8&255, i&255), "10.0.0.2:443")
			c.handshake(at)
			c.rst(at+5*ms, false)
		default:
			benignClient(s, i, at)
		}
	}
	s.tr.Flush(t0.Add(25 * time.Hour))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		col := NewCollector(Config{})
		for _, c := range conns {
			col.Add(c)
		}
		_ = col.Findings()
	}
	runtime.ReadMemStats(&after)
	added := float64(len(conns)) * float64(b.N)
	b.ReportMetric(added/b.Elapsed().Seconds(), "conns/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/added, "allocs/conn")
}

// TestPackedSide checks that distinct sides pack to distinct keys: roles,
// families (IPv4 against IPv4-mapped IPv6), ports and a missing peer.
func TestPackedSide(t *testing.T) {
	hosts := []netip.AddrPort{
		{},
		netip.MustParseAddrPort("10.0.0.1:0"),
		netip.MustParseAddrPort("10.0.0.1:80"),
		netip.MustParseAddrPort("10.0.0.2:80"),
		netip.MustParseAddrPort("[::ffff:10.0.0.1]:80"),
		netip.MustParseAddrPort("[::ffff:10.0.0.1]:0"),
		netip.MustParseAddrPort("[::]:0"),
		netip.MustParseAddrPort("0.0.0.0:0"),
		netip.MustParseAddrPort("[2001:db8::1]:443"),
		netip.MustParseAddrPort("[2001:db8::1]:0"),
	}
	seen := make(map[packedSide]sideKey)
	for _, role := range []flow.Role{flow.Client, flow.Server} {
		for _, h := range hosts {
			for _, p := range hosts {
				k := sideKey{role: role, host: h, peer: p}
				if old, dup := seen[k.packed()]; dup {
					t.Fatalf("%+v and %+v pack alike", old, k)
				}
				seen[k.packed()] = k
			}
		}
	}
}
