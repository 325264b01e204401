package capture

import (
	"io"
	"math/bits"
	"time"
)

// pcapng block types.
const (
	blockSHB          = 0x0A0D0D0A
	blockIDB          = 0x00000001
	blockPB           = 0x00000002 // obsolete Packet Block
	blockSPB          = 0x00000003
	blockEPB          = 0x00000006
	blockJournal      = 0x00000009 // systemd journal export
	blockCustom       = 0x00000BAD
	blockCustomNoCopy = 0x40000BAD
)

// isCountedNonPacket reports whether Wireshark gives a block of this type a
// frame number although it holds no network packet: custom blocks, sysdig
// event blocks and systemd journal entries.
func isCountedNonPacket(t uint32) bool {
	switch t {
	case blockCustom, blockCustomNoCopy, blockJournal,
		0x204, 0x208, 0x216, 0x217, 0x221, 0x222: // sysdig events
		return true
	}
	return false
}

// maxBlock bounds the total length of any pcapng block: the largest packet
// plus generous room for options. Longer blocks are corrupt.
func maxBlock(s *source) uint32 { return uint32(s.max) + 1<<20 }

// readSHB reads a section header block. first is true at the start of the
// file, where a bad header means the input is not a capture at all.
func (f *fileReader) readSHB(first bool) error {
	start := f.off
	h := f.hdr[:12]
	if n, err := f.read(h); err != nil {
		if first && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			return f.fail(start, newProblem(ErrNotCapture, "too short for a pcapng section header (%d bytes)", n))
		}
		return f.fail(start, short(err, "section header block", 12, int64(n)))
	}
	switch {
	case h[8] == 0x1a && h[9] == 0x2b && h[10] == 0x3c && h[11] == 0x4d:
		f.big = true
	case h[8] == 0x4d && h[9] == 0x3c && h[10] == 0x2b && h[11] == 0x1a:
		f.big = false
	default:
		if first {
			return f.fail(start, newProblem(ErrNotCapture, "pcapng section header with unknown byte-order magic"))
		}
		return f.fail(start, newProblem(ErrCorrupt, "pcapng section header with unknown byte-order magic"))
	}
	total := f.u32(h[4:])
	if total < 28 || total%4 != 0 || total > 1<<24 {
		return f.fail(start, newProblem(ErrCorrupt, "bad section header block length %d", total))
	}
	v := f.hdr[:12]
	if n, err := f.read(v); err != nil {
		if first && (err == io.ErrUnexpectedEOF || err == io.EOF) {
			return f.fail(start, newProblem(ErrNotCapture, "too short for a pcapng section header (%d bytes)", 12+n))
		}
		return f.fail(start, short(err, "section header block", int64(total), 12+int64(n)))
	}
	if major := f.u16(v); major != 1 {
		return f.fail(start, newProblem(ErrCorrupt, "unsupported pcapng version %d", major))
	}
	f.ifaces = f.ifaces[:0]
	return f.finishBlock(start, total, 24)
}

// finishBlock skips the rest of a block of which done bytes have been read
// and checks the trailing copy of the block length.
func (f *fileReader) finishBlock(start int64, total, done uint32) error {
	rest := int64(total) - int64(done) - 4
	if rest < 0 {
		return f.fail(start, newProblem(ErrCorrupt, "block contents overrun block length %d", total))
	}
	if n, err := f.discard(rest); err != nil {
		return f.fail(start, short(err, "block", int64(total), int64(done)+n))
	}
	t := f.hdr[:4]
	if n, err := f.read(t); err != nil {
		return f.fail(start, short(err, "block", int64(total), int64(total)-4+int64(n)))
	}
	if trailer := f.u32(t); trailer != total {
		return f.fail(start, newProblem(ErrCorrupt, "block length %d does not match trailing length %d", total, trailer))
	}
	return nil
}

