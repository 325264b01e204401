package livestream

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// TestStateLines: each state change a tracker records becomes one line.
func TestStateLines(t *testing.T) {
	var b bytes.Buffer
	ev := New(&b)
	tr := flow.NewTracker(flow.Config{OnTransition: ev.State}, func(*flow.Conn) {})
	cli, srv := netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:80")
	tr.Add(&decode.Segment{Frame: 1, Time: t0, Src: cli, Dst: srv, Flags: decode.SYN, Seq: 100, HeaderLen: 20, IPLen: 40, Window: 1000, WScale: -1})
	tr.Add(&decode.Segment{Frame: 2, Time: t0.Add(time.Millisecond), Src: srv, Dst: cli, Flags: decode.RST | decode.ACK, Ack: 101, HeaderLen: 20, IPLen: 40, WScale: -1})
	want := `{"type":"state","time":"2026-01-02T03:04:05Z","frame":1,"stream":0,"endpoint":"client","addr":"10.0.0.1","port":40000,"peer_addr":"10.0.0.2","peer_port":80,"from":"UNKNOWN","to":"SYN_SENT","cause":"sent SYN","evidence":"observed"}
{"type":"state","time":"2026-01-02T03:04:05.001Z","frame":2,"stream":0,"endpoint":"server","addr":"10.0.0.2","port":80,"peer_addr":"10.0.0.1","peer_port":40000,"from":"UNKNOWN","to":"CLOSED","cause":"sent RST","evidence":"observed"}
{"type":"state","time":"2026-01-02T03:04:05.001Z","frame":2,"stream":0,"endpoint":"client","addr":"10.0.0.1","port":40000,"peer_addr":"10.0.0.2","peer_port":80,"from":"SYN_SENT","to":"CLOSED","cause":"received RST","evidence":"inferred"}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestFindingsRaisedOnce: a finding's kind and subject are written once,
// however often they are seen.
func TestFindingsRaisedOnce(t *testing.T) {
	var b bytes.Buffer
	ev := New(&b)
	hc := result.Finding{Kind: "half_closed", Severity: "medium", Subject: "10.0.0.2:80", Summary: "s", Count: 1, Streams: []int64{0}, Frames: []int64{4}}
	ev.Findings(t0, []result.Finding{hc})
	hc.Count = 2
	ev.Findings(t0.Add(time.Second), []result.Finding{hc, {Kind: "scan", Severity: "high", Subject: "10.0.0.9"}})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"type":"finding_raised","kind":"half_closed"`) || !strings.Contains(lines[0], `"count":1`) ||
		!strings.Contains(lines[1], `"time":"2026-01-02T03:04:06Z","type":"finding_raised","kind":"scan"`) {
		t.Errorf("want half_closed once (as first seen), then scan:\n%s", b.String())
	}
}

// TestIntervalLine: the summary of one interval, other services summed.
func TestIntervalLine(t *testing.T) {
	var b bytes.Buffer
	ev := New(&b)
	tl := &tally.Tally{Connections: 3, OtherServices: 2, Other: tally.Waiting{TimeWait: 4}}
	tl.States[flow.Server][tcpstate.CloseWait] = 1
	tl.States[flow.Client][tcpstate.FinWait2] = 1
	tl.Services = []tally.Service{{Addr: netip.MustParseAddrPort("10.0.0.2:80"), Waiting: tally.Waiting{CloseWait: 1, OldestCloseWait: t0.Add(-2500 * time.Millisecond)}}}
	ev.Interval(&Interval{Time: t0, Capture: &result.Capture{Packets: 10, TCPPackets: 9, Evicted: 1}, Live: &result.LiveStats{Received: 10}, Finished: 4, Tally: tl, Findings: 1})
	want := `{"type":"interval","time":"2026-01-02T03:04:05Z","packets":10,"tcp_packets":9,"received":10,"dropped":0,"open_connections":3,"finished_connections":4,"evicted_connections":1,"findings":1,"client_states":{"FIN_WAIT_2":1},"server_states":{"CLOSE_WAIT":1},"services":[{"service":"10.0.0.2:80","close_wait":1,"time_wait":0,"syn_received":0,"syn_unanswered":0,"oldest_close_wait_seconds":2.5}],"other_services":{"services":2,"close_wait":0,"time_wait":4,"syn_received":0,"syn_unanswered":0,"oldest_close_wait_seconds":null}}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// Without the kernel's counters, received and dropped are null.
	b.Reset()
	ev.Interval(&Interval{Time: t0, Capture: &result.Capture{}, Tally: &tally.Tally{}})
	if !strings.Contains(b.String(), `"received":null,"dropped":null`) || !strings.Contains(b.String(), `"services":[],"other_services":null`) {
		t.Errorf("an empty interval: %s", b.String())
	}
}
