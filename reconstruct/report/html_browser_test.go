package report_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wirestat/wirestat/cmd/wirestat-gen/synth"
	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/report"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// chromium returns Debian's chromium, skipping the test without it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (Debian package chromium): the html report is not tested in a browser")
	return ""
}

// htmlPage generates a capture with wirestat-gen's generator, analyses it
// and writes the html report; it returns the page's path and the result.
func htmlPage(t *testing.T, cfg synth.Config) (string, *result.Result, int64) {
	t.Helper()
	dir := t.TempDir()
	capFile := filepath.Join(dir, "gen.pcap")
	f, err := os.Create(capFile)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if _, err := synth.Generate(bw, cfg); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	src, err := capture.Open([]string{capFile}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	page := filepath.Join(dir, "report.html")
	out, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ob := bufio.NewWriter(out)
	w, err := report.ForFormat("html", ob, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var conns int64
	res, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{capFile}},
		sinkFunc(func(c *result.Connection) error { conns++; return w.Connection(c) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(res); err != nil {
		t.Fatal(err)
	}
	if err := ob.Flush(); err != nil {
		t.Fatal(err)
	}
	os.Remove(capFile)
	return page, res, conns
}

type sinkFunc func(*result.Connection) error

func (f sinkFunc) Connection(c *result.Connection) error { return f(c) }

func browser(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 1400))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	return ctx, func() { cancelT(); cancelC(); cancelA() }
}

// eval runs a JavaScript expression in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// open loads the page and waits for the table's first row.
func open(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible("#conns tbody tr")); err != nil {
		t.Fatal(err)
	}
}

// Scripts a user's actions: a click on a column header, a choice in a
// select, typing in a text box; each fires the event a person's would.
const (
	jsRows   = `document.querySelectorAll("#conns tbody tr").length`
	jsStatus = `document.getElementById("conn-status").textContent`
	jsFirst  = `document.querySelector("#conns tbody tr td").textContent`
)

func jsClick(sel string) string { return `document.querySelector('` + sel + `').click(), 0` }

func jsChoose(id, value, event string) string {
	return `(e => { e.value = "` + value + `"; e.dispatchEvent(new Event("` + event + `")); return 0 })(document.getElementById("` + id + `"))`
}

// TestHTMLInBrowser opens the report of a generated capture with every
// outcome in headless Chromium: the findings, the timeline and the table
// are there, and sorting and filtering the table work.
func TestHTMLInBrowser(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	page, res, conns := htmlPage(t, synth.Config{Seed: 7, Packets: 40000, Conns: 300})
	open(t, ctx, page)
	if lines := eval[int](t, ctx, `document.querySelectorAll("#timeline polyline").length`); lines < 3 {
		t.Errorf("timeline draws %d states, want at least 3", lines)
	}
	if n := eval[int](t, ctx, `[...document.querySelectorAll("section.severity")].reduce((n, s) => n + +s.dataset.count, 0)`); n != len(res.Findings) || n == 0 {
		t.Errorf("page counts %d findings, want %d", n, len(res.Findings))
	}
	if rows, want := eval[int](t, ctx, jsRows), min(int(conns), 100); rows != want {
		t.Errorf("table shows %d rows, want %d", rows, want)
	}
	if st, want := eval[string](t, ctx, jsStatus), " of "+itoa(conns); !strings.HasSuffix(st, want) {
		t.Errorf("status %q, want it to end %q", st, want)
	}

	// The table comes sorted by stream; a click on the header reverses
	// it, a second restores it; a click on the server state sorts by it.
	eval[int](t, ctx, jsClick(`#conns th[data-col="0"]`))
	if got, want := eval[string](t, ctx, jsFirst), itoa(conns-1); got != want {
		t.Errorf("sorted by stream descending, first row is stream %s, want %s", got, want)
	}
	eval[int](t, ctx, jsClick(`#conns th[data-col="0"]`))
	if got := eval[string](t, ctx, jsFirst); got != "0" {
		t.Errorf("sorted by stream ascending, first row is stream %s, want 0", got)
	}
	eval[int](t, ctx, jsClick(`#conns th[data-col="4"]`))
	col := eval[[]string](t, ctx, `[...document.querySelectorAll("#conns tbody tr td:nth-child(5)")].map(td => td.textContent)`)
	if !slices.IsSorted(col) || len(col) == 0 {
		t.Errorf("sorted by server state: %v", col)
	}
	// Filter: the server side in CLOSE_WAIT.
	eval[int](t, ctx, jsChoose("f-role", "server", "change"))
	eval[int](t, ctx, jsChoose("f-state", "CLOSE_WAIT", "change"))
	states := eval[[]string](t, ctx, `[...document.querySelectorAll("#conns tbody tr td:nth-child(5)")].map(td => td.textContent)`)
	want := res.Summary.ServerStates["CLOSE_WAIT"]
	if want == 0 || int64(len(states)) != min(want, 100) {
		t.Errorf("server CLOSE_WAIT filter shows %d rows, the summary counts %d", len(states), want)
	}
	for _, s := range states {
		if s != "CLOSE_WAIT" {
			t.Errorf("filtered row in %s", s)
			break
		}
	}
	if st := eval[string](t, ctx, jsStatus); !strings.HasSuffix(st, " of "+itoa(want)) {
		t.Errorf("status %q, want ... of %d", st, want)
	}
	// Filter by stream: exactly that one.
	eval[int](t, ctx, jsChoose("f-state", "", "change"))
	eval[int](t, ctx, jsChoose("f-stream", "5", "input"))
	if rows, first := eval[int](t, ctx, jsRows), eval[string](t, ctx, jsFirst); rows != 1 || first != "5" {
		t.Errorf("stream filter 5: %d rows, first %q", rows, first)
	}
	// Filter by service.
	eval[int](t, ctx, jsChoose("f-stream", "", "input"))
	eval[int](t, ctx, jsChoose("f-service", "zz-none", "input"))
	if st := eval[string](t, ctx, jsStatus); st != "no rows match" {
		t.Errorf("unknown service: status %q", st)
	}
}

// TestHTMLScales renders the report of a generated capture of 100,000
// connections: the page stays small, and the time Chromium takes to load
// and render it is logged (measured, not asserted), with a screenshot.
func TestHTMLScales(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 100,000-connection page is not built")
	}
	ctx, cancel := browser(t)
	defer cancel()
	page, _, conns := htmlPage(t, synth.Config{Seed: 1, Open: 100000})
	fi, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	if conns != 100000 {
		t.Fatalf("%d connections, want 100000", conns)
	}
	if fi.Size() > 4<<20 {
		t.Errorf("page of %d connections is %d bytes, want under 4 MB", conns, fi.Size())
	}
	// Start the browser first, so the measure is the page alone.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	open(t, ctx, page)
	load := time.Since(start)
	if rows := eval[int](t, ctx, jsRows); rows != 100 {
		t.Errorf("table shows %d rows, want 100", rows)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(60))
	if err != nil {
		t.Fatal(err)
	}
	shotFile := filepath.Join(t.TempDir(), "report-100k.jpg")
	if err := os.WriteFile(shotFile, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("html report of %d connections: %d bytes, loaded and rendered in headless Chromium in %v; screenshot %s", conns, fi.Size(), load, shotFile)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
