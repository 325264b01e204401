//go:build linux && !libpcap

package live

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wirestat/wirestat/reconstruct/filter"
)

func TestRingGeometry(t *testing.T) {
	tests := []struct {
		size              int
		blockSize, blocks int
	}{
		{0, minBlock, 2},
		{64 << 10, minBlock, 2},
		{1 << 20, 128 << 10, 8},
		{DefaultBufferSize, 256 << 10, 16},
		{64 << 20, 4 << 20, 16},
		{1 << 30, 4 << 20, 256},
	}
	for _, tt := range tests {
		bs, n := ringGeometry(tt.size)
		if bs != tt.blockSize || n != tt.blocks {
			t.Errorf("ringGeometry(%d) = %d x %d, want %d x %d", tt.size, n, bs, tt.blocks, tt.blockSize)
		}
	}
}

func TestKernelProgramExcludesLoopbackOutgoing(t *testing.T) {
	user := []filter.Instruction{{Op: 0x28, K: 12}, {Op: 0x06, K: 0xffff}}
	got := kernelProgram(user, 100, 1)
	want := []unix.SockFilter{
		{Code: 0x20, K: skfAD + skfADPkttype},
		{Code: 0x15, K: unix.PACKET_OUTGOING, Jf: 3},
		{Code: 0x20, K: skfAD + skfADIfindex},
		{Code: 0x15, K: 1, Jf: 1},
		{Code: 0x06, K: 0},
		{Code: 0x28, K: 12},
		{Code: 0x06, K: 0xffff},
	}
	if !slices.Equal(got, want) {
		t.Errorf("kernelProgram with loopback:\n got %v\nwant %v", got, want)
	}
	want = []unix.SockFilter{{Code: 0x06, K: 100}}
	if got := kernelProgram(nil, 100, -1); !slices.Equal(got, want) {
		t.Errorf("kernelProgram without filter or loopback = %v, want %v", got, want)
	}
}

func TestUncook(t *testing.T) {
	const (
		ldh  = 0x28 // ldh [k]
		ldb  = 0x30 // ldb [k]
		ldhi = 0x48 // ldh [x + k]
		ldxb = 0xb1 // ldxb 4*([k]&0xf)
		ldw  = 0x20
		ldl  = 0x80 // ld #len
		ret  = 0x06
	)
	tests := []struct {
		name string
		in   []filter.Instruction
		want []filter.Instruction
		err  bool
	}{
		{
			name: "offsets past the cooked header move back",
			in:   []filter.Instruction{{Op: ldb, K: 25}, {Op: ldxb, K: 16}, {Op: ldhi, K: 18}, {Op: ret, K: 1}},
			want: []filter.Instruction{{Op: ldb, K: 9}, {Op: ldxb, K: 0}, {Op: ldhi, K: 2}, {Op: ret, K: 1}},
		},
		{
			name: "protocol and packet type become ancillary loads",
			in:   []filter.Instruction{{Op: ldh, K: 14}, {Op: ldh, K: 0}, {Op: ret, K: 1}},
			want: []filter.Instruction{{Op: ldw, K: skfAD + skfADProtocol}, {Op: ldw, K: skfAD + skfADPkttype}, {Op: ret, K: 1}},
		},
		{name: "a link-layer address byte", in: []filter.Instruction{{Op: ldb, K: 6}}, err: true},
		{name: "the frame length", in: []filter.Instruction{{Op: ldl}}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := uncook(tt.in)
			if tt.err {
				if !errors.Is(err, errNotInKernel) {
					t.Fatalf("uncook = %v, %v; want errNotInKernel", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("uncook:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}
