package reconstruct

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/zeek"
)

// zeekRow is one conn.log row, keyed by the columns the comparison uses.
type zeekRow map[string]string

// readZeekLog parses a conn.log in Zeek's full format (#fields header) or
// zeek-cut format (first non-comment line is the header), or an
// expected.tsv.
func readZeekLog(t *testing.T, path string) []zeekRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fields []string
	var rows []zeekRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#fields\t") {
			fields = strings.Split(line, "\t")[1:]
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if fields == nil {
			fields = cols
			continue
		}
		row := zeekRow{}
		for i, name := range fields {
			if i < len(cols) {
				row[name] = cols[i]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

var zeekCompared = []string{"conn_state", "history", "orig_pkts", "resp_pkts", "missed_bytes"}

// zeekDisagree lists the cases where wirestat disagrees with Zeek on
// purpose or for a known, documented reason (docs/ACCURACY.md). Rows of
// these cases may differ; every row of every other case must agree.
var zeekDisagree = map[string]string{
	"chksum-bad-validated":   "Zeek validates checksums here and drops the bad packets; wirestat does not validate checksums (as zeek -C)",
	"tcp-syn-bad-checksum":   "Zeek validates checksums here and drops the bad SYN; wirestat does not validate checksums (as zeek -C)",
	"inactivity-split":       "Zeek splits the 4-tuple after its inactivity timeout; wirestat keeps Wireshark's stream boundaries",
	"modbus-port502-mixed":   "Zeek starts a new row after a reset connection's close delay; Wireshark (and wirestat) keep one stream",
	"pop3-basic-rej":         "Zeek logs each SYN/RST pair with the same ISN as its own row; Wireshark (and wirestat) see one stream with retransmitted SYNs",
	"ssh-half-duplex-client": "Zeek removes an unanswered attempt after 5 s and starts a new row; wirestat keeps Wireshark's stream boundaries",
	"tcp-rxmit-fast009":      "Zeek reports gaps in both directions (24257 bytes) where the captured segments and the acknowledgements do not line up; wirestat finds no unfilled hole there",
	"vntag-in-vlan":          "Zeek ignores a segment cut inside its TCP options; wirestat counts it",
	"gtp-s3":                 "Zeek's history has X (its analyzer stopped at a content limit), a letter wirestat does not write",
	"teredo-ipv6-tunnel":     "Zeek starts new rows on three plain IPv4 4-tuples after their reset or close (SHR, OTH, RSTRH); Wireshark (and wirestat) keep one stream each. The Teredo-tunnelled rows agree",
}

// zeekPorts returns the likely server ports of the Zeek mode a case ran
// in: bare mode (-b) knows only the ports of the analyzers it loads.
func zeekPorts(note string) zeek.Ports {
	if !strings.HasPrefix(note, "zeek -b") {
		return zeek.DefaultPorts
	}
	loaded := note
	if i := strings.Index(note, "|"); i >= 0 {
		loaded = note[:i]
	}
	byAnalyzer := map[string][]uint16{
		"http": {80, 81, 631, 1080, 3128, 8000, 8080, 8888},
		"ssl":  {443, 465, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223},
		"irc":  {6666, 6667, 6668, 6669},
		"pop3": {110},
		"krb":  {88},
		"ftp":  {21, 2811},
		"ssh":  {22},
		"smtp": {25, 587},
		"dns":  {53},
		"ldap": {389, 3268},
	}
	set := map[uint16]bool{}
	for name, ports := range byAnalyzer {
		if strings.Contains(loaded, name) {
			for _, p := range ports {
				set[p] = true
			}
		}
	}
	return func(p uint16) bool { return set[p] }
}

func readZeekIndex(t *testing.T, dir string) map[string]string {
	notes := map[string]string{}
	for _, r := range readZeekLog(t, filepath.Join(dir, "INDEX.tsv")) {
		notes[r["case"]] = r["notes"]
	}
	return notes
}

func ourZeekRow(c *result.Connection) zeekRow {
	o, r := c.Client, c.Server
	if !c.Zeek.OrigIsClient {
		o, r = r, o
	}
	return zeekRow{
		"id.orig_h": o.Addr, "id.orig_p": fmt.Sprint(o.Port),
		"id.resp_h": r.Addr, "id.resp_p": fmt.Sprint(r.Port),
		"conn_state": c.ZeekConnState, "history": c.History,
		"orig_pkts": fmt.Sprint(o.Packets), "resp_pkts": fmt.Sprint(r.Packets),
		"missed_bytes": fmt.Sprint(c.MissedBytes),
	}
}

func unorderedKey(r zeekRow) string {
	a := r["id.orig_h"] + "|" + r["id.orig_p"]
	b := r["id.resp_h"] + "|" + r["id.resp_p"]
	if a > b {
		a, b = b, a
	}
	return a + "<>" + b
}

// TestZeekConnLog compares wirestat's Zeek view with the conn.log Zeek's
// own test suite expects for each trace: rows matched by 4-tuple (in order
// where a 4-tuple repeats), then conn_state, history, packet counts and
// missed bytes, plus the originator's address.
func TestZeekConnLog(t *testing.T) {
	dir := testenv.Shared(t, "oracles", "zeek")
	cases, _ := filepath.Glob(filepath.Join(dir, "*"))
	notes := readZeekIndex(t, dir)
	var rows, agree int
	for _, cdir := range cases {
		fi, err := os.Stat(cdir)
		if err != nil || !fi.IsDir() {
			continue
		}
		name := filepath.Base(cdir)
		t.Run(name, func(t *testing.T) {
			traces, _ := filepath.Glob(filepath.Join(cdir, "*.pcap*"))
			if len(traces) != 1 {
				t.Skipf("want one trace, found %d", len(traces))
			}
			logPath := filepath.Join(cdir, "conn.log")
			if _, err := os.Stat(logPath); err != nil {
				logPath = filepath.Join(cdir, "expected.tsv")
			}
			want := readZeekLog(t, logPath)
			cfg := Config{Flow: flow.Config{ZeekPorts: zeekPorts(notes[name])}}
			// Zeek finds Teredo on any UDP port, as tshark's teredo_udp
			// heuristic (off by default) does.
			cfg.Decode.TeredoHeuristic = strings.HasPrefix(name, "teredo")
			a := analyse(t, cfg, traces[0])
			_, known := zeekDisagree[name]
			caseAgree, caseRows := agree, rows
			defer func() {
				switch {
				case known && agree-caseAgree == rows-caseRows:
					t.Errorf("listed in zeekDisagree but every row agrees now: remove it")
				case known:
					t.Logf("known disagreement (%s): %d/%d rows agree", zeekDisagree[name], agree-caseAgree, rows-caseRows)
				}
			}()
			report := t.Errorf
			if known {
				report = t.Logf
			}
			ours := map[string][]zeekRow{}
			for i := range a.conns {
				r := ourZeekRow(&a.conns[i])
				ours[unorderedKey(r)] = append(ours[unorderedKey(r)], r)
			}
			used := map[string]int{}
			for _, w := range want {
				if p, ok := w["proto"]; ok && p != "tcp" {
					continue
				}
				var got zeekRow
				if _, hasTuple := w["id.orig_h"]; hasTuple {
					k := unorderedKey(w)
					if i := used[k]; i < len(ours[k]) {
						got = ours[k][i]
						used[k]++
					}
				} else if len(a.conns) == 1 {
					got = ourZeekRow(&a.conns[0])
				}
				rows++
				if got == nil {
					report("zeek row %v: no wirestat connection", w)
					continue
				}
				var diffs []string
				for _, col := range append([]string{"id.orig_h", "id.orig_p"}, zeekCompared...) {
					wv, ok := w[col]
					if !ok || wv == "-" && col == "conn_state" {
						continue
					}
					if wv == "(empty)" || (col == "history" && wv == "-") {
						wv = ""
					}
					if got[col] != wv {
						diffs = append(diffs, fmt.Sprintf("%s=%q want %q", col, got[col], wv))
					}
				}
				if len(diffs) == 0 {
					agree++
					continue
				}
				report("%s:%s -> %s:%s: %s", w["id.orig_h"], w["id.orig_p"], w["id.resp_h"], w["id.resp_p"], strings.Join(diffs, ", "))
			}
		})
	}
	t.Logf("zeek conn.log agreement: %d/%d tcp rows", agree, rows)
}
