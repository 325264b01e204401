package reconstruct

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// badDir holds the hostile and broken inputs. TestWriteBadCorpus -update
// regenerates them from pcaps/demo.pcap.
const badDir = "testdata/bad"

// badCase is one file of testdata/bad and what reading it alone must give.
// Counts are Result.Capture fields; conns is the number of connections
// handed to the sink.
type badCase struct {
	file       string
	unreadable bool   // Run returns ErrUnreadable (the command exits 2); otherwise a report (exit 0)
	warning    string // substring of the single warning ("" when there must be none)
	packets    int64
	tcp        int64
	decodeErrs int64
	truncated  int64
	conns      int
}

// badCases: demo.pcap has 40 frames (2 ARP, 38 TCP) in 6 connections. Its
// first 22 frames (20 TCP: streams 0-2 complete) end at byte 1832 of the
// pcap file and at byte 2244 of the pcapng conversion; a problem placed
// there leaves those results intact. Per-packet problems are a copy of
// frame 3 (a SYN, moved to port 40099) damaged and inserted as frame 23,
// so the 6 demo connections survive around it.
var badCases = []badCase{
	// Not a capture at all: exit 2.
	{file: "empty.pcap", unreadable: true, warning: "empty.pcap: offset 0: empty file"},
	{file: "random.bin", unreadable: true, warning: "random.bin: offset 0: unknown magic"},
	{file: "short-header.pcap", unreadable: true, warning: "short-header.pcap: offset 0: too short for a pcap header (10 bytes)"},
	{file: "ng-short-header.pcapng", unreadable: true, warning: "ng-short-header.pcapng: offset 0: too short for a pcapng section header"},

	// Valid edge cases: no warning.
	{file: "header-only.pcap"},
	{file: "ng-header-only.pcapng"},
	{file: "snaplen-exceeded.pcap", packets: 40, tcp: 38, conns: 6}, // snaplen 60 < 74-byte records: not enforced
	{file: "ng-unknown-block.pcapng", packets: 40, tcp: 38, conns: 6},
	{file: "ng-two-sections.pcapng", packets: 40, tcp: 38, conns: 6}, // little-endian section, then big-endian

	// Capture-level damage: a warning with the offset, the prefix reported.
	{file: "trunc-record-header.pcap", warning: "trunc-record-header.pcap: offset 1832: truncated record header (want 16 bytes, have 10)", packets: 22, tcp: 20, conns: 3},
	{file: "trunc-record-data.pcap", warning: "trunc-record-data.pcap: offset 1832: truncated packet record (want 74 bytes, have 30)", packets: 22, tcp: 20, conns: 3},
	{file: "caplen-over-limit.pcap", warning: "caplen-over-limit.pcap: offset 1832: record length 262145 exceeds limit 262144", packets: 22, tcp: 20, conns: 3},
	{file: "caplen-huge.pcap", warning: "caplen-huge.pcap: offset 1832: record length 4294967295 exceeds limit 262144", packets: 22, tcp: 20, conns: 3},
	{file: "garbage-after.pcap", warning: "garbage-after.pcap: offset 3380: record length 561031321 exceeds limit 262144", packets: 40, tcp: 38, conns: 6},
	{file: "ng-bad-trailer.pcapng", warning: "ng-bad-trailer.pcapng: offset 2244: block length 108 does not match trailing length 109", packets: 22, tcp: 20, conns: 3},
	{file: "ng-block-len-8.pcapng", warning: "ng-block-len-8.pcapng: offset 2244: bad block length 8 for block type 0x6", packets: 22, tcp: 20, conns: 3},
	{file: "ng-block-len-odd.pcapng", warning: "ng-block-len-odd.pcapng: offset 2244: bad block length 110 for block type 0x6", packets: 22, tcp: 20, conns: 3},
	{file: "ng-block-len-huge.pcapng", warning: "ng-block-len-huge.pcapng: offset 2244: bad block length 4294967292 for block type 0x6", packets: 22, tcp: 20, conns: 3},
	{file: "ng-trunc-block.pcapng", warning: "ng-trunc-block.pcapng: offset 2244: truncated enhanced packet block (want 108 bytes, have 60)", packets: 22, tcp: 20, conns: 3},
	{file: "ng-unknown-interface.pcapng", warning: "ng-unknown-interface.pcapng: offset 2244: enhanced packet block for unknown interface 1", packets: 22, tcp: 20, conns: 3},
	{file: "ng-garbage-after.pcapng", warning: "ng-garbage-after.pcapng: offset 4108: bad block length", packets: 40, tcp: 38, conns: 6},
	// Timestamps: one warning naming the first frame, every frame kept.
	{file: "ng-time-after-9999.pcapng", warning: "ng-time-after-9999.pcapng: frame 23: timestamp in the year 11533 (301795611440 s since 1970) is outside the years 1678-2261 that can be timed", packets: 40, tcp: 38, conns: 6},
	{file: "ng-time-before-1970.pcapng", warning: "ng-time-before-1970.pcapng: frame 1: timestamp 1931-11-02T07:37:20.475354Z is before 1970", packets: 40, tcp: 38, conns: 6},
	{file: "time-jumps-back.pcap", warning: "time-jumps-back.pcap: frame 23: the clock goes back 23h59m59.999863s", packets: 40, tcp: 38, conns: 6},
	{file: "gzip-truncated.pcap.gz", warning: "gzip-truncated.pcap.gz: offset 1168: truncated packet record (want 66 bytes, have 41)", packets: 14, tcp: 12, conns: 2}, // offset in decompressed bytes
	{file: "gzip-bad-crc.pcap.gz", warning: "gzip-bad-crc.pcap.gz: offset 3380: record header: gzip stream: gzip: invalid checksum", packets: 40, tcp: 38, conns: 6},
	{file: "gzip-bad-deflate.pcap.gz", warning: "gzip-bad-deflate.pcap.gz: offset 1168: packet record: gzip stream: flate: corrupt input before offset 1206", packets: 14, tcp: 12, conns: 2},

	// Packet-level damage: counted, never a warning; reading goes on.
	{file: "ipv4-cut.pcap", packets: 41, tcp: 38, decodeErrs: 1, truncated: 1, conns: 6},                                    // frame ends 16 bytes into the IP header
	{file: "ipv4-options-cut.pcap", packets: 41, tcp: 38, decodeErrs: 1, truncated: 1, conns: 6},                            // IHL 15 (60 bytes), 40 captured
	{file: "tcp-header-cut.pcap", packets: 41, tcp: 38, decodeErrs: 1, truncated: 1, conns: 6},                              // 10 bytes of TCP header
	{file: "ipv4-ihl-4.pcap", packets: 41, tcp: 38, decodeErrs: 1, conns: 6},                                                // IHL < 5
	{file: "ipv4-total-under-ihl.pcap", packets: 41, tcp: 38, decodeErrs: 1, conns: 6},                                      // total length 16
	{file: "ipv4-total-beyond-frame.pcap", packets: 41, tcp: 39, truncated: 1, conns: 7},                                    // total length 1500 in a 74-byte frame: TCP, truncated
	{file: "tcp-offset-4.pcap", packets: 41, tcp: 39, conns: 7},                                                             // data offset < 5: Wireshark keeps it in a stream
	{file: "tcp-offset-beyond.pcap", packets: 41, tcp: 39, conns: 7},                                                        // data offset 15 (60 bytes) > 40-byte IP payload
	{file: "ipv6-ext-endless.pcap", packets: 41, tcp: 38, decodeErrs: 1, conns: 6},                                          // 17 destination-options headers
	{file: "ipv6-ext-overrun.pcap", packets: 41, tcp: 38, decodeErrs: 1, conns: 6},                                          // hop-by-hop header longer than the payload
	{file: "ipv6-ext-cut.pcap", packets: 41, tcp: 38, decodeErrs: 1, truncated: 1, conns: 6},                                // capture ends inside the extension header
	{file: "unsupported-link.pcap", warning: "40 frames of link type 147 (USER0) not decoded", packets: 40, decodeErrs: 40}, // link type 147 (user 0): every frame undecodable, one warning
	// A valid section header, then nothing readable: exit 2.
	{file: "ng-spb-no-interface.pcapng", unreadable: true, warning: "ng-spb-no-interface.pcapng: offset 28: simple packet block before any interface"},
}

