package osfp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

// row is one line of the signature table as written in table.go.
type row struct {
	family Family
	kind   rowKind
	detail string // p0f label's name and flavor
	sig    string // p0f.fp signature, p0f's syntax
	source string // where the row comes from: "p0f.fp:N" is line N of p0f 3.09b's file
}

// rowKind is p0f's label class.
type rowKind uint8

const (
	specific rowKind = iota // "s:" label
	generic                 // "g:" label: used only when no specific row matches
	tool                    // "!" class, a userland tool: never matched fuzzily
)

// Window size kinds of a signature.
const (
	winNormal = iota // a constant
	winAny           // *
	winMod           // %N
	winMSS           // mss*N
	winMTU           // mtu*N
)

// sigRow is a parsed row.
type sigRow struct {
	row
	ver     int8 // 4, 6 or -1 for any
	ittl    uint8
	badTTL  bool // "64-": a tool with random TTLs, never fuzzy on TTL
	olen    uint8
	mss     int32 // -1: any
	winType uint8
	win     int
	scale   int8 // -1: any
	layout  [decode.MaxOptKinds]uint8
	nopts   uint8
	eolPad  uint8
	quirks  Quirk
	pclass  int8 // -1 any, 0 none, 1 data
	synack  bool // a row of the SYN-ACK table
}

// The parsed tables; a malformed row is a programming error caught by
// TestTable, so parsing panics.
var (
	synTable    = mustParse(synRows, false)
	synAckTable = mustParse(synAckRows, true)
)

func mustParse(rows []row, synack bool) []sigRow {
	out := make([]sigRow, len(rows))
	for i, r := range rows {
		s, err := parseSig(r)
		if err != nil {
			panic(fmt.Sprintf("osfp: signature %q (%s): %v", r.sig, r.source, err))
		}
		s.synack = synack
		out[i] = s
	}
	return out
}

// parseSig parses a p0f.fp TCP signature.
func parseSig(r row) (sigRow, error) {
	s := sigRow{row: r}
	f := strings.Split(r.sig, ":")
	if len(f) != 8 {
		return s, fmt.Errorf("%d fields, want 8", len(f))
	}
	switch f[0] {
	case "4":
		s.ver = 4
	case "6":
		s.ver = 6
	case "*":
		s.ver = -1
	default:
		return s, fmt.Errorf("ip version %q", f[0])
	}
	ttl := f[1]
	if t, ok := strings.CutSuffix(ttl, "-"); ok {
		ttl, s.badTTL = t, true
	}
	n, err := strconv.ParseUint(ttl, 10, 8)
	if err != nil || n == 0 {
		return s, fmt.Errorf("initial ttl %q", f[1])
	}
	s.ittl = uint8(n)
	if n, err = strconv.ParseUint(f[2], 10, 8); err != nil {
		return s, fmt.Errorf("ip options length %q", f[2])
	}
	s.olen = uint8(n)
	s.mss = -1
	if f[3] != "*" {
		if n, err = strconv.ParseUint(f[3], 10, 16); err != nil {
			return s, fmt.Errorf("mss %q", f[3])
		}
		s.mss = int32(n)
	}
	win, scale, ok := strings.Cut(f[4], ",")
	if !ok {
		return s, fmt.Errorf("window %q without scale", f[4])
	}
	switch {
	case win == "*":
		s.winType = winAny
	case strings.HasPrefix(win, "%"):
		s.winType, win = winMod, win[1:]
	case strings.HasPrefix(win, "mss*"):
		s.winType, win = winMSS, win[4:]
	case strings.HasPrefix(win, "mtu*"):
		s.winType, win = winMTU, win[4:]
	}
	if s.winType != winAny {
		if n, err = strconv.ParseUint(win, 10, 16); err != nil {
			return s, fmt.Errorf("window %q", f[4])
		}
		s.win = int(n)
	}
	s.scale = -1
	if scale != "*" {
		if n, err = strconv.ParseUint(scale, 10, 8); err != nil {
			return s, fmt.Errorf("window scale %q", scale)
		}
		s.scale = int8(min(n, 127))
	}
	if f[5] != "" {
		for _, o := range strings.Split(f[5], ",") {
			if int(s.nopts) == len(s.layout) {
				return s, fmt.Errorf("more than %d options", len(s.layout))
			}
			k, pad, err := optKind(o)
			if err != nil {
				return s, err
			}
			s.layout[s.nopts], s.eolPad = k, pad
			s.nopts++
		}
	}
	if f[6] != "" {
		for _, q := range strings.Split(f[6], ",") {
			i := indexOf(quirkNames[:], q)
			if i < 0 {
				return s, fmt.Errorf("quirk %q", q)
			}
			s.quirks |= 1 << i
		}
	}
	switch f[7] {
	case "*":
		s.pclass = -1
	case "0":
		s.pclass = 0
	case "+":
		s.pclass = 1
	default:
		return s, fmt.Errorf("payload class %q", f[7])
	}
	return s, nil
}

// optNames are p0f's names of TCP option kinds, by kind.
var optNames = [...]string{0: "eol", 1: "nop", 2: "mss", 3: "ws", 4: "sok", 5: "sack", 8: "ts"}

