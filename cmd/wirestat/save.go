package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/capture/live"
)

// saver writes packets to the -w file: every packet of a live capture, or
// the packets of the -r files that pass the filter (as tcpdump -r -w
// does), with their timestamps and link type. The first write error is
// reported once on stderr and stops the saving; the analysis goes on, and
// close returns the error so the exit code says the file is incomplete.
type saver struct {
	name    string
	f       *lazyFile
	bw      *bufio.Writer
	pw      *live.Writer // nil until the link type is known
	snaplen int
	stderr  io.Writer
	err     error
	other   bool // a packet of another link type was left out (and said so)
}

// fallbackLinkType heads a -w file no packet was written to: Ethernet.
const fallbackLinkType = 1

// newSaver returns a saver of the file, which is created when the first
// bytes reach it. With linkType 0 the file takes the link type of the
// first packet written.
func newSaver(name string, linkType uint16, snaplen int, stderr io.Writer) (*saver, error) {
	f := &lazyFile{path: name}
	s := &saver{name: name, f: f, bw: bufio.NewWriterSize(f, 256<<10), snaplen: snaplen, stderr: stderr}
	if linkType != 0 {
		if err := s.start(linkType); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// start writes the file header.
func (s *saver) start(linkType uint16) error {
	pw, err := live.NewWriter(s.bw, linkType, s.snaplen)
	s.pw = pw
	return err
}

func (s *saver) packet(p capture.Packet) {
	if s.err != nil {
		return
	}
	if s.pw == nil {
		if err := s.start(p.LinkType); err != nil {
			s.fail(err)
			return
		}
	}
	if p.LinkType != s.pw.LinkType() {
		// A pcap file holds one link type.
		if !s.other {
			s.other = true
			fmt.Fprintf(s.stderr, "wirestat: -w %s: %s frame %d has link type %d, the file holds %d: frames of other link types are not saved\n", s.name, p.File, p.Frame, p.LinkType, s.pw.LinkType())
		}
		return
	}
	if err := s.pw.WritePacket(p); err != nil {
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
	if keep && s.pw == nil && s.err == nil {
		if err := s.start(fallbackLinkType); err != nil {
			s.fail(err)
		}
	}
	if err := s.bw.Flush(); err != nil {
		s.fail(err)
	}
	if keep && !s.f.created() {
		if _, err := s.f.Write(nil); err != nil {
			s.fail(err)
		}
	}
	if err := s.f.Close(); err != nil {
		s.fail(err)
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
