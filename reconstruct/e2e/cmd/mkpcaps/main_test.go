//go:build linux

package main

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/e2e"
)

func TestList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-list"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, sc := range e2e.Scenarios() {
		if !strings.Contains(stdout.String(), sc.Name) {
			t.Errorf("-list output lacks %s:\n%s", sc.Name, stdout.String())
		}
	}
}

func TestUnknownScenario(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-out", t.TempDir(), "-run", "no-such"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), `unknown scenario "no-such"`) {
		t.Errorf("run -run no-such: %v, want an unknown scenario error", err)
	}
}

func TestStatesLine(t *testing.T) {
	ap := func(s string) e2e.Endpoint {
		l, p, _ := strings.Cut(s, " ")
		return e2e.Endpoint{Local: mustAP(t, l), Peer: mustAP(t, p)}
	}
	eps := []e2e.EndpointState{
		{Endpoint: ap("10.213.0.1:40001 10.213.0.2:80"), State: "FIN_WAIT_2"},
		{Endpoint: ap("10.213.0.2:80 10.213.0.1:40001"), State: "CLOSE_WAIT"},
	}
	if got, want := statesLine(eps), "40001->80 FIN_WAIT_2/CLOSE_WAIT"; got != want {
		t.Errorf("statesLine = %q, want %q", got, want)
	}
}

func TestStatesLineMany(t *testing.T) {
	var eps []e2e.EndpointState
	add := func(client string, port uint16, cs, ss string) {
		cl := netip.AddrPortFrom(netip.MustParseAddr(client), port)
		sv := netip.MustParseAddrPort("10.213.0.2:80")
		eps = append(eps,
			e2e.EndpointState{Endpoint: e2e.Endpoint{Local: cl, Peer: sv}, State: cs},
			e2e.EndpointState{Endpoint: e2e.Endpoint{Local: sv, Peer: cl}, State: ss})
	}
	for i := range 12 {
		add("10.213.0.1", 40001+uint16(i), "FIN_WAIT_2", "CLOSE_WAIT")
	}
	for i := range 3 {
		add("10.213.0.3", 40001+uint16(i), "TIME_WAIT", "CLOSED")
	}
	want := "12 × ->80 FIN_WAIT_2/CLOSE_WAIT, 3 × 10.213.0.3->80 TIME_WAIT/CLOSED"
	if got := statesLine(eps); got != want {
		t.Errorf("statesLine = %q, want %q", got, want)
	}
}

func mustAP(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}
