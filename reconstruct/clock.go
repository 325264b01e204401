package reconstruct

import (
	"fmt"
	"math"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// The packet times the tracker can hold: unix nanoseconds in an int64
// (about 1678 to 2262), which every report format can also write.
var (
	minPacketTime = time.Unix(0, math.MinInt64).UTC()
	maxPacketTime = time.Unix(0, math.MaxInt64).UTC()
	epoch         = time.Unix(0, 0).UTC()
)

// clockJump is the backward step of the clock that is warned about; smaller
// steps are the reordering of packets captured on several queues or
// interfaces, and are only smoothed.
const clockJump = time.Second

// clock keeps packet time usable for timing states: it never goes back, and
// it stays within the times a report can write. A frame timed outside
// those years is timed at the nearest of them, and a frame timed before
// the latest frame so far is timed at that latest frame, so that no
// duration or age is negative. Each kind of problem is warned about once,
// naming the first frame: a timestamp out of range, one before 1970 (a
// capturing host whose clock was not set), and a clock that jumps back
// within a file (files given out of time order are warned about by the
// caller, which knows their order).
type clock struct {
	last                time.Time // the latest time handed out
	file                string
	fileLast            time.Time // the latest time read from file
	rangeWarned, before bool
	backWarned          bool
}

func (k *clock) fix(pkt *capture.Packet, warn func(string)) {
	ts := pkt.Timestamp
	switch {
	case ts.Before(minPacketTime) || ts.After(maxPacketTime):
		if !k.rangeWarned {
			k.rangeWarned = true
			warn(fmt.Sprintf("%s: frame %d: timestamp %s is outside the years %d-%d that can be timed; such frames are timed at the nearest of them",
				pkt.File, pkt.Frame, describeTime(ts), minPacketTime.Year()+1, maxPacketTime.Year()-1))
		}
		ts = minPacketTime
		if pkt.Timestamp.After(maxPacketTime) {
			ts = maxPacketTime
		}
	case ts.Before(epoch) && !k.before:
		k.before = true
		warn(fmt.Sprintf("%s: frame %d: timestamp %s is before 1970: the capturing host's clock was probably not set",
			pkt.File, pkt.Frame, ts.Format(time.RFC3339Nano)))
	}
	if pkt.File != k.file {
		k.file, k.fileLast = pkt.File, ts
	}
	if back := k.fileLast.Sub(ts); back >= clockJump && !k.backWarned {
		k.backWarned = true
		warn(fmt.Sprintf("%s: frame %d: the clock goes back %s (from %s to %s); frames earlier than their predecessor are timed at it, so no duration is negative",
			pkt.File, pkt.Frame, back, k.fileLast.Format(time.RFC3339Nano), ts.Format(time.RFC3339Nano)))
	}
	if ts.After(k.fileLast) {
		k.fileLast = ts
	}
	if ts.Before(k.last) {
		ts = k.last
	}
	k.last = ts
	pkt.Timestamp = ts
}

// describeTime writes a time that RFC 3339 may not hold: its year and its
// seconds since the epoch.
func describeTime(t time.Time) string {
	return fmt.Sprintf("in the year %d (%d s since 1970)", t.Year(), t.Unix())
}
