package live

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// pcap file format constants (draft-ietf-opsawg-pcap).
const (
	pcapMagicNanos   = 0xa1b23c4d // nanosecond timestamps
	pcapVersionMajor = 2
	pcapVersionMinor = 4
	pcapHeaderLen    = 24
	pcapRecordLen    = 16
)

// Writer writes packets as a pcap file with nanosecond timestamps, in
// little-endian byte order. It writes the link type as the full 16 bits the
// format allows, so any LINKTYPE_* value (LINUX_SLL2 is 276) is kept.
//
// Writer does not buffer; wrap the destination in a bufio.Writer and flush
// it when done. Writing a packet does not allocate.
type Writer struct {
	w        io.Writer
	snaplen  int
	linkType uint16
	rec      [pcapRecordLen]byte
}

// NewWriter writes a pcap file header for the link type and snaplen (0
// means DefaultSnaplen) and returns a Writer for the records.
func NewWriter(w io.Writer, linkType uint16, snaplen int) (*Writer, error) {
	if snaplen <= 0 {
		snaplen = DefaultSnaplen
	}
	var h [pcapHeaderLen]byte
	binary.LittleEndian.PutUint32(h[0:], pcapMagicNanos)
	binary.LittleEndian.PutUint16(h[4:], pcapVersionMajor)
	binary.LittleEndian.PutUint16(h[6:], pcapVersionMinor)
	// h[8:16]: thiszone and sigfigs, always 0.
	binary.LittleEndian.PutUint32(h[16:], uint32(snaplen))
	binary.LittleEndian.PutUint32(h[20:], uint32(linkType))
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("write pcap header: %w", err)
	}
	return &Writer{w: w, snaplen: snaplen, linkType: linkType}, nil
}

// LinkType returns the link type in the file header.
func (w *Writer) LinkType() uint16 { return w.linkType }

// WritePacket appends one packet. Data beyond the snaplen is cut off;
// Length keeps the original size. A packet of another link type is an
// error, because a pcap file has one link type.
func (w *Writer) WritePacket(p capture.Packet) error {
	if p.LinkType != w.linkType {
		return fmt.Errorf("write pcap record for frame %d: link type %d in a link type %d file", p.Frame, p.LinkType, w.linkType)
	}
	return w.WriteData(p.Timestamp, p.Data, p.Length)
}

// WriteData appends one record holding data, captured at ts from a frame
// of wireLen bytes (len(data) if smaller).
func (w *Writer) WriteData(ts time.Time, data []byte, wireLen int) error {
	if len(data) > w.snaplen {
		data = data[:w.snaplen]
	}
	wireLen = max(wireLen, len(data))
	binary.LittleEndian.PutUint32(w.rec[0:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(w.rec[4:], uint32(ts.Nanosecond()))
	binary.LittleEndian.PutUint32(w.rec[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(w.rec[12:], uint32(wireLen))
	if _, err := w.w.Write(w.rec[:]); err != nil {
		return fmt.Errorf("write pcap record: %w", err)
	}
	if _, err := w.w.Write(data); err != nil {
		return fmt.Errorf("write pcap record: %w", err)
	}
	return nil
}
