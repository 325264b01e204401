//go:build linux && !libpcap

package live

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/filter"
)

// Classic BPF opcode parts (linux/filter.h) used to build and rewrite
// kernel programs.
const (
	bpfClass = 0x07
	bpfLD    = 0x00
	bpfLDX   = 0x01
	bpfSize  = 0x18
	bpfH     = 0x08
	bpfMode  = 0xe0
	bpfABS   = 0x20
	bpfIND   = 0x40
	bpfLEN   = 0x80
	bpfMSH   = 0xa0
	bpfW     = 0x00
	bpfJEQK  = 0x05 | 0x10 // BPF_JMP | BPF_JEQ | BPF_K
	bpfRETK  = 0x06        // BPF_RET | BPF_K
)

// Ancillary loads (linux/filter.h): a load at skfAD+n reads skb field n.
const (
	skfAD         = 0xfffff000 // SKF_AD_OFF, -0x1000
	skfADProtocol = 0          // SKF_AD_PROTOCOL: the EtherType, host order
	skfADPkttype  = 4          // SKF_AD_PKTTYPE: PACKET_HOST ... PACKET_OUTGOING
	skfADIfindex  = 8          // SKF_AD_IFINDEX: the device's index
)

// errNotInKernel reports a cooked-mode program the kernel cannot run as
// is; the filter then runs in user space.
var errNotInKernel = errors.New("program reads the cooked header beyond the packet type and protocol")

// kernelProgram is the program attached to each socket: it rejects
// loopback's outgoing copies (every loopback packet passes the hooks twice,
// once leaving and once arriving; the arriving copy is kept), then runs
// the user's filter. user is nil when the filter runs in user space, or
// when there is none. loIndex < 0 means there is no loopback to exclude.
func kernelProgram(user []filter.Instruction, snaplen int, loIndex int32) []unix.SockFilter {
	var prog []unix.SockFilter
	if loIndex >= 0 {
		prog = append(prog,
			unix.SockFilter{Code: bpfLD | bpfW | bpfABS, K: skfAD + skfADPkttype},
			unix.SockFilter{Code: bpfJEQK, K: unix.PACKET_OUTGOING, Jt: 0, Jf: 3},
			unix.SockFilter{Code: bpfLD | bpfW | bpfABS, K: skfAD + skfADIfindex},
			unix.SockFilter{Code: bpfJEQK, K: uint32(loIndex), Jt: 0, Jf: 1},
			unix.SockFilter{Code: bpfRETK, K: 0},
		)
	}
	if user == nil {
		return append(prog, unix.SockFilter{Code: bpfRETK, K: uint32(snaplen)})
	}
	for _, in := range user {
		prog = append(prog, unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K})
	}
	return prog
}

// uncook rewrites a program compiled for Linux cooked frames so the kernel
// can run it on a SOCK_DGRAM socket, where the packet starts at the network
// header and the 16-byte cooked header does not exist: offsets past the
// header move back 16 bytes, and the two header fields a filter can name
// (packet type, protocol) become ancillary loads, as libpcap does. Loads of
// any other header byte, or of the frame length, make it fail.
func uncook(prog []filter.Instruction) ([]filter.Instruction, error) {
	out := append([]filter.Instruction(nil), prog...)
	for i := range out {
		in := &out[i]
		if c := in.Op & bpfClass; c != bpfLD && c != bpfLDX {
			continue
		}
		switch mode := in.Op & bpfMode; mode {
		case bpfLEN:
			return nil, fmt.Errorf("instruction %d: %w", i, errNotInKernel)
		case bpfABS, bpfIND, bpfMSH:
			switch {
			case in.K >= sllLen:
				in.K -= sllLen
			case mode == bpfABS && in.Op&bpfSize == bpfH && in.K == 0:
				in.Op, in.K = in.Op&^bpfSize|bpfW, skfAD+skfADPkttype
			case mode == bpfABS && in.Op&bpfSize == bpfH && in.K == 14:
				in.Op, in.K = in.Op&^bpfSize|bpfW, skfAD+skfADProtocol
			default:
				return nil, fmt.Errorf("instruction %d: %w", i, errNotInKernel)
			}
		}
	}
	return out, nil
}

// compileFilter compiles expr for the capture's link type. It returns the
// program for the kernel, or a Filter to run in user space when the kernel
// cannot run it (a cooked-mode program reading more of the cooked header
// than the kernel provides).
func compileFilter(expr string, linkType uint16, cooked bool, snaplen int) (kernel []filter.Instruction, user *filter.Filter, err error) {
	if expr == "" {
		return nil, nil, nil
	}
	f, err := filter.Compile(expr, linkType, snaplen)
	if err != nil {
		return nil, nil, err
	}
	if !cooked || linkType != capture.LinkLinuxSLL {
		return f.Program(), nil, nil
	}
	if prog, err := uncook(f.Program()); err == nil {
		return prog, nil, nil
	}
	return nil, f, nil
}
