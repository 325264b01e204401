package report

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/communityid"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// t0 is the first packet of the hand-built capture. Some times below carry
// a non-UTC zone on purpose: every writer must print them in UTC.
var (
	t0   = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	cest = time.FixedZone("CEST", 2*60*60)
)

func at(d string) time.Time {
	off, err := time.ParseDuration(d)
	if err != nil {
		panic(err)
	}
	return t0.Add(off)
}

func atp(d string) *time.Time {
	t := at(d)
	return &t
}

func str(s string) *string { return &s }

func tr(frame int64, d, ep, from, to, cause string) result.Transition {
	return result.Transition{Frame: frame, Time: at(d), Endpoint: ep, From: from, To: to, Cause: cause}
}

// testConnections returns the connections of a small web capture in the
// order they finish: a refused connection, a normal close leaving the
// client in TIME_WAIT, an unanswered SYN, two scan probes, a half-closed
// connection, an IPv6 connection still open and a midstream pickup.
func testConnections() []result.Connection {
	cs := fixtureConnections()
	for i := range cs {
		c := &cs[i]
		for _, ep := range []*result.Endpoint{&c.Client, &c.Server} {
			switch {
			case ep.State == "UNKNOWN":
				ep.Evidence = "none"
			case c.RolesInferred && ep.Since == nil:
				ep.Evidence = "assumed"
			case ep.Packets == 0 || ep.State == "CLOSE_WAIT":
				ep.Evidence = "inferred"
			default:
				ep.Evidence = "observed"
			}
		}
		for j := range c.Transitions {
			c.Transitions[j].Evidence = "observed"
			if strings.HasPrefix(c.Transitions[j].Cause, "received") {
				c.Transitions[j].Evidence = "inferred"
			}
		}
	}
	return cs
}

