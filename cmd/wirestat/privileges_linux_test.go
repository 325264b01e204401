//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const nobodyID = 65534

// sharedDir is a temporary directory any user may write to.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "wirestat-priv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// procStatus returns the fields of /proc/PID/status.
func procStatus(pid int) map[string]string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return m
}

// capturing reports whether the namespace of process pid has a packet
// socket bound to every protocol and running (/proc/net/packet: Proto
// 0003, R 1).
func capturing(pid int) bool {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/net/packet")
	for _, l := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(l); len(f) >= 6 && f[3] == "0003" && f[5] == "1" {
			return true
		}
	}
	return false
}

// oneConnection opens and closes one connection to ln from namespace ns.
func oneConnection(t *testing.T, ns string, ln net.Listener) {
	t.Helper()
	inNetns(t, ns, func() error {
		c, err := net.DialTimeout("tcp4", ln.Addr().String(), 2*time.Second)
		if err != nil {
			return err
		}
		s, err := ln.Accept()
		if err != nil {
			return err
		}
		c.Write([]byte("hello"))
		c.Close()
		io.Copy(io.Discard, s)
		return s.Close()
	})
}

// reportHasPort reads a JSON report and says whether it holds a
// connection to port and received packets.
func reportHasPort(t *testing.T, path string, port int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Capture struct {
			Stats *struct {
				Received int64 `json:"received"`
			} `json:"stats"`
		} `json:"capture"`
		Connections []struct {
			Server struct {
				Port int `json:"port"`
			} `json:"server"`
		} `json:"connections"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report: %v", err)
	}
	if len(r.Connections) != 1 || r.Connections[0].Server.Port != port || r.Capture.Stats == nil || r.Capture.Stats.Received == 0 {
		t.Errorf("want the one connection to port %d captured after the drop; report:\n%s", port, b)
	}
}

// TestDropPrivileges: with -Z nobody, wirestat runs as nobody (uid, gid
// and groups, no capabilities left) once its capture is open, goes on
// capturing, and creates its report as nobody.
func TestDropPrivileges(t *testing.T) {
	needFilterCompiler(t)
	ns := netns(t)
	bin := builtBinary(t)
	dir := sharedDir(t)
	ln, port := listenIn(t, ns)
	report := filepath.Join(dir, "report.json")
	cmd := commandIn(ns, bin, "-i", "lo", "-Z", "nobody", "-F", "json", "-o", report, "tcp", "port", strconv.Itoa(port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	want := map[string]string{"Uid": "65534 65534 65534 65534", "Gid": "65534 65534 65534 65534", "Groups": "65534", "CapEff": "0000000000000000", "CapPrm": "0000000000000000"}
	var st map[string]string
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		st = procStatus(cmd.Process.Pid)
		if st["Uid"] == want["Uid"] {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("wirestat never ran as nobody: status %v; stderr: %s", st, stderr.String())
		}
	}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("/proc/%d/status %s: %q, want %q", cmd.Process.Pid, k, st[k], v)
		}
	}
	oneConnection(t, ns, ln)
	time.Sleep(300 * time.Millisecond) // the ring hands blocks over within 100 ms
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGINT: %v; stderr: %s", err, stderr.String())
	}
	fi, err := os.Stat(report)
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != nobodyID {
		t.Errorf("report owned by uid %d, want nobody's (created after the drop)", uid)
	}
	reportHasPort(t, report, port)
}

// TestCapNetRawOnly: a copy of wirestat given CAP_NET_RAW with setcap
// captures live when run by an ordinary user (nobody).
func TestCapNetRawOnly(t *testing.T) {
	needFilterCompiler(t)
	ns := netns(t)
	setcap, err := exec.LookPath("setcap")
	if err != nil {
		t.Skip("setcap (libcap2-bin) not installed")
	}
	dir := sharedDir(t)
	bin := filepath.Join(dir, "wirestat")
	data, err := os.ReadFile(builtBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(setcap, "cap_net_raw+ep", bin).CombinedOutput(); err != nil {
		t.Skipf("setcap cap_net_raw+ep: %v: %s (the file system may not keep capabilities)", err, out)
	}
	ln, port := listenIn(t, ns)
	report := filepath.Join(dir, "report.json")
	cmd := exec.Command(bin, "-i", "lo", "--duration", "2s", "-F", "json", "-o", report, "tcp", "port", strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// Started from a thread in the namespace, the child is in it too.
	inNetns(t, ns, cmd.Start)
	defer cmd.Process.Kill()
	// The namespace is new: its packet sockets are wirestat's; wait for
	// one bound to every protocol (ETH_P_ALL) and running.
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if capturing(cmd.Process.Pid) {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("no packet socket open after 10s; stderr: %s", stderr.String())
		}
	}
	if st := procStatus(cmd.Process.Pid); st["Uid"] != "65534 65534 65534 65534" {
		t.Fatalf("not running as nobody: %v", st)
	}
	oneConnection(t, ns, ln)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("as nobody with CAP_NET_RAW: %v; stderr: %s", err, stderr.String())
	}
	reportHasPort(t, report, port)
}
