// Package testenv finds the shared oracle material and external tools that
// tests use, and skips tests with a clear message when they are missing.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// RepoRoot returns the directory holding go.mod, searching upwards from the
// working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// SharedDir returns where the shared material is expected: $WIRESTAT_SHARED,
// or shared/ beside the repository. It may not exist.
func SharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("WIRESTAT_SHARED"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
}

// Shared returns the path of a file or folder inside the shared material
// (see SharedDir), skipping the test when it is absent.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{SharedDir(t)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared oracle material %s not present (set WIRESTAT_SHARED or place shared/ beside the repository)", p)
	}
	return p
}

// Tool returns the path of an external program, skipping the test when it
// is not installed.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed; install it to run this test (.ci/run does)", name)
	}
	return p
}

// Root skips the test unless it runs as root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces, packet capture); run as root to include it")
	}
}

// TsharkRow is one line of a stored tshark listing: a frame tshark decodes
// as TCP and its tcp.stream (the first one, for frames carrying several).
type TsharkRow struct {
	Frame, Stream int64
}

// TsharkRows reads a .tshark.tsv file of the Wireshark oracle
// (frame.number, tcp.stream, ... tab-separated, no header).
func TsharkRows(t testing.TB, path string) []TsharkRow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ParseTsharkRows(t, path, data)
}

// ParseTsharkRows parses tshark's "-T fields -e frame.number -e tcp.stream"
// output; name says where it came from in failures. Frames without a
// stream are skipped.
func ParseTsharkRows(t testing.TB, name string, data []byte) []TsharkRow {
	t.Helper()
	var rows []TsharkRow
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) < 2 || cols[1] == "" {
			continue
		}
		fr, err1 := strconv.ParseInt(cols[0], 10, 64)
		st, err2 := strconv.ParseInt(strings.SplitN(cols[1], ",", 2)[0], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad row %q", name, line)
		}
		rows = append(rows, TsharkRow{fr, st})
	}
	return rows
}
