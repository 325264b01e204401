package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// builtBinary builds the command once into a temporary directory, with
// the build tags of the test binary (buildTags): the CLI tests run what
// users run.
func builtBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wirestat-cli-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "wirestat")
		out, err := exec.Command("go", "build", "-tags", buildTags, "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("go build: %v", binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// shifted returns a copy of a little-endian microsecond pcap with every
// timestamp moved by secs seconds.
func shifted(t *testing.T, pcap []byte, secs int64) []byte {
	t.Helper()
	b := bytes.Clone(pcap)
	if binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatal("not a little-endian microsecond pcap")
	}
	for off := 24; off+16 <= len(b); {
		sec := int64(binary.LittleEndian.Uint32(b[off:]))
		binary.LittleEndian.PutUint32(b[off:], uint32(sec+secs))
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return b
}

func have(tool string) bool {
	_, err := exec.LookPath(tool)
	return err == nil
}

// TestCLI runs the built binary with every flag and every refusal and
// checks the exit code, the report, the one stderr line and the files
// made (or not made).
func TestCLI(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	whole, err := os.ReadFile(demo(t))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	junk := write("junk.pcap", []byte("this is not a capture file at all"))
	later := write("later.pcap", shifted(t, whole, 3600))
	var zb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write(whole)
	zw.Close()
	zst := write("demo.pcap.zst", zb.Bytes())
	thr := write("thr.conf", []byte("# lower the bar\nflood-half-open=1\n"))
	d := demo(t)
	bad := func(name string) string {
		return filepath.Join(filepath.Dir(d), "..", "reconstruct", "testdata", "bad", name)
	}
	out := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string   // substring ("" = anything)
		notOut string   // a substring stdout must not hold
		stderr string   // substring of the one stderr line ("" = no stderr)
		made   []string // files that must exist afterwards
		absent []string // files that must not
		needs  string   // a tool the case needs (tcpdump for filters)
	}{
		// Flags that work.
		{name: "text", args: []string{"-r", d}, stdout: "CLOSE_WAIT"},
		{name: "help", args: []string{"-h"}, stdout: "exit codes:"},
		{name: "help long", args: []string{"--help"}, stdout: "--state STATE"},
		{name: "version", args: []string{"--version"}, stdout: "wirestat "},
		{name: "man", args: []string{"--man"}, stdout: ".TH WIRESTAT 1"},
		{name: "list interfaces", args: []string{"-D"}, stdout: "Loopback]"},
		{name: "thresholds", args: []string{"--thresholds"}, stdout: "time-wait-threshold"},
		{name: "format csv", args: []string{"-r", d, "-F", "csv"}, stdout: "stream,client_addr"},
		{name: "format long", args: []string{"-r", d, "--format", "jsonl"}, stdout: `"type":"summary"`},
		{name: "zeek", args: []string{"-r", d, "-F", "zeek"}, stdout: "#path\tconn"},
		{name: "zeek-json", args: []string{"-r", d, "-F", "zeek-json"}, stdout: `"id.orig_h":"10.213.0.1"`},
		{name: "html", args: []string{"-r", d, "-F", "html"}, stdout: "<html"},
		{name: "stdin", args: []string{"-r", "-", "-F", "csv"}, stdout: "CLOSE_WAIT"},
		{name: "zstd input", args: []string{"-r", zst, "-F", "csv"}, stdout: "CLOSE_WAIT"},
		{name: "o dash is stdout", args: []string{"-r", d, "-o", "-", "-F", "csv"}, stdout: "CLOSE_WAIT", absent: []string{"-"}},
		{name: "o file", args: []string{"-r", d, "-o", out("r.csv"), "-F", "csv"}, made: []string{out("r.csv")}},
		{name: "count", args: []string{"-r", d, "-c", "3", "-F", "csv"}, stdout: "SYN_SENT"},
		{name: "count long", args: []string{"--count", "3", "-r", d, "-F", "csv"}, stdout: "SYN_SENT"},
		{name: "msl", args: []string{"-r", d, "--msl", "120"}, stdout: "TIME_WAIT"},
		{name: "at with date", args: []string{"-r", d, "--at", "+0.5"}, stdout: "states at 2026-11-25 12:57:20.975 UTC"},
		{name: "top", args: []string{"-r", d, "--top", "2"}, stdout: "more endpoints not shown"},
		{name: "top all", args: []string{"-r", d, "--top", "-1"}, stdout: "CLOSE_WAIT"},
		{name: "state", args: []string{"-r", d, "--state", "close-wait"}, stdout: "Endpoints (state CLOSE_WAIT: 1 of 12)"},
		{name: "state group", args: []string{"-r", d, "--state", "bucket", "-F", "csv"}, stdout: "TIME_WAIT"},
		{name: "state repeated", args: []string{"-r", d, "--state", "time-wait", "--state", "syn-sent"}, stdout: "state SYN_SENT TIME_WAIT: 2 of 12"},
		{name: "state in expression", args: []string{"-r", d, "state", "close-wait"}, stdout: "state CLOSE_WAIT: 1 of 12"},
		{name: "role", args: []string{"-r", d, "--role", "server", "--state", "connected"}, stdout: "LAST_ACK TIME_WAIT, role server: 2 of 12"},
		{name: "state at", args: []string{"-r", d, "--at", "+0.0005", "--state", "established", "-F", "csv"}, stdout: ",ESTABLISHED,"},
		{name: "verbose", args: []string{"-r", d, "-v"}, stdout: "ESTABLISHED -> CLOSE_WAIT"},
		{name: "verbose twice", args: []string{"-r", d, "-vv"}, stdout: "Transitions"},
		{name: "no names", args: []string{"-r", d, "-n"}, stdout: "10.213.0.2:80"},
		{name: "no names twice", args: []string{"-nn", "-r", d}, stdout: "10.213.0.2:80"},
		{name: "findings only", args: []string{"-r", d, "--findings-only"}, stdout: "half_closed"},
		{name: "findings only csv", args: []string{"-r", d, "--findings-only", "-F", "csv"}, stdout: "kind,severity,subject"},
		{name: "findings only zeek", args: []string{"-r", d, "--findings-only", "-F", "zeek"}, stdout: "Wirestat::half_closed"},
		{name: "findings only zeek-json", args: []string{"-r", d, "--findings-only", "-F", "zeek-json"}, stdout: `"note":"Wirestat::syn_rejected"`},
		{name: "threshold", args: []string{"-r", d, "--findings-only", "--threshold", "flood-half-open=1"}, stdout: "syn_flood"},
		{name: "thresholds file", args: []string{"-r", d, "--findings-only", "--thresholds-file", thr}, stdout: "syn_flood"},
		{name: "idle timeout", args: []string{"-r", d, "--idle-timeout", "1ms", "-F", "csv"}, stdout: "CLOSE_WAIT"},
		{name: "max conns", args: []string{"-r", d, "--max-conns", "2", "-F", "json"}, stdout: `"evicted_connections": `},
		{name: "workers", args: []string{"-r", d, "--workers", "2", "-F", "csv"}, stdout: "CLOSE_WAIT"},
		{name: "reassemble", args: []string{"-r", d, "--reassemble", "-F", "csv"}, stdout: "CLOSE_WAIT"},
		{name: "quiet", args: []string{"-r", d, "-q"}, stdout: "CLOSE_WAIT"},
		{name: "annotate", args: []string{"-r", d, "--annotate", out("a.pcapng")}, made: []string{out("a.pcapng")}},
		{name: "save filtered", args: []string{"-r", d, "-w", out("w.pcap"), "-F", "csv"}, made: []string{out("w.pcap")}},
		{name: "filter", args: []string{"-r", d, "-F", "csv", "tcp", "port", "81"}, stdout: ",81,CLOSED", needs: "tcpdump"},

		// Warnings.
		{name: "files out of order", args: []string{"-r", later, "-r", d, "-F", "csv"}, stdout: "CLOSE_WAIT", stderr: "demo.pcap starts at 2026-11-25T12:57:20"},
		{name: "at before capture", args: []string{"-r", d, "--at", "0", "-F", "csv"}, stdout: "stream,", stderr: "is before the first packet"},
		{name: "at after capture", args: []string{"-r", d, "--at", "+100", "-F", "csv"}, stdout: "stream,", stderr: "is after the last packet"},

		// Refusals: exit 1, one line.
		{name: "no input", args: []string{"-F", "json"}, code: exitUsage, stderr: "give either -r FILE or -i IFACE"},
		{name: "both inputs", args: []string{"-r", d, "-i", "lo"}, code: exitUsage, stderr: "give either -r FILE or -i IFACE"},
		{name: "unknown flag", args: []string{"--bogus"}, code: exitUsage, stderr: "flag provided but not defined: -bogus"},
		{name: "three v", args: []string{"-r", d, "-vvv"}, code: exitUsage, stderr: "flag provided but not defined: -vvv"},
		{name: "unknown format", args: []string{"-r", d, "-F", "xml"}, code: exitUsage, stderr: `unknown report format "xml"`},
		{name: "negative count", args: []string{"-r", d, "-c", "-5"}, code: exitUsage, stderr: "-c -5: the packet count must be positive"},
		{name: "zero count", args: []string{"-r", d, "--count", "0"}, code: exitUsage, stderr: "-c 0: the packet count must be positive"},
		{name: "count not a number", args: []string{"-r", d, "-c", "many"}, code: exitUsage, stderr: `invalid value "many" for flag -c`},
		{name: "negative top", args: []string{"-r", d, "--top", "-5"}, code: exitUsage, stderr: "--top -5: want a positive number of rows, or -1 for all"},
		{name: "zero top", args: []string{"-r", d, "--top", "0"}, code: exitUsage, stderr: "--top 0"},
		{name: "eight workers", args: []string{"-r", d, "--workers", "8", "-F", "csv"}, stdout: "CLOSE_WAIT"},
		{name: "too many workers", args: []string{"-r", d, "--workers", "65"}, code: exitUsage, stderr: "--workers 65: want 1 to 64"},
		{name: "zero workers", args: []string{"-r", d, "--workers", "0"}, code: exitUsage, stderr: "--workers 0: want 1 to 64"},
		{name: "duration with r", args: []string{"-r", d, "--duration", "5s"}, code: exitUsage, stderr: "--duration ends a live capture: it needs -i"},
		{name: "negative duration", args: []string{"-i", "lo", "--duration", "-5s"}, code: exitUsage, stderr: "--duration -5s: must be positive"},
		{name: "snaplen with r", args: []string{"-r", d, "-s", "96"}, code: exitUsage, stderr: "-s sets the live capture's snapshot length: it needs -i"},
		{name: "snaplen too big", args: []string{"-i", "lo", "-s", "999999"}, code: exitUsage, stderr: "-s 999999: the snapshot length must be between 0 and 262144"},
		{name: "zero msl", args: []string{"-r", d, "--msl", "0"}, code: exitUsage, stderr: "--msl must be positive"},
		{name: "nan msl", args: []string{"-r", d, "--msl", "NaN"}, code: exitUsage, stderr: "--msl must be positive"},
		{name: "zero idle", args: []string{"-r", d, "--idle-timeout", "0s"}, code: exitUsage, stderr: "--idle-timeout 0s: must be positive"},
		{name: "zero max conns", args: []string{"-r", d, "--max-conns", "0"}, code: exitUsage, stderr: "--max-conns 0: must be positive"},
		{name: "bad state", args: []string{"-r", d, "--state", "half-open"}, code: exitUsage, stderr: `--state: unknown state "half-open"`},
		{name: "bad state in expression", args: []string{"-r", d, "state", "nope"}, code: exitUsage, stderr: `--state: unknown state "nope"`},
		{name: "bad role", args: []string{"-r", d, "--role", "peer"}, code: exitUsage, stderr: `--role "peer": want client or server`},
		{name: "bad at", args: []string{"-r", d, "--at", "yesterday"}, code: exitUsage, stderr: `--at "yesterday"`},
		{name: "annotate stdin", args: []string{"-r", "-", "--annotate", out("b.pcapng")}, code: exitUsage, stderr: "--annotate reads the capture files twice"},
		{name: "o overwrites input", args: []string{"-r", d, "-o", d}, code: exitUsage, stderr: "would overwrite the input"},
		{name: "w overwrites input", args: []string{"-r", d, "-w", d}, code: exitUsage, stderr: "would overwrite the input"},
		{name: "w and o same file", args: []string{"-r", d, "-w", out("same"), "-o", out("same")}, code: exitUsage, stderr: "-w and -o name the same file", absent: []string{out("same")}},
		{name: "unknown threshold", args: []string{"-r", d, "--threshold", "nope=1"}, code: exitUsage, stderr: "unknown threshold"},
		{name: "missing thresholds file", args: []string{"-r", d, "--thresholds-file", out("none.conf")}, code: exitUsage, stderr: "--thresholds-file"},
		{name: "bad filter", args: []string{"-r", d, "tcp", "port", "banana"}, code: exitUsage, stderr: "filter", needs: "tcpdump"},

		// Timestamps no report format can hold, before 1970, or a clock
		// that jumps back: every report is written (exit 0), with one
		// warning naming the frame.
		{name: "year 11533 json", args: []string{"-r", bad("ng-time-after-9999.pcapng"), "-F", "json"}, stdout: `"end": "2262-04-11T23:47:16.854775807Z"`, stderr: "frame 23: timestamp in the year 11533"},
		{name: "year 11533 jsonl", args: []string{"-r", bad("ng-time-after-9999.pcapng"), "-F", "jsonl"}, stdout: `"type":"summary"`, stderr: "frame 23: timestamp in the year 11533"},
		{name: "year 11533 zeek-json", args: []string{"-r", bad("ng-time-after-9999.pcapng"), "-F", "zeek-json"}, stdout: `"conn_state":`, stderr: "frame 23: timestamp in the year 11533"},
		{name: "before 1970 json", args: []string{"-r", bad("ng-time-before-1970.pcapng"), "-F", "json"}, stdout: `"first": "1931-11-02T07:37:20.475354Z"`, stderr: "frame 1: timestamp 1931-11-02T07:37:20.475354Z is before 1970"},
		{name: "clock back text", args: []string{"-r", bad("time-jumps-back.pcap")}, stdout: "+0.001s", notOut: "-86399", stderr: "frame 23: the clock goes back 23h59m59.999863s"},
		{name: "clock back csv", args: []string{"-r", bad("time-jumps-back.pcap"), "-F", "csv"}, stdout: "CLOSE_WAIT", stderr: "frame 23: the clock goes back"},

		// Input failures: exit 2, no report, no file.
		{name: "missing file", args: []string{"-r", out("nope.pcap"), "-o", out("x.txt")}, code: exitInput, stderr: "nope.pcap", absent: []string{out("x.txt")}},
		{name: "not a capture", args: []string{"-r", junk, "-q", "-o", out("y.txt"), "-w", out("y.pcap")}, code: exitInput, stderr: "junk.pcap: no input could be read", absent: []string{out("y.txt"), out("y.pcap")}},
		{name: "not a capture to stdout", args: []string{"-r", junk, "-q", "-F", "csv"}, code: exitInput, stderr: "junk.pcap: no input could be read"},

		// Output failures: exit 3.
		{name: "o in missing directory", args: []string{"-r", d, "-o", out("no/such/dir.txt")}, code: exitOutput, stderr: "-o " + out("no/such/dir.txt") + ": no directory"},
		{name: "o full disk", args: []string{"-r", d, "-o", "/dev/full"}, code: exitOutput, stderr: "write report: write /dev/full: no space left on device"},
		// The report outgrows the write buffer: a connection's write fails
		// while reading, which is still a write error, said once.
		{name: "o full disk while reading", args: []string{"-r", filepath.Join(filepath.Dir(d), "scan-vertical.pcap"), "-F", "jsonl", "-o", "/dev/full"}, code: exitOutput, stderr: "write report: write /dev/full: no space left on device"},
	}
	doubled := regexp.MustCompile(`(write report: ){2}|wirestat: wirestat:`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needs != "" && !have(tc.needs) {
				t.Skipf("%s not installed: the case needs it", tc.needs)
			}
			if strings.Contains(strings.Join(tc.args, " "), "/dev/full") {
				if _, err := os.Stat("/dev/full"); err != nil {
					t.Skip("no /dev/full")
				}
			}
			cmd := exec.Command(bin, tc.args...)
			cmd.Dir = dir
			cmd.Stdin = bytes.NewReader(whole)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout.String())
			}
			if tc.notOut != "" && strings.Contains(stdout.String(), tc.notOut) {
				t.Errorf("stdout holds %q:\n%s", tc.notOut, stdout.String())
			}
			if tc.code == exitInput && stdout.Len() > 0 {
				t.Errorf("exit %d wrote a report:\n%s", tc.code, stdout.String())
			}
			errText := strings.TrimSpace(stderr.String())
			switch {
			case tc.stderr == "" && errText != "":
				t.Errorf("unexpected stderr: %s", errText)
			case tc.stderr != "" && !strings.Contains(errText, tc.stderr):
				t.Errorf("stderr %q lacks %q", errText, tc.stderr)
			case tc.stderr != "" && strings.Count(errText, "\n") > 0 && !strings.Contains(errText, "warning: "):
				t.Errorf("want one line, got:\n%s", errText)
			case doubled.MatchString(errText):
				t.Errorf("doubled prefix: %s", errText)
			}
			for _, f := range tc.made {
				if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
			for _, f := range tc.absent {
				if !filepath.IsAbs(f) {
					f = filepath.Join(dir, f)
				}
				if _, err := os.Stat(f); err == nil {
					t.Errorf("%s was created", f)
				}
			}
		})
	}
}

