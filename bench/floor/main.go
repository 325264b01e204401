// Command floor is the benchmark floor: the least work any tool that
// reports TCP connections from a capture has to do. It reads the capture
// with wirestat's pure-Go reader, decodes every frame with the zero-alloc
// decode.Decoder and counts packets per connection in a map keyed by
// flow.Canon. No state machine, findings or report: wirestat's time over
// the floor's is the price of everything else.
//
// With -gopacket it does the same with gopacket's pieces instead: pcapgo's
// zero-copy pcap reader, a DecodingLayerParser over Ethernet, 802.1Q, IPv4,
// IPv6 and TCP, and a map of 4-tuples. It decodes less than wirestat does
// (no IPv6 extension headers, tunnels or other link types) and reads
// classic pcap only.
//
//	go run ./bench/floor -r FILE [-gopacket]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// counts is what the floor keeps per connection.
type counts struct {
	packets    int64
	bytes      int64
	firstFrame int64
	lastFrame  int64
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	in := fs.String("r", "", "capture file (pcap or pcapng, optionally gzip; - for stdin)")
	gp := fs.Bool("gopacket", false, "read and decode with pcapgo and a DecodingLayerParser (classic pcap only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("usage: floor -r FILE [-gopacket]")
	}
	if *gp {
		return runGopacket(*in, stdout)
	}
	src, err := capture.Open([]string{*in}, capture.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	var (
		dec     = decode.NewDecoder()
		seg     decode.Segment
		conns   = make(map[flow.Key]*counts)
		packets int64
		tcp     int64
	)
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *capture.FileError
			if errors.As(err, &fe) {
				fmt.Fprintln(os.Stderr, "floor: warning:", fe)
				continue
			}
			return err
		}
		packets++
		if dec.Decode(p, &seg) != decode.OK {
			continue
		}
		tcp++
		key, _ := flow.Canon(seg.Src, seg.Dst)
		c := conns[key]
		if c == nil {
			c = &counts{firstFrame: seg.Frame}
			conns[key] = c
		}
		c.packets++
		c.bytes += int64(seg.PayloadLen)
		c.lastFrame = seg.Frame
	}
	_, err = fmt.Fprintf(stdout, "%d packets, %d tcp, %d 4-tuples\n", packets, tcp, len(conns))
	return err
}
