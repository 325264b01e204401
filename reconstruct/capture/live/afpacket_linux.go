//go:build linux && !libpcap

package live

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/filter"
)

// sllLen is the size of the Linux cooked (v1) header built for "any" and
// for interfaces whose hardware header wirestat does not decode.
const sllLen = 16

// Ring geometry: blocks of at least minBlock bytes (a 64 KiB loopback
// frame and its headers fit in one), grown while a ring still has
// ringBlocks of them, at most maxBlock.
const (
	minBlock   = 128 << 10
	maxBlock   = 4 << 20
	ringBlocks = 16
)

// retireTimeout is how soon the kernel hands over a block that is not
// full: the read timeout, at most 100 ms, at least 1 ms.
func retireTimeout(opt Options) time.Duration {
	return time.Duration(max(1, min(opt.ReadTimeout, 100*time.Millisecond).Milliseconds())) * time.Millisecond
}

// draining reports whether ctx is done, and when the drain that follows
// ends (see Source.drain).
func (s *Source) draining() (end time.Time, ok bool) {
	if s.ctx.Err() == nil {
		return time.Time{}, false
	}
	n := s.drainEnd.Load()
	if n == 0 {
		s.drainEnd.CompareAndSwap(0, time.Now().Add(s.drain).UnixNano())
		n = s.drainEnd.Load()
	}
	return time.Unix(0, n), true
}

// napTime is how often a reading goroutine looks at a block that poll
// cannot wait for (see readRing).
const napTime = time.Millisecond

// Offsets in a TPACKET_V3 ring (linux/if_packet.h).
const (
	blockStatusOff = 8                                      // tpacket_block_desc.hdr.bh1.block_status
	tp3HdrLen      = int(unsafe.Sizeof(unix.Tpacket3Hdr{})) // the sockaddr_ll follows at TPACKET_ALIGN(48)
	sllAddrLen     = int(unsafe.Sizeof(unix.RawSockaddrLinklayer{}))
)

// Source is a live capture on one interface. It implements capture.Source.
// Next, Frames, Stats and Counts may be called while Close runs; Next is
// not safe for concurrent use with itself.
//
// Each packet socket has a TPACKET_V3 ring shared with the kernel. A
// goroutine per socket waits for the kernel to fill a block and queues it,
// without copying, for Next, which returns its frames in place: the Data
// of a Packet points into the ring and stays valid until the next call to
// Next (or Close). The block goes back to the kernel when Next moves past
// its last frame, never earlier, so nothing the caller still holds is
// overwritten.
//
// With several sockets (Options.Sockets) the kernel spreads packets over
// them by a flow hash that is the same for both directions of a
// connection, so each connection's packets keep their order; Next returns
// whole blocks in the order the sockets filled them, and frames are
// numbered in the order Next returns them. Timestamps of frames from
// different sockets may therefore step back by up to a block's span.
type Source struct {
	ctx      context.Context
	iface    string
	linkType uint16
	cooked   bool           // SOCK_DGRAM: prepend a cooked header built from the sender address
	user     *filter.Filter // the filter, when the kernel cannot run it
	timeout  time.Duration
	wake     *time.Timer // with Options.Wake: ends Next's wait after timeout

	rings []*ring
	queue chan block // filled blocks, in the order the sockets filled them
	quit  chan struct{}
	stop  sync.Once      // closes quit
	wg    sync.WaitGroup // the reading goroutines

	mu     sync.RWMutex // read-held by Next, Stats and Counts, write-held by Close to unmap
	closed bool

	// Next's position: the block it holds, the offset of the next frame in
	// it and the frames left.
	cur     block
	holding bool
	off     int
	left    int

	frames       atomic.Int64
	queueDropped atomic.Int64

	// drain is how long the capture goes on reading once ctx is done: a
	// block the kernel has not retired yet (it holds the packets of the
	// last moments) is handed over within its timeout. drainEnd is when
	// that time ends (unix nanoseconds, 0 before ctx is done).
	drain    time.Duration
	drainEnd atomic.Int64

	statsMu                 sync.Mutex
	received, kernelDropped int64
	readErr                 error // a reading goroutine's failure, returned by Next
}

// ring is one packet socket and its mapped ring.
type ring struct {
	fd        int
	mem       []byte
	blockSize int
	blocks    int
	next      int           // the block its reading goroutine waits for
	handed    []atomic.Bool // queued or held by Next: not the kernel's, not to be queued again
	released  chan struct{} // Next gave a block back
}