func fixtureConnections() []result.Connection {
	return []result.Connection{
		{
			Stream:     2,
			Client:     result.Endpoint{Addr: "10.0.0.1", Port: 51240, State: "CLOSED", Since: atp("1.5003s"), Packets: 1, IPBytes: 60},
			Server:     result.Endpoint{Addr: "10.0.0.2", Port: 8080, State: "CLOSED", Since: atp("1.5003s"), Packets: 1, IPBytes: 40, SentRST: true},
			FirstFrame: 12, LastFrame: 13,
			Start: at("1.5s"), End: at("1.5003s"), Duration: 0.0003,
			ZeekConnState: "REJ", History: "Sr", ClosedBy: str("server"),
			Transitions: []result.Transition{
				tr(12, "1.5s", "client", "CLOSED", "SYN_SENT", "sent SYN"),
				tr(13, "1.5003s", "client", "SYN_SENT", "CLOSED", "received RST"),
			},
			Filter:      "tcp.stream eq 2",
			CommunityID: communityid.Flow(0, communityid.ProtoTCP, netip.MustParseAddrPort("10.0.0.1:51240"), netip.MustParseAddrPort("10.0.0.2:8080")),
			Zeek:        result.ZeekView{OrigIsClient: true, Duration: 0.0003},
		},
		{
			Stream:     0,
			Client:     result.Endpoint{Addr: "10.0.0.1", Port: 51234, State: "TIME_WAIT", Since: atp("1.203s"), Packets: 6, PayloadBytes: 120, IPBytes: 440, SentFIN: true},
			Server:     result.Endpoint{Addr: "10.0.0.2", Port: 80, State: "CLOSED", Since: atp("1.2035s"), Packets: 4, PayloadBytes: 1380, IPBytes: 1600, SentFIN: true},
			FirstFrame: 1, LastFrame: 10,
			Start: at("0s").In(cest), End: at("1.2035s").In(cest), Duration: 1.2035,
			ZeekConnState: "SF", History: "ShADadFf", ClosedBy: str("client"),
			Transitions: []result.Transition{
				tr(1, "0s", "client", "CLOSED", "SYN_SENT", "sent SYN"),
				tr(2, "0.0004s", "server", "LISTEN", "SYN_RECEIVED", "sent SYN-ACK"),
				tr(3, "0.0008s", "client", "SYN_SENT", "ESTABLISHED", "sent ACK of SYN-ACK"),
				tr(3, "0.0008s", "server", "SYN_RECEIVED", "ESTABLISHED", "received ACK of SYN"),
				tr(7, "1.2s", "client", "ESTABLISHED", "FIN_WAIT_1", "sent FIN"),
				tr(8, "1.2002s", "server", "ESTABLISHED", "CLOSE_WAIT", "received FIN"),
				tr(8, "1.2002s", "client", "FIN_WAIT_1", "FIN_WAIT_2", "received ACK of FIN"),
				tr(9, "1.203s", "server", "CLOSE_WAIT", "LAST_ACK", "sent FIN"),
				tr(9, "1.203s", "client", "FIN_WAIT_2", "TIME_WAIT", "received FIN"),
				tr(10, "1.2035s", "server", "LAST_ACK", "CLOSED", "received ACK of FIN"),
			},
			Filter: "tcp.stream eq 0",
			Zeek:   result.ZeekView{OrigIsClient: true, OrigBytes: 120, RespBytes: 1380, Duration: 1.2035},
		},
		{
			Stream:     3,
			Client:     result.Endpoint{Addr: "10.0.0.1", Port: 51250, State: "SYN_SENT", Since: atp("2s"), Packets: 1, IPBytes: 60},
			Server:     result.Endpoint{Addr: "10.0.0.3", Port: 443, State: "UNKNOWN"},
			FirstFrame: 14, LastFrame: 14,
			Start: at("2s"), End: at("2s"),
			ZeekConnState: "S0", History: "S",
			Transitions: []result.Transition{tr(14, "2s", "client", "CLOSED", "SYN_SENT", "sent SYN")},
			Filter:      "tcp.stream eq 3",
			Tunnel: []result.Tunnel{
				{Type: "vxlan", Outer: "192.0.2.1:50000 > 192.0.2.2:4789", ID: new(uint32(42))},
				{Type: "gre", Outer: "2001:db8::1 > 2001:db8::2"},
			},
			Zeek: result.ZeekView{OrigIsClient: true},
		},
		{
			Stream:     6,
			Client:     result.Endpoint{Addr: "10.0.0.66", Port: 40001, State: "SYN_SENT", Since: atp("5s"), Packets: 1, IPBytes: 44},
			Server:     result.Endpoint{Addr: "10.0.0.3", Port: 22, State: "UNKNOWN"},
			FirstFrame: 50, LastFrame: 50,
			Start: at("5s"), End: at("5s"),
			ZeekConnState: "S0", History: "S",
			Transitions: []result.Transition{tr(50, "5s", "client", "CLOSED", "SYN_SENT", "sent SYN")},
			Filter:      "tcp.stream eq 6",
			Zeek:        result.ZeekView{OrigIsClient: true},
		},
		{
			Stream:     7,
			Client:     result.Endpoint{Addr: "10.0.0.66", Port: 40001, State: "CLOSED", Since: atp("5.0012s"), Packets: 1, IPBytes: 44},
			Server:     result.Endpoint{Addr: "10.0.0.3", Port: 23, State: "CLOSED", Since: atp("5.0012s"), Packets: 1, IPBytes: 40, SentRST: true},
			FirstFrame: 51, LastFrame: 52,
			Start: at("5.001s"), End: at("5.0012s"), Duration: 0.0002,
			ZeekConnState: "REJ", History: "Sr", ClosedBy: str("server"),
			Transitions: []result.Transition{
				tr(51, "5.001s", "client", "CLOSED", "SYN_SENT", "sent SYN"),
				tr(52, "5.0012s", "client", "SYN_SENT", "CLOSED", "received RST"),
			},
			Filter: "tcp.stream eq 7",
			Zeek:   result.ZeekView{OrigIsClient: true, Duration: 0.0002},
		},
		{
			Stream:     1,
			Client:     result.Endpoint{Addr: "10.0.0.1", Port: 51236, State: "FIN_WAIT_2", Since: atp("3.1002s"), Packets: 7, PayloadBytes: 310, IPBytes: 650, SentFIN: true},
			Server:     result.Endpoint{Addr: "10.0.0.2", Port: 80, State: "CLOSE_WAIT", Since: atp("3.1002s"), Packets: 6, PayloadBytes: 5400, IPBytes: 5720},
			FirstFrame: 11, LastFrame: 31,
			Start: at("1.4s"), End: at("3.1002s"), Duration: 1.7002,
			ZeekConnState: "S2", History: "ShADadF", ClosedBy: str("client"),
			Transitions: []result.Transition{
				tr(11, "1.4s", "client", "CLOSED", "SYN_SENT", "sent SYN"),
				tr(15, "1.4003s", "server", "LISTEN", "SYN_RECEIVED", "sent SYN-ACK"),
				tr(16, "1.4005s", "client", "SYN_SENT", "ESTABLISHED", "sent ACK of SYN-ACK"),
				tr(16, "1.4005s", "server", "SYN_RECEIVED", "ESTABLISHED", "received ACK of SYN"),
				tr(30, "3.1s", "client", "ESTABLISHED", "FIN_WAIT_1", "sent FIN"),
				tr(31, "3.1002s", "server", "ESTABLISHED", "CLOSE_WAIT", "received FIN"),
				tr(31, "3.1002s", "client", "FIN_WAIT_1", "FIN_WAIT_2", "received ACK of FIN"),
			},
			Filter: "tcp.stream eq 1",
			Zeek:   result.ZeekView{OrigIsClient: true, OrigBytes: 310, RespBytes: 5400, Duration: 1.7002},
		},
		{
			Stream:     4,
			Client:     result.Endpoint{Addr: "fd00::1", Port: 40000, State: "ESTABLISHED", Since: atp("2.5004s"), Packets: 5, PayloadBytes: 200, IPBytes: 600},
			Server:     result.Endpoint{Addr: "fd00::2", Port: 443, State: "ESTABLISHED", Since: atp("2.5004s"), Packets: 4, PayloadBytes: 3000, IPBytes: 3320},
			FirstFrame: 40, LastFrame: 49,
			Start: at("2.5s"), End: at("4.75s"), Duration: 2.25,
			ZeekConnState: "S1", History: "ShADad",
			Transitions: []result.Transition{
				tr(40, "2.5s", "client", "CLOSED", "SYN_SENT", "sent SYN"),
				tr(42, "2.5002s", "server", "LISTEN", "SYN_RECEIVED", "sent SYN-ACK"),
				tr(43, "2.5004s", "client", "SYN_SENT", "ESTABLISHED", "sent ACK of SYN-ACK"),
				tr(43, "2.5004s", "server", "SYN_RECEIVED", "ESTABLISHED", "received ACK of SYN"),
			},
			Filter: "tcp.stream eq 4",
			Zeek:   result.ZeekView{OrigIsClient: true, OrigBytes: 200, RespBytes: 3000, Duration: 2.25},
		},
		{
			// Picked up midstream: the first packet seen came from the
			// server, so Zeek makes it the originator, while wirestat
			// infers the roles from the ports.
			Stream:        5,
			Client:        result.Endpoint{Addr: "10.0.0.5", Port: 55000, State: "ESTABLISHED", Packets: 3, PayloadBytes: 90, IPBytes: 210},
			Server:        result.Endpoint{Addr: "10.0.0.2", Port: 80, State: "ESTABLISHED", Packets: 4, PayloadBytes: 2800, IPBytes: 2960},
			RolesInferred: true,
			FirstFrame:    33, LastFrame: 60,
			Start: at("2.2s"), End: at("6.1s"), Duration: 3.9,
			ZeekConnState: "OTH", History: "^dDa",
			Transitions: nil,
			Filter:      "tcp.stream eq 5",
			Zeek:        result.ZeekView{OrigIsClient: false, OrigBytes: 2800, RespBytes: 90, Duration: 3.9},
		},
		{
			// Stream 4 again, after its first part was handed out (the
			// table was full): a continuation record says so.
			Stream:     4,
			Part:       2,
			Client:     result.Endpoint{Addr: "fd00::1", Port: 40000, State: "ESTABLISHED", Evidence: "assumed", Packets: 1, PayloadBytes: 100, IPBytes: 160},
			Server:     result.Endpoint{Addr: "fd00::2", Port: 443, State: "ESTABLISHED", Evidence: "assumed", Packets: 1, IPBytes: 60},
			FirstFrame: 70, LastFrame: 71,
			Start: at("9s"), End: at("9.0001s"), Duration: 0.0001,
			ZeekConnState: "OTH", History: "Da",
			Filter: "tcp.stream eq 4",
			Zeek:   result.ZeekView{OrigIsClient: true, OrigBytes: 100, Duration: 0.0001},
		},
	}
}

