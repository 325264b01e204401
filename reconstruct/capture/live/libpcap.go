//go:build libpcap

package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/gopacket/pcap"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/filter"
)

// Source is a live capture through libpcap. It implements capture.Source.
// Next, Frames and Stats may be called while Close runs; Next is not safe
// for concurrent use with itself.
type Source struct {
	ctx      context.Context
	iface    string
	linkType uint16
	wake     bool

	mu     sync.RWMutex // read-held around handle calls, write-held by Close
	h      *pcap.Handle
	closed bool

	frames   atomic.Int64
	loopback bool // the loopback device: libpcap counts each packet twice

	// Once ctx is done, Next goes on reading what libpcap has buffered
	// (the packets of the last moments) for at most drain, until drainEnd.
	drain    time.Duration
	drainEnd time.Time

	statsMu           sync.Mutex
	received, dropped int64
}

// Open starts capturing on the named interface ("any" for all of them)
// through libpcap. Reading stops, and Next returns io.EOF, once ctx is
// cancelled. The handle always has a finite read timeout, so Next notices
// the cancellation and Close never waits on a read that cannot end.
//
// libpcap keeps its own ring: Options.BufferSize sets its size
// (pcap_set_buffer_size), immediate mode stays off so packets are handed
// over a ring block at a time, and Options.Filter is attached in the
// kernel by pcap_setfilter. Sockets and QueueBlocks do not apply.
//
// libpcap drops loopback's outgoing copies in user space, after the kernel
// counted them: on lo and "any" its own received count has every loopback
// packet twice. (A kernel filter cannot help: libpcap applies "inbound"
// and "outbound" again in user space, where on lo it rejects both copies.)
// Counts therefore counts each packet once (see there).
func Open(ctx context.Context, iface string, opt Options) (*Source, error) {
	opt = opt.withDefaults()
	h, err := activate(iface, opt)
	if err != nil {
		return nil, fmt.Errorf("open live capture on %q: %w", iface, err)
	}
	if opt.Filter != "" {
		if err := h.SetBPFFilter(opt.Filter); err != nil {
			h.Close()
			return nil, fmt.Errorf("open live capture on %q: filter %q: %w", iface, opt.Filter, &filterError{err})
		}
	}
	src := &Source{ctx: ctx, iface: iface, h: h, linkType: linkTypeOf(int(h.LinkType())), wake: opt.Wake, drain: opt.ReadTimeout + 50*time.Millisecond}
	if ifi, err := net.InterfaceByName(iface); err == nil && ifi.Flags&net.FlagLoopback != 0 {
		src.loopback = true
	}
	return src, nil
}

// activate opens a libpcap handle with the options' snaplen, promiscuous
// mode, read timeout and buffer size.
func activate(iface string, opt Options) (*pcap.Handle, error) {
	in, err := pcap.NewInactiveHandle(iface)
	if err != nil {
		return nil, err
	}
	defer in.CleanUp()
	for _, err := range []error{
		in.SetSnapLen(opt.Snaplen),
		in.SetPromisc(opt.Promisc),
		in.SetTimeout(opt.ReadTimeout),
		in.SetBufferSize(opt.BufferSize),
		in.SetImmediateMode(false),
	} {
		if err != nil {
			return nil, err
		}
	}
	return in.Activate()
}

// filterError is libpcap's complaint about a filter expression; it matches
// filter.ErrInvalid.
type filterError struct{ err error }

func (e *filterError) Error() string        { return e.err.Error() }
func (e *filterError) Unwrap() error        { return e.err }
func (e *filterError) Is(target error) bool { return target == filter.ErrInvalid }

// linkTypeOf maps libpcap's DLT_* value to the LINKTYPE_* value used in
// files and by capture; they differ for a few link types (DLT_RAW is 12 or
// 14 depending on the platform, LINKTYPE_RAW is 101).
func linkTypeOf(dlt int) uint16 {
	switch pcap.DatalinkValToName(dlt) {
	case "RAW":
		return capture.LinkRaw
	case "LOOP":
		return capture.LinkLoop
	case "NULL":
		return capture.LinkNull
	case "C_HDLC":
		return capture.LinkCHDLC
	}
	return uint16(dlt)
}

