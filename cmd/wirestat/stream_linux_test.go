//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lines collects the JSON lines a running wirestat writes.
type lines struct {
	mu  sync.Mutex
	all []map[string]any
	raw []string
}

func (l *lines) add(s string) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m = map[string]any{"type": "not json: " + s}
	}
	l.mu.Lock()
	l.all, l.raw = append(l.all, m), append(l.raw, s)
	l.mu.Unlock()
}

// find returns the first line for which ok holds.
func (l *lines) find(ok func(map[string]any) bool) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.all {
		if ok(m) {
			return m
		}
	}
	return nil
}

// wait waits up to d for a line for which ok holds.
func (l *lines) wait(t *testing.T, what string, d time.Duration, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if m := l.find(ok); m != nil {
			return m
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Fatalf("no %s within %v; lines so far:\n%s", what, d, strings.Join(l.raw, "\n"))
	return nil
}

// readLines adds the lines of r as they come.
func (l *lines) readLines(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l.add(sc.Text())
	}
}

// followFile adds the complete lines of a file as it grows, until stop.
func (l *lines) followFile(path string, stop <-chan struct{}) {
	var done int
	for {
		b, _ := os.ReadFile(path)
		if i := bytes.LastIndexByte(b, '\n'); i >= done {
			for _, s := range strings.Split(string(b[done:i]), "\n") {
				if s != "" {
					l.add(s)
				}
			}
			done = i + 1
		}
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func typed(kind string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["type"] == kind }
}

// TestLiveStreamBeforeSIGINT: a live capture piped (or written with -F
// jsonl -o FILE) streams its events while it runs: the state changes of a
// connection the client closes, the half_closed finding the server's
// CLOSE_WAIT raises and interval lines counting it, all read before
// SIGINT; SIGINT then ends it with the connection, the findings and the
// summary, in which the CLOSE_WAIT's age is measured by the wall clock
// and every loopback packet is received once.
func TestLiveStreamBeforeSIGINT(t *testing.T) {
	needFilterCompiler(t)
	for _, mode := range []string{"pipe", "file", "no state events"} {
		t.Run(mode, func(t *testing.T) {
			ns := netns(t)
			bin := builtBinary(t)
			ln, port := listenIn(t, ns)
			args := []string{"-i", "lo", "--interval", "200ms", "tcp", "port", strconv.Itoa(port)}
			out := filepath.Join(t.TempDir(), "events.jsonl")
			switch mode {
			case "file":
				args = append([]string{"-F", "jsonl", "-o", out}, args...)
			case "no state events":
				args = append([]string{"--no-state-events"}, args...)
			}
			cmd := commandIn(ns, bin, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			var got lines
			stop := make(chan struct{})
			var readers sync.WaitGroup
			if mode != "file" {
				pipe, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				readers.Add(1)
				go func() { defer readers.Done(); got.readLines(pipe) }()
			} else {
				readers.Add(1)
				go func() { defer readers.Done(); got.followFile(out, stop) }()
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			got.wait(t, "first interval line", 10*time.Second, typed("interval"))

			// The client opens, writes and closes; the server never closes.
			halfClosed(t, ns, ln)
			finAt := time.Now()

			if mode != "no state events" {
				got.wait(t, "state line to CLOSE_WAIT", 5*time.Second, func(m map[string]any) bool {
					return m["type"] == "state" && m["to"] == "CLOSE_WAIT" && m["endpoint"] == "server" && m["port"] == float64(port)
				})
			}
			got.wait(t, "half_closed raised", 5*time.Second, func(m map[string]any) bool {
				return m["type"] == "finding_raised" && m["kind"] == "half_closed" && m["subject"] == "127.0.0.1:"+strconv.Itoa(port)
			})
			got.wait(t, "interval line counting the CLOSE_WAIT", 5*time.Second, func(m map[string]any) bool {
				sv, _ := m["services"].([]any)
				if m["type"] != "interval" || len(sv) != 1 {
					return false
				}
				s, _ := sv[0].(map[string]any)
				age, _ := s["oldest_close_wait_seconds"].(float64)
				return s["close_wait"] == float64(1) && age > 0.3
			})
			for time.Since(finAt) < 1500*time.Millisecond {
				time.Sleep(50 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("after SIGINT: %v; stderr: %s", err, stderr.String())
			}
			close(stop)
			readers.Wait()
			if mode == "file" {
				got.followFile(out, closed()) // the last lines
			}
			if got.find(typed("connection")) == nil {
				t.Errorf("no connection line after SIGINT")
			}
			if st := got.find(typed("state")); mode == "no state events" && st != nil {
				t.Errorf("--no-state-events, yet a state line: %v", st)
			}
			sum := got.find(typed("summary"))
			if sum == nil {
				t.Fatalf("no summary line after SIGINT; stderr: %s", stderr.String())
			}
			capt, _ := sum["capture"].(map[string]any)
			stats, _ := capt["stats"].(map[string]any)
			if buildTags == "" && (stats == nil || stats["received"] != capt["packets"]) {
				t.Errorf("capture %v: want every loopback packet received once (stats.received == packets)", capt)
			}
			f := got.find(func(m map[string]any) bool { return m["type"] == "finding" && m["kind"] == "half_closed" })
			if f == nil {
				t.Fatal("no half_closed finding at the end")
			}
			d, _ := f["details"].(map[string]any)
			if age, _ := d["max_seconds_since_fin"].(float64); age < 1.2 {
				t.Errorf("half_closed max_seconds_since_fin %v: want the wall-clock time since the FIN (over 1.5 s), not the time to the last packet", age)
			}
		})
	}
}

func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
