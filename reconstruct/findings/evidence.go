package findings

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// lowest keeps the smallest distinct values added to it, at most limit of
// them, in amortised O(log n) per value: values are appended and the slice
// is sorted and cut back whenever it reaches twice the limit. The first
// values live inline (most groups are of one connection, with a frame or
// two), so that a small group needs no allocation.
type lowest struct {
	small     [2]int64 // the values while v is nil
	n         uint8    // how many of small hold values
	truncated bool     // some distinct value was dropped
	v         []int64  // the values once small overflowed
}

func (l *lowest) add(limit int, x int64) {
	if l.v == nil {
		if int(l.n) < len(l.small) {
			l.small[l.n] = x
			l.n++
			if int(l.n) >= 2*limit {
				l.compact(limit)
			}
			return
		}
		l.v = append(make([]int64, 0, 2*len(l.small)), l.small[:l.n]...)
	}
	l.v = append(l.v, x)
	if len(l.v) >= 2*limit {
		l.compact(limit)
	}
}

// vals returns the values kept, in l's storage.
func (l *lowest) vals() []int64 {
	if l.v != nil {
		return l.v
	}
	return l.small[:l.n]
}

func (l *lowest) merge(limit int, o *lowest) {
	l.truncated = l.truncated || o.truncated
	for _, x := range o.vals() {
		l.add(limit, x)
	}
}

func (l *lowest) compact(limit int) {
	v := l.vals()
	slices.Sort(v)
	v = slices.Compact(v)
	if len(v) > limit {
		v = v[:limit]
		l.truncated = true
	}
	if l.v != nil {
		l.v = v
	} else {
		l.n = uint8(len(v))
	}
}

// list returns the kept values, sorted and distinct.
func (l *lowest) list(limit int) []int64 {
	l.compact(limit)
	return slices.Clip(slices.Clone(l.vals()))
}

// first returns the smallest value, 0 when empty.
func (l *lowest) first() int64 {
	v := l.vals()
	if len(v) == 0 {
		return 0
	}
	return slices.Min(v)
}

// Display filter pieces (Wireshark syntax).
const (
	fltPureSYN = "tcp.flags.syn==1 && tcp.flags.ack==0"
	fltSYNACK  = "tcp.flags.syn==1 && tcp.flags.ack==1"
	fltAnySYN  = "tcp.flags.syn==1"
	fltRST     = "tcp.flags.reset==1"
	fltFIN     = "tcp.flags.fin==1"
)

// streamFilter returns `tcp.stream in {a, b..c} && extra` (or `tcp.stream
// eq a` for a single stream) for ascending stream numbers. Set elements are
// separated by commas (Wireshark 4.0 and later reject whitespace-separated
// sets) and runs of three or more consecutive streams become ranges.
func streamFilter(streams []int64, extra string) string {
	var b strings.Builder
	if len(streams) == 1 {
		b.WriteString("tcp.stream eq ")
		b.WriteString(strconv.FormatInt(streams[0], 10))
	} else {
		b.WriteString("tcp.stream in {")
		for i := 0; i < len(streams); {
			j := i
			for j+1 < len(streams) && streams[j+1] == streams[j]+1 {
				j++
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(streams[i], 10))
			switch {
			case j-i >= 2:
				b.WriteString("..")
				b.WriteString(strconv.FormatInt(streams[j], 10))
			case j == i+1:
				b.WriteString(", ")
				b.WriteString(strconv.FormatInt(streams[j], 10))
			}
			i = j + 1
		}
		b.WriteByte('}')
	}
	if extra != "" {
		b.WriteString(" && ")
		b.WriteString(extra)
	}
	return b.String()
}

// ipField returns the display filter field for an address: ip.src for IPv4
// (and IPv4-mapped IPv6), ipv6.src otherwise. dir is "src", "dst" or "addr".
func ipField(a netip.Addr, dir string) string {
	if a.Unmap().Is4() {
		return "ip." + dir
	}
	return "ipv6." + dir
}

// hostString prints an address the way Wireshark's filters accept it.
func hostString(a netip.Addr) string { return a.Unmap().String() }

// hostPortString prints host:port ([v6]:port for IPv6).
func hostPortString(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}
