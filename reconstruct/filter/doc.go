// Package filter selects packets with tcpdump-syntax filter expressions
// (pcap-filter(7)), the same language as tcpdump and Wireshark capture
// filters.
//
// An expression is compiled once per link type into a classic BPF program,
// then Match runs that program over each frame with a small interpreter that
// allocates nothing. Compilation is delegated to libpcap's compiler, which is
// the reference for the language:
//
//   - the default, pure-Go build runs "tcpdump -dd" (tcpdump must be in PATH)
//     over a header-only pcap of the requested link type on its standard
//     input, so no interface and no privileges are needed;
//   - a build with -tags libpcap calls pcap_compile through gopacket/pcap.
//
// The interpreter follows libpcap's bpf_filter: loads beyond the captured
// bytes and division by zero reject the packet, "len" is the length on the
// wire, and since classic BPF only jumps forward every run ends after at
// most one pass over the program.
//
// A capture may mix link types (pcapng files, the "any" device), so Set
// compiles an expression lazily for each link type it meets.
package filter
