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
)

// sllLen is the size of the Linux cooked (v1) header built for "any" and
// for interfaces whose hardware header wirestat does not decode.
const sllLen = 16

// rcvBuf is the socket receive buffer asked for; a larger buffer rides out
// bursts without drops. The kernel caps it at net.core.rmem_max.
const rcvBuf = 4 << 20

// Source is a live capture on one interface. It implements capture.Source.
// Next, Frames and Stats may be called while Close runs; Next is not safe
// for concurrent use with itself.
type Source struct {
	ctx      context.Context
	iface    string
	linkType uint16
	cooked   bool  // SOCK_DGRAM: prepend a cooked header built from the sender address
	loIndex  int32 // loopback ifindex; its outgoing copies are duplicates, skipped

	mu     sync.RWMutex // read-held around socket calls, write-held by Close
	fd     int
	closed bool

	buf  []byte // frame buffer; Packet.Data aliases it
	from unix.RawSockaddrLinklayer
	oob  []byte
	iov  unix.Iovec
	msg  unix.Msghdr

	frames atomic.Int64

	statsMu           sync.Mutex
	received, dropped int64
}

// Open starts capturing on the named interface ("any" for all of them).
// Reading stops, and Next returns io.EOF, once ctx is cancelled. Capturing
// needs CAP_NET_RAW.
//
// The link type follows the interface: Ethernet and loopback give
// capture.LinkEthernet (Linux loopback frames carry a zeroed Ethernet
// header), tun and other header-less devices capture.LinkRaw, "any" and
// any other device capture.LinkLinuxSLL.
func Open(ctx context.Context, iface string, opt Options) (*Source, error) {
	opt = opt.withDefaults()
	s := &Source{ctx: ctx, iface: iface, fd: -1}
	index := 0
	if iface != "any" {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			return nil, fmt.Errorf("open live capture on %q: %w", iface, err)
		}
		index = ifi.Index
	}
	s.loIndex = loopbackIndex()

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
	fd, err := openSocket(sockType, index, opt)
	if err != nil {
		return nil, fmt.Errorf("open live capture on %q: %w", iface, err)
	}
	s.fd = fd

	s.buf = make([]byte, sllLen+opt.Snaplen)
	s.oob = make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{}))))
	data := s.buf
	if s.cooked {
		data = s.buf[sllLen:]
	}
	s.iov.Base = &data[0]
	s.iov.SetLen(opt.Snaplen)
	s.msg.Name = (*byte)(unsafe.Pointer(&s.from))
	s.msg.Iov = &s.iov
	s.msg.SetIovlen(1)
	s.msg.Control = &s.oob[0]
	return s, nil
}