func scanStreams() []int64 {
	s := []int64{6, 7}
	for i := int64(8); i < 18; i++ {
		s = append(s, i)
	}
	return s
}

func scanFrames() []int64 {
	var f []int64
	for i := int64(50); i < 62; i++ {
		f = append(f, i)
	}
	return f
}

// testResult returns the Result passed to Close: everything but the
// connections.
func testResult() *result.Result {
	return &result.Result{
		Schema: result.Schema,
		Tool:   result.Tool{Name: "wirestat", Version: "test"},
		Capture: result.Capture{
			Sources:          []string{"web.pcap"},
			Packets:          64,
			TCPPackets:       60,
			OtherPackets:     4,
			DecodeErrors:     1,
			TruncatedPackets: 1,
			First:            atp("0s"),
			Last:             func() *time.Time { t := at("6.1s").In(cest); return &t }(),
			MSLSeconds:       60,
			Warnings:         []string{"web.pcap: truncated record at byte offset 40960, stopped reading"},
		},
		Listeners: []result.Listener{
			{Addr: "10.0.0.2", Port: 80, FirstFrame: 2, Connections: 2},
			{Addr: "fd00::2", Port: 443, FirstFrame: 42, Connections: 1},
		},
		Findings: []result.Finding{
			{
				Kind: "half_closed", Severity: "medium", Subject: "10.0.0.2:80",
				Summary: "10.0.0.2:80 has not closed its side 3.000s after the client's FIN (CLOSE_WAIT)",
				Count:   1, Streams: []int64{1}, Frames: []int64{30, 31},
				Filter: "tcp.stream eq 1",
				First:  at("3.1s"), Last: at("3.1002s"),
				Details: map[string]any{"close_wait_side": "server", "fin_frame": 30, "seconds_open": 3.0},
			},
			{
				Kind: "scan", Severity: "high", Subject: "10.0.0.66",
				Summary: "10.0.0.66 probed 12 ports on 10.0.0.3 within 2s, none completed a handshake",
				Count:   12, Streams: scanStreams(), Frames: scanFrames(),
				Filter: "ip.src eq 10.0.0.66 && tcp.flags.syn eq 1 && tcp.flags.ack eq 0",
				First:  at("5s").In(cest), Last: at("7s"),
				Details: map[string]any{"pattern": "vertical", "hosts": 1, "ports": 12, "window_seconds": 60},
			},
		},
		Summary: result.Summary{
			ClientStates: map[string]int64{"CLOSED": 2, "TIME_WAIT": 1, "SYN_SENT": 2, "FIN_WAIT_2": 1, "ESTABLISHED": 2},
			ServerStates: map[string]int64{"CLOSED": 3, "UNKNOWN": 2, "CLOSE_WAIT": 1, "ESTABLISHED": 2},
		},
	}
}

