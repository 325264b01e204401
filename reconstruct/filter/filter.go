package filter

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// DefaultSnaplen is the capture length a filter is compiled for when the
// caller passes 0. It only affects the value the program returns, not which
// packets match.
const DefaultSnaplen = 262144

// ErrNoCompiler reports that this build has no way to compile expressions:
// the default build needs tcpdump in PATH.
var ErrNoCompiler = errors.New("compiling filters needs tcpdump in PATH (apt-get install tcpdump) or a build with -tags libpcap")

// rejectsAll is libpcap's complaint about an expression that cannot match
// any packet of the link type.
const rejectsAll = "expression rejects all packets"

// ErrInvalid is matched (errors.Is) by every error about the expression
// itself: a syntax error, a primitive the link type lacks, or a compiled
// program that does not validate.
var ErrInvalid = errors.New("invalid filter")

var (
	errEmptyProgram   = errors.New("empty program")
	errProgramTooLong = fmt.Errorf("program longer than %d instructions", maxInstructions)
	errNoReturn       = errors.New("program does not end with a return")
)

// programError reports an instruction that does not validate.
type programError struct {
	pc  int
	msg string
}

func (e *programError) Error() string { return fmt.Sprintf("instruction %d: %s", e.pc, e.msg) }

// invalidError carries the compiler's complaint about an expression; it
// matches ErrInvalid.
type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// Filter is a compiled expression for one link type. It is immutable, so
// one Filter may be used from several goroutines.
type Filter struct {
	expr     string
	linkType uint16
	prog     []Instruction
}

// CanCompile reports whether this build can compile expressions for the
// given link type here: with libpcap in the build, or with tcpdump in PATH
// (the default build, and link types libpcap's binding cannot name).
func CanCompile(linkType uint16) bool {
	if !compileNeedsTcpdump(linkType) {
		return true
	}
	_, err := exec.LookPath("tcpdump")
	return err == nil
}

// Compile compiles a pcap-filter(7) expression for frames of the given
// link type (a capture.Link* value) captured with snaplen bytes (0 means
// DefaultSnaplen). An empty expression matches every packet and needs no
// compiler. An expression that libpcap finds can never match on this link
// type ("ip6" on raw IPv4) compiles to a filter that matches nothing.
func Compile(expr string, linkType uint16, snaplen int) (*Filter, error) {
	if snaplen <= 0 {
		snaplen = DefaultSnaplen
	}
	f := &Filter{expr: expr, linkType: linkType}
	if expr == "" {
		f.prog = []Instruction{{Op: clsRET | retK, K: uint32(snaplen)}}
		return f, nil
	}
	prog, err := compile(expr, linkType, snaplen)
	var invalid *invalidError
	if errors.As(err, &invalid) && strings.Contains(invalid.msg, rejectsAll) {
		// libpcap refuses an expression that can never match on this link
		// type ("ip6" on raw IPv4). That is a valid answer for one link
		// type of a mixed capture: match nothing.
		prog, err = []Instruction{{Op: clsRET | retK, K: 0}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("filter %q (%s): %w", expr, LinkTypeName(linkType), err)
	}
	if err := validate(prog); err != nil {
		return nil, fmt.Errorf("filter %q (%s): compiled program rejected: %w", expr, LinkTypeName(linkType),
			&invalidError{err.Error()})
	}
	f.prog = prog
	return f, nil
}

// FromProgram builds a Filter from an already compiled classic BPF program,
// for example one printed by "tcpdump -dd" or read from a capture file. The
// program is validated; expr is kept only for String.
func FromProgram(expr string, linkType uint16, prog []Instruction) (*Filter, error) {
	if err := validate(prog); err != nil {
		return nil, fmt.Errorf("filter %q (%s): %w", expr, LinkTypeName(linkType), &invalidError{err.Error()})
	}
	return &Filter{expr: expr, linkType: linkType, prog: append([]Instruction(nil), prog...)}, nil
}

// Match reports whether a frame passes the filter. data is the captured
// bytes and wireLen the frame's length on the wire (the filter's "len").
// A field beyond the captured bytes makes the packet fail, as in libpcap.
// Match does not allocate.
func (f *Filter) Match(data []byte, wireLen int) bool {
	return run(f.prog, data, wireLen) != 0
}

// String returns the expression the filter was compiled from.
func (f *Filter) String() string { return f.expr }

// LinkType returns the link type the filter was compiled for.
func (f *Filter) LinkType() uint16 { return f.linkType }

// Program returns a copy of the compiled classic BPF program.
func (f *Filter) Program() []Instruction { return append([]Instruction(nil), f.prog...) }

// LinkTypeName returns libpcap's DLT name for a link type ("EN10MB",
// "LINUX_SLL2"), or "link type N" for one this package does not name.
func LinkTypeName(linkType uint16) string {
	switch linkType {
	case capture.LinkNull:
		return "NULL"
	case capture.LinkEthernet:
		return "EN10MB"
	case capture.LinkPPP:
		return "PPP"
	case capture.LinkRaw:
		return "RAW"
	case capture.LinkCHDLC:
		return "C_HDLC"
	case capture.LinkLoop:
		return "LOOP"
	case capture.LinkLinuxSLL:
		return "LINUX_SLL"
	case capture.LinkIPv4:
		return "IPV4"
	case capture.LinkIPv6:
		return "IPV6"
	case capture.LinkLinuxSLL2:
		return "LINUX_SLL2"
	}
	return "link type " + strconv.Itoa(int(linkType))
}
