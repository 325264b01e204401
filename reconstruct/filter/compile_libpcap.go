//go:build libpcap

package filter

import (
	"errors"
	"strings"
	"sync"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
)

// pcapCompileMu serialises pcap_compile, which is not reentrant in older
// libpcap releases.
var pcapCompileMu sync.Mutex

// compile turns expr into a classic BPF program with libpcap's compiler.
// libpcap compiles for a DLT_* value, which differs from the LINKTYPE_*
// value for some link types (LINKTYPE_RAW 101 is DLT_RAW 12 or 14), so
// known link types are translated by name. gopacket/pcap takes the DLT as a
// uint8, so DLTs above 255 (LINUX_SLL2) go through tcpdump instead.
func compile(expr string, linkType uint16, snaplen int) ([]Instruction, error) {
	dlt := dltOf(linkType)
	if dlt < 0 || dlt > 255 {
		prog, err := compileTcpdump(expr, linkType, snaplen)
		if errors.Is(err, ErrNoCompiler) {
			return nil, errNoCompilerWide
		}
		return prog, err
	}
	pcapCompileMu.Lock()
	raw, err := pcap.CompileBPFFilter(layers.LinkType(dlt), snaplen, expr)
	pcapCompileMu.Unlock()
	if err != nil {
		return nil, &invalidError{err.Error()}
	}
	prog := make([]Instruction, len(raw))
	for i, r := range raw {
		prog[i] = Instruction{Op: r.Code, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return prog, nil
}

// errNoCompilerWide reports a link type gopacket/pcap cannot pass to libpcap
// when tcpdump is missing too.
var errNoCompilerWide = &wrapped{
	msg: "gopacket/pcap cannot compile for link types above 255; this needs tcpdump in PATH (apt-get install tcpdump)",
	err: ErrNoCompiler,
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// dltOf returns libpcap's DLT_* value for a LINKTYPE_* value.
func dltOf(linkType uint16) int {
	if name := LinkTypeName(linkType); !strings.HasPrefix(name, "link type ") {
		if dlt := pcap.DatalinkNameToVal(name); dlt >= 0 {
			return dlt
		}
	}
	return int(linkType)
}

// compileNeedsTcpdump reports whether compiling for linkType runs tcpdump.
func compileNeedsTcpdump(linkType uint16) bool {
	dlt := dltOf(linkType)
	return dlt < 0 || dlt > 255
}
