//go:build libpcap

package main

// buildTags are the tags the tests build the command with: those of the
// test binary itself.
const buildTags = "libpcap"