// readPackets reads a capture file into copies of its packets.
func readPackets(t *testing.T, path string) []capture.Packet {
	t.Helper()
	src, err := capture.Open([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var pkts []capture.Packet
	for {
		p, err := src.Next()
		if err == io.EOF {
			return pkts
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p.Data = bytes.Clone(p.Data)
		pkts = append(pkts, p)
	}
}

// TestSaveFiltered: -w with -r writes the packets that pass the filter,
// byte for byte with their timestamps, lengths and link type, as tcpdump
// -r -w does; reading the file back gives the same report.
func TestSaveFiltered(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	orig := readPackets(t, demo(t))
	for _, tc := range []struct {
		name   string
		filter []string
	}{
		{"everything", nil},
		{"port 80", []string{"tcp", "port", "80"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.filter != nil {
				needFilterCompiler(t)
			}
			saved := filepath.Join(dir, tc.name+".pcap")
			args := append([]string{"-r", demo(t), "-w", saved, "-F", "csv"}, tc.filter...)
			first, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("save: %v", err)
			}
			got := readPackets(t, saved)
			want := orig
			if tc.filter != nil {
				out, err := exec.Command("tcpdump", "-r", demo(t), "-w", "-", strings.Join(tc.filter, " ")).Output()
				if err != nil {
					t.Fatalf("tcpdump: %v", err)
				}
				ref := filepath.Join(dir, "tcpdump.pcap")
				os.WriteFile(ref, out, 0o644)
				want = readPackets(t, ref)
			}
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("saved %d packets, want %d", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if !bytes.Equal(g.Data, w.Data) || !g.Timestamp.Equal(w.Timestamp) || g.Length != w.Length || g.LinkType != w.LinkType {
					t.Errorf("packet %d: saved %v len %d link %d, want %v len %d link %d", i+1, g.Timestamp, g.Length, g.LinkType, w.Timestamp, w.Length, w.LinkType)
				}
			}
			again, err := exec.Command(bin, "-r", saved, "-F", "csv").Output()
			if err != nil {
				t.Fatal(err)
			}
			// The same connections; frame numbers differ when filtered.
			if tc.filter == nil && !bytes.Equal(first, again) {
				t.Errorf("report of the saved file differs:\n%s\nwant:\n%s", again, first)
			}
			if n, m := bytes.Count(first, []byte("\n")), bytes.Count(again, []byte("\n")); n != m {
				t.Errorf("saved file has %d report lines, the filtered run %d", m, n)
			}
		})
	}
}

// TestManPage: docs/wirestat.1 is what --man prints (regenerate with go
// generate ./cmd/wirestat), and it and -h list every flag.
func TestManPage(t *testing.T) {
	var man, help bytes.Buffer
	if code := run(context.Background(), []string{"--man"}, &man, io.Discard); code != exitOK {
		t.Fatalf("--man exit %d", code)
	}
	if code := run(context.Background(), []string{"-h"}, &help, io.Discard); code != exitOK {
		t.Fatalf("-h exit %d", code)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "docs", "wirestat.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, man.Bytes()) {
		t.Errorf("docs/wirestat.1 is not what --man prints: run go generate ./cmd/wirestat")
	}
	newFlagSet(&options{}).VisitAll(func(f *flag.Flag) {
		if hidden[f.Name] {
			if strings.Contains(help.String(), spelled(f.Name)+" ") {
				t.Errorf("hidden flag %s in -h", f.Name)
			}
			return
		}
		if !strings.Contains(man.String(), `\fB`+roff(spelled(f.Name))+`\fR`) {
			t.Errorf("man page lacks %s", spelled(f.Name))
		}
		if !regexp.MustCompile(`(?m)^  .*` + regexp.QuoteMeta(spelled(f.Name)) + `( |,|$)`).MatchString(help.String()) {
			t.Errorf("-h lacks %s", spelled(f.Name))
		}
	})
	if groff, err := exec.LookPath("groff"); err == nil {
		cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
		cmd.Stdin = bytes.NewReader(committed)
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("groff -man: %v %s", err, out)
		}
	}
}
