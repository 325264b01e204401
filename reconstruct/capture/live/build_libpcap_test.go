//go:build libpcap

package live

// loopbackCopies is how many times the capture counts a loopback packet as
// received: libpcap counts the outgoing copy it discards too.
const loopbackCopies = 2