// maxNextCalls bounds the Source.Next calls one corpus file may take: far
// more than any file holds records, so reaching it means a loop.
const maxNextCalls = 10_000

// countingSource fails a runaway read loop: after max calls it reports
// io.EOF and records the overrun.
type countingSource struct {
	capture.Source
	calls, max int
	overrun    bool
}

func (s *countingSource) Next() (capture.Packet, error) {
	s.calls++
	if s.calls > s.max {
		s.overrun = true
		return capture.Packet{}, io.EOF
	}
	return s.Source.Next()
}

type badRun struct {
	res     *result.Result
	err     error
	conns   int
	calls   int
	overrun bool
}

// runBounded runs the pipeline over files with a 10 s deadline, a bound on
// Next calls and a recover, so a hang or a panic fails only this test.
func runBounded(t *testing.T, files ...string) badRun {
	t.Helper()
	src, err := capture.Open(files, capture.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer src.Close()
	cs := &countingSource{Source: src, max: maxNextCalls * len(files)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type outcome struct {
		br    badRun
		panic any
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			o.panic = recover()
			done <- o
		}()
		var sink collect
		o.br.res, o.br.err = Run(ctx, cs, Config{Sources: files}, &sink)
		o.br.conns = len(sink.conns)
	}()
	select {
	case o := <-done:
		if o.panic != nil {
			t.Fatalf("Run panicked: %v", o.panic)
		}
		if ctx.Err() != nil {
			t.Fatalf("Run hit the 10 s deadline")
		}
		o.br.calls, o.br.overrun = cs.calls, cs.overrun
		if o.br.overrun {
			t.Fatalf("more than %d Next calls: read loop does not end", cs.max)
		}
		return o.br
	case <-time.After(15 * time.Second):
		t.Fatalf("Run did not return within 15 s (a Next call blocks)")
	}
	return badRun{}
}

func TestBadInput(t *testing.T) {
	for _, tc := range badCases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(badDir, tc.file)
			br := runBounded(t, path)
			if tc.unreadable {
				if !errors.Is(br.err, ErrUnreadable) {
					t.Errorf("err = %v, want ErrUnreadable (exit 2)", br.err)
				}
			} else if br.err != nil {
				t.Errorf("err = %v, want nil (report, exit 0)", br.err)
			}
			if br.res == nil {
				t.Fatal("no result")
			}
			c := br.res.Capture
			switch {
			case tc.warning == "" && len(c.Warnings) != 0:
				t.Errorf("warnings %q, want none", c.Warnings)
			case tc.warning != "" && (len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], tc.warning)):
				t.Errorf("warnings %q, want one containing %q", c.Warnings, tc.warning)
			}
			got := [5]int64{c.Packets, c.TCPPackets, c.DecodeErrors, c.TruncatedPackets, int64(br.conns)}
			want := [5]int64{tc.packets, tc.tcp, tc.decodeErrs, tc.truncated, int64(tc.conns)}
			if got != want {
				t.Errorf("packets, tcp, decode errors, truncated, connections = %v, want %v", got, want)
			}
			if sum := c.TCPPackets + c.ICMPQuoted + c.OtherPackets + c.DecodeErrors; sum != c.Packets {
				t.Errorf("tcp+quoted+other+decode errors = %d, packets = %d", sum, c.Packets)
			}
		})
	}
}