// manyConnections builds n connections cycling through closing states, for
// the TopN and benchmark cases.
func manyConnections(n int) []result.Connection {
	states := [...][2]string{
		{"ESTABLISHED", "ESTABLISHED"},
		{"TIME_WAIT", "CLOSED"},
		{"FIN_WAIT_2", "CLOSE_WAIT"},
		{"SYN_SENT", "UNKNOWN"},
		{"ESTABLISHED", "ESTABLISHED"},
		{"CLOSED", "CLOSED"},
	}
	conns := make([]result.Connection, n)
	for i := range conns {
		s := states[i%len(states)]
		start := t0.Add(time.Duration(i) * time.Millisecond)
		since := start.Add(time.Millisecond)
		conns[i] = result.Connection{
			Stream:        int64(i),
			Client:        result.Endpoint{Addr: fmt.Sprintf("10.1.%d.%d", i/250%250, i%250+1), Port: uint16(30000 + i%30000), State: s[0], Since: &since, Packets: 5, PayloadBytes: 100, IPBytes: 300},
			Server:        result.Endpoint{Addr: "10.0.0.2", Port: 80, State: s[1], Since: &since, Packets: 4, PayloadBytes: 900, IPBytes: 1100},
			FirstFrame:    int64(10*i + 1),
			LastFrame:     int64(10*i + 10),
			Start:         start,
			End:           since,
			Duration:      0.001,
			ZeekConnState: "SF",
			History:       "ShADadFf",
			ClosedBy:      str("client"),
			Transitions: []result.Transition{
				{Frame: int64(10*i + 1), Time: start, Endpoint: "client", From: "CLOSED", To: "SYN_SENT", Cause: "sent SYN"},
				{Frame: int64(10*i + 3), Time: since, Endpoint: "client", From: "SYN_SENT", To: "ESTABLISHED", Cause: "sent ACK of SYN-ACK"},
			},
			Filter: "tcp.stream eq " + fmt.Sprint(i),
			Zeek:   result.ZeekView{OrigIsClient: true, OrigBytes: 100, RespBytes: 900, Duration: 0.001},
		}
	}
	return conns
}
