package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// plotStates are the states the timeline plots: every state of a socket
// that exists (CLOSED and UNKNOWN endpoints are not counted).
var plotStates = [...]string{"SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"}

var plotColors = [...]string{"#d4a017", "#e07b00", "#2e7d32", "#7b1fa2", "#c2185b",
	"#d32f2f", "#5d4037", "#1565c0", "#757575"}

// plotSamples is the number of moments the timeline counts endpoints at.
const plotSamples = 160

// openEnd marks a span that lasts to the end of the capture.
const openEnd = int64(1<<63 - 1)

// span is one endpoint in one plotted state from a to b (unix ns).
type span struct {
	a, b  int64
	state uint8
}

// timeline collects, from each connection's transitions, the time each
// endpoint spent in each state; the report model counts endpoints per
// state at evenly spaced moments from them, without the tracker.
type timeline struct {
	spans []span
}

func plotIndex(s string) int {
	for i, p := range plotStates {
		if p == s {
			return i
		}
	}
	return -1
}

// add records a connection's endpoints: each transition starts a span of
// its target state, ended by that endpoint's next transition or, for the
// last one, by the end of the capture.
func (tl *timeline) add(c *result.Connection) {
	for _, role := range [2]string{"client", "server"} {
		cur, since := -1, int64(0)
		for i := range c.Transitions {
			t := &c.Transitions[i]
			if t.Endpoint != role {
				continue
			}
			at := t.Time.UnixNano()
			if cur >= 0 && at > since {
				tl.spans = append(tl.spans, span{since, at, uint8(cur)})
			}
			cur, since = plotIndex(t.To), at
		}
		if cur >= 0 {
			tl.spans = append(tl.spans, span{since, openEnd, uint8(cur)})
		}
	}
}

// htmlPlot is the timeline as the page draws it.
type htmlPlot struct {
	Lines      []htmlLine
	Max        int64
	Start, End string // the first and last moment, as offsets from the capture start
	Samples    int
}

type htmlLine struct {
	State, Color, Points string
	Peak                 int64
	LegendX, LegendY     int // where its legend entry starts
}

// plot counts endpoints per state at plotSamples moments from first to
// last (inclusive) and draws each state that ever has one as a polyline
// in a 900x240 box.
func (tl *timeline) plot(first, last time.Time) *htmlPlot {
	if first.IsZero() || len(tl.spans) == 0 {
		return nil
	}
	f, l := first.UnixNano(), last.UnixNano()
	step := float64(l-f) / float64(plotSamples-1)
	// index returns the first sample at or after t.
	index := func(t int64) int {
		if t == openEnd {
			return plotSamples
		}
		if step == 0 {
			if t <= f {
				return 0
			}
			return plotSamples
		}
		k := int((float64(t-f) + step - 1e-9) / step)
		return min(max(k, 0), plotSamples)
	}
	var diff [len(plotStates)][plotSamples + 1]int64
	for _, s := range tl.spans {
		i, j := index(s.a), index(s.b)
		if i < j {
			diff[s.state][i]++
			diff[s.state][j]--
		}
	}
	p := &htmlPlot{Samples: plotSamples, Start: "+0 s", End: "+" + strconv.FormatFloat(float64(l-f)/1e9, 'f', 3, 64) + " s"}
	var counts [len(plotStates)][plotSamples]int64
	for s := range plotStates {
		var run int64
		for k := range plotSamples {
			run += diff[s][k]
			counts[s][k] = run
			p.Max = max(p.Max, run)
		}
	}
	if p.Max == 0 {
		return nil
	}
	const x0, x1, y0, y1 = 60.0, 890.0, 220.0, 10.0
	legend, row := 10, 250
	for s := range plotStates {
		var peak int64
		var b strings.Builder
		for k := range plotSamples {
			peak = max(peak, counts[s][k])
			x := x0 + (x1-x0)*float64(k)/float64(plotSamples-1)
			y := y0 - (y0-y1)*float64(counts[s][k])/float64(p.Max)
			fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
		}
		if peak > 0 {
			w := 22 + 8*len(plotStates[s])
			if legend+w > 890 {
				legend, row = 10, row+16
			}
			p.Lines = append(p.Lines, htmlLine{State: plotStates[s], Color: plotColors[s], Points: strings.TrimSpace(b.String()), Peak: peak, LegendX: legend, LegendY: row})
			legend += w
		}
	}
	return p
}