// block names one block of one ring.
type block struct {
	r *ring
	i int
}

// Open starts capturing on the named interface ("any" for all of them).
// Reading stops, and Next returns io.EOF, once ctx is cancelled. Capturing
// needs CAP_NET_RAW.
//
// The link type follows the interface: Ethernet and loopback give
// capture.LinkEthernet (Linux loopback frames carry a zeroed Ethernet
// header), tun and other header-less devices capture.LinkRaw, "any" and
// any other device capture.LinkLinuxSLL.
//
// Options.Filter is compiled for that link type and attached to every
// socket before it is bound, so rejected packets never reach the ring.
// Open fails with an error matching filter.ErrInvalid or
// filter.ErrNoCompiler when the filter does not compile.
func Open(ctx context.Context, iface string, opt Options) (*Source, error) {
	opt = opt.withDefaults()
	s := &Source{ctx: ctx, iface: iface, timeout: opt.ReadTimeout, quit: make(chan struct{})}
	s.drain = retireTimeout(opt) + 50*time.Millisecond
	if opt.Wake {
		s.wake = time.NewTimer(opt.ReadTimeout)
	}
	index := 0
	if iface != "any" {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			return nil, fmt.Errorf("open live capture on %q: %w", iface, err)
		}
		index = ifi.Index
	}
	sockType := unix.SOCK_RAW
	if iface == "any" {
		sockType, s.cooked, s.linkType = unix.SOCK_DGRAM, true, capture.LinkLinuxSLL
	} else {
		hatype, err := hardwareType(index)
		if err != nil {
			return nil, fmt.Errorf("open live capture on %q: %w", iface, err)
		}
		switch hatype {
		case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
			s.linkType = capture.LinkEthernet
		case unix.ARPHRD_NONE, unix.ARPHRD_RAWIP:
			s.linkType = capture.LinkRaw
		default:
			sockType, s.cooked, s.linkType = unix.SOCK_DGRAM, true, capture.LinkLinuxSLL
		}
	}
	kernel, user, err := compileFilter(opt.Filter, s.linkType, s.cooked, opt.Snaplen)
	if err != nil {
		return nil, fmt.Errorf("open live capture on %q: %w", iface, err)
	}
	s.user = user
	loIndex := loopbackIndex()
	if index != 0 && int32(index) != loIndex {
		loIndex = -1 // bound elsewhere: no loopback copies to exclude
	}
	prog := kernelProgram(kernel, opt.Snaplen, loIndex)

	if err := s.openRings(sockType, index, prog, opt); err != nil {
		s.closeRings()
		return nil, fmt.Errorf("open live capture on %q: %w", iface, err)
	}
	queue := opt.QueueBlocks
	if queue <= 0 {
		for _, r := range s.rings {
			queue += r.blocks
		}
	}
	s.queue = make(chan block, queue)
	for _, r := range s.rings {
		s.wg.Add(1)
		go s.readRing(r)
	}
	return s, nil
}

// openRings opens the sockets, joined in one fanout group when there are
// several. Until every socket has joined, each rejects everything, so no
// packet is captured twice (once by the group, once by a socket not yet in
// it); then each gets the real program.
func (s *Source) openRings(sockType, index int, prog []unix.SockFilter, opt Options) error {
	rejectAll := []unix.SockFilter{{Code: bpfRETK, K: 0}}
	first := prog
	if opt.Sockets > 1 {
		first = rejectAll
	}
	group := 0
	for i := range opt.Sockets {
		r, err := openRing(sockType, index, first, opt)
		if err != nil {
			return err
		}
		s.rings = append(s.rings, r)
		if opt.Sockets == 1 {
			break
		}
		arg := group | (unix.PACKET_FANOUT_HASH|unix.PACKET_FANOUT_FLAG_DEFRAG)<<16
		if i == 0 {
			arg |= unix.PACKET_FANOUT_FLAG_UNIQUEID << 16
		}
		if err := unix.SetsockoptInt(r.fd, unix.SOL_PACKET, unix.PACKET_FANOUT, arg); err != nil {
			return fmt.Errorf("join fanout group: %w", err)
		}
		if i == 0 {
			v, err := unix.GetsockoptInt(r.fd, unix.SOL_PACKET, unix.PACKET_FANOUT)
			if err != nil {
				return fmt.Errorf("fanout group id: %w", err)
			}
			group = v & 0xffff
		}
	}
	if opt.Sockets > 1 {
		for _, r := range s.rings {
			if err := attach(r.fd, prog); err != nil {
				return err
			}
		}
	}
	return nil
}

