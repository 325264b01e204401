package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompanionViews drives --follow, --stream and --community-id-seed
// as a user would.
func TestCompanionViews(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings
		stderr string   // substring
	}{
		{"follow ascii", []string{"--follow", "0"}, exitOK, []string{"Follow: tcp,ascii", "Node 0: 10.213.0.1:40001", "hello", "\t6\nworld"}, ""},
		{"follow json", []string{"--follow", "1", "-F", "json"}, exitOK, []string{`"stream": 1`, `"dir": "server"`, `"data": "d29ybGQK"`, `"gaps": []`}, ""},
		{"follow raw", []string{"--follow", "1", "--follow-mode", "raw"}, exitOK, []string{"68656c6c6f0a\n\t776f726c640a"}, ""},
		{"stream", []string{"--stream", "1"}, exitOK, []string{"tcp.stream 1: client 10.213.0.1:40002 -> server 10.213.0.2:80",
			"ESTABLISHED -> CLOSE_WAIT (received FIN)", "half_closed", "findings: 1", "community_id: 1:3xOUY4Pv95z3IkQRP2DW6Jl4Uoc="}, ""},
		{"seed", []string{"-F", "csv", "--community-id-seed", "1"}, exitOK, []string{",community_id,"}, ""},
		{"no such stream", []string{"--follow", "42"}, exitUsage, nil, "no tcp.stream 42 in the capture"},
		{"bad mode", []string{"--follow", "0", "--follow-mode", "ebcdic"}, exitUsage, nil, "unknown follow mode"},
		{"both views", []string{"--follow", "0", "--stream", "0"}, exitUsage, nil, "give one"},
		{"stream as csv", []string{"--stream", "0", "-F", "csv"}, exitUsage, nil, "text only"},
		{"bad seed", []string{"--community-id-seed", "65536"}, exitUsage, nil, "0 to 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"-r", demo(t)}, tt.args...), &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errb.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			if !strings.Contains(errb.String(), tt.stderr) || (tt.stderr == "") != (errb.Len() == 0) {
				t.Errorf("stderr %q, want %q", errb.String(), tt.stderr)
			}
		})
	}
}

// TestFollowLooksLikeTshark: on every sample capture, --follow prints
// exactly what tshark -z follow,tcp,MODE,N prints, in all three modes.
func TestFollowLooksLikeTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	caps, _ := filepath.Glob(filepath.Join("..", "..", "pcaps", "*.pcap"))
	for _, capFile := range caps {
		for _, mode := range []string{"ascii", "hex", "raw"} {
			t.Run(filepath.Base(capFile)+"/"+mode, func(t *testing.T) {
				var out, errb bytes.Buffer
				if code := run(context.Background(), []string{"-r", capFile, "--follow", "0", "--follow-mode", mode}, &out, &errb); code != exitOK {
					t.Fatalf("exit %d: %s", code, errb.String())
				}
				want, err := exec.Command(tshark, "-n", "-r", capFile, "-q", "-z", "follow,tcp,"+mode+",0").Output()
				if err != nil {
					t.Fatalf("tshark: %v", err)
				}
				if out.String() != string(want) {
					t.Errorf("wirestat:\n%s\ntshark:\n%s", out.String(), want)
				}
			})
		}
	}
}