// TestBadInputTogether reads every corpus file as one multi-file capture
// (wirestat -r a -r b ...): each damaged file warns once, in order (the
// counts of frames not decoded come at the end, when they are known), and
// everything readable in every file is still counted.
func TestBadInputTogether(t *testing.T) {
	var files, wantWarn, wantLast []string
	var want [4]int64
	for _, tc := range badCases {
		if strings.Contains(tc.file, "time-") {
			// One clock runs over all the files: what a timestamp case
			// warns about depends on the files before it.
			continue
		}
		files = append(files, filepath.Join(badDir, tc.file))
		switch {
		case strings.Contains(tc.warning, " not decoded"):
			wantLast = append(wantLast, tc.warning)
		case tc.warning != "":
			wantWarn = append(wantWarn, tc.warning)
		}
		want[0] += tc.packets
		want[1] += tc.tcp
		want[2] += tc.decodeErrs
		want[3] += tc.truncated
	}
	wantWarn = append(wantWarn, wantLast...)
	br := runBounded(t, files...)
	if br.err != nil {
		t.Errorf("err = %v, want nil: most inputs are readable", br.err)
	}
	c := br.res.Capture
	if len(c.Warnings) != len(wantWarn) {
		t.Fatalf("%d warnings, want %d:\n%s", len(c.Warnings), len(wantWarn), strings.Join(c.Warnings, "\n"))
	}
	for i, w := range wantWarn {
		if !strings.Contains(c.Warnings[i], w) {
			t.Errorf("warning %d = %q, want one containing %q", i, c.Warnings[i], w)
		}
	}
	got := [4]int64{c.Packets, c.TCPPackets, c.DecodeErrors, c.TruncatedPackets}
	if got != want {
		t.Errorf("packets, tcp, decode errors, truncated = %v, want the per-file sums %v", got, want)
	}
	if br.conns == 0 {
		t.Error("no connections reported")
	}
}

