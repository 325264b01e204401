package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/capture/rotate"
)

// saver writes packets to the -w file (or the rotating files of -C, -G,
// -W): every packet of a live capture, or the packets of the -r files
// that pass the filter (as tcpdump -r -w does), with their timestamps and
// link type. The first write error is reported once on stderr and stops
// the saving; the analysis goes on, and close returns the error so the
// exit code says the file is incomplete. When -G and -W have made their
// files, limit is called (it ends a live capture, as tcpdump exits).
type saver struct {
	name   string
	w      *rotate.Writer
	stderr io.Writer
	limit  func()
	err    error
	other  bool // a packet of another link type was left out (and said so)
}

// fallbackLinkType heads a -w file no packet was written to: Ethernet.
const fallbackLinkType = 1

// newSaver returns a saver of the files, created when the first packet
// reaches them. With linkType 0 the files take the link type of the
// first packet written.
func newSaver(name string, linkType uint16, snaplen int, rot rotate.Options, stderr io.Writer) *saver {
	rot.Snaplen = snaplen
	return &saver{name: name, w: rotate.New(name, linkType, rot), stderr: stderr}
}

func (s *saver) packet(p capture.Packet) {
	if s.err != nil {
		return
	}
	err := s.w.WritePacket(p)
	switch {
	case err == nil:
	case errors.Is(err, rotate.ErrLinkType):
		// A pcap file holds one link type.
		if !s.other {
			s.other = true
			fmt.Fprintf(s.stderr, "wirestat: -w %s: %s frame %d has link type %d, the file holds %d: frames of other link types are not saved\n", s.name, p.File, p.Frame, p.LinkType, s.w.LinkType())
		}
	case errors.Is(err, rotate.ErrLimit):
		s.err = err
		if s.limit != nil {
			s.limit()
		}
	default:
		s.fail(err)
	}
}

func (s *saver) fail(err error) {
	if s.err == nil {
		s.err = err
		fmt.Fprintf(s.stderr, "wirestat: -w %s: %v; packets from here on are not saved\n", s.name, err)
	}
}

// close flushes and closes the file and returns the first error met.
// With keep, a file no packet reached still gets a pcap header; without,
// it is not created.
func (s *saver) close(keep bool) error {
	if err := s.w.Close(keep, fallbackLinkType, time.Now()); err != nil {
		s.fail(err)
	}
	if errors.Is(s.err, rotate.ErrLimit) {
		return nil
	}
	return s.err
}

// lazyFile is a file created at its first Write, so a run that reads
// nothing leaves no file behind.
type lazyFile struct {
	path string
	f    *os.File
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Write(p)
}

func (l *lazyFile) created() bool { return l.f != nil }

// Close closes the file if it was created.
func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
