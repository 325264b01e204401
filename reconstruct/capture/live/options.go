package live

import (
	"errors"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultSnaplen     = 262144
	DefaultReadTimeout = 250 * time.Millisecond
	// DefaultBufferSize is the kernel buffer of a capture (the ring of
	// each socket in the pure-Go build, libpcap's buffer with -tags
	// libpcap): 4 MiB, twice tcpdump's default.
	DefaultBufferSize = 4 << 20
)

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("live capture closed")

// Options configure Open. The zero value is usable.
type Options struct {
	// Snaplen is the most bytes kept of each frame (DefaultSnaplen if 0).
	Snaplen int
	// Promisc puts the interface in promiscuous mode while the capture is
	// open. It is ignored for "any".
	Promisc bool
	// ReadTimeout bounds each wait for a packet, and so how long Next takes
	// to notice a cancelled context and Close to wait for a pending read
	// (DefaultReadTimeout if 0).
	ReadTimeout time.Duration
	// BufferSize is the kernel buffer in bytes (DefaultBufferSize if 0),
	// tcpdump's -B. The pure-Go build splits it into the blocks of a
	// TPACKET_V3 ring per socket; packets arriving while every block waits
	// for wirestat are dropped by the kernel and counted.
	BufferSize int
	// Filter is a pcap-filter(7) expression run in the kernel, so packets
	// it rejects never reach wirestat and are not counted as received.
	// Empty captures everything.
	Filter string
	// Sockets is the number of packet sockets sharing the capture through
	// PACKET_FANOUT in hash mode, which sends both directions of a
	// connection to the same socket (pure-Go build; 0 or 1 means one
	// socket, no fanout).
	Sockets int
	// QueueBlocks bounds the queue of filled ring blocks between the
	// sockets' reading goroutines and Next (pure-Go build; 0 means room for
	// every block of every ring, so only the kernel drops). A block that
	// finds the queue full is handed straight back to the kernel and its
	// packets are counted as dropped by wirestat.
	QueueBlocks int
	// Wake makes Next return capture.ErrNoPacket when ReadTimeout passes
	// without a packet, so the caller can do periodic work (refresh a
	// view, flush a stream) while the wire is quiet. Off: Next waits until
	// a packet arrives or the context is cancelled.
	Wake bool
}

func (o Options) withDefaults() Options {
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultSnaplen
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.Sockets <= 0 {
		o.Sockets = 1
	}
	return o
}

// Counts are a capture's packet counters since Open.
type Counts struct {
	// Received is every packet the kernel accepted for the capture (after
	// the kernel filter, loopback's outgoing copies excluded), including
	// those dropped.
	Received int64
	// Dropped is the packets received but never returned by Next:
	// KernelDropped plus QueueDropped.
	Dropped int64
	// KernelDropped is the packets the kernel dropped because the buffer
	// was full.
	KernelDropped int64
	// QueueDropped is the packets wirestat dropped because the queue to
	// Next was full (always 0 with -tags libpcap).
	QueueDropped int64
}
