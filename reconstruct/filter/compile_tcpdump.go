//go:build !libpcap

package filter

// compile turns expr into a classic BPF program. This build has no libpcap,
// so it asks tcpdump.
func compile(expr string, linkType uint16, snaplen int) ([]Instruction, error) {
	return compileTcpdump(expr, linkType, snaplen)
}

// compileNeedsTcpdump reports whether compiling for linkType runs tcpdump.
func compileNeedsTcpdump(uint16) bool { return true }