// TestBadInputOneUnreadable: a multi-file capture in which only one file
// is unreadable is still a report; when every file is, it is ErrUnreadable.
func TestBadInputOneUnreadable(t *testing.T) {
	demo := filepath.Join(testenv.RepoRoot(t), "pcaps", "demo.pcap")
	empty := filepath.Join(badDir, "empty.pcap")
	random := filepath.Join(badDir, "random.bin")
	if br := runBounded(t, empty, demo); br.err != nil || br.res.Capture.Packets != 40 || len(br.res.Capture.Warnings) != 1 {
		t.Errorf("empty + demo: err %v, %d packets, warnings %q; want nil, 40, one", br.err, br.res.Capture.Packets, br.res.Capture.Warnings)
	}
	if br := runBounded(t, empty, random); !errors.Is(br.err, ErrUnreadable) || len(br.res.Capture.Warnings) != 2 {
		t.Errorf("empty + random: err %v, warnings %q; want ErrUnreadable and two", br.err, br.res.Capture.Warnings)
	}
}

// TestBadCorpusComplete: every file in testdata/bad has a row.
func TestBadCorpusComplete(t *testing.T) {
	ents, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !slices.ContainsFunc(badCases, func(c badCase) bool { return c.file == e.Name() }) {
			t.Errorf("%s has no row in badCases", e.Name())
		}
	}
}

// TestWriteBadCorpus regenerates testdata/bad from pcaps/demo.pcap when
// run with -update (go test ./reconstruct -run TestWriteBadCorpus -update).
// Without -update it checks that the files still match the generator,
// except the gzip ones, whose bytes depend on the compressor version.
func TestWriteBadCorpus(t *testing.T) {
	files := badCorpus(t, filepath.Join(testenv.RepoRoot(t), "pcaps", "demo.pcap"))
	if *update {
		if err := os.MkdirAll(badDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		path := filepath.Join(badDir, f.name)
		if *update {
			if err := os.WriteFile(path, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if strings.HasSuffix(f.name, ".gz") {
			continue
		}
		disk, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run with -update)", err)
			continue
		}
		if !bytes.Equal(disk, f.data) {
			t.Errorf("%s differs from the generator (run with -update)", path)
		}
	}
}

type corpusFile struct {
	name string
	data []byte
}

// pcapRecord is one record of a classic pcap file.
type pcapRecord struct {
	sec, usec uint32
	data      []byte
	origLen   uint32
}

// readDemo splits a little-endian microsecond pcap into header and records.
func readDemo(t *testing.T, path string) ([]byte, []pcapRecord) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if len(b) < 24 || le.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("%s: want a little-endian microsecond pcap", path)
	}
	var recs []pcapRecord
	for off := 24; off < len(b); {
		caplen := int(le.Uint32(b[off+8:]))
		recs = append(recs, pcapRecord{
			sec: le.Uint32(b[off:]), usec: le.Uint32(b[off+4:]),
			origLen: le.Uint32(b[off+12:]),
			data:    b[off+16 : off+16+caplen],
		})
		off += 16 + caplen
	}
	return b[:24], recs
}

func appendRecord(b []byte, r pcapRecord) []byte {
	le := binary.LittleEndian
	b = le.AppendUint32(b, r.sec)
	b = le.AppendUint32(b, r.usec)
	b = le.AppendUint32(b, uint32(len(r.data)))
	b = le.AppendUint32(b, max(r.origLen, uint32(len(r.data))))
	return append(b, r.data...)
}

