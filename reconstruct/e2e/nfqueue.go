//go:build linux

package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Netlink and nfnetlink_queue constants (linux/netfilter/nfnetlink_queue.h).
const (
	netlinkNetfilter = 12 // NETLINK_NETFILTER
	nfnlSubsysQueue  = 3  // NFNL_SUBSYS_QUEUE
	nfqnlMsgPacket   = 0  // NFQNL_MSG_PACKET
	nfqnlMsgVerdict  = 1  // NFQNL_MSG_VERDICT
	nfqnlMsgConfig   = 2  // NFQNL_MSG_CONFIG
	nfqaCfgCmd       = 1  // NFQA_CFG_CMD
	nfqaCfgParams    = 2  // NFQA_CFG_PARAMS
	nfqaPacketHdr    = 1  // NFQA_PACKET_HDR
	nfqaVerdictHdr   = 2  // NFQA_VERDICT_HDR
	nfqnlCfgCmdBind  = 1  // NFQNL_CFG_CMD_BIND
	nfqnlCopyMeta    = 1  // NFQNL_COPY_META
	nfAccept         = 1  // NF_ACCEPT
	nlmsgHdrLen      = 16
	nfgenHdrLen      = 4
)

// Holder binds an NFQUEUE in a namespace and holds the packets an iptables
// rule sends to it until Release. Packets queued to it never reach the wire
// until released, so a segment can be delayed without netem.
type Holder struct {
	fd    int
	queue uint16
	seq   uint32
	ids   []uint32 // queued, not yet released
}

// Hold binds NFQUEUE number queue in ns. Bind before adding the rule that
// feeds the queue: a queue without a listener drops its packets.
func Hold(ns *Netns, queue uint16) (*Holder, error) {
	h := &Holder{fd: -1, queue: queue}
	err := ns.Do(func() error {
		fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
		if err != nil {
			return fmt.Errorf("netlink socket: %w", err)
		}
		h.fd = fd
		return syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
	})
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("nfqueue %d in %s: %w", queue, ns.Name, err)
	}
	tv := syscall.NsecToTimeval(int64(100 * time.Millisecond))
	if err := syscall.SetsockoptTimeval(h.fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		h.Close()
		return nil, fmt.Errorf("nfqueue receive timeout: %w", err)
	}
	// NFQNL_CFG_CMD_BIND: struct nfqnl_msg_config_cmd {u8 command; u8 pad; __be16 pf}.
	cmd := []byte{nfqnlCfgCmdBind, 0, 0, 0}
	if err := h.request(nfqnlMsgConfig, attr(nfqaCfgCmd, cmd)); err != nil {
		h.Close()
		return nil, fmt.Errorf("nfqueue %d bind: %w", queue, err)
	}
	// struct nfqnl_msg_config_params {__be32 copy_range; u8 copy_mode} (packed).
	params := []byte{0, 0, 0, 0, nfqnlCopyMeta}
	if err := h.request(nfqnlMsgConfig, attr(nfqaCfgParams, params)); err != nil {
		h.Close()
		return nil, fmt.Errorf("nfqueue %d params: %w", queue, err)
	}
	return h, nil
}

// attr encodes one netlink attribute, padded to 4 bytes.
func attr(typ uint16, data []byte) []byte {
	b := make([]byte, 4+len(data), (4+len(data)+3)&^3)
	binary.NativeEndian.PutUint16(b[0:2], uint16(4+len(data)))
	binary.NativeEndian.PutUint16(b[2:4], typ)
	copy(b[4:], data)
	return b[:cap(b)]
}