// openSocket opens and configures a packet socket bound to one interface
// (index 0: all of them).
func openSocket(sockType, index int, opt Options) (fd int, err error) {
	// Protocol 0 receives nothing until bind names the protocol, so no
	// frame from another interface slips in between socket and bind.
	fd, err = unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("packet socket: %w", err)
	}
	defer func() {
		if err != nil {
			unix.Close(fd)
		}
	}()
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: index}); err != nil {
		return -1, fmt.Errorf("bind packet socket: %w", err)
	}
	tv := unix.NsecToTimeval(opt.ReadTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return -1, fmt.Errorf("set read timeout: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return -1, fmt.Errorf("enable kernel timestamps: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf) // best effort
	if opt.Promisc && index != 0 {
		mreq := unix.PacketMreq{Ifindex: int32(index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return -1, fmt.Errorf("enable promiscuous mode: %w", err)
		}
	}
	return fd, nil
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

// Next returns the next frame. It waits for one, checking the context
// every ReadTimeout, and returns io.EOF once the context is cancelled.
// Packet.File holds the interface name.
func (s *Source) Next() (capture.Packet, error) {
	for {
		if s.ctx.Err() != nil {
			return capture.Packet{}, io.EOF
		}
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			return capture.Packet{}, ErrClosed
		}
		n, oobn, err := s.recv()
		s.mu.RUnlock()
		switch {
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			continue // timeout: look at the context again
		case err != nil:
			return capture.Packet{}, fmt.Errorf("read live capture on %q: %w", s.iface, err)
		}
		if s.from.Pkttype == unix.PACKET_OUTGOING && s.from.Ifindex == s.loIndex {
			continue // the same frame comes back in as received
		}
		ts := timestamp(s.oob[:oobn])
		wire, capLen := n, min(n, int(s.iov.Len))
		if s.cooked {
			s.cookedHeader()
			wire += sllLen
			capLen += sllLen
		}
		return capture.Packet{
			Data:          s.buf[:capLen:capLen],
			Timestamp:     ts,
			CaptureLength: capLen,
			Length:        wire,
			LinkType:      s.linkType,
			Frame:         s.frames.Add(1),
			File:          s.iface,
		}, nil
	}
}

// recv reads one frame with recvmsg(MSG_TRUNC), which reports the frame's
// full length even when the buffer holds only Snaplen bytes of it. It
// reuses the Source's message header so reading allocates nothing.
func (s *Source) recv() (n, oobn int, err error) {
	s.msg.Namelen = uint32(unsafe.Sizeof(s.from))
	s.msg.SetControllen(len(s.oob))
	s.msg.Flags = 0
	r, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msg)), unix.MSG_TRUNC)
	if errno != 0 {
		return 0, 0, errno
	}
	return int(r), int(s.msg.Controllen), nil
}

// cookedHeader writes a Linux cooked v1 header for the frame just read.
func (s *Source) cookedHeader() {
	h := s.buf[:sllLen]
	binary.BigEndian.PutUint16(h[0:], uint16(s.from.Pkttype))
	binary.BigEndian.PutUint16(h[2:], s.from.Hatype)
	binary.BigEndian.PutUint16(h[4:], uint16(s.from.Halen))
	copy(h[6:14], s.from.Addr[:])
	// The protocol is stored in network byte order already.
	binary.NativeEndian.PutUint16(h[14:], s.from.Protocol)
}

// timestamp returns the SCM_TIMESTAMPNS time in the control messages, or
// the current time if the kernel sent none.
func timestamp(oob []byte) time.Time {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Len < unix.SizeofCmsghdr || uint64(h.Len) > uint64(len(oob)) {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS &&
			uint64(h.Len) >= uint64(unix.CmsgLen(int(unsafe.Sizeof(unix.Timespec{})))) {
			ts := (*unix.Timespec)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
			return time.Unix(ts.Unix()).UTC()
		}
		next := unix.CmsgSpace(int(h.Len) - unix.CmsgLen(0))
		if next > len(oob) {
			break
		}
		oob = oob[next:]
	}
	return time.Now().UTC()
}

// Frames returns the number of frames returned so far.
func (s *Source) Frames() int64 { return s.frames.Load() }

// LinkType returns the link type of the frames this Source yields.
func (s *Source) LinkType() uint16 { return s.linkType }

// Stats returns the frames the kernel received for this capture and those
// it dropped because the socket buffer was full, since Open. After Close it
// returns the final counts.
func (s *Source) Stats() (received, dropped int64, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.closed {
		err = s.pollStats()
	}
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.received, s.dropped, err
}

// pollStats adds the kernel's counters to the totals; reading them resets
// them. The caller holds mu.
func (s *Source) pollStats() error {
	st, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return fmt.Errorf("live capture statistics on %q: %w", s.iface, err)
	}
	s.statsMu.Lock()
	s.received += int64(st.Packets)
	s.dropped += int64(st.Drops)
	s.statsMu.Unlock()
	return nil
}

// Close stops the capture. It waits for a pending read, at most
// ReadTimeout.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	statsErr := s.pollStats()
	if err := unix.Close(s.fd); err != nil {
		return fmt.Errorf("close live capture on %q: %w", s.iface, err)
	}
	_ = statsErr // the counts so far stay available; a failed final poll loses only the last interval
	return nil
}

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