// readIDB reads an interface description block whose 8-byte header has
// been consumed.
func (f *fileReader) readIDB(start int64, total uint32) error {
	if total < 20 {
		return f.fail(start, newProblem(ErrCorrupt, "bad interface description block length %d", total))
	}
	h := f.hdr[:8]
	if n, err := f.read(h); err != nil {
		return f.fail(start, short(err, "interface description block", int64(total), 8+int64(n)))
	}
	ifc := iface{link: f.u16(h), snaplen: f.u32(h[4:]), units: 1e6}
	done := uint32(16)
	// Options: code, length, value padded to 4 bytes; code 0 ends the list.
	// Malformed option lists end the scan rather than fail the block.
	for total-done-4 >= 4 {
		o := f.hdr[:4]
		if n, err := f.read(o); err != nil {
			return f.fail(start, short(err, "interface description block", int64(total), int64(done)+int64(n)))
		}
		done += 4
		code, olen := f.u16(o), uint32(f.u16(o[2:]))
		padded := (olen + 3) &^ 3
		if code == 0 || padded > total-done-4 {
			break
		}
		if (code == 9 || code == 14) && padded <= 16 {
			val := f.hdr[:padded]
			if n, err := f.read(val); err != nil {
				return f.fail(start, short(err, "interface description block", int64(total), int64(done)+int64(n)))
			}
			done += padded
			switch {
			case code == 9 && olen >= 1: // if_tsresol
				units, ok := tsUnits(val[0])
				if !ok {
					return f.fail(start, newProblem(ErrCorrupt, "unsupported if_tsresol %#x", val[0]))
				}
				ifc.units = units
			case code == 14 && olen == 8: // if_tsoffset
				hi, lo := uint64(f.u32(val)), uint64(f.u32(val[4:]))
				if !f.big {
					hi, lo = lo, hi
				}
				ifc.offset = int64(hi<<32 | lo)
			}
			continue
		}
		if n, err := f.discard(int64(padded)); err != nil {
			return f.fail(start, short(err, "interface description block", int64(total), int64(done)+n))
		}
		done += padded
	}
	if err := f.finishBlock(start, total, done); err != nil {
		return err
	}
	if len(f.ifaces) >= 1<<16 {
		return f.fail(start, newProblem(ErrCorrupt, "too many interfaces"))
	}
	f.ifaces = append(f.ifaces, ifc)
	return nil
}

// tsUnits converts an if_tsresol value to timestamp units per second.
func tsUnits(v byte) (uint64, bool) {
	if v&0x80 != 0 {
		shift := v & 0x7f
		if shift > 63 {
			return 0, false
		}
		return 1 << shift, true
	}
	if v > 19 {
		return 0, false
	}
	u := uint64(1)
	for range v {
		u *= 10
	}
	return u, true
}

// stamp converts a pcapng timestamp of interface ifc to UTC time.
func stamp(ifc *iface, ts uint64) time.Time {
	sec, frac := ts/ifc.units, ts%ifc.units
	var nsec uint64
	if ifc.units <= 1e9 && 1e9%ifc.units == 0 {
		nsec = frac * (1e9 / ifc.units)
	} else {
		hi, lo := bits.Mul64(frac, 1e9)
		nsec, _ = bits.Div64(hi, lo, ifc.units) // hi < units because frac < units
	}
	return unixUTC(int64(sec)+ifc.offset, int64(nsec))
}

// unixUTC returns the UTC time sec seconds and nsec nanoseconds after the epoch.
func unixUTC(sec, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }

// nextBlock reads pcapng blocks until it finds a packet.
func (f *fileReader) nextBlock(s *source) (Packet, error) {
	for {
		start := f.off
		h, err := f.r.Peek(8)
		if len(h) == 0 && err == io.EOF {
			return Packet{}, io.EOF
		}
		if len(h) < 8 {
			_, _ = f.discard(int64(len(h)))
			return Packet{}, f.fail(start, short(err, "block header", 8, int64(len(h))))
		}
		btype := f.u32(h)
		if btype == blockSHB {
			if err := f.readSHB(false); err != nil {
				return Packet{}, err
			}
			continue
		}
		total := f.u32(h[4:])
		if _, err := f.discard(8); err != nil {
			return Packet{}, f.fail(start, err)
		}
		if total < 12 || total%4 != 0 || total > maxBlock(s) {
			return Packet{}, f.fail(start, newProblem(ErrCorrupt, "bad block length %d for block type %#x", total, btype))
		}
		switch btype {
		case blockIDB:
			if err := f.readIDB(start, total); err != nil {
				return Packet{}, err
			}
		case blockEPB, blockPB:
			return f.readEPB(s, start, btype, total)
		case blockSPB:
			return f.readSPB(s, start, total)
		default:
			if err := f.finishBlock(start, total, 8); err != nil {
				return Packet{}, err
			}
			if isCountedNonPacket(btype) {
				s.countFrame()
			}
		}
	}
}

// readEPB reads an enhanced packet block or an obsolete packet block
// whose 8-byte header has been consumed.
func (f *fileReader) readEPB(s *source, start int64, btype, total uint32) (Packet, error) {
	what := "enhanced packet block"
	if btype == blockPB {
		what = "packet block"
	}
	if total < 32 {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "bad %s length %d", what, total))
	}
	h := f.hdr[:20]
	if n, err := f.read(h); err != nil {
		return Packet{}, f.fail(start, short(err, what, int64(total), 8+int64(n)))
	}
	var id uint32
	if btype == blockPB {
		id = uint32(f.u16(h))
	} else {
		id = f.u32(h)
	}
	ts := uint64(f.u32(h[4:]))<<32 | uint64(f.u32(h[8:]))
	caplen, origlen := f.u32(h[12:]), f.u32(h[16:])
	if id >= uint32(len(f.ifaces)) {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "%s for unknown interface %d", what, id))
	}
	if caplen > uint32(s.max) {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "%s captured length %d exceeds limit %d", what, caplen, s.max))
	}
	if (caplen+3)&^3 > total-32 {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "%s captured length %d overruns block length %d", what, caplen, total))
	}
	data := s.packetBuf(int(caplen))
	if n, err := f.read(data); err != nil {
		return Packet{}, f.fail(start, short(err, what, int64(total), 28+int64(n)))
	}
	if err := f.finishBlock(start, total, 28+caplen); err != nil {
		return Packet{}, err
	}
	ifc := &f.ifaces[id]
	return s.packet(f, start, data, stamp(ifc, ts), caplen, origlen, ifc.link), nil
}

// readSPB reads a simple packet block whose 8-byte header has been consumed.
// It belongs to the section's first interface and has no timestamp.
func (f *fileReader) readSPB(s *source, start int64, total uint32) (Packet, error) {
	if total < 16 {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "bad simple packet block length %d", total))
	}
	if len(f.ifaces) == 0 {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "simple packet block before any interface"))
	}
	h := f.hdr[:4]
	if n, err := f.read(h); err != nil {
		return Packet{}, f.fail(start, short(err, "simple packet block", int64(total), 8+int64(n)))
	}
	ifc := &f.ifaces[0]
	origlen := f.u32(h)
	caplen := min(origlen, total-16)
	if ifc.snaplen != 0 {
		caplen = min(caplen, ifc.snaplen)
	}
	if caplen > uint32(s.max) {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "simple packet block length %d exceeds limit %d", caplen, s.max))
	}
	data := s.packetBuf(int(caplen))
	if n, err := f.read(data); err != nil {
		return Packet{}, f.fail(start, short(err, "simple packet block", int64(total), 12+int64(n)))
	}
	if err := f.finishBlock(start, total, 12+caplen); err != nil {
		return Packet{}, err
	}
	// A simple packet block has no timestamp.
	return s.packet(f, start, data, time.Time{}, caplen, origlen, ifc.link), nil
}