// send writes one nfnetlink message for the queue subsystem.
func (h *Holder) send(msgType uint16, flags uint16, attrs []byte) error {
	h.seq++
	n := nlmsgHdrLen + nfgenHdrLen + len(attrs)
	b := make([]byte, n)
	binary.NativeEndian.PutUint32(b[0:4], uint32(n))
	binary.NativeEndian.PutUint16(b[4:6], nfnlSubsysQueue<<8|msgType)
	binary.NativeEndian.PutUint16(b[6:8], flags)
	binary.NativeEndian.PutUint32(b[8:12], h.seq)
	// struct nfgenmsg {u8 family; u8 version; __be16 res_id}.
	b[16], b[17] = syscall.AF_UNSPEC, 0
	binary.BigEndian.PutUint16(b[18:20], h.queue)
	copy(b[20:], attrs)
	return syscall.Sendto(h.fd, b, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
}

// request sends a message asking for an acknowledgement and waits for it,
// keeping any queued-packet notifications that arrive meanwhile.
func (h *Holder) request(msgType uint16, attrs []byte) error {
	if err := h.send(msgType, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK, attrs); err != nil {
		return err
	}
	want := h.seq
	for range 20 {
		acked, err := h.receive(want)
		if err != nil || acked {
			return err
		}
	}
	return errors.New("no netlink acknowledgement")
}

// receive reads one datagram, records queued packets, and reports whether it
// carried the acknowledgement of sequence number ack.
func (h *Holder) receive(ack uint32) (bool, error) {
	buf := make([]byte, 8192)
	n, _, err := syscall.Recvfrom(h.fd, buf, 0)
	if err != nil {
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			return false, nil
		}
		return false, fmt.Errorf("netlink receive: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return false, fmt.Errorf("netlink parse: %w", err)
	}
	acked := false
	for _, m := range msgs {
		switch {
		case m.Header.Type == syscall.NLMSG_ERROR:
			if len(m.Data) < 4 {
				return false, errors.New("short netlink error message")
			}
			if code := int32(binary.NativeEndian.Uint32(m.Data[:4])); code != 0 {
				return false, fmt.Errorf("netlink: %w", syscall.Errno(-code))
			}
			if m.Header.Seq == ack {
				acked = true
			}
		case m.Header.Type == nfnlSubsysQueue<<8|nfqnlMsgPacket:
			if id, ok := packetID(m.Data); ok {
				h.ids = append(h.ids, id)
			}
		}
	}
	return acked, nil
}

// packetID finds NFQA_PACKET_HDR in a packet notification and returns the
// packet id from struct nfqnl_msg_packet_hdr {__be32 packet_id; ...}.
func packetID(data []byte) (uint32, bool) {
	if len(data) < nfgenHdrLen {
		return 0, false
	}
	a := data[nfgenHdrLen:]
	for len(a) >= 4 {
		l := int(binary.NativeEndian.Uint16(a[0:2]))
		typ := binary.NativeEndian.Uint16(a[2:4]) &^ (1<<15 | 1<<14)
		if l < 4 || l > len(a) {
			return 0, false
		}
		if typ == nfqaPacketHdr && l >= 8 {
			return binary.BigEndian.Uint32(a[4:8]), true
		}
		step := (l + 3) &^ 3
		if step > len(a) {
			break
		}
		a = a[step:]
	}
	return 0, false
}

// Wait blocks until at least n packets are held or timeout passes.
func (h *Holder) Wait(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for len(h.ids) < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("nfqueue %d: %d of %d packets queued after %v", h.queue, len(h.ids), n, timeout)
		}
		if _, err := h.receive(0); err != nil {
			return err
		}
	}
	return nil
}

// Release lets every held packet continue on its way.
func (h *Holder) Release() error {
	for _, id := range h.ids {
		var v [8]byte // struct nfqnl_msg_verdict_hdr {__be32 verdict; __be32 id}
		binary.BigEndian.PutUint32(v[0:4], nfAccept)
		binary.BigEndian.PutUint32(v[4:8], id)
		if err := h.send(nfqnlMsgVerdict, syscall.NLM_F_REQUEST, attr(nfqaVerdictHdr, v[:])); err != nil {
			return fmt.Errorf("nfqueue %d verdict: %w", h.queue, err)
		}
	}
	h.ids = h.ids[:0]
	return nil
}

// Close unbinds the queue; packets still held are dropped by the kernel.
func (h *Holder) Close() {
	if h.fd >= 0 {
		_ = syscall.Close(h.fd)
		h.fd = -1
	}
}
