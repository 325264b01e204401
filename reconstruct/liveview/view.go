package liveview

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// sortColumns are the service table's columns s cycles through.
var sortColumns = [...]string{"CLOSE_WAIT", "TIME_WAIT", "SYN_RECV", "NO_ANSWER", "OLDEST_CW"}

// View is the live screen.
type View struct {
	screen tcell.Screen
	frames chan *Frame
	stop   func() // ends the capture

	// Owned by Run's goroutine.
	cur, prev *Frame
	pending   *Frame  // the latest frame while paused
	rate      float64 // packets per second between the last two frames
	paused    bool
	help      bool
	sortBy    int
	filter    tcpstate.State // StateNone: all states
	filtered  bool
	drawn     func() // tests: runs after each draw, in Run's goroutine
}

// New sets up screen (tcell.NewScreen for the terminal) and returns the
// View on it; stop ends the capture when the user quits.
func New(screen tcell.Screen, stop func()) (*View, error) {
	if err := screen.Init(); err != nil {
		return nil, fmt.Errorf("live view: %w", err)
	}
	screen.HideCursor()
	screen.Clear()
	return &View{screen: screen, frames: make(chan *Frame, 1), stop: stop}, nil
}

// Update hands the View a new frame; it never blocks (a frame not yet
// drawn is replaced).
func (v *View) Update(f *Frame) {
	select {
	case v.frames <- f:
		return
	default:
	}
	select {
	case <-v.frames:
	default:
	}
	select {
	case v.frames <- f:
	default:
	}
}

// Close restores the terminal. It may be called more than once.
func (v *View) Close() {
	if v.screen != nil {
		v.screen.Fini()
		v.screen = nil
	}
}

// Run draws frames and handles keys until ctx ends. A panic in it
// restores the terminal first.
func (v *View) Run(ctx context.Context) {
	screen := v.screen
	defer func() {
		if r := recover(); r != nil {
			screen.Fini()
			panic(r)
		}
	}()
	events, quit := make(chan tcell.Event, 8), make(chan struct{})
	go screen.ChannelEvents(events, quit)
	defer close(quit)
	v.draw()
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-v.frames:
			if v.paused {
				v.pending = f
				continue
			}
			v.take(f)
			v.draw()
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch ev := ev.(type) {
			case *tcell.EventResize:
				screen.Sync()
				v.draw()
			case *tcell.EventKey:
				if v.key(ev) {
					v.stop()
					return
				}
				v.draw()
			}
		}
	}
}

// take makes f the current frame and measures the packet rate.
func (v *View) take(f *Frame) {
	v.prev, v.cur = v.cur, f
	if v.prev != nil {
		if dt := f.Time.Sub(v.prev.Time).Seconds(); dt > 0 {
			v.rate = float64(f.Capture.Packets-v.prev.Capture.Packets) / dt
		}
	}
}

// key handles one key and reports whether the user quits.
func (v *View) key(ev *tcell.EventKey) bool {
	switch ev.Key() {
	case tcell.KeyCtrlC:
		return true
	case tcell.KeyEscape:
		v.help = false
		return false
	case tcell.KeyRune:
	default:
		return false
	}
	switch ev.Rune() {
	case 'q', 'Q':
		return true
	case 'p', ' ':
		v.paused = !v.paused
		if !v.paused && v.pending != nil {
			v.take(v.pending)
			v.pending = nil
		}
	case 's':
		v.sortBy = (v.sortBy + 1) % len(sortColumns)
	case 'f':
		// All, then each state in turn.
		switch {
		case !v.filtered:
			v.filtered, v.filter = true, tcpstate.StateNone
		case int(v.filter)+1 < tcpstate.NumStates:
			v.filter++
		default:
			v.filtered = false
		}
	case 'h', '?':
		v.help = !v.help
	}
	return false
}

// painter writes lines on the screen, cut at its width.
type painter struct {
	s    tcell.Screen
	w, h int
	y    int
}

func (p *painter) line(style tcell.Style, text string) {
	if p.y >= p.h {
		return
	}
	x := 0
	for _, r := range text {
		if x >= p.w {
			break
		}
		p.s.SetContent(x, p.y, r, nil, style)
		x++
	}
	for ; x < p.w; x++ {
		p.s.SetContent(x, p.y, ' ', nil, style)
	}
	p.y++
}

var (
	plain  = tcell.StyleDefault
	bold   = tcell.StyleDefault.Bold(true)
	header = tcell.StyleDefault.Reverse(true)
	warn   = tcell.StyleDefault.Foreground(tcell.ColorYellow)
)

func (v *View) draw() {
	if v.drawn != nil {
		defer v.drawn()
	}
	s := v.screen
	s.Clear()
	w, h := s.Size()
	p := &painter{s: s, w: w, h: h - 1} // the last line is the keys'
	keys := &painter{s: s, w: w, h: h, y: h - 1}
	if v.help {
		v.drawHelp(p)
		s.Show()
		return
	}
	f := v.cur
	if f == nil {
		p.line(bold, "wirestat: waiting for the first refresh...")
		keys.line(header, " q quit  h help")
		s.Show()
		return
	}
	status := ""
	if v.paused {
		status = "  [paused]"
	}
	if v.filtered {
		status += "  [state " + v.filterName() + "]"
	}
	p.line(bold, fmt.Sprintf("wirestat %s  %s%s", f.Interface, f.Time.Local().Format("15:04:05"), status))
	drops := "?"
	if f.Live != nil {
		drops = fmt.Sprintf("%d (kernel %d, queue %d) of %d received", f.Live.Dropped, f.Live.KernelDropped, f.Live.QueueDropped, f.Live.Received)
	}
	p.line(plain, fmt.Sprintf("packets %d (tcp %d)  %.1f/s  dropped %s", f.Capture.Packets, f.Capture.TCPPackets, v.rate, drops))
	t := f.Tally
	if t == nil {
		t = &tally.Tally{}
	}
	p.line(plain, fmt.Sprintf("connections open %d  finished %d  evicted %d  findings %d", t.Connections, f.Finished, f.Capture.Evicted, len(f.Findings)))
	p.line(plain, "")
	v.drawStates(p, t)
	p.line(plain, "")
	v.drawServices(p, f, t)
	p.line(plain, "")
	v.drawChanges(p, f)
	p.line(plain, "")
	v.drawFindings(p, f)
	for _, w := range f.Warnings {
		p.line(warn, "warning: "+w)
	}
	keys.line(header, " q quit  p pause  s sort ("+sortColumns[v.sortBy]+")  f filter state  h help")
	s.Show()
}

