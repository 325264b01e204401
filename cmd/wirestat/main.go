// Command wirestat reconstructs TCP connections and the RFC 793/9293 state
// of both endpoints of each from a capture file or a live interface:
// netstat from the wire. See the README for flags, formats and exit codes.
package main

//go:generate sh -c "go run . --man > ../../docs/wirestat.1"

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the collector's target unless GOGC is set. Most of the heap
// is the connection table, long-lived by nature: with Go's default of 100
// the heap grows to twice the table before a collection; 50 bounds it at
// one and a half times, for a few percent more collector time.
const gcPercent = 50

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