func pcapFile(hdr []byte, recs ...pcapRecord) []byte {
	b := slices.Clone(hdr)
	for _, r := range recs {
		b = appendRecord(b, r)
	}
	return b
}

// pcapng blocks, in either byte order.
func ngBlock(o binary.AppendByteOrder, btype uint32, body []byte) []byte {
	total := uint32(12 + (len(body)+3)&^3)
	b := o.AppendUint32(nil, btype)
	b = o.AppendUint32(b, total)
	b = append(b, body...)
	b = append(b, make([]byte, (4-len(body)%4)%4)...)
	return o.AppendUint32(b, total)
}

func ngSHB(o binary.AppendByteOrder) []byte {
	body := o.AppendUint32(nil, 0x1a2b3c4d)
	body = o.AppendUint16(body, 1)
	body = o.AppendUint16(body, 0)
	body = o.AppendUint64(body, ^uint64(0)) // section length unknown
	return ngBlock(o, 0x0a0d0d0a, body)
}

func ngIDB(o binary.AppendByteOrder, link uint16) []byte {
	return ngIDBOpts(o, link, nil)
}

// ngIDBOpts is an interface description block with options (each already
// code, length, value and padding) and the end-of-options marker.
func ngIDBOpts(o binary.AppendByteOrder, link uint16, opts []byte) []byte {
	body := o.AppendUint16(nil, link)
	body = o.AppendUint16(body, 0)
	body = o.AppendUint32(body, 262144)
	if len(opts) > 0 {
		body = append(append(body, opts...), 0, 0, 0, 0)
	}
	return ngBlock(o, 1, body)
}

// ngOpt is one pcapng option, padded to 32 bits.
func ngOpt(o binary.AppendByteOrder, code uint16, value []byte) []byte {
	b := o.AppendUint16(nil, code)
	b = o.AppendUint16(b, uint16(len(value)))
	b = append(b, value...)
	return append(b, make([]byte, (4-len(value)%4)%4)...)
}

func ngEPB(o binary.AppendByteOrder, iface uint32, r pcapRecord) []byte {
	ts := uint64(r.sec)*1e6 + uint64(r.usec)
	body := o.AppendUint32(nil, iface)
	body = o.AppendUint32(body, uint32(ts>>32))
	body = o.AppendUint32(body, uint32(ts))
	body = o.AppendUint32(body, uint32(len(r.data)))
	body = o.AppendUint32(body, max(r.origLen, uint32(len(r.data))))
	body = append(body, r.data...)
	return ngBlock(o, 6, body)
}

