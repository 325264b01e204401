package live

import (
	"errors"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultSnaplen     = 262144
	DefaultReadTimeout = 250 * time.Millisecond
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
}

func (o Options) withDefaults() Options {
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultSnaplen
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	return o
}