// openRing opens one packet socket with prog attached and a TPACKET_V3
// ring mapped, then binds it to the interface (index 0: all of them).
func openRing(sockType, index int, prog []unix.SockFilter, opt Options) (r *ring, err error) {
	// Protocol 0 receives nothing until bind names the protocol, so the
	// filter and the ring are in place before the first packet.
	fd, err := unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("packet socket: %w", err)
	}
	defer func() {
		if err != nil {
			unix.Close(fd)
		}
	}()
	if err := attach(fd, prog); err != nil {
		return nil, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return nil, fmt.Errorf("select TPACKET_V3: %w", err)
	}
	blockSize, blocks := ringGeometry(opt.BufferSize)
	req := unix.TpacketReq3{
		Block_size: uint32(blockSize), Block_nr: uint32(blocks),
		Frame_size: uint32(blockSize), Frame_nr: uint32(blocks),
		Retire_blk_tov: uint32(retireTimeout(opt).Milliseconds()), // a block that is not full reaches wirestat this soon
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return nil, fmt.Errorf("set up a %d x %d KiB ring (-B): %w", blocks, blockSize>>10, err)
	}
	mem, err := unix.Mmap(fd, 0, blockSize*blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map the ring: %w", err)
	}
	defer func() {
		if err != nil {
			unix.Munmap(mem)
		}
	}()
	if opt.Promisc && index != 0 {
		mreq := unix.PacketMreq{Ifindex: int32(index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return nil, fmt.Errorf("enable promiscuous mode: %w", err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: index}); err != nil {
		return nil, fmt.Errorf("bind packet socket: %w", err)
	}
	return &ring{
		fd: fd, mem: mem, blockSize: blockSize, blocks: blocks,
		handed: make([]atomic.Bool, blocks), released: make(chan struct{}, 1),
	}, nil
}

// ringGeometry splits a buffer of size bytes into blocks: at least two of
// at least minBlock bytes.
func ringGeometry(size int) (blockSize, blocks int) {
	blockSize = minBlock
	for blockSize < maxBlock && blockSize*2*ringBlocks <= size {
		blockSize *= 2
	}
	return blockSize, max(2, size/blockSize)
}

// attach sets prog as the socket's filter (SO_ATTACH_FILTER), replacing
// any earlier one.
func attach(fd int, prog []unix.SockFilter) error {
	fp := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp); err != nil {
		return fmt.Errorf("attach the kernel filter: %w", err)
	}
	return nil
}

// hardwareType returns the ARPHRD_* type of an interface, asked of a
// short-lived packet socket bound to it.
func hardwareType(index int) (uint16, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("packet socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: index}); err != nil {
		return 0, fmt.Errorf("bind packet socket: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, fmt.Errorf("packet socket address: %w", err)
	}
	ll, ok := sa.(*unix.SockaddrLinklayer)
	if !ok {
		return 0, fmt.Errorf("packet socket address is %T", sa)
	}
	return ll.Hatype, nil
}

// loopbackIndex returns the index of the loopback interface, or -1.
func loopbackIndex() int32 {
	ifs, err := net.Interfaces()
	if err != nil {
		return -1
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 {
			return int32(ifi.Index)
		}
	}
	return -1
}

// status returns a block's status word, which the kernel sets to
// TP_STATUS_USER once the block is full or timed out.
func (r *ring) status(i int) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[i*r.blockSize+blockStatusOff]))
}

// block returns the bytes of block i.
func (r *ring) block(i int) []byte {
	return r.mem[i*r.blockSize : (i+1)*r.blockSize : (i+1)*r.blockSize]
}

// release gives block i back to the kernel.
func (r *ring) release(i int) {
	atomic.StoreUint32(r.status(i), unix.TP_STATUS_KERNEL)
	r.handed[i].Store(false)
	select {
	case r.released <- struct{}{}:
	default:
	}
}

