package liveview

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// screenText returns the simulation screen's lines.
func screenText(s tcell.SimulationScreen) []string {
	cells, w, h := s.GetContents()
	lines := make([]string, h)
	for y := range h {
		var b strings.Builder
		for x := range w {
			if r := cells[y*w+x].Runes; len(r) > 0 {
				b.WriteRune(r[0])
			} else {
				b.WriteByte(' ')
			}
		}
		lines[y] = strings.TrimRight(b.String(), " ")
	}
	return lines
}

func frame(at time.Time, packets int64) *Frame {
	t := &tally.Tally{Connections: 2}
	t.States[flow.Client][tcpstate.FinWait2] = 1
	t.States[flow.Server][tcpstate.CloseWait] = 1
	t.States[flow.Client][tcpstate.SynSent] = 1
	t.States[flow.Server][tcpstate.StateNone] = 1
	web, ssh := netip.MustParseAddrPort("10.0.0.2:80"), netip.MustParseAddrPort("10.0.0.3:22")
	t.Services = []tally.Service{
		{Addr: web, Waiting: tally.Waiting{CloseWait: 1, OldestCloseWait: at.Add(-4 * time.Second)}},
		{Addr: ssh, Waiting: tally.Waiting{Unanswered: 3}},
	}
	return &Frame{
		Time: at, Interface: "eth0", Finished: 5, Tally: t,
		Capture:  result.Capture{Packets: packets, TCPPackets: packets},
		Live:     &result.LiveStats{Received: packets, Dropped: 2, KernelDropped: 2},
		Changes:  []Change{{Time: at, Stream: 7, Endpoint: flow.Server, Addr: web, Peer: netip.MustParseAddrPort("10.0.0.1:4000"), From: tcpstate.Established, To: tcpstate.CloseWait, Cause: "received FIN"}},
		Findings: []result.Finding{{Kind: "half_closed", Severity: "medium", Subject: "10.0.0.2:80", Summary: "10.0.0.2:80 is in CLOSE_WAIT"}},
	}
}

// harness runs a View on a simulation screen and keeps a copy of the
// screen after each draw (made in the view's goroutine: the cells are not
// read while it draws).
type harness struct {
	t       *testing.T
	s       tcell.SimulationScreen
	mu      sync.Mutex
	shown   []string
	v       *View
	stopped chan struct{}
	done    chan struct{}
	cancel  context.CancelFunc
}

func start(t *testing.T) *harness {
	s := tcell.NewSimulationScreen("UTF-8")
	h := &harness{t: t, s: s, stopped: make(chan struct{}), done: make(chan struct{})}
	v, err := New(s, func() { close(h.stopped) })
	if err != nil {
		t.Fatal(err)
	}
	s.SetSize(100, 40)
	v.drawn = func() {
		lines := screenText(s)
		h.mu.Lock()
		h.shown = lines
		h.mu.Unlock()
	}
	h.v = v
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { defer close(h.done); v.Run(ctx) }()
	return h
}

// waitFor waits until the screen shows want.
func (h *harness) screen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.shown
}

func (h *harness) waitFor(want string) []string {
	h.t.Helper()
	var lines []string
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		lines = h.screen()
		if strings.Contains(strings.Join(lines, "\n"), want) {
			return lines
		}
	}
	h.t.Fatalf("screen never showed %q:\n%s", want, strings.Join(lines, "\n"))
	return nil
}

func (h *harness) key(r rune) { h.s.InjectKey(tcell.KeyRune, r, tcell.ModNone) }

func TestViewShowsFiguresAndKeys(t *testing.T) {
	h := start(t)
	defer func() { h.cancel(); <-h.done; h.v.Close() }()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h.v.Update(frame(t0, 100))
	h.waitFor("packets 100")
	h.v.Update(frame(t0.Add(2*time.Second), 300))
	lines := h.waitFor("100.0/s") // 200 packets in 2 s
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"dropped 2 (kernel 2, queue 0) of 300 received",
		"connections open 2  finished 5",
		" CLOSE_WAIT           0        1",
		" 10.0.0.2:80                             1          0          0          0       4.0s",
		"ESTABLISHED -> CLOSE_WAIT (received FIN)",
		"[medium] half_closed 10.0.0.2:80",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("screen lacks %q:\n%s", want, text)
		}
	}
	// s: sorted by TIME_WAIT (a tie: order kept), then by SYN_RECV, then NO_ANSWER: ssh first.
	h.key('s')
	h.key('s')
	h.key('s')
	lines = h.waitFor("sort (NO_ANSWER)")
	for i, l := range lines {
		if strings.HasPrefix(l, " SERVICE") && !strings.HasPrefix(lines[i+1], " 10.0.0.3:22") {
			t.Errorf("sorted by NO_ANSWER, first row %q", lines[i+1])
		}
	}
	// f: one state at a time, from UNKNOWN on.
	h.key('f')
	h.waitFor("[state UNKNOWN]")
	h.key('f')
	h.waitFor("[state CLOSED]")
	// p: a paused screen keeps its frame.
	h.key('p')
	h.waitFor("[paused]")
	h.v.Update(frame(t0.Add(4*time.Second), 999))
	time.Sleep(100 * time.Millisecond)
	if strings.Contains(strings.Join(h.screen(), "\n"), "packets 999") {
		t.Error("a paused view drew a new frame")
	}
	h.key('p')
	h.waitFor("packets 999")
	h.key('h')
	h.waitFor("pause / resume the refresh")
	h.key('h')
	h.waitFor("packets 999")
	// A resize redraws at the new size.
	h.s.SetSize(60, 15)
	h.s.PostEvent(tcell.NewEventResize(60, 15))
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		lines = h.screen()
		if len(lines) == 15 && strings.Contains(lines[14], "q quit") && strings.HasPrefix(lines[0], "wirestat eth0") {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("after a resize to 60x15, no redraw with the keys on the last line:\n%s", strings.Join(lines, "\n"))
		}
	}
	h.key('q')
	select {
	case <-h.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("q did not stop the capture")
	}
}

// TestCtrlCStops: in raw mode Ctrl-C is a key, and it ends the capture.
func TestCtrlCStops(t *testing.T) {
	h := start(t)
	defer func() { h.cancel(); <-h.done; h.v.Close() }()
	h.s.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	select {
	case <-h.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Ctrl-C did not stop the capture")
	}
}

// finiScreen notes Fini.
type finiScreen struct {
	tcell.SimulationScreen
	finished chan struct{}
}

func (f *finiScreen) Fini() {
	select {
	case <-f.finished:
	default:
		close(f.finished)
	}
	f.SimulationScreen.Fini()
}

// TestPanicRestoresTerminal: a panic while drawing restores the terminal
// before it goes on.
func TestPanicRestoresTerminal(t *testing.T) {
	s := &finiScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), finished: make(chan struct{})}
	v, err := New(s, func() {})
	if err != nil {
		t.Fatal(err)
	}
	v.drawn = func() { panic("drawing failed") }
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		v.Run(context.Background())
	}()
	if recovered != "drawing failed" {
		t.Errorf("recovered %v, want the panic to go on", recovered)
	}
	select {
	case <-s.finished:
	default:
		t.Error("the panic did not restore the terminal (no Fini)")
	}
}
