//go:build linux

package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxServer runs commands against a tmux server of the test's own.
type tmuxServer struct {
	t      *testing.T
	socket string
}

func (m *tmuxServer) run(args ...string) string {
	m.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", m.socket}, args...)...).CombinedOutput()
	if err != nil {
		m.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// pane returns what the pane shows.
func (m *tmuxServer) pane() string { return m.run("capture-pane", "-p", "-t", "view") }

// waitPane waits until the pane shows every one of want.
func (m *tmuxServer) waitPane(what string, want ...string) string {
	m.t.Helper()
	var text string
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		text = m.pane()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			return text
		}
	}
	m.t.Fatalf("%s: the pane never showed %q:\n%s", what, want, text)
	return ""
}

// TestLiveViewInTmux: on a terminal (a tmux pane), a live capture shows
// the view: the figures of a connection whose server sits in CLOSE_WAIT,
// its state changes and its finding; the keys pause, sort, filter and
// show help; the view survives a resize; q ends it with the final report
// and leaves the terminal as it was (main screen, cursor shown, canonical
// mode and echo back).
func TestLiveViewInTmux(t *testing.T) {
	needFilterCompiler(t)
	ns := netns(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed: the view is tested in a tmux pane")
	}
	bin := builtBinary(t)
	ln, p := listenIn(t, ns)
	port := strconv.Itoa(p)
	m := &tmuxServer{t: t, socket: fmt.Sprintf("wirestat-test-%d", time.Now().UnixNano())}
	script := fmt.Sprintf("ip netns exec %s %s -i lo --interval 200ms tcp port %s; echo EXITED rc=$?; stty -a | tr ' ;' '\\n\\n' | grep -Ex -- '-?(icanon|echo)' | tr '\\n' ' '; echo; sleep 60", ns, bin, port)
	m.run("new-session", "-d", "-s", "view", "-x", "120", "-y", "40", script)
	defer exec.Command("tmux", "-L", m.socket, "kill-server").Run()

	m.waitPane("the view starts", "wirestat lo", "q quit", "(no open connection)")
	halfClosed(t, ns, ln)
	svc := "127.0.0.1:" + port
	text := m.waitPane("the CLOSE_WAIT appears", "connections open 1", " CLOSE_WAIT ", "ESTABLISHED -> CLOSE_WAIT (received FIN)", "] half_closed "+svc)
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) == 6 && f[0] == svc && (f[1] != "1" || f[2] != "0") {
			t.Errorf("service row %q: want 1 CLOSE_WAIT, 0 TIME_WAIT", l)
		}
		if f := strings.Fields(l); len(f) == 3 && f[0] == "CLOSE_WAIT" && (f[1] != "0" || f[2] != "1") {
			t.Errorf("state row %q: want the server's CLOSE_WAIT", l)
		}
	}
	if !strings.Contains(text, "dropped 0 (kernel 0, queue 0)") {
		t.Errorf("no kernel drop figures:\n%s", text)
	}

	m.run("send-keys", "-t", "view", "h")
	m.waitPane("help", "pause / resume the refresh")
	m.run("send-keys", "-t", "view", "Escape")
	m.waitPane("help closed", "connections open 1")
	m.run("send-keys", "-t", "view", "p")
	m.waitPane("pause", "[paused]")
	m.run("send-keys", "-t", "view", "p", "s", "f")
	m.waitPane("sort and filter", "sort (TIME_WAIT)", "[state UNKNOWN]")
	m.run("send-keys", "-t", "view", "f", "f", "f", "f", "f", "f", "f", "f")
	m.waitPane("filter CLOSE_WAIT", "[state CLOSE_WAIT]", "ESTABLISHED -> CLOSE_WAIT")

	m.run("resize-window", "-t", "view", "-x", "72", "-y", "18")
	text = m.waitPane("after a resize", "wirestat lo", "q quit")
	if lines := strings.Split(strings.TrimRight(text, "\n"), "\n"); !strings.Contains(lines[len(lines)-1], "q quit") {
		t.Errorf("after resizing to 72x18 the keys are not on the last line:\n%s", text)
	}
	m.run("resize-window", "-t", "view", "-x", "120", "-y", "40")

	m.run("send-keys", "-t", "view", "q")
	text = m.waitPane("the final report", "EXITED rc=0", "States by role", "Findings", "icanon")
	if strings.Contains(text, "-icanon") || strings.Contains(text, "-echo ") {
		t.Errorf("the terminal is left in raw mode:\n%s", text)
	}
	if alt := strings.TrimSpace(m.run("display-message", "-p", "-t", "view", "#{alternate_on} #{cursor_flag}")); alt != "0 1" {
		t.Errorf("after q: alternate screen and cursor flags %q, want \"0 1\" (main screen, cursor shown)", alt)
	}
}

// TestLiveViewCtrlC: in the view (raw mode), Ctrl-C ends the capture with
// the final report and exit 0, as q does.
func TestLiveViewCtrlC(t *testing.T) {
	ns := netns(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed: the view is tested in a tmux pane")
	}
	bin := builtBinary(t)
	m := &tmuxServer{t: t, socket: fmt.Sprintf("wirestat-test-%d", time.Now().UnixNano())}
	script := fmt.Sprintf("ip netns exec %s %s -i lo --interval 200ms; echo EXITED rc=$?; sleep 60", ns, bin)
	m.run("new-session", "-d", "-s", "view", "-x", "100", "-y", "30", script)
	defer exec.Command("tmux", "-L", m.socket, "kill-server").Run()
	m.waitPane("the view starts", "wirestat lo", "q quit")
	m.run("send-keys", "-t", "view", "C-c")
	m.waitPane("the final report", "EXITED rc=0", "no TCP connections")
	if alt := strings.TrimSpace(m.run("display-message", "-p", "-t", "view", "#{alternate_on}")); alt != "0" {
		t.Errorf("after Ctrl-C the pane is still on the alternate screen")
	}
}