// readRing waits for the kernel to hand over each block of r in turn and
// queues it for Next. A block that finds the queue full goes straight back
// to the kernel, its packets counted as dropped.
func (s *Source) readRing(r *ring) {
	defer s.wg.Done()
	pfd := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN | unix.POLLERR}}
	wait := int(s.timeout.Milliseconds())
	nap := time.NewTimer(napTime)
	defer nap.Stop()
	// Once ctx is done the goroutine goes on for the drain, so that the
	// packets of the last moments still reach Next; done is then nil.
	done := s.ctx.Done()
	for {
		select {
		case <-s.quit:
			return
		case <-done:
			done = nil
		default:
		}
		if end, ok := s.draining(); ok {
			left := time.Until(end)
			if left <= 0 {
				return
			}
			done = nil
			wait = int(max(1, min(left, s.timeout).Milliseconds()))
			nap.Reset(min(left, napTime))
		}
		i := r.next
		if r.handed[i].Load() {
			// Next still holds this block: wait until it gives it back.
			select {
			case <-r.released:
			case <-s.quit:
				return
			case <-done:
			case <-nap.C:
			}
			continue
		}
		if atomic.LoadUint32(r.status(i))&unix.TP_STATUS_USER == 0 {
			if r.handed[(i+r.blocks-1)%r.blocks].Load() {
				// The kernel's poll says "readable" while the block before
				// the one it fills is the user's, so it would not wait:
				// look again after a release or a short nap.
				nap.Reset(napTime)
				select {
				case <-r.released:
				case <-nap.C:
				case <-s.quit:
					return
				case <-done:
				}
				continue
			}
			pfd[0].Revents = 0
			if _, err := unix.Poll(pfd, wait); err != nil && !errors.Is(err, unix.EINTR) {
				s.fail(fmt.Errorf("wait for the ring: %w", err))
				return
			}
			continue
		}
		r.next = (i + 1) % r.blocks
		r.handed[i].Store(true)
		select {
		case s.queue <- block{r, i}:
		default:
			n := binary.NativeEndian.Uint32(r.mem[i*r.blockSize+blockStatusOff+4:])
			s.queueDropped.Add(int64(n))
			r.release(i)
		}
	}
}

// fail records the first error of a reading goroutine and stops Next.
func (s *Source) fail(err error) {
	s.statsMu.Lock()
	if s.readErr == nil {
		s.readErr = err
	}
	s.statsMu.Unlock()
	select {
	case s.queue <- block{}: // wake Next
	default:
	}
}

// Next returns the next frame. It waits for one and returns io.EOF once
// the context is cancelled (with Options.Wake, capture.ErrNoPacket after
// ReadTimeout without one). Packet.File holds the interface name, and
// Packet.Data points into the ring: it is valid until the next call to
// Next or Close.
func (s *Source) Next() (capture.Packet, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return capture.Packet{}, ErrClosed
	}
	for {
		if s.left > 0 {
			if p, ok := s.frame(); ok {
				return p, nil
			}
			continue
		}
		if s.holding {
			s.holding = false
			s.cur.r.release(s.cur.i)
		}
		var wake <-chan time.Time
		done := s.ctx.Done()
		if end, ok := s.draining(); ok {
			// Stopping: the blocks still coming until the drain ends.
			left := time.Until(end)
			if left <= 0 {
				return capture.Packet{}, io.EOF
			}
			done = nil
			if s.wake == nil {
				s.wake = time.NewTimer(left)
			}
			s.wake.Reset(left)
			wake = s.wake.C
		} else if s.wake != nil {
			s.wake.Reset(s.timeout)
			wake = s.wake.C
		}
		select {
		case <-wake:
			if done == nil {
				return capture.Packet{}, io.EOF
			}
			return capture.Packet{}, capture.ErrNoPacket
		case b := <-s.queue:
			if b.r == nil {
				s.statsMu.Lock()
				err := s.readErr
				s.statsMu.Unlock()
				return capture.Packet{}, fmt.Errorf("read live capture on %q: %w", s.iface, err)
			}
			s.take(b)
		case <-done:
			// Stopping: the next round drains.
		case <-s.quit:
			return capture.Packet{}, ErrClosed
		}
	}
}

// take makes b the block Next reads.
func (s *Source) take(b block) {
	blk := b.r.block(b.i)
	hdr := (*unix.TpacketHdrV1)(unsafe.Pointer(&blk[blockStatusOff]))
	s.cur, s.holding = b, true
	s.off, s.left = int(hdr.Offset_to_first_pkt), int(hdr.Num_pkts)
}

