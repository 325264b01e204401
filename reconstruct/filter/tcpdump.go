package filter

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// tcpdumpTimeout bounds one run of tcpdump; compiling takes milliseconds.
const tcpdumpTimeout = 30 * time.Second

// compileTcpdump compiles expr by running "tcpdump -r - -dd" over a pcap
// file header of the wanted link type and snaplen on standard input: tcpdump
// then compiles for that link type without opening an interface, needs no
// privileges and reads no packets.
func compileTcpdump(expr string, linkType uint16, snaplen int) ([]Instruction, error) {
	path, err := exec.LookPath("tcpdump")
	if err != nil {
		return nil, ErrNoCompiler
	}
	ctx, cancel := context.WithTimeout(context.Background(), tcpdumpTimeout)
	defer cancel()
	// "--" keeps an expression that starts with "-" from being read as an
	// option.
	cmd := exec.CommandContext(ctx, path, "-r", "-", "-dd", "--", expr)
	cmd.Stdin = bytes.NewReader(pcapHeader(linkType, snaplen))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && ctx.Err() == nil {
			if msg := tcpdumpComplaint(stderr.String()); msg != "" {
				return nil, &invalidError{msg}
			}
		}
		return nil, fmt.Errorf("run %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	prog, err := parseDD(stdout.String())
	if err != nil {
		return nil, fmt.Errorf("read %s -dd output: %w", path, err)
	}
	return prog, nil
}

// pcapHeader returns a pcap global header (microsecond resolution, little
// endian) for a file with no records.
func pcapHeader(linkType uint16, snaplen int) []byte {
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], uint32(snaplen))
	binary.LittleEndian.PutUint32(h[20:], uint32(linkType))
	return h
}

// tcpdumpComplaint picks tcpdump's own error line ("tcpdump: can't parse
// filter expression: syntax error") out of its standard error, without the
// "tcpdump: " prefix.
func tcpdumpComplaint(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		if msg, ok := strings.CutPrefix(strings.TrimSpace(line), "tcpdump: "); ok {
			return msg
		}
	}
	return ""
}

// parseDD parses the C array printed by "tcpdump -dd", one instruction per
// line: { 0x28, 0, 0, 0x0000000c },
func parseDD(out string) ([]Instruction, error) {
	var prog []Instruction
	for i, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		body, ok := strings.CutPrefix(line, "{")
		if ok {
			body, ok = strings.CutSuffix(body, "},")
		}
		fields := strings.Split(body, ",")
		if !ok || len(fields) != 4 {
			return nil, fmt.Errorf("line %d: unexpected %q", i+1, line)
		}
		var v [4]uint64
		for j, bits := range [4]int{16, 8, 8, 32} {
			n, err := strconv.ParseUint(strings.TrimSpace(fields[j]), 0, bits)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			v[j] = n
		}
		prog = append(prog, Instruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])})
	}
	if len(prog) == 0 {
		return nil, errEmptyProgram
	}
	return prog, nil
}
