package report

import (
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// TestTimelineCounts: endpoints are counted in a state from the
// transition into it to the next one, and an endpoint still in a state at
// the end is counted to the end; CLOSED is not plotted.
func TestTimelineCounts(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tr := func(s float64, ep, from, to string) result.Transition {
		return result.Transition{Frame: 1, Time: at(s), Endpoint: ep, From: from, To: to}
	}
	conns := []result.Connection{
		{Transitions: []result.Transition{ // established 0-50, then TIME_WAIT to the end; server closes at 50
			tr(0, "client", "UNKNOWN", "ESTABLISHED"), tr(0, "server", "UNKNOWN", "ESTABLISHED"),
			tr(50, "client", "ESTABLISHED", "TIME_WAIT"), tr(50, "server", "ESTABLISHED", "CLOSED"),
		}},
		{Transitions: []result.Transition{ // server in CLOSE_WAIT from 80 on
			tr(20, "client", "UNKNOWN", "ESTABLISHED"), tr(20, "server", "UNKNOWN", "ESTABLISHED"),
			tr(80, "server", "ESTABLISHED", "CLOSE_WAIT"), tr(80, "client", "ESTABLISHED", "FIN_WAIT_1"),
		}},
	}
	var tl timeline
	for i := range conns {
		tl.add(&conns[i])
	}
	p := tl.plot(at(0), at(159)) // one sample per second
	if p == nil {
		t.Fatal("no plot")
	}
	peaks := map[string]int64{}
	for _, l := range p.Lines {
		peaks[l.State] = l.Peak
	}
	want := map[string]int64{"ESTABLISHED": 4, "TIME_WAIT": 1, "CLOSE_WAIT": 1, "FIN_WAIT_1": 1}
	if len(peaks) != len(want) {
		t.Errorf("states plotted %v, want %v", peaks, want)
	}
	for s, n := range want {
		if peaks[s] != n {
			t.Errorf("%s peaks at %d, want %d", s, peaks[s], n)
		}
	}
	if p.Max != 4 {
		t.Errorf("max %d, want 4", p.Max)
	}
}

func TestTimelineEmpty(t *testing.T) {
	var tl timeline
	if p := tl.plot(time.Unix(1, 0), time.Unix(2, 0)); p != nil {
		t.Errorf("plot of nothing: %+v", p)
	}
}
