package e2e

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseSS(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name string
		line string
		want Socket
	}{
		{"time-wait", "TIME-WAIT  0      0      10.213.0.1:40001 10.213.0.2:80",
			Socket{"TIME_WAIT", ap("10.213.0.1:40001"), ap("10.213.0.2:80")}},
		{"established", "ESTAB      0      0      10.213.0.1:40006 10.213.0.2:80",
			Socket{"ESTABLISHED", ap("10.213.0.1:40006"), ap("10.213.0.2:80")}},
		{"syn-sent", "SYN-SENT   0      1      10.213.0.1:40005 10.213.0.2:82",
			Socket{"SYN_SENT", ap("10.213.0.1:40005"), ap("10.213.0.2:82")}},
		{"syn-recv request socket", "SYN-RECV 0      0      10.213.0.2:80 10.213.0.1:40001",
			Socket{"SYN_RECEIVED", ap("10.213.0.2:80"), ap("10.213.0.1:40001")}},
		{"fin-wait-1", "FIN-WAIT-1 0      1      10.213.0.1:40001 10.213.0.2:80",
			Socket{"FIN_WAIT_1", ap("10.213.0.1:40001"), ap("10.213.0.2:80")}},
		{"fin-wait-2", "FIN-WAIT-2 0      0      10.213.0.1:40002 10.213.0.2:80",
			Socket{"FIN_WAIT_2", ap("10.213.0.1:40002"), ap("10.213.0.2:80")}},
		{"close-wait", "CLOSE-WAIT 0      0      10.213.0.2:80 10.213.0.1:40002",
			Socket{"CLOSE_WAIT", ap("10.213.0.2:80"), ap("10.213.0.1:40002")}},
		{"closing", "CLOSING 1      1      10.213.0.1:40001 10.213.0.2:80",
			Socket{"CLOSING", ap("10.213.0.1:40001"), ap("10.213.0.2:80")}},
		{"last-ack", "LAST-ACK 0      1      10.213.0.2:80 10.213.0.1:40001",
			Socket{"LAST_ACK", ap("10.213.0.2:80"), ap("10.213.0.1:40001")}},
		{"listen ipv4 trailing blanks", "LISTEN     0      4096   10.213.0.2:80    0.0.0.0:*    ",
			Socket{"LISTEN", ap("10.213.0.2:80"), ap("0.0.0.0:0")}},
		{"ipv6 bracketed", "TIME-WAIT 0      0      [fd00:213::1]:40001 [fd00:213::2]:80",
			Socket{"TIME_WAIT", ap("[fd00:213::1]:40001"), ap("[fd00:213::2]:80")}},
		{"listen ipv6", "LISTEN 0      4096   [fd00:213::2]:80 [::]:*",
			Socket{"LISTEN", ap("[fd00:213::2]:80"), ap("[::]:0")}},
		{"listen dual-stack star", "LISTEN 0      4096   *:80 *:*",
			Socket{"LISTEN", ap("[::]:80"), ap("[::]:0")}},
		{"ipv4-mapped is unmapped", "ESTAB 0      0      [::ffff:10.213.0.2]:80 [::ffff:10.213.0.1]:40001",
			Socket{"ESTABLISHED", ap("10.213.0.2:80"), ap("10.213.0.1:40001")}},
		{"scoped addresses lose the zone", "ESTAB 0 0 [fe80::1%wsc]:40001 [fe80::2%wsc]:80",
			Socket{"ESTABLISHED", ap("[fe80::1]:40001"), ap("[fe80::2]:80")}},
		{"ipv4 with interface", "LISTEN 0 4096 10.213.0.2%wss:80 0.0.0.0:*",
			Socket{"LISTEN", ap("10.213.0.2:80"), ap("0.0.0.0:0")}},
		{"unconnected", "UNCONN 0 0 10.213.0.1:40001 0.0.0.0:*",
			Socket{"CLOSED", ap("10.213.0.1:40001"), ap("0.0.0.0:0")}},
		{"process column ignored", `ESTAB 0 0 10.213.0.1:40001 10.213.0.2:80 users:(("e2e.test",pid=7,fd=9))`,
			Socket{"ESTABLISHED", ap("10.213.0.1:40001"), ap("10.213.0.2:80")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSS(tt.line)
			if err != nil {
				t.Fatalf("ParseSS(%q): %v", tt.line, err)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("ParseSS(%q) = %+v, want [%+v]", tt.line, got, tt.want)
			}
		})
	}
}

func TestParseSSHeaderAndBlankLines(t *testing.T) {
	out := "State      Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n" +
		"TIME-WAIT  0      0      10.213.0.1:40001 10.213.0.2:80\n" +
		"\n" +
		"LISTEN 0      4096   [fd00:213::2]:80 [::]:*\n"
	got, err := ParseSS(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].State != "TIME_WAIT" || !got[1].Listening() {
		t.Errorf("ParseSS = %+v, want a TIME_WAIT socket and a listener", got)
	}
}

func TestParseSSErrors(t *testing.T) {
	for _, line := range []string{
		"ESTAB 0 0 10.213.0.1:40001",               // no peer column
		"WEIRD 0 0 10.213.0.1:40001 10.213.0.2:80", // unknown state
		"ESTAB 0 0 10.213.0.1 10.213.0.2:80",       // no port
		"ESTAB 0 0 10.213.0.1:70000 10.213.0.2:80", // port out of range
		"ESTAB 0 0 10.213.0.300:1 10.213.0.2:80",   // bad address
	} {
		if got, err := ParseSS(line); err == nil {
			t.Errorf("ParseSS(%q) = %+v, want an error", line, got)
		} else if !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ParseSS(%q) error %q does not name the line", line, err)
		}
	}
}

func TestExpectedTSVRoundTrip(t *testing.T) {
	ap := netip.MustParseAddrPort
	in := []EndpointState{
		{Endpoint{ap("[fd00:213::2]:80"), ap("[fd00:213::1]:40001")}, "CLOSED"},
		{Endpoint{ap("10.213.0.2:80"), ap("10.213.0.1:40001")}, "CLOSE_WAIT"},
		{Endpoint{ap("10.213.0.1:40001"), ap("10.213.0.2:80")}, "FIN_WAIT_2"},
	}
	var b strings.Builder
	if err := WriteExpectedTSV(&b, in); err != nil {
		t.Fatal(err)
	}
	want := "local\tpeer\tstate\n" +
		"10.213.0.1:40001\t10.213.0.2:80\tFIN_WAIT_2\n" +
		"10.213.0.2:80\t10.213.0.1:40001\tCLOSE_WAIT\n" +
		"[fd00:213::2]:80\t[fd00:213::1]:40001\tCLOSED\n"
	if b.String() != want {
		t.Errorf("WriteExpectedTSV:\n%s\nwant:\n%s", b.String(), want)
	}
	got, err := ReadExpectedTSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != in[2] || got[2] != in[0] {
		t.Errorf("ReadExpectedTSV = %+v", got)
	}
}
