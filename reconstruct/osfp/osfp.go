package osfp

import (
	"strconv"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

// Family is an operating system family. The zero value is Unknown.
type Family uint8

// Families, in their contract spelling (MarshalText).
const (
	Unknown Family = iota // unknown
	Linux                 // linux (Android included)
	Windows               // windows
	Apple                 // apple (macOS, iOS)
	FreeBSD               // freebsd
	OpenBSD               // openbsd
	Solaris               // solaris
	numFamilies
)

var familyNames = [numFamilies]string{"unknown", "linux", "windows", "apple", "freebsd", "openbsd", "solaris"}

// String returns the family's contract word; out-of-range values read
// "Family(N)".
func (f Family) String() string {
	if f < numFamilies {
		return familyNames[f]
	}
	return "Family(" + strconv.Itoa(int(f)) + ")"
}

// MarshalText writes the family's contract word.
func (f Family) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// timeWait is the default TIME_WAIT (2*MSL) of each family; the package
// doc cites the source of each.
var timeWait = [numFamilies]time.Duration{
	Linux:   60 * time.Second,  // TCP_TIMEWAIT_LEN (60*HZ)
	Windows: 240 * time.Second, // TcpTimedWaitDelay default 0xF0
	Apple:   30 * time.Second,  // net.inet.tcp.msl 15000 ms, 2*MSL
	FreeBSD: 60 * time.Second,  // net.inet.tcp.msl 30000 ms, 2*MSL
	OpenBSD: 60 * time.Second,  // TCPTV_MSL 30 s, 2*MSL
	Solaris: 60 * time.Second,  // tcp_time_wait_interval 60000 ms
}

// TimeWait returns the default TIME_WAIT duration of family f, the whole
// 2*MSL interval. ok is false for Unknown (and out-of-range values): the
// caller then uses its configured MSL.
func TimeWait(f Family) (d time.Duration, ok bool) {
	if f == Unknown || f >= numFamilies {
		return 0, false
	}
	return timeWait[f], true
}

// Quirk is a set of p0f's quirk bits.
type Quirk uint32

// p0f v3 quirks (p0f.fp's "quirks" field).
const (
	QDF          Quirk = 1 << iota // df: IPv4 don't fragment
	QIDNonZero                     // id+: DF set and IP ID non-zero
	QIDZero                        // id-: DF clear and IP ID zero
	QECN                           // ecn: ECE, CWR or NS set
	QMBZ                           // 0+: IPv4 reserved flag set
	QFlow                          // flow: IPv6 flow label non-zero
	QSeqZero                       // seq-: sequence number zero
	QAckNonZero                    // ack+: ACK clear but acknowledgement number non-zero
	QAckZero                       // ack-: ACK set and acknowledgement number zero
	QURG                           // urgf+: URG set
	QPush                          // pushf+: PSH set
	QTS1Zero                       // ts1-: own timestamp zero
	QTS2NonZero                    // ts2+: echoed timestamp non-zero on a SYN
	QOptTrailing                   // opt+: non-zero bytes after EOL
	QExcessWS                      // exws: window scale above 14
	QOptBad                        // bad: malformed options
	// QUrgPtr (uptr+: urgent pointer non-zero without URG) is parsed
	// from the table but never set: decode.Segment does not keep the
	// urgent pointer, so the one p0f row needing it (an nmap OS probe)
	// never matches.
	QUrgPtr
	numQuirks = iota
)

var quirkNames = [numQuirks]string{"df", "id+", "id-", "ecn", "0+", "flow", "seq-", "ack+", "ack-", "urgf+", "pushf+", "ts1-", "ts2+", "opt+", "exws", "bad", "uptr+"}

// Signature is what a SYN or SYN-ACK tells of its sender's stack, in p0f
// v3's terms.
type Signature struct {
	SYNACK    bool             // a SYN-ACK (p0f's tcp:response), else a SYN (tcp:request)
	IPv6      bool             // sent over IPv6
	TTL       uint8            // observed IPv4 TTL or IPv6 hop limit
	IPOptLen  uint8            // IPv4 options length in bytes
	HeaderLen int              // IP plus TCP header length in bytes
	MSS       uint16           // MSS option value, 0 when absent
	Window    uint16           // raw window field
	WScale    int8             // window scale shift, -1 when absent
	Opts      decode.OptLayout // TCP option kinds in order
	Quirks    Quirk            // p0f quirks
	TSVal     bool             // a timestamp option with a non-zero own timestamp
	Payload   bool             // the segment carries data
}

// FromSegment builds the signature of a SYN or SYN-ACK. ok is false for
// any other segment, and for segments whose header cannot be trusted
// whole: quoted in an ICMP error, cut by the capture, with a bogus data
// offset, or carrying RST or FIN.
func FromSegment(seg *decode.Segment) (Signature, bool) {
	if seg.Flags&decode.SYN == 0 || seg.Flags&(decode.RST|decode.FIN) != 0 ||
		seg.Quoted || seg.Truncated || seg.BadHeaderLen || seg.Opts.Overflow {
		return Signature{}, false
	}
	s := Signature{
		SYNACK:   seg.Flags&decode.ACK != 0,
		IPv6:     seg.Src.Addr().Is6() && !seg.Src.Addr().Is4In6(),
		TTL:      seg.TTL,
		IPOptLen: seg.IPOptLen,
		MSS:      seg.MSS,
		Window:   seg.Window,
		WScale:   seg.WScale,
		Opts:     seg.Opts,
		TSVal:    seg.Opts.TS && !seg.Opts.TSValZero,
		Payload:  seg.PayloadLen > 0,
	}
	s.HeaderLen = seg.HeaderLen + 20 + int(seg.IPOptLen)
	var q Quirk
	if s.IPv6 {
		s.HeaderLen = seg.HeaderLen + 40
		if seg.Flow {
			q |= QFlow
		}
	} else {
		switch {
		case seg.DF && !seg.IPIDZero:
			q |= QDF | QIDNonZero
		case seg.DF:
			q |= QDF
		case seg.IPIDZero:
			q |= QIDZero
		}
		if seg.IPMBZ {
			q |= QMBZ
		}
	}
	if seg.Flags&(decode.ECE|decode.CWR|decode.NS) != 0 {
		q |= QECN
	}
	if seg.Seq == 0 {
		q |= QSeqZero
	}
	if s.SYNACK && seg.Ack == 0 {
		q |= QAckZero
	}
	if !s.SYNACK && seg.Ack != 0 {
		q |= QAckNonZero
	}
	if seg.Flags&decode.URG != 0 {
		q |= QURG
	}
	if seg.Flags&decode.PSH != 0 {
		q |= QPush
	}
	o := &seg.Opts
	if o.TS && o.TSValZero {
		q |= QTS1Zero
	}
	if o.TS && o.TSEcrNonZero && !s.SYNACK {
		q |= QTS2NonZero
	}
	if o.TrailingData {
		q |= QOptTrailing
	}
	if o.ExcessWS {
		q |= QExcessWS
	}
	if o.Bad {
		q |= QOptBad
	}
	s.Quirks = q
	return s, true
}

// Guess is the outcome of Classify.
type Guess struct {
	Family Family // Unknown when no row matched
	// Detail names the matched label, such as "Linux 3.11 and newer" or,
	// with Family Unknown, a userland tool such as "NMap SYN scan"; empty
	// when nothing matched.
	Detail string
	// Source is where the matched row comes from ("p0f.fp:96": line 96 of
	// p0f 3.09b's p0f.fp; otherwise the captures that show it).
	Source string
	// Evidence renders the signature read from the packet, such as
	// "ttl 64 (initial 64), win 64240 = mss*44, mss 1460, ws 7, options
	// mss,sok,ts,nop,ws, quirks df,id+".
	Evidence string
	// Fuzzy: the match needed p0f's tolerance (quirks df or id+ missing,
	// id- or ecn present, or the TTL far below the initial TTL).
	Fuzzy bool
	// Generic: the match is one of p0f's generic ("g:") signatures.
	Generic bool
	// InitialTTL is the matched row's initial TTL, or the next of 32, 64,
	// 128 and 255 at or above the observed TTL when nothing matched; the
	// hop distance is InitialTTL minus the observed TTL.
	InitialTTL uint8
}

// Classify matches sig against the signature table as p0f v3 does: the
// first exact specific (or tool) row wins, then the first exact generic
// row, then the first fuzzy row unless it is a tool's. Like p0f, it does
// not check the IP version of a row, only its quirks.
func Classify(sig Signature) Guess {
	rows := synTable
	if sig.SYNACK {
		rows = synAckTable
	}
	multi, useMTU := winMulti(&sig)
	var gen, fuzzy *sigRow
	for i := range rows {
		r := &rows[i]
		exact, ok := r.match(&sig, multi, useMTU)
		switch {
		case !ok:
		case !exact:
			if fuzzy == nil {
				fuzzy = r
			}
		case r.kind != generic:
			return r.guess(&sig, false)
		case gen == nil:
			gen = r
		}
	}
	if gen != nil {
		return gen.guess(&sig, false)
	}
	if fuzzy != nil && fuzzy.kind != tool {
		return fuzzy.guess(&sig, true)
	}
	ittl := guessTTL(sig.TTL)
	return Guess{Evidence: evidence(&sig, multi, useMTU, ittl), InitialTTL: ittl}
}

// maxDist is p0f's MAX_DIST: an exact match is at most this many hops
// below its initial TTL.
const maxDist = 35

// guessTTL is the next common initial TTL at or above ttl (p0f's
// guess_dist).
func guessTTL(ttl uint8) uint8 {
	switch {
	case ttl <= 32:
		return 32
	case ttl <= 64:
		return 64
	case ttl <= 128:
		return 128
	}
	return 255
}

// winMulti finds what the window is a multiple of, as p0f's
// detect_win_multi: the MSS, the MSS less 12 when timestamps are on, the
// MSS of a 1500-byte MTU, or (useMTU) the MTU. multi is -1 when none.
func winMulti(s *Signature) (multi int, useMTU bool) {
	win, mss := int(s.Window), int(s.MSS)
	if win == 0 || mss < 100 {
		return -1, false
	}
	const tcp4, tcp6 = 40, 60 // minimal IPv4 and IPv6 TCP headers
	type div struct {
		d   int
		mtu bool
		on  bool
	}
	for _, c := range [...]div{
		{mss, false, true},
		{mss - 12, false, s.TSVal},
		{1500 - tcp4, false, true},
		{1500 - tcp4 - 12, false, true},
		{1500 - tcp6, false, s.IPv6},
		{1500 - tcp6 - 12, false, s.IPv6},
		{mss + tcp4, true, true},
		{mss + s.HeaderLen, true, true},
		{mss + tcp6, true, s.IPv6},
		{1500, true, true},
	} {
		if c.on && win%c.d == 0 {
			return win / c.d, c.mtu
		}
	}
	return -1, false
}
