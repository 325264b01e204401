//go:build linux

package e2e

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// tcpdump is a running capture inside a namespace.
type tcpdump struct {
	cmd  *exec.Cmd
	args []string      // the tcpdump command line, for the record
	done chan struct{} // closed when stderr reaches EOF

	mu     sync.Mutex
	stderr strings.Builder
}

// defaultBufferKiB is tcpdump's capture buffer (-B) where a scenario sets
// none: four times tcpdump's own 2 MiB, so that a tcpdump starved of CPU on
// a busy machine does not drop a short burst.
const defaultBufferKiB = 8192

// ErrCaptureLoss reports that tcpdump did not write every packet the
// kernel passed it; the capture is incomplete and the scenario is retried.
var ErrCaptureLoss = errors.New("capture lost packets")

// statsRE match the counters tcpdump prints on SIGUSR1 and at exit.
var (
	capturedRE = regexp.MustCompile(`(\d+) packets? captured`)
	receivedRE = regexp.MustCompile(`(\d+) packets? received by filter`)
	droppedRE  = regexp.MustCompile(`(\d+) packets? dropped by kernel`)
)

// stats returns the last counters tcpdump printed, and false if it printed
// none yet.
func (t *tcpdump) stats() (captured, received, dropped int, ok bool) {
	t.mu.Lock()
	text := t.stderr.String()
	t.mu.Unlock()
	last := func(re *regexp.Regexp) (int, bool) {
		m := re.FindAllStringSubmatch(text, -1)
		if len(m) == 0 {
			return 0, false
		}
		n, err := strconv.Atoi(m[len(m)-1][1])
		return n, err == nil
	}
	c, ok1 := last(capturedRE)
	r, ok2 := last(receivedRE)
	d, ok3 := last(droppedRE)
	return c, r, d, ok1 && ok2 && ok3
}

// errText returns what tcpdump wrote to standard error.
func (t *tcpdump) errText() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(t.stderr.String())
}

// Link types found in pcap file headers (LINKTYPE_* values).
const (
	LinkTypeEthernet  = 1
	LinkTypeLinuxSLL  = 113
	LinkTypeLinuxSLL2 = 276
)

// startTcpdump starts tcpdump in ns on iface writing path, and returns once
// tcpdump reports that it is listening. linkType, if set, is passed as -y,
// and bufferKiB as -B (defaultBufferKiB if not positive).
func startTcpdump(ctx context.Context, ns *Netns, iface, linkType string, bufferKiB int, path string) (*tcpdump, error) {
	args := []string{"-i", iface, "-w", path, "-U", "-s", "0", "--immediate-mode", "-n", "-Z", "root"}
	if linkType != "" {
		args = append(args, "-y", linkType)
	}
	if bufferKiB <= 0 {
		bufferKiB = defaultBufferKiB
	}
	args = append(args, "-B", strconv.Itoa(bufferKiB))
	t := &tcpdump{args: append([]string{"tcpdump"}, args...), done: make(chan struct{})}
	// ip netns exec replaces itself with tcpdump, so the PID is tcpdump's.
	t.cmd = exec.Command("ip", append([]string{"netns", "exec", ns.Name, "tcpdump"}, args...)...)
	pipe, err := t.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("tcpdump stderr: %w", err)
	}
	if err := t.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start tcpdump: %w", err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(t.done)
		sc := bufio.NewScanner(pipe)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			t.mu.Lock()
			t.stderr.WriteString(line + "\n")
			t.mu.Unlock()
			if !signalled && strings.Contains(line, "listening on") {
				signalled = true
				close(ready)
			}
		}
	}()
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	select {
	case <-ready:
		return t, nil
	case <-t.done:
		_ = t.cmd.Wait()
		return nil, fmt.Errorf("tcpdump exited before listening: %s", t.errText())
	case <-timer.C:
	case <-ctx.Done():
	}
	t.kill()
	return nil, errors.New("tcpdump did not start listening within 5s")
}

// stop waits until tcpdump has written every packet the kernel handed it
// (asking for its counters with SIGUSR1, for at most two seconds),
// interrupts it and waits for it to exit. It returns ErrCaptureLoss if the
// final counters show packets that never reached the file.
func (t *tcpdump) stop() error {
	for range 20 {
		time.Sleep(100 * time.Millisecond)
		if err := t.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
		if c, r, _, ok := t.stats(); ok && c >= r {
			break
		}
	}
	if err := t.cmd.Process.Signal(os.Interrupt); err != nil {
		return fmt.Errorf("interrupt tcpdump: %w", err)
	}
	select {
	case <-t.done:
	case <-time.After(5 * time.Second):
		t.kill()
		return errors.New("tcpdump did not exit within 5s of SIGINT")
	}
	if err := t.cmd.Wait(); err != nil {
		return fmt.Errorf("tcpdump: %w: %s", err, t.errText())
	}
	c, r, d, ok := t.stats()
	if !ok {
		return fmt.Errorf("tcpdump printed no statistics: %s", t.errText())
	}
	if c < r || d > 0 {
		return fmt.Errorf("%w: %d captured, %d received by filter, %d dropped by kernel", ErrCaptureLoss, c, r, d)
	}
	return nil
}

// kill ends tcpdump by its PID and reaps it.
func (t *tcpdump) kill() {
	_ = t.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-t.done:
	case <-time.After(2 * time.Second):
	}
	_ = t.cmd.Wait()
}

// PcapInfo summarizes a classic pcap file.
type PcapInfo struct {
	LinkType uint32 // LINKTYPE_* from the file header
	Packets  int    // number of records
	Bytes    int64  // file size
}

// ReadPcapInfo reads the header of a classic pcap file (either byte order,
// micro- or nanosecond timestamps) and counts its records.
func ReadPcapInfo(path string) (PcapInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return PcapInfo{}, err
	}
	defer f.Close()
	var hdr [24]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return PcapInfo{}, fmt.Errorf("pcap header of %s: %w", path, err)
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(hdr[:4]) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return PcapInfo{}, fmt.Errorf("%s: not a pcap file (magic %x)", path, hdr[:4])
	}
	st, err := f.Stat()
	if err != nil {
		return PcapInfo{}, err
	}
	info := PcapInfo{LinkType: bo.Uint32(hdr[20:24]) & 0x0fffffff, Bytes: 24}
	var rec [16]byte
	for {
		if _, err := io.ReadFull(f, rec[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return info, nil
			}
			return info, fmt.Errorf("%s: record %d header: %w", path, info.Packets+1, err)
		}
		incl := int64(bo.Uint32(rec[8:12]))
		if info.Bytes+16+incl > st.Size() {
			return info, fmt.Errorf("%s: record %d truncated", path, info.Packets+1)
		}
		if _, err := f.Seek(incl, io.SeekCurrent); err != nil {
			return info, fmt.Errorf("%s: record %d: %w", path, info.Packets+1, err)
		}
		info.Packets++
		info.Bytes += 16 + incl
	}
}
