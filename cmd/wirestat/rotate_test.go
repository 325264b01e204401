package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// reportWithoutSources runs the built binary with args and returns its
// JSON report with capture.sources taken out.
func reportWithoutSources(t *testing.T, bin string, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, append(args, "-F", "json", "-q")...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("wirestat %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	delete(r["capture"].(map[string]any), "sources")
	return r
}

// TestRotationReadsBackAsOne: -w with -C, -G and -W splits a capture into
// files as tcpdump does; each file is a capture of its own, and the files
// read with several -r give the report of the whole capture.
func TestRotationReadsBackAsOne(t *testing.T) {
	bin := builtBinary(t)
	sample := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "pcaps", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pileup, scan := sample("time-wait-pileup.pcap"), sample("scan-vertical.pcap") // 135 KB; 1.3 s
	for _, tc := range []struct {
		name    string
		in      string
		pattern string
		args    []string
		files   int  // at least this many
		all     bool // the files hold every packet
		exact   int  // exactly this many files (0: any)
	}{
		{"size", pileup, "part", []string{"-C", "20k"}, 4, true, 0},
		{"size ring not full", pileup, "part", []string{"-C", "20k", "-W", "100"}, 4, true, 0},
		{"size ring wraps", pileup, "part", []string{"-C", "20k", "-W", "2"}, 2, false, 2},
		{"size in millions", pileup, "part", []string{"-C", "1"}, 1, true, 1},
		{"time", scan, "part-%s", []string{"-G", "1"}, 2, true, 0},
		{"time and size", scan, "part-%s-", []string{"-G", "1", "-C", "8k"}, 4, true, 0},
		{"time limit ends the run", scan, "part-%s", []string{"-G", "1", "-W", "1"}, 1, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			whole := reportWithoutSources(t, bin, "-r", in)
			dir := t.TempDir()
			saved := filepath.Join(dir, tc.pattern)
			cmd := exec.Command(bin, append([]string{"-r", in, "-w", saved, "-q", "-F", "csv"}, tc.args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("save: %v: %s", err, out)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "part*"))
			// In the order written: each file is complete before the next.
			mtime := func(f string) int64 {
				fi, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				return fi.ModTime().UnixNano()
			}
			slices.SortFunc(files, func(a, b string) int { return cmp.Compare(mtime(a), mtime(b)) })
			if len(files) < tc.files || tc.exact > 0 && len(files) != tc.exact {
				t.Fatalf("%d files %v, want at least %d (exactly %d)", len(files), files, tc.files, tc.exact)
			}
			var args []string
			for _, f := range files {
				reportWithoutSources(t, bin, "-r", f) // each readable on its own
				args = append(args, "-r", f)
			}
			if !tc.all {
				return
			}
			if got := reportWithoutSources(t, bin, args...); !reflect.DeepEqual(got, whole) {
				g, _ := json.MarshalIndent(got["capture"], "", " ")
				w, _ := json.MarshalIndent(whole["capture"], "", " ")
				t.Errorf("the %d files read as one differ from the whole capture; capture sections:\n%s\nwant\n%s", len(files), g, w)
			}
		})
	}
}

// TestRotationRefusals: the rotation flags need -w, and -W needs -C or -G.
func TestRotationRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-C", "1"}, "need -w FILE"},
		{[]string{"-w", "x", "-W", "3"}, "counts the files of -C or -G"},
		{[]string{"-w", "x", "-C", "0"}, "want a positive size"},
		{[]string{"-w", "x", "-C", "5x"}, "want a positive size"},
		{[]string{"-w", "x", "-G", "0"}, "positive number of seconds"},
		{[]string{"-w", "x", "-C", "1", "-W", "0"}, "the file count must be positive"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"-r", demo(t)}, tc.args...)
		if code := run(t.Context(), args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), exitUsage, tc.msg)
		}
	}
}
