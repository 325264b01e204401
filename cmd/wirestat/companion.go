package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/follow"
	"github.com/wirestat/wirestat/reconstruct/report"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// companionOptions are the Wireshark companion's flags: one stream's
// payload (--follow) or whole story (--stream), and the Community ID seed.
type companionOptions struct {
	communityIDSeed uint16
	follow          int64 // -1: not asked
	followMode      string
	stream          int64 // -1: not asked
}

func (c *companionOptions) flags(fs *flag.FlagSet) {
	c.follow, c.stream = -1, -1
	fs.Func("community-id-seed", "seed of every connection's Community ID, `0-65535` (default 0, as Zeek, Suricata and Wireshark)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return errors.New("want a number from 0 to 65535")
		}
		c.communityIDSeed = uint16(v)
		return nil
	})
	fs.Int64Var(&c.follow, "follow", -1, "print the payload of tcp.stream `STREAM` in both directions, as tshark -z follow,tcp (with -F json: base64 chunks and gaps); no report")
	fs.StringVar(&c.followMode, "follow-mode", "ascii", "--follow output: `ascii`, hex or raw")
	fs.Int64Var(&c.stream, "stream", -1, "print tcp.stream `N` whole: both endpoints' timelines with frames, causes and evidence, and its findings; no report")
}

// active reports whether a companion view replaces the report.
func (c *companionOptions) active() bool { return c.follow >= 0 || c.stream >= 0 }

// validate checks the companion flags against the rest.
func (c *companionOptions) validate(o *options) error {
	switch {
	case c.follow >= 0 && c.stream >= 0:
		return fail(exitUsage, "--follow and --stream are one view each: give one")
	case c.follow >= 0 && o.format != "text" && o.format != "json":
		return fail(exitUsage, "--follow prints text or json (-F json), not %s", o.format)
	case c.stream >= 0 && o.format != "text":
		return fail(exitUsage, "--stream prints text only")
	}
	if _, err := follow.ParseMode(c.followMode); err != nil {
		return fail(exitUsage, "--follow-mode: %v", err)
	}
	return nil
}

// discardSink drops the report rows.
type discardSink struct{}

func (discardSink) Connection(*result.Connection) error { return nil }

// view runs the analysis for --follow or --stream and writes that view.
func (c *companionOptions) view(ctx context.Context, o *options, cfg reconstruct.Config, src capture.Source, stdout io.Writer) error {
	cfg.Workers = 1 // the segment hook sees each payload in the tracking goroutine
	var fl *follow.Follower
	var conn *result.Connection
	want := c.stream
	if c.follow >= 0 {
		want = c.follow
		fl = follow.New(c.follow)
		cfg.Segment = fl.Segment
	}
	cfg.OnConnection = func(fc *finished.Conn, rc *result.Connection) {
		if fc.Stream != want {
			return
		}
		if fl != nil {
			fl.Connection(fc)
		}
		cp := *rc
		cp.Transitions = slices.Clone(rc.Transitions)
		conn = &cp
	}
	res, runErr := reconstruct.Run(ctx, src, cfg, discardSink{})
	if errors.Is(runErr, reconstruct.ErrFilter) {
		return fail(exitUsage, "%v", runErr)
	}
	if res == nil || conn == nil {
		if runErr != nil {
			return fail(exitInput, "%v", runErr)
		}
		return fail(exitUsage, "no tcp.stream %d in the capture", want)
	}
	dst := stdout
	var f *os.File
	if o.out != "" {
		var err error
		if f, err = os.Create(o.out); err != nil {
			return fail(exitOutput, "%v", err)
		}
		dst = f
	}
	bw := bufio.NewWriter(dst)
	var err error
	switch {
	case fl != nil && o.format == "json":
		err = follow.JSON(bw, fl.Finish())
	case fl != nil:
		mode, _ := follow.ParseMode(c.followMode)
		err = follow.Text(bw, fl.Finish(), mode)
	default:
		var fs []result.Finding
		for _, fd := range res.Findings {
			if slices.Contains(fd.Streams, want) {
				fs = append(fs, fd)
			}
		}
		err = report.WriteStream(bw, conn, fs)
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fail(exitOutput, "write: %v", err)
	}
	if runErr != nil {
		return fail(exitInput, "%v", runErr)
	}
	return nil
}