// Next returns the next frame. It waits for one, checking the context
// every ReadTimeout, and returns io.EOF once the context is cancelled and
// what libpcap had buffered is read (at most ReadTimeout more).
// Packet.File holds the interface name.
func (s *Source) Next() (capture.Packet, error) {
	for {
		stopping := s.ctx.Err() != nil
		if stopping {
			if s.drainEnd.IsZero() {
				s.drainEnd = time.Now().Add(s.drain)
			}
			if time.Now().After(s.drainEnd) {
				return capture.Packet{}, io.EOF
			}
		}
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			return capture.Packet{}, ErrClosed
		}
		data, ci, err := s.h.ZeroCopyReadPacketData()
		s.mu.RUnlock()
		switch {
		case errors.Is(err, pcap.NextErrorTimeoutExpired):
			if stopping {
				return capture.Packet{}, io.EOF // nothing more was buffered
			}
			if s.wake {
				return capture.Packet{}, capture.ErrNoPacket
			}
			continue // no packet yet: look at the context again
		case errors.Is(err, io.EOF), errors.Is(err, pcap.NextErrorNoMorePackets):
			return capture.Packet{}, io.EOF
		case err != nil:
			return capture.Packet{}, fmt.Errorf("read live capture on %q: %w", s.iface, err)
		}
		ts := ci.Timestamp
		if ts.IsZero() {
			ts = time.Now()
		}
		return capture.Packet{
			Data:          data,
			Timestamp:     ts.UTC(),
			CaptureLength: len(data),
			Length:        max(ci.Length, len(data)),
			LinkType:      s.linkType,
			Frame:         s.frames.Add(1),
			File:          s.iface,
		}, nil
	}
}

// Frames returns the number of frames returned so far.
func (s *Source) Frames() int64 { return s.frames.Load() }

// Now returns the wall-clock time (capture.Clock): frame timestamps come
// from the same clock, so a state's age is measured against it while no
// packet arrives.
func (s *Source) Now() time.Time { return time.Now() }

// LinkType returns the link type of the frames this Source yields.
func (s *Source) LinkType() uint16 { return s.linkType }

// Counts returns the counters since Open, each packet counted once. On the
// loopback device libpcap counts both copies of every packet, received and
// dropped alike, so both are halved; elsewhere ("any" mixes loopback's
// doubled packets with the rest) received is the frames handed out plus
// the kernel's drops, at most libpcap's count. QueueDropped is always 0.
// After Close it returns the final counts.
func (s *Source) Counts() (Counts, error) {
	r, d, err := s.Stats()
	if s.loopback {
		r, d = r/2, d/2
	} else {
		r = min(r, s.Frames()+d)
	}
	return Counts{Received: r, Dropped: d, KernelDropped: d}, err
}

// Stats returns libpcap's counts of frames received and dropped by the
// kernel since Open. After Close it returns the final counts.
func (s *Source) Stats() (received, dropped int64, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.closed {
		err = s.pollStats()
	}
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.received, s.dropped, err
}

// pollStats copies libpcap's counters, which are totals since Open. The
// caller holds mu.
func (s *Source) pollStats() error {
	st, err := s.h.Stats()
	if err != nil {
		return fmt.Errorf("live capture statistics on %q: %w", s.iface, err)
	}
	s.statsMu.Lock()
	s.received, s.dropped = int64(st.PacketsReceived), int64(st.PacketsDropped)
	s.statsMu.Unlock()
	return nil
}

// Close stops the capture. It waits for a pending read, at most
// ReadTimeout.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	_ = s.pollStats() // keep the final counts for Stats; a failure loses only the last interval
	s.h.Close()
	return nil
}
