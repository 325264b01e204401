package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

func sample() *Sample {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	t := &tally.Tally{Connections: 3, OtherServices: 4}
	t.States[flow.Client][tcpstate.FinWait2] = 2
	t.States[flow.Server][tcpstate.CloseWait] = 2
	t.States[flow.Client][tcpstate.SynSent] = 1
	t.States[flow.Server][tcpstate.StateNone] = 1
	t.Services = []tally.Service{{Addr: netip.MustParseAddrPort("10.0.0.2:80"), Waiting: tally.Waiting{CloseWait: 2, OldestCloseWait: now.Add(-90 * time.Second)}}}
	t.Other = tally.Waiting{Unanswered: 1, TimeWait: 5}
	return &Sample{
		Time:     now,
		Capture:  result.Capture{Packets: 40, TCPPackets: 38, Evicted: 1},
		Live:     &result.LiveStats{Received: 41, Dropped: 1, KernelDropped: 1},
		Finished: 7,
		Tally:    t,
		Findings: []result.Finding{{Kind: "half_closed"}, {Kind: "scan"}, {Kind: "scan"}},
	}
}

// TestCollect: every series of a sample, with the bounded service labels
// and a zero for each finding kind not seen.
func TestCollect(t *testing.T) {
	e := New()
	if n := testutil.CollectAndCount(e); n != 0 {
		t.Errorf("%d metrics before the first sample, want none", n)
	}
	e.Update(sample())
	want := `
# HELP wirestat_packets_total Packets analysed (after the filter).
# TYPE wirestat_packets_total counter
wirestat_packets_total 40
# HELP wirestat_received_packets_total Packets the kernel accepted for the capture (after the filter), dropped ones included.
# TYPE wirestat_received_packets_total counter
wirestat_received_packets_total 41
# HELP wirestat_dropped_packets_total Packets received but never analysed, by where they were dropped (kernel: the ring was full; queue: wirestat's queue was full).
# TYPE wirestat_dropped_packets_total counter
wirestat_dropped_packets_total{where="kernel"} 1
wirestat_dropped_packets_total{where="queue"} 0
# HELP wirestat_evicted_connections_total Connections handed out early because the table was full (--max-conns).
# TYPE wirestat_evicted_connections_total counter
wirestat_evicted_connections_total 1
# HELP wirestat_open_connections Connections in the table.
# TYPE wirestat_open_connections gauge
wirestat_open_connections 3
# HELP wirestat_service_endpoints Endpoints of a service's open connections waiting in CLOSE_WAIT, TIME_WAIT or SYN_RECEIVED (half-open); service is the server address:port, or "other" for the services beyond the named ones.
# TYPE wirestat_service_endpoints gauge
wirestat_service_endpoints{service="10.0.0.2:80",state="CLOSE_WAIT"} 2
wirestat_service_endpoints{service="10.0.0.2:80",state="SYN_RECEIVED"} 0
wirestat_service_endpoints{service="10.0.0.2:80",state="TIME_WAIT"} 0
wirestat_service_endpoints{service="other",state="CLOSE_WAIT"} 0
wirestat_service_endpoints{service="other",state="SYN_RECEIVED"} 0
wirestat_service_endpoints{service="other",state="TIME_WAIT"} 5
# HELP wirestat_service_unanswered_syns Clients of a service in SYN_SENT that the server has not answered yet.
# TYPE wirestat_service_unanswered_syns gauge
wirestat_service_unanswered_syns{service="10.0.0.2:80"} 0
wirestat_service_unanswered_syns{service="other"} 1
# HELP wirestat_service_oldest_close_wait_seconds Age of a service's longest-waiting CLOSE_WAIT endpoint (by the wall clock).
# TYPE wirestat_service_oldest_close_wait_seconds gauge
wirestat_service_oldest_close_wait_seconds{service="10.0.0.2:80"} 90
# HELP wirestat_findings Findings so far by kind (one per subject), as the report would state them if the capture ended now.
# TYPE wirestat_findings gauge
`
	// Every kind has a series, zeros included.
	var kinds []string
	for k := range findings.NumKinds {
		kinds = append(kinds, findings.Kind(k).String())
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		n := map[string]int{"half_closed": 1, "scan": 2}[k]
		want += fmt.Sprintf("wirestat_findings{kind=%q} %d\n", k, n)
	}
	names := []string{"wirestat_packets_total", "wirestat_received_packets_total", "wirestat_dropped_packets_total",
		"wirestat_evicted_connections_total", "wirestat_open_connections", "wirestat_service_endpoints",
		"wirestat_service_unanswered_syns", "wirestat_service_oldest_close_wait_seconds", "wirestat_findings"}
	if err := testutil.CollectAndCompare(e, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	// 2 roles x every state, zeros included.
	if n := testutil.CollectAndCount(e, "wirestat_endpoints"); n != 2*tcpstate.NumStates {
		t.Errorf("%d wirestat_endpoints series, want %d", n, 2*tcpstate.NumStates)
	}
}

// TestHandler: the handler serves the text format with the capture's
// series and the Go runtime's.
func TestHandler(t *testing.T) {
	e := New()
	e.Update(sample())
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, s := range []string{`wirestat_endpoints{role="server",state="CLOSE_WAIT"} 2`, "go_goroutines"} {
		if !strings.Contains(string(body), s) {
			t.Errorf("scrape lacks %q", s)
		}
	}
}
