//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLiveRefusesAtOnce: on a quiet interface and with a long --duration,
// a filter that does not compile exits 1 and an interface that does not
// exist exits 4 at once, with one line on stderr and neither the -o nor
// the -w file created, as tcpdump refuses them before capturing.
func TestLiveRefusesAtOnce(t *testing.T) {
	ns := netns(t)
	needFilterCompiler(t)
	bin := builtBinary(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown port name", []string{"-i", "lo", "port", "eighty"}, exitUsage, "eighty"},
		{"syntax error", []string{"-i", "lo", "tcp", "port"}, exitUsage, "tcp port"},
		{"unknown protocol", []string{"-i", "lo", "bogus", "host", "1.2.3.4"}, exitUsage, "bogus"},
		{"missing interface", []string{"-i", "nosuch0"}, exitLiveFailed, `"nosuch0"`},
		{"missing interface with a filter", []string{"-i", "nosuch0", "tcp", "port", "80"}, exitLiveFailed, `"nosuch0"`},
		{"interface number out of range", []string{"-i", "99"}, exitLiveFailed, `"99"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			report, saved := filepath.Join(dir, tc.name+".json"), filepath.Join(dir, tc.name+".pcap")
			args := append([]string{"--duration", "60s", "-F", "json", "-o", report, "-w", saved}, tc.args...)
			cmd := commandIn(ns, bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code, took := exitCode(t, cmd, 20*time.Second)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if took > 3*time.Second {
				t.Errorf("took %v to refuse: want at once, not at the first packet or the end of --duration", took.Round(time.Millisecond))
			}
			msg := strings.TrimSpace(stderr.String())
			if !strings.Contains(msg, tc.stderr) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "wirestat: ") {
				t.Errorf("stderr %q: want one line naming %s", msg, tc.stderr)
			}
			for _, f := range []string{report, saved} {
				if _, err := os.Stat(f); err == nil {
					t.Errorf("%s was created by a run that captured nothing", filepath.Base(f))
				}
			}
		})
	}
}

// TestListInterfacesAsTcpdump: -D lists the interfaces of a namespace
// (loopback, a connected veth pair, a veth whose peer is down, that peer)
// with
// tcpdump -D's numbers, names and flags.
func TestListInterfacesAsTcpdump(t *testing.T) {
	ns := netns(t)
	if !have("tcpdump") {
		t.Skip("tcpdump not installed: the test compares with tcpdump -D")
	}
	ipIn(t, ns, "link", "add", "wsa", "type", "veth", "peer", "name", "wsb")
	ipIn(t, ns, "link", "add", "wsc", "type", "veth", "peer", "name", "wsd")
	for _, l := range []string{"wsa", "wsb", "wsc"} {
		ipIn(t, ns, "link", "set", l, "up")
	}
	time.Sleep(200 * time.Millisecond) // carrier settles
	var ours, theirs bytes.Buffer
	cmd := commandIn(ns, builtBinary(t), "-D")
	cmd.Stdout = &ours
	if code, _ := exitCode(t, cmd, 10*time.Second); code != 0 {
		t.Fatalf("wirestat -D exit %d", code)
	}
	cmd = commandIn(ns, "tcpdump", "-D")
	cmd.Stdout = &theirs
	if code, _ := exitCode(t, cmd, 10*time.Second); code != 0 {
		t.Fatalf("tcpdump -D exit %d", code)
	}
	// Without libpcap, the devices that are not network interfaces (nflog,
	// dbus...) are not listed, so the numbers after them differ: compare
	// the lines without their numbers, and the order.
	strip := func(out string) []string {
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if buildTags == "" {
				_, l, _ = strings.Cut(l, ".")
			}
			lines = append(lines, l)
		}
		return lines
	}
	got, all := strip(ours.String()), strip(theirs.String())
	last := -1
	names := map[string]bool{}
	for _, l := range got {
		i := slices.Index(all, l)
		switch {
		case i < 0:
			t.Errorf("wirestat -D line %q is not one of tcpdump -D's:\n%s", l, theirs.String())
		case i < last:
			t.Errorf("wirestat -D lists %q out of tcpdump -D's order:\n%s", l, theirs.String())
		default:
			last = i
		}
		if buildTags != "" {
			_, l, _ = strings.Cut(l, ".")
		}
		name, _, _ := strings.Cut(l, " ")
		names[name] = true
	}
	for _, n := range []string{"lo", "any", "wsa", "wsb", "wsc", "wsd"} {
		if !names[n] {
			t.Errorf("wirestat -D does not list %s:\n%s", n, ours.String())
		}
	}
}
