//go:build !linux && !libpcap

package live

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// ErrUnsupported reports that this build cannot capture live traffic.
var ErrUnsupported = errors.New("live capture needs Linux or a build with -tags libpcap")

// Source is a live capture. In this build Open always fails.
type Source struct{}

// Open returns ErrUnsupported: the pure-Go capture uses Linux AF_PACKET
// sockets.
func Open(ctx context.Context, iface string, opt Options) (*Source, error) {
	return nil, fmt.Errorf("open live capture on %q: %w", iface, ErrUnsupported)
}

// Next returns ErrUnsupported.
func (s *Source) Next() (capture.Packet, error) { return capture.Packet{}, ErrUnsupported }

// Frames returns 0.
func (s *Source) Frames() int64 { return 0 }

// Now returns the zero time.
func (s *Source) Now() time.Time { return time.Time{} }

// LinkType returns 0.
func (s *Source) LinkType() uint16 { return 0 }

// Stats returns ErrUnsupported.
func (s *Source) Stats() (received, dropped int64, err error) { return 0, 0, ErrUnsupported }

// Counts returns ErrUnsupported.
func (s *Source) Counts() (Counts, error) { return Counts{}, ErrUnsupported }

// Close does nothing.
func (s *Source) Close() error { return nil }
