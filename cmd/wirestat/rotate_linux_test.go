//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestLiveRotation: a live capture saved with -w -C is split into files
// that, read back with several -r, hold the connections the live report
// shows.
func TestLiveRotation(t *testing.T) {
	needFilterCompiler(t)
	ns := netns(t)
	bin := builtBinary(t)
	dir := t.TempDir()
	ln, p := listenIn(t, ns)
	port := strconv.Itoa(p)
	report := filepath.Join(dir, "live.json")
	cmd := commandIn(ns, bin, "-i", "lo", "-F", "json", "-o", report, "-w", filepath.Join(dir, "part"), "-C", "4k", "tcp", "port", port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for start := time.Now(); !capturing(cmd.Process.Pid); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("not capturing after 10s: %s", stderr.String())
		}
	}
	for range 20 {
		oneConnection(t, ns, ln)
	}
	// At once: the capture drains what the kernel still holds, so the
	// last connection's packets are in the report and the files too.
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGINT: %v; stderr: %s", err, stderr.String())
	}
	args := []string{"-F", "json", "-q"}
	for _, f := range []string{"part", "part1", "part2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("no rotated file %s: %v", f, err)
		}
	}
	for i := 0; ; i++ {
		name := "part"
		if i > 0 {
			name += strconv.Itoa(i)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			break
		}
		args = append(args, "-r", filepath.Join(dir, name))
	}
	var back bytes.Buffer
	rd := exec.Command(bin, args...)
	rd.Stdout = &back
	if err := rd.Run(); err != nil {
		t.Fatal(err)
	}
	conns := func(b []byte) []any {
		var r map[string]any
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		c, _ := r["connections"].([]any)
		return c
	}
	liveReport, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	lc, fc := conns(liveReport), conns(back.Bytes())
	if len(lc) != 20 || !reflect.DeepEqual(lc, fc) {
		t.Errorf("live report: %d connections, the %d rotated files read as one: %d; want the same 20", len(lc), len(args)/2-1, len(fc))
	}
}
