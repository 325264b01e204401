package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/capture/live"
)

// saver writes the packets of a live capture to the -w file. The first
// write error is reported once on stderr and stops the saving; the
// analysis goes on, and close returns the error so the exit code says the
// file is incomplete.
type saver struct {
	name   string
	f      *os.File
	bw     *bufio.Writer
	pw     *live.Writer
	stderr io.Writer
	err    error
}

func newSaver(name string, linkType uint16, stderr io.Writer) (*saver, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	s := &saver{name: name, f: f, bw: bufio.NewWriterSize(f, 256<<10), stderr: stderr}
	if s.pw, err = live.NewWriter(s.bw, linkType, 0); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *saver) packet(p capture.Packet) {
	if s.err != nil {
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
func (s *saver) close() error {
	if err := s.bw.Flush(); err != nil {
		s.fail(err)
	}
	if err := s.f.Close(); err != nil {
		s.fail(err)
	}
	return s.err
}