// frame returns the frame at Next's position in its block and moves past
// it. It reports false for a frame the user-space filter rejects, and ends
// the block early on a header that points outside it.
func (s *Source) frame() (capture.Packet, bool) {
	blk := s.cur.r.block(s.cur.i)
	off := s.off
	if off < 0 || off+tp3HdrLen+sllAddrLen > len(blk) {
		s.left = 0
		return capture.Packet{}, false
	}
	h := (*unix.Tpacket3Hdr)(unsafe.Pointer(&blk[off]))
	start, end := off+int(h.Mac), off+int(h.Mac)+int(h.Snaplen)
	wire := int(h.Len)
	s.left--
	if h.Next_offset == 0 {
		s.left = 0
	}
	s.off += int(h.Next_offset)
	if end > len(blk) || start < off+tp3HdrLen {
		s.left = 0
		return capture.Packet{}, false
	}
	if s.cooked {
		// The kernel leaves room for a cooked header between the address
		// and the packet (libpcap writes its header there too).
		if start-sllLen < off+tp3HdrLen+sllAddrLen {
			return capture.Packet{}, false
		}
		sll := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&blk[off+tp3HdrLen]))
		start -= sllLen
		cookedHeader(blk[start:start+sllLen], sll)
		wire += sllLen
	}
	data := blk[start:end:end]
	if s.user != nil && !s.user.Match(data, wire) {
		return capture.Packet{}, false
	}
	return capture.Packet{
		Data:          data,
		Timestamp:     time.Unix(int64(h.Sec), int64(h.Nsec)).UTC(),
		CaptureLength: len(data),
		Length:        max(wire, len(data)),
		LinkType:      s.linkType,
		Frame:         s.frames.Add(1),
		File:          s.iface,
	}, true
}

// cookedHeader writes a Linux cooked v1 header for the sender address sll.
func cookedHeader(h []byte, sll *unix.RawSockaddrLinklayer) {
	binary.BigEndian.PutUint16(h[0:], uint16(sll.Pkttype))
	binary.BigEndian.PutUint16(h[2:], sll.Hatype)
	binary.BigEndian.PutUint16(h[4:], uint16(sll.Halen))
	copy(h[6:14], sll.Addr[:])
	// The protocol is stored in network byte order already.
	binary.NativeEndian.PutUint16(h[14:], sll.Protocol)
}

// Frames returns the number of frames returned so far.
func (s *Source) Frames() int64 { return s.frames.Load() }

// Now returns the wall-clock time (capture.Clock): frame timestamps come
// from the same clock, so a state's age is measured against it while no
// packet arrives.
func (s *Source) Now() time.Time { return time.Now() }

// LinkType returns the link type of the frames this Source yields.
func (s *Source) LinkType() uint16 { return s.linkType }

// Stats returns the frames the kernel received for this capture and those
// that never reached Next (Counts has the details), since Open. After
// Close it returns the final counts.
func (s *Source) Stats() (received, dropped int64, err error) {
	c, err := s.Counts()
	return c.Received, c.Dropped, err
}

// Counts returns the capture's counters since Open: the kernel's
// tpacket_stats_v3 of every socket, and the blocks dropped because the
// queue was full. After Close it returns the final counts.
func (s *Source) Counts() (Counts, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var err error
	if !s.closed {
		err = s.pollStats()
	}
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	c := Counts{Received: s.received, KernelDropped: s.kernelDropped, QueueDropped: s.queueDropped.Load()}
	c.Dropped = c.KernelDropped + c.QueueDropped
	return c, err
}

// pollStats adds the kernel's counters to the totals; reading them resets
// them. The caller holds mu.
func (s *Source) pollStats() error {
	var errs []error
	for _, r := range s.rings {
		st, err := unix.GetsockoptTpacketStatsV3(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.statsMu.Lock()
		s.received += int64(st.Packets) // includes the drops
		s.kernelDropped += int64(st.Drops)
		s.statsMu.Unlock()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("live capture statistics on %q: %w", s.iface, err)
	}
	return nil
}

// Close stops the capture. It waits for the reading goroutines, at most
// ReadTimeout, and invalidates the Data of the last frame Next returned.
func (s *Source) Close() error {
	s.stop.Do(func() { close(s.quit) })
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	_ = s.pollStats() // the counts so far stay available; a failed final poll loses only the last interval
	return s.closeRings()
}

// closeRings unmaps the rings and closes the sockets.
func (s *Source) closeRings() error {
	var errs []error
	for _, r := range s.rings {
		if err := unix.Munmap(r.mem); err != nil {
			errs = append(errs, err)
		}
		if err := unix.Close(r.fd); err != nil {
			errs = append(errs, err)
		}
	}
	s.rings = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close live capture on %q: %w", s.iface, err)
	}
	return nil
}

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
