// Package metrics exports a live capture's figures to Prometheus through
// the official Go client (prometheus/client_golang): packets, drops and
// evictions as counters; open connections, endpoints by role and state,
// and each service's waiting endpoints as gauges; findings by kind.
//
// The Exporter holds the latest Sample, set every interval by the capture
// (Update), and turns it into metrics when scraped, so a scrape never
// touches the connection table. Label values are bounded: role (2 values)
// and state (12), kind (the closed finding vocabulary), and service: the
// server address:port pairs a tally keeps (at most tally.Options.Services
// for each kind of waiting endpoint) plus "other" for the sum of the
// rest. README.md lists every series.
package metrics