// optKind parses one element of a p0f option layout.
func optKind(o string) (kind, eolPad uint8, err error) {
	if p, ok := strings.CutPrefix(o, "eol+"); ok {
		n, err := strconv.ParseUint(p, 10, 8)
		return 0, uint8(n), err
	}
	if p, ok := strings.CutPrefix(o, "?"); ok {
		n, err := strconv.ParseUint(p, 10, 8)
		return uint8(n), 0, err
	}
	if i := indexOf(optNames[:], o); i > 0 {
		return uint8(i), 0, nil
	}
	return 0, 0, fmt.Errorf("option %q", o)
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s && n != "" {
			return i
		}
	}
	return -1
}

// match reports whether the row matches s (ok) and whether without
// p0f's fuzzy tolerance (exact), following p0f's tcp_find_match.
func (r *sigRow) match(s *Signature, multi int, useMTU bool) (exact, ok bool) {
	if r.nopts != s.Opts.N || r.layout != s.Opts.Kinds {
		return false, false
	}
	exact = true
	want := r.quirks
	if r.ver == -1 {
		if s.IPv6 {
			want &^= QDF | QIDNonZero | QIDZero
		} else {
			want &^= QFlow
		}
	}
	if want != s.Quirks {
		lost, gained := want&^s.Quirks, s.Quirks&^want
		if lost&^(QDF|QIDNonZero) != 0 || gained&^(QIDZero|QECN) != 0 {
			return false, false
		}
		exact = false
	}
	if r.eolPad != s.Opts.EOLPad || r.olen != s.IPOptLen {
		return false, false
	}
	if r.badTTL {
		if r.ittl < s.TTL {
			return false, false
		}
	} else if r.ittl < s.TTL || r.ittl-s.TTL > maxDist {
		exact = false
	}
	if r.mss >= 0 && r.mss != int32(s.MSS) ||
		r.scale >= 0 && r.scale != scaleOf(s) ||
		r.pclass >= 0 && (r.pclass == 1) != s.Payload {
		return false, false
	}
	switch r.winType {
	case winNormal:
		ok = r.win == int(s.Window)
	case winMod:
		ok = int(s.Window)%r.win == 0
	case winMSS:
		ok = !useMTU && r.win == multi
	case winMTU:
		ok = useMTU && r.win == multi
	default:
		ok = true
	}
	return exact && ok, ok
}

// synAck reports whether r is a SYN-ACK row.
func (r *sigRow) synAck() bool { return r.synack }

// scaleOf is the window scale p0f compares: 0 when the option is absent.
func scaleOf(s *Signature) int8 { return max(s.WScale, 0) }

// guess renders a match of row r.
func (r *sigRow) guess(s *Signature, fuzzy bool) Guess {
	multi, useMTU := winMulti(s)
	return Guess{
		Family: r.family, Detail: r.detail, Source: r.source, Fuzzy: fuzzy, Generic: r.kind == generic, InitialTTL: r.ittl,
		Evidence: evidence(s, multi, useMTU, r.ittl),
	}
}

// evidence renders what the signature shows, for a reader weighing the
// guess: "ttl 57 (initial 64), win 64240 = mss*44, mss 1460, ws 7,
// options mss,sok,ts,nop,ws, quirks df,id+". ittl is the initial TTL
// the guess assumes.
func evidence(s *Signature, multi int, useMTU bool, ittl uint8) string {
	var a [160]byte
	b := append(a[:0], "ttl "...)
	b = strconv.AppendUint(b, uint64(s.TTL), 10)
	b = append(b, " (initial "...)
	b = strconv.AppendUint(b, uint64(ittl), 10)
	b = append(b, "), win "...)
	b = strconv.AppendUint(b, uint64(s.Window), 10)
	if multi > 0 {
		b = append(b, " = mss*"...)
		if useMTU {
			b = append(b[:len(b)-4], "mtu*"...)
		}
		b = strconv.AppendInt(b, int64(multi), 10)
	}
	if s.MSS != 0 {
		b = append(b, ", mss "...)
		b = strconv.AppendUint(b, uint64(s.MSS), 10)
	}
	if s.WScale >= 0 {
		b = append(b, ", ws "...)
		b = strconv.AppendInt(b, int64(s.WScale), 10)
	}
	b = append(b, ", options "...)
	if s.Opts.N == 0 {
		b = append(b, "none"...)
	}
	for i, k := range s.Opts.Kind() {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case k == 0:
			b = append(b, "eol+"...)
			b = strconv.AppendUint(b, uint64(s.Opts.EOLPad), 10)
		case int(k) < len(optNames) && optNames[k] != "":
			b = append(b, optNames[k]...)
		default:
			b = append(b, '?')
			b = strconv.AppendUint(b, uint64(k), 10)
		}
	}
	if s.Quirks != 0 {
		b = append(b, ", quirks "...)
		sep := false
		for i, n := range quirkNames {
			if s.Quirks&(1<<i) != 0 {
				if sep {
					b = append(b, ',')
				}
				b, sep = append(b, n...), true
			}
		}
	}
	return string(b)
}