func (v *View) filterName() string {
	return v.filter.String()
}

// drawStates writes the endpoint counts per state and role.
func (v *View) drawStates(p *painter, t *tally.Tally) {
	p.line(header, fmt.Sprintf(" %-13s %8s %8s", "STATE", "CLIENT", "SERVER"))
	rows := 0
	for st := range tcpstate.NumStates {
		s := tcpstate.State(st)
		c, sv := t.Count(flow.Client, s), t.Count(flow.Server, s)
		if v.filtered && s != v.filter || !v.filtered && c == 0 && sv == 0 {
			continue
		}
		p.line(plain, fmt.Sprintf(" %-13s %8d %8d", s, c, sv))
		rows++
	}
	if rows == 0 {
		p.line(plain, " (no open connection)")
	}
}

// drawServices writes the services with waiting endpoints, sorted by the
// chosen column.
func (v *View) drawServices(p *painter, f *Frame, t *tally.Tally) {
	p.line(header, fmt.Sprintf(" %-30s %10s %10s %10s %10s %10s", "SERVICE", "CLOSE_WAIT", "TIME_WAIT", "SYN_RECV", "NO_ANSWER", "OLDEST_CW"))
	svcs := slices.Clone(t.Services)
	key := func(w *tally.Waiting) int64 {
		switch v.sortBy {
		case 0:
			return w.CloseWait
		case 1:
			return w.TimeWait
		case 2:
			return w.SynReceived
		case 3:
			return w.Unanswered
		}
		if w.OldestCloseWait.IsZero() {
			return 0
		}
		return int64(f.Time.Sub(w.OldestCloseWait))
	}
	slices.SortStableFunc(svcs, func(a, b tally.Service) int { return cmp.Compare(key(&b.Waiting), key(&a.Waiting)) })
	row := func(name string, w *tally.Waiting) {
		old := "-"
		if !w.OldestCloseWait.IsZero() {
			old = strconv.FormatFloat(max(0, f.Time.Sub(w.OldestCloseWait).Seconds()), 'f', 1, 64) + "s"
		}
		p.line(plain, fmt.Sprintf(" %-30s %10d %10d %10d %10d %10s", name, w.CloseWait, w.TimeWait, w.SynReceived, w.Unanswered, old))
	}
	for i := range svcs {
		row(svcs[i].Addr.String(), &svcs[i].Waiting)
	}
	if t.OtherServices > 0 {
		row(fmt.Sprintf("(%d others)", t.OtherServices), &t.Other)
	}
	if len(svcs) == 0 {
		p.line(plain, " (no endpoint waiting)")
	}
}

// drawChanges writes the latest state changes (of the filtered state).
func (v *View) drawChanges(p *painter, f *Frame) {
	p.line(header, " LAST CHANGES")
	n := 0
	for _, c := range f.Changes {
		if n == 8 {
			break
		}
		if v.filtered && c.From != v.filter && c.To != v.filter {
			continue
		}
		p.line(plain, fmt.Sprintf(" %s  %-6d %-6s %s -> %s  %s -> %s (%s)", c.Time.Local().Format("15:04:05.000"), c.Stream, c.Endpoint, c.Addr, c.Peer, c.From, c.To, c.Cause))
		n++
	}
	if n == 0 {
		p.line(plain, " (none yet)")
	}
}

// drawFindings writes the findings so far, the most severe first.
func (v *View) drawFindings(p *painter, f *Frame) {
	p.line(header, fmt.Sprintf(" FINDINGS (%d)", len(f.Findings)))
	fs := slices.Clone(f.Findings)
	rank := map[string]int{"high": 0, "medium": 1, "low": 2, "info": 3}
	slices.SortStableFunc(fs, func(a, b result.Finding) int { return cmp.Compare(rank[a.Severity], rank[b.Severity]) })
	for i, fd := range fs {
		if i == 6 {
			p.line(plain, fmt.Sprintf(" ... %d more", len(fs)-i))
			break
		}
		p.line(plain, " ["+fd.Severity+"] "+fd.Kind+" "+fd.Subject+": "+strings.TrimSpace(fd.Summary))
	}
	if len(fs) == 0 {
		p.line(plain, " (none yet)")
	}
}

func (v *View) drawHelp(p *painter) {
	p.line(bold, "wirestat live view: keys")
	p.line(plain, "")
	for _, l := range []string{
		"q, Ctrl-C  end the capture and print the final report",
		"p, space   pause / resume the refresh (the capture goes on)",
		"s          sort the services by the next column (" + strings.Join(sortColumns[:], ", ") + ")",
		"f          show one state only in the endpoint table and the changes (each state in turn, then all)",
		"h, ?, Esc  show / hide this help",
		"",
		"Figures refresh every --interval; ages (OLDEST_CW) are by the wall clock.",
	} {
		p.line(plain, "  "+l)
	}
}
