// Command wirestat reconstructs TCP connections and the RFC 793/9293 state
// of both endpoints of each from a capture file or a live interface:
// netstat from the wire. See the README for flags, formats and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
