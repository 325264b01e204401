package livestream

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Writer writes the events of a live capture to w.
type Writer struct {
	enc  *json.Encoder
	err  error
	seen map[findingKey]bool
}

type findingKey struct{ kind, subject string }

// New returns a Writer on w.
func New(w io.Writer) *Writer {
	return &Writer{enc: json.NewEncoder(w), seen: map[findingKey]bool{}}
}

// Err returns the first write error.
func (s *Writer) Err() error { return s.err }

func (s *Writer) line(v any) error {
	if s.err == nil {
		if err := s.enc.Encode(v); err != nil {
			s.err = fmt.Errorf("write event: %w", err)
		}
	}
	return s.err
}

func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// stateLine is a "state" event.
type stateLine struct {
	Type     string            `json:"type"`
	Time     string            `json:"time"`
	Frame    int64             `json:"frame"`
	Stream   int64             `json:"stream"`
	Endpoint string            `json:"endpoint"`
	Addr     string            `json:"addr"`
	Port     uint16            `json:"port"`
	PeerAddr string            `json:"peer_addr"`
	PeerPort uint16            `json:"peer_port"`
	From     tcpstate.State    `json:"from"`
	To       tcpstate.State    `json:"to"`
	Cause    string            `json:"cause"`
	Evidence tcpstate.Evidence `json:"evidence"`
}

// State writes one state change of connection c: it has the signature of
// flow.Config.OnTransition.
func (s *Writer) State(c *flow.Conn, tr *flow.Transition) {
	r := tr.Endpoint
	if r > flow.Server {
		return
	}
	me, peer := c.EP[r].Addr, c.EP[1-r].Addr
	s.line(&stateLine{
		Type: "state", Time: timeText(tr.Time()), Frame: tr.Frame, Stream: c.Stream,
		Endpoint: r.String(), Addr: me.Addr().Unmap().String(), Port: me.Port(),
		PeerAddr: peer.Addr().Unmap().String(), PeerPort: peer.Port(),
		From: tr.From, To: tr.To, Cause: tr.Cause().String(), Evidence: tr.Evidence,
	})
}

// raisedLine is a "finding_raised" event: the finding as the report
// would state it if the capture ended at Time.
type raisedLine struct {
	Time string `json:"time"`
	result.Finding
}

// Findings writes a "finding_raised" line for each finding whose kind
// and subject it has not written before, at time now.
func (s *Writer) Findings(now time.Time, fs []result.Finding) error {
	for _, f := range fs {
		k := findingKey{f.Kind, f.Subject}
		if s.seen[k] {
			continue
		}
		s.seen[k] = true
		f.Type = "finding_raised"
		if err := s.line(&raisedLine{Time: timeText(now), Finding: f}); err != nil {
			return err
		}
	}
	return s.err
}

// Interval is what one "interval" line summarises.
type Interval struct {
	Time     time.Time
	Capture  *result.Capture   // the counters so far
	Live     *result.LiveStats // the kernel's counters; nil when unknown
	Finished int64             // connections handed out so far
	Tally    *tally.Tally      // the open connections
	Findings int               // findings so far
}

type intervalLine struct {
	Type     string           `json:"type"`
	Time     string           `json:"time"`
	Packets  int64            `json:"packets"`
	TCP      int64            `json:"tcp_packets"`
	Received *int64           `json:"received"`
	Dropped  *int64           `json:"dropped"`
	Open     int64            `json:"open_connections"`
	Finished int64            `json:"finished_connections"`
	Evicted  int64            `json:"evicted_connections"`
	Findings int              `json:"findings"`
	Clients  map[string]int64 `json:"client_states"`
	Servers  map[string]int64 `json:"server_states"`
	Services []serviceLine    `json:"services"`
	Others   *serviceLine     `json:"other_services"`
}

type serviceLine struct {
	Service     string   `json:"service,omitempty"`
	Count       int      `json:"services,omitempty"`
	CloseWait   int64    `json:"close_wait"`
	TimeWait    int64    `json:"time_wait"`
	SynReceived int64    `json:"syn_received"`
	Unanswered  int64    `json:"syn_unanswered"`
	OldestCW    *float64 `json:"oldest_close_wait_seconds"`
}

func service(now time.Time, name string, w *tally.Waiting) serviceLine {
	l := serviceLine{Service: name, CloseWait: w.CloseWait, TimeWait: w.TimeWait, SynReceived: w.SynReceived, Unanswered: w.Unanswered}
	if !w.OldestCloseWait.IsZero() {
		age := max(0, now.Sub(w.OldestCloseWait).Seconds())
		l.OldestCW = &age
	}
	return l
}

// Interval writes an "interval" line.
func (s *Writer) Interval(iv *Interval) error {
	l := intervalLine{
		Type: "interval", Time: timeText(iv.Time),
		Packets: iv.Capture.Packets, TCP: iv.Capture.TCPPackets,
		Open: iv.Tally.Connections, Finished: iv.Finished, Evicted: iv.Capture.Evicted,
		Findings: iv.Findings,
		Clients:  states(iv.Tally, flow.Client), Servers: states(iv.Tally, flow.Server),
		Services: make([]serviceLine, 0, len(iv.Tally.Services)),
	}
	if iv.Live != nil {
		l.Received, l.Dropped = &iv.Live.Received, &iv.Live.Dropped
	}
	for i := range iv.Tally.Services {
		sv := &iv.Tally.Services[i]
		l.Services = append(l.Services, service(iv.Time, sv.Addr.String(), &sv.Waiting))
	}
	if iv.Tally.OtherServices > 0 {
		o := service(iv.Time, "", &iv.Tally.Other)
		o.Count = iv.Tally.OtherServices
		l.Others = &o
	}
	return s.line(&l)
}

// states maps the state names of role r's endpoints to their counts.
func states(t *tally.Tally, r flow.Role) map[string]int64 {
	m := map[string]int64{}
	for st := range tcpstate.NumStates {
		if n := t.Count(r, tcpstate.State(st)); n > 0 {
			m[tcpstate.State(st).String()] = n
		}
	}
	return m
}
