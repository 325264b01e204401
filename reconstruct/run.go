package reconstruct

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/continuity"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/filter"
	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// Sentinel errors Run returns; the command maps them to exit codes.
var (
	// ErrUnreadable: no input could be read at all (exit 2).
	ErrUnreadable = errors.New("no input could be read")
	// ErrFilter: the filter expression could not be compiled (exit 1).
	ErrFilter = errors.New("filter expression")
)

// Config is what Run needs beyond the packet source.
type Config struct {
	// Sources names the inputs for the report.
	Sources []string
	// Filter is a tcpdump-syntax expression; empty selects everything.
	Filter string
	// Flow configures the connection table (MSL, timeouts, limits).
	Flow flow.Config
	// Reassemble measures missed bytes by payload reassembly
	// (gopacket/tcpassembly, package continuity) instead of sequence-number
	// hole tracking.
	Reassemble bool
	// Findings holds the finding thresholds; its MSL follows Flow.MSL.
	Findings findings.Config
	// At, when set, reports the states as of that moment of the capture:
	// packets after it are not read.
	At time.Time
	// AtRelative sets At to AtOffset after the first packet.
	AtRelative bool
	AtOffset   time.Duration
	// Count stops after this many packets (0: no limit), as tcpdump -c.
	Count int64
	// Version is reported in the tool section.
	Version string
	// Warn receives each warning once (a file problem, a filter that does
	// not apply to a link type). Nil discards them.
	Warn func(msg string)
	// OnConnection receives every finished connection before the writer.
	// It must not keep the *flow.Conn: its memory is reused.
	OnConnection func(c *flow.Conn, rc *result.Connection)
	// Assigned, when set, learns the stream number of every TCP frame.
	Assigned func(frame, stream int64)
	// Packet, when set, sees every packet read (after the filter), for
	// saving or annotating.
	Packet func(p capture.Packet)
}

