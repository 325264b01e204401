//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// promQuery asks a Prometheus server's HTTP API for an instant vector
// and returns its samples as label sets with their values.
func promQuery(client *http.Client, base, query string) ([]map[string]string, []string, error) {
	resp, err := client.Get(base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, nil, err
	}
	if r.Status != "success" {
		return nil, nil, fmt.Errorf("query %s: status %s", query, r.Status)
	}
	var labels []map[string]string
	var values []string
	for _, s := range r.Data.Result {
		labels = append(labels, s.Metric)
		v, _ := s.Value[1].(string)
		values = append(values, v)
	}
	return labels, values, nil
}

// TestMetricsScrapedByPrometheus: a real Prometheus server scrapes
// wirestat --metrics in a namespace while the servers of two connections
// sit in CLOSE_WAIT; its HTTP API then returns the per-service CLOSE_WAIT
// gauge, the endpoints by role and state, the half_closed finding and the
// packet counter.
func TestMetricsScrapedByPrometheus(t *testing.T) {
	ns := netns(t)
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed: the test scrapes wirestat with the real server")
	}
	bin := builtBinary(t)
	dir := t.TempDir()
	ln, port := listenIn(t, ns)
	service := "127.0.0.1:" + strconv.Itoa(port)

	// The namespace is new: fixed ports are free in it.
	const metricsAddr, promAddr = "127.0.0.1:19183", "127.0.0.1:19090"
	ws := commandIn(ns, bin, "-i", "lo", "--interval", "200ms", "--metrics", metricsAddr, "-F", "json", "-o", filepath.Join(dir, "report.json"), "tcp", "port", strconv.Itoa(port))
	var wsErr bytes.Buffer
	ws.Stderr = &wsErr
	if err := ws.Start(); err != nil {
		t.Fatal(err)
	}
	defer ws.Process.Kill()

	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: wirestat\n    static_configs:\n      - targets: [%q]\n", metricsAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	ps := commandIn(ns, prom, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+promAddr)
	var promLog bytes.Buffer
	ps.Stdout, ps.Stderr = &promLog, &promLog
	if err := ps.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ps.Process.Kill()
		ps.Wait()
	}()

	// wirestat serves metrics once its capture is open: traffic after.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dialerIn(ns)}}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("wirestat --metrics never answered: %v; stderr: %s", err, wsErr.String())
		}
	}

	for range 2 { // two servers left in CLOSE_WAIT
		halfClosed(t, ns, ln)
	}

	base := "http://" + promAddr
	checks := []struct {
		query  string
		labels map[string]string
		want   func(v float64) bool
		what   string
	}{
		{`wirestat_service_endpoints{state="CLOSE_WAIT"}`, map[string]string{"service": service}, func(v float64) bool { return v == 2 }, "2"},
		{`wirestat_endpoints{role="server",state="CLOSE_WAIT"}`, nil, func(v float64) bool { return v == 2 }, "2"},
		{`wirestat_endpoints{role="client",state="FIN_WAIT_2"}`, nil, func(v float64) bool { return v == 2 }, "2"},
		{`wirestat_findings{kind="half_closed"}`, nil, func(v float64) bool { return v == 1 }, "1"},
		{`wirestat_service_oldest_close_wait_seconds`, map[string]string{"service": service}, func(v float64) bool { return v > 0 }, "> 0"},
		{`wirestat_packets_total`, nil, func(v float64) bool { return v >= 14 }, ">= 14 (two connections' handshakes, data and FINs)"},
		{`wirestat_dropped_packets_total{where="kernel"}`, nil, func(v float64) bool { return v == 0 }, "0"},
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, c := range checks {
		var last string
		for {
			labels, values, err := promQuery(client, base, c.query)
			ok := false
			if err != nil {
				last = err.Error()
			} else {
				last = fmt.Sprintf("%v %v", labels, values)
			}
			for i := range labels {
				match := true
				for k, v := range c.labels {
					match = match && labels[i][k] == v
				}
				if v, err := strconv.ParseFloat(values[i], 64); err == nil && match && c.want(v) {
					ok = true
				}
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Prometheus never returned %s %v = %s; last answer: %s\nwirestat: %s\nprometheus log tail: %s", c.query, c.labels, c.what, last, wsErr.String(), tail(promLog.String(), 2000))
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	ws.Process.Signal(syscall.SIGINT)
	if err := ws.Wait(); err != nil {
		t.Errorf("wirestat after SIGINT: %v: %s", err, wsErr.String())
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
