package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Sample is what one scrape reports: the capture's figures at one moment.
type Sample struct {
	Time     time.Time
	Capture  result.Capture    // the counters so far (copied)
	Live     *result.LiveStats // the kernel's counters; nil when unknown
	Finished int64             // connections handed out so far
	Tally    *tally.Tally      // the open connections
	Findings []result.Finding  // findings so far
}

// OtherService is the service label of the sum of the services beyond
// the named ones.
const OtherService = "other"

var (
	descPackets  = prometheus.NewDesc("wirestat_packets_total", "Packets analysed (after the filter).", nil, nil)
	descTCP      = prometheus.NewDesc("wirestat_tcp_packets_total", "TCP packets analysed.", nil, nil)
	descReceived = prometheus.NewDesc("wirestat_received_packets_total", "Packets the kernel accepted for the capture (after the filter), dropped ones included.", nil, nil)
	descDropped  = prometheus.NewDesc("wirestat_dropped_packets_total", "Packets received but never analysed, by where they were dropped (kernel: the ring was full; queue: wirestat's queue was full).", []string{"where"}, nil)
	descEvicted  = prometheus.NewDesc("wirestat_evicted_connections_total", "Connections handed out early because the table was full (--max-conns).", nil, nil)
	descFinished = prometheus.NewDesc("wirestat_finished_connections_total", "Connections handed out (finished, idle or evicted).", nil, nil)
	descOpen     = prometheus.NewDesc("wirestat_open_connections", "Connections in the table.", nil, nil)
	descEndpoint = prometheus.NewDesc("wirestat_endpoints", "Endpoints of the open connections by role and state (UNKNOWN: not heard from).", []string{"role", "state"}, nil)
	descService  = prometheus.NewDesc("wirestat_service_endpoints", "Endpoints of a service's open connections waiting in CLOSE_WAIT, TIME_WAIT or SYN_RECEIVED (half-open); service is the server address:port, or \"other\" for the services beyond the named ones.", []string{"service", "state"}, nil)
	descSYN      = prometheus.NewDesc("wirestat_service_unanswered_syns", "Clients of a service in SYN_SENT that the server has not answered yet.", []string{"service"}, nil)
	descOldest   = prometheus.NewDesc("wirestat_service_oldest_close_wait_seconds", "Age of a service's longest-waiting CLOSE_WAIT endpoint (by the wall clock).", []string{"service"}, nil)
	descFindings = prometheus.NewDesc("wirestat_findings", "Findings so far by kind (one per subject), as the report would state them if the capture ended now.", []string{"kind"}, nil)
	descUpdated  = prometheus.NewDesc("wirestat_last_update_timestamp_seconds", "When these figures were taken.", nil, nil)
)

// Exporter is a prometheus.Collector of the latest Sample, with a
// registry of its own that also holds the Go runtime and process
// collectors.
type Exporter struct {
	mu  sync.Mutex
	s   *Sample
	reg *prometheus.Registry
}

// New returns an Exporter with no sample yet (a scrape reports nothing of
// the capture until the first Update).
func New() *Exporter {
	e := &Exporter{reg: prometheus.NewRegistry()}
	e.reg.MustRegister(e, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e
}

// Update makes s the sample the next scrapes report; s must not change
// afterwards.
func (e *Exporter) Update(s *Sample) {
	e.mu.Lock()
	e.s = s
	e.mu.Unlock()
}

// Handler serves the metrics in the Prometheus exposition formats.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{Registry: e.reg})
}

// Registry is the registry the Exporter is in.
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPackets, descTCP, descReceived, descDropped, descEvicted, descFinished, descOpen, descEndpoint, descService, descSYN, descOldest, descFindings, descUpdated} {
		ch <- d
	}
}

// waitingStates are the states wirestat_service_endpoints reports.
var waitingStates = [...]tcpstate.State{tcpstate.CloseWait, tcpstate.TimeWait, tcpstate.SynReceived}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	s := e.s
	e.mu.Unlock()
	if s == nil {
		return
	}
	c := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	c(descPackets, float64(s.Capture.Packets))
	c(descTCP, float64(s.Capture.TCPPackets))
	c(descEvicted, float64(s.Capture.Evicted))
	c(descFinished, float64(s.Finished))
	if s.Live != nil {
		c(descReceived, float64(s.Live.Received))
		c(descDropped, float64(s.Live.KernelDropped), "kernel")
		c(descDropped, float64(s.Live.QueueDropped), "queue")
	}
	g(descUpdated, float64(s.Time.UnixNano())/1e9)
	t := s.Tally
	if t == nil {
		t = &tally.Tally{}
	}
	g(descOpen, float64(t.Connections))
	for _, r := range [...]flow.Role{flow.Client, flow.Server} {
		for st := range tcpstate.NumStates {
			g(descEndpoint, float64(t.Count(r, tcpstate.State(st))), r.String(), tcpstate.State(st).String())
		}
	}
	service := func(name string, w *tally.Waiting) {
		vals := [...]int64{w.CloseWait, w.TimeWait, w.SynReceived}
		for i, st := range waitingStates {
			g(descService, float64(vals[i]), name, st.String())
		}
		g(descSYN, float64(w.Unanswered), name)
		if !w.OldestCloseWait.IsZero() {
			g(descOldest, max(0, s.Time.Sub(w.OldestCloseWait).Seconds()), name)
		}
	}
	for i := range t.Services {
		service(t.Services[i].Addr.String(), &t.Services[i].Waiting)
	}
	service(OtherService, &t.Other)
	kinds := map[string]int{}
	for k := range findings.NumKinds {
		kinds[findings.Kind(k).String()] = 0
	}
	for _, f := range s.Findings {
		kinds[f.Kind]++
	}
	for k, n := range kinds {
		g(descFindings, float64(n), k)
	}
}
