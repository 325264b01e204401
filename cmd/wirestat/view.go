package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/gdamore/tcell/v2"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/liveview"
)

// viewing reports whether a live capture shows the live view: its text
// report goes to a standard output that is a terminal, and --no-view is
// not given.
func (o *options) viewing(stream bool, stdout io.Writer) bool {
	return o.iface != "" && !stream && !o.noView && o.out == "" && (o.format == "" || o.format == "text") && isTerminal(stdout)
}

// warnings collects the warnings the view shows instead of writing them
// over the screen (they are in the report too).
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(msg string) {
	w.mu.Lock()
	w.msgs = append(w.msgs, msg)
	w.mu.Unlock()
}

func (w *warnings) list() []string {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// runningView is the view's goroutine.
type runningView struct {
	v      *liveview.View
	cancel context.CancelFunc
	done   chan struct{}
}

// openView takes over the terminal with the live view until the capture
// ends; q or Ctrl-C calls stop.
func openView(ctx context.Context, stop func(), cfg *reconstruct.Config, lo *liveOutputs) (*runningView, error) {
	screen, err := tcell.NewScreen()
	if err != nil {
		return nil, fmt.Errorf("no live view: %w", err)
	}
	v, err := liveview.New(screen, stop)
	if err != nil {
		return nil, fmt.Errorf("no %w", err)
	}
	lo.view, lo.changes, lo.warns = v, liveview.NewChanges(64), &warnings{}
	cfg.Warn = lo.warns.add
	vctx, cancel := context.WithCancel(ctx)
	rv := &runningView{v: v, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(rv.done)
		v.Run(vctx)
	}()
	return rv, nil
}

// wait ends the view's goroutine.
func (rv *runningView) wait() {
	rv.cancel()
	<-rv.done
}

// close restores the terminal.
func (rv *runningView) close() { rv.v.Close() }