// Run reads src to the end (or until ctx is cancelled, At or Count), rebuilds
// every connection and streams each finished one to w. It returns the
// final Result (listeners, summary, capture statistics; Connections empty
// because they went to w) after calling w.Close. Problems inside the input
// are warnings, not errors: everything readable is reported. Run returns
// ErrUnreadable when not a single packet could be read and every input
// failed, and ErrFilter when the filter does not compile.
func Run(ctx context.Context, src capture.Source, cfg Config, w Sink) (*result.Result, error) {
	r := &result.Result{
		Schema: result.Schema,
		Tool:   result.Tool{Name: "wirestat", Version: cfg.Version},
	}
	r.Capture.Sources = append([]string{}, cfg.Sources...)
	msl := cfg.Flow.MSL
	if msl <= 0 {
		msl = 60 * time.Second
	}
	r.Capture.MSLSeconds = msl.Seconds()
	if !cfg.At.IsZero() {
		r.Capture.At = timePtr(cfg.At)
	}
	warn := func(msg string) {
		r.Capture.Warnings = append(r.Capture.Warnings, msg)
		if cfg.Warn != nil {
			cfg.Warn(msg)
		}
	}

	var (
		sum      summary
		writeErr error
	)
	fcfg := cfg.Findings
	fcfg.MSL = msl
	col := findings.NewCollector(fcfg)
	var cont *continuity.Assembler
	if cfg.Reassemble {
		cont = continuity.New(0)
	}
	fl := cfg.Flow
	fl.Reuse = true // the callback below keeps nothing of the *flow.Conn
	tracker := flow.NewTracker(fl, func(c *flow.Conn) {
		rc := Connection(c)
		if cont != nil {
			rc.MissedBytes = cont.Take(c.Key, c.End.Add(time.Nanosecond))
		}
		if c.Evicted() {
			r.Capture.Evicted++
		}
		sum.add(c)
		col.Add(c)
		if cfg.OnConnection != nil {
			cfg.OnConnection(c, &rc)
		}
		if writeErr == nil {
			writeErr = w.Connection(&rc)
		}
	})

	var (
		flt         *filter.Set
		dec         = decode.NewDecoder()
		seg         decode.Segment
		first       time.Time
		last        time.Time
		fileErrors  int
		runErr      error
		unsupported []uint16 // link types already warned about
	)
	if cfg.Filter != "" {
		flt = filter.NewSet(cfg.Filter, 0)
	}
	for {
		if err := ctx.Err(); err != nil {
			break
		}
		if cfg.Count > 0 && r.Capture.Packets >= cfg.Count {
			break
		}
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *capture.FileError
			if errors.As(err, &fe) {
				fileErrors++
				warn(fe.Error())
				continue
			}
			runErr = err
			break
		}
		if cfg.AtRelative {
			cfg.AtRelative = false
			cfg.At = p.Timestamp.Add(cfg.AtOffset)
			r.Capture.At = timePtr(cfg.At)
		}
		if !cfg.At.IsZero() && p.Timestamp.After(cfg.At) {
			break
		}
		if flt != nil {
			ok, err := flt.Match(p)
			if err != nil {
				runErr = fmt.Errorf("%w: %w", ErrFilter, err)
				break
			}
			if !ok {
				continue
			}
		}
		if cfg.Packet != nil {
			cfg.Packet(p)
		}
		r.Capture.Packets++
		if first.IsZero() {
			first = p.Timestamp
		}
		if p.Timestamp.After(last) {
			last = p.Timestamp
		}
		switch dec.Decode(p, &seg) {
		case decode.OK:
			if seg.Quoted {
				r.Capture.ICMPQuoted++
			} else {
				r.Capture.TCPPackets++
			}
			if seg.Truncated {
				r.Capture.TruncatedPackets++
			}
			if seg.BadHeaderLen {
				r.Capture.BadTCPHeaders++
			}
			stream := tracker.Add(&seg)
			if cont != nil {
				cont.Add(&seg)
			}
			if cfg.Assigned != nil {
				cfg.Assigned(seg.Frame, stream)
			}
		case decode.NotTCP:
			r.Capture.OtherPackets++
		case decode.Fragment:
			r.Capture.Fragments++
			r.Capture.OtherPackets++
		case decode.Truncated:
			r.Capture.TruncatedPackets++
			r.Capture.DecodeErrors++
		case decode.Malformed:
			r.Capture.DecodeErrors++
		case decode.UnsupportedLink:
			r.Capture.DecodeErrors++
			if !slices.Contains(unsupported, p.LinkType) {
				unsupported = append(unsupported, p.LinkType)
				warn(fmt.Sprintf("%s: frame %d: link type %d is not supported; its frames are counted as decode errors", p.File, p.Frame, p.LinkType))
			}
		}
	}
	if errors.Is(runErr, ErrFilter) {
		return nil, runErr
	}
	end := last
	if !cfg.At.IsZero() {
		end = cfg.At
	}
	tracker.Flush(end)
	r.Capture.First, r.Capture.Last = timePtr(first), timePtr(last)
	for _, l := range tracker.Listeners() {
		r.Listeners = append(r.Listeners, result.Listener{
			Addr: l.Addr.Addr().Unmap().String(), Port: l.Addr.Port(),
			FirstFrame: l.FirstFrame, Connections: l.Connections,
		})
	}
	if r.Listeners == nil {
		r.Listeners = []result.Listener{}
	}
	r.Summary = sum.result()
	r.Findings = col.Findings()
	if r.Findings == nil {
		r.Findings = []result.Finding{}
	}
	if r.Capture.Warnings == nil {
		r.Capture.Warnings = []string{}
	}
	if runErr != nil {
		return r, runErr
	}
	if r.Capture.Packets == 0 && fileErrors > 0 && fileErrors >= len(cfg.Sources) && src.Frames() == 0 {
		return r, ErrUnreadable
	}
	if writeErr != nil {
		return r, writeErr
	}
	return r, nil
}

// Sink receives finished connections; report.Writer satisfies it.
type Sink interface {
	Connection(c *result.Connection) error
}
