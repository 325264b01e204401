//go:build !linux

// Command mkpcaps regenerates the sample captures in pcaps/; it needs Linux
// network namespaces.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "mkpcaps: needs Linux (network namespaces, iptables, tcpdump)")
	os.Exit(1)
}