func ngFile(o binary.AppendByteOrder, recs ...pcapRecord) []byte {
	b := append(ngSHB(o), ngIDB(o, 1)...)
	for _, r := range recs {
		b = append(b, ngEPB(o, 0, r)...)
	}
	return b
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// badCorpus builds every file of testdata/bad from the demo capture.
func badCorpus(t *testing.T, demoPath string) []corpusFile {
	hdr, recs := readDemo(t, demoPath)
	if len(recs) != 40 {
		t.Fatalf("demo.pcap has %d records, the table assumes 40", len(recs))
	}
	const cut = 22 // frames kept before a problem
	pre, post := recs[:cut], recs[cut:]
	le, be := binary.LittleEndian, binary.BigEndian
	demo := pcapFile(hdr, recs...)
	prefix := pcapFile(hdr, pre...)
	ngPrefix := ngFile(le, pre...)
	var out []corpusFile
	add := func(name string, b []byte) { out = append(out, corpusFile{name, b}) }

	add("empty.pcap", nil)
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 512)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	add("random.bin", random)
	add("short-header.pcap", hdr[:10])
	add("ng-short-header.pcapng", ngSHB(le)[:20])

	add("header-only.pcap", slices.Clone(hdr))
	add("ng-header-only.pcapng", append(ngSHB(le), ngIDB(le, 1)...))
	snap := slices.Clone(hdr)
	le.PutUint32(snap[16:], 60)
	add("snaplen-exceeded.pcap", pcapFile(snap, recs...))
	unknown := ngBlock(le, 0x0000abcd, []byte("not a packet"))
	add("ng-unknown-block.pcapng", append(append(slices.Clone(ngPrefix), unknown...), ngFile(le, post...)[48:]...))
	add("ng-two-sections.pcapng", append(slices.Clone(ngPrefix), ngFile(be, post...)...))

	// Capture-level damage after the prefix.
	next := appendRecord(nil, post[0]) // frame 23, 74 bytes
	add("trunc-record-header.pcap", append(slices.Clone(prefix), next[:10]...))
	add("trunc-record-data.pcap", append(slices.Clone(prefix), next[:16+30]...))
	over := slices.Clone(next)
	le.PutUint32(over[8:], 256<<10+1)
	le.PutUint32(over[12:], 256<<10+1)
	add("caplen-over-limit.pcap", pcapFile(append(slices.Clone(prefix), over...), post[1:]...))
	huge := slices.Clone(next)
	le.PutUint32(huge[8:], ^uint32(0))
	add("caplen-huge.pcap", append(slices.Clone(prefix), huge...))
	garbage := make([]byte, 64)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	add("garbage-after.pcap", append(slices.Clone(demo), garbage...))

	epb := ngEPB(le, 0, post[0]) // 108 bytes
	trailer := slices.Clone(epb)
	le.PutUint32(trailer[len(trailer)-4:], uint32(len(epb)+1))
	add("ng-bad-trailer.pcapng", append(slices.Clone(ngPrefix), trailer...))
	for _, bad := range []struct {
		name  string
		total uint32
	}{{"ng-block-len-8.pcapng", 8}, {"ng-block-len-odd.pcapng", 110}, {"ng-block-len-huge.pcapng", 0xfffffffc}} {
		b := slices.Clone(epb)
		le.PutUint32(b[4:], bad.total)
		add(bad.name, append(slices.Clone(ngPrefix), b...))
	}
	add("ng-trunc-block.pcapng", append(slices.Clone(ngPrefix), epb[:60]...))
	add("ng-unknown-interface.pcapng", append(slices.Clone(ngPrefix), ngEPB(le, 1, post[0])...))
	add("ng-garbage-after.pcapng", append(ngFile(le, recs...), garbage[:32]...))

	// Timestamps no RFC 3339 time can hold, and a clock that jumps back.
	// if_tsresol 0 (1 s units): frames after the prefix are moved some
	// 300 billion seconds on, to the year 11,000 and beyond.
	far := append(ngSHB(le), ngIDBOpts(le, 1, ngOpt(le, 9, []byte{0}))...)
	for i, r := range recs {
		ts := uint64(r.sec)
		if i >= cut {
			ts += 3e11
		}
		epb := ngEPB(le, 0, pcapRecord{data: r.data, origLen: r.origLen})
		le.PutUint32(epb[12:], uint32(ts>>32))
		le.PutUint32(epb[16:], uint32(ts))
		far = append(far, epb...)
	}
	add("ng-time-after-9999.pcapng", far)
	// if_tsoffset -3,000,000,000 s: the whole capture before 1970.
	offset := int64(-3e9)
	early := append(ngSHB(le), ngIDBOpts(le, 1, ngOpt(le, 14, le.AppendUint64(nil, uint64(offset))))...)
	for _, r := range recs {
		early = append(early, ngEPB(le, 0, r)...)
	}
	add("ng-time-before-1970.pcapng", early)
	// The clock jumps back a day after the prefix.
	back := slices.Clone(recs)
	for i := cut; i < len(back); i++ {
		back[i].sec -= 86400
	}
	add("time-jumps-back.pcap", pcapFile(hdr, back...))

	// Cut mid-way through the deflate stream. Where the cut falls in the
	// decompressed bytes depends on the compressor, so a regenerated file
	// may need its row adjusted.
	z := gz(t, demo)
	add("gzip-truncated.pcap.gz", z[:len(z)/2])
	badCRC := slices.Clone(z)
	badCRC[len(badCRC)-8] ^= 0xff
	add("gzip-bad-crc.pcap.gz", badCRC)
	// A deflate stream that turns corrupt: one stored block holding the
	// first 1200 bytes of the capture, then a block of the reserved type.
	bad := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0x00} // gzip header; BFINAL 0, stored
	bad = binary.LittleEndian.AppendUint16(bad, 1200)
	bad = binary.LittleEndian.AppendUint16(bad, ^uint16(1200))
	bad = append(append(bad, demo[:1200]...), 0x07) // BFINAL 1, BTYPE 11
	add("gzip-bad-deflate.pcap.gz", bad)

	// Packet-level damage: frame 3 (Ethernet, IPv4, TCP SYN with 20 bytes
	// of options, 74 bytes) moved to port 40099, damaged, inserted as
	// frame 23 between the prefix and the rest of the capture.
	syn := recs[2]
	if len(syn.data) != 74 {
		t.Fatalf("frame 3 is %d bytes, want 74", len(syn.data))
	}
	inserted := func(name string, data []byte, origLen uint32) {
		r := pcapRecord{sec: post[0].sec, usec: post[0].usec, data: data, origLen: origLen}
		all := append(append(slices.Clone(pre), r), post...)
		add(name, pcapFile(hdr, all...))
	}
	damaged := func(edit func(f []byte)) []byte {
		f := slices.Clone(syn.data)
		be.PutUint16(f[34:], 40099) // TCP source port
		edit(f)
		return f
	}
	const ip, tcp = 14, 34
	inserted("ipv4-cut.pcap", damaged(func([]byte) {})[:ip+16], 74)
	opt := damaged(func(f []byte) { f[ip] = 0x4f })
	inserted("ipv4-options-cut.pcap", opt[:ip+40], 74)
	inserted("tcp-header-cut.pcap", damaged(func([]byte) {})[:tcp+10], 74)
	inserted("ipv4-ihl-4.pcap", damaged(func(f []byte) { f[ip] = 0x44 }), 0)
	inserted("ipv4-total-under-ihl.pcap", damaged(func(f []byte) { be.PutUint16(f[ip+2:], 16) }), 0)
	inserted("ipv4-total-beyond-frame.pcap", damaged(func(f []byte) { be.PutUint16(f[ip+2:], 1500) }), 0)
	inserted("tcp-offset-4.pcap", damaged(func(f []byte) { f[tcp+12] = 0x40 }), 0)
	inserted("tcp-offset-beyond.pcap", damaged(func(f []byte) { f[tcp+12] = 0xf0 }), 0)

	v6 := func(next byte, ext []byte, plen int) []byte {
		f := slices.Clone(syn.data[:ip])
		be.PutUint16(f[12:], 0x86dd)
		h := make([]byte, 40)
		h[0] = 0x60
		be.PutUint16(h[4:], uint16(plen))
		h[6], h[7] = next, 64
		h[8], h[23] = 0xfd, 1
		h[24], h[39] = 0xfd, 2
		f = append(f, h...)
		return append(f, ext...)
	}
	tcpHdr := slices.Clone(syn.data[tcp : tcp+20])
	tcpHdr[12] = 0x50
	var chain []byte
	for range 17 {
		chain = append(chain, 60, 0, 1, 4, 0, 0, 0, 0) // next: destination options, PadN
	}
	chain = append(chain, tcpHdr...)
	chain[len(chain)-20-8] = 6
	inserted("ipv6-ext-endless.pcap", v6(60, chain, len(chain)), 0)
	overrun := append([]byte{6, 10, 1, 4, 0, 0, 0, 0}, tcpHdr...) // claims 88 bytes
	inserted("ipv6-ext-overrun.pcap", v6(0, overrun, len(overrun)), 0)
	cutExt := v6(0, []byte{6}, 28) // one byte of a hop-by-hop header captured
	inserted("ipv6-ext-cut.pcap", cutExt, uint32(ip+40+28))

	link := slices.Clone(hdr)
	le.PutUint32(link[20:], 147)
	add("unsupported-link.pcap", pcapFile(link, recs...))
	spb := ngBlock(le, 3, append(le.AppendUint32(nil, uint32(len(syn.data))), syn.data...))
	add("ng-spb-no-interface.pcapng", append(ngSHB(le), spb...))

	if len(out) != len(badCases) {
		t.Errorf("generator makes %d files, table has %d rows", len(out), len(badCases))
	}
	for i := range out {
		if i < len(badCases) && out[i].name != badCases[i].file {
			t.Errorf("file %d: generator %s, table %s", i, out[i].name, badCases[i].file)
		}
	}
	return out
}
