//go:build linux && !libpcap

package live

import (
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func TestTimestampFromControlMessage(t *testing.T) {
	tsLen := int(unsafe.Sizeof(unix.Timespec{}))
	// An unrelated message first, then the timestamp.
	oob := make([]byte, unix.CmsgSpace(4)+unix.CmsgSpace(tsLen))
	other := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	other.Level, other.Type = unix.SOL_PACKET, unix.PACKET_AUXDATA
	other.SetLen(unix.CmsgLen(4))
	at := unix.CmsgSpace(4)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[at]))
	h.Level, h.Type = unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS
	h.SetLen(unix.CmsgLen(tsLen))
	want := time.Date(2026, 5, 4, 3, 2, 1, 987654321, time.UTC)
	*(*unix.Timespec)(unsafe.Pointer(&oob[at+unix.CmsgLen(0)])) = unix.NsecToTimespec(want.UnixNano())
	if got := timestamp(oob); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("timestamp = %v, want %v", got, want)
	}

	// No usable message: the wall clock, in UTC.
	for _, bad := range [][]byte{nil, oob[:3], oob[:unix.CmsgSpace(4)]} {
		if got := timestamp(bad); time.Since(got) > time.Minute || got.Location() != time.UTC {
			t.Errorf("timestamp(%d bytes) = %v, want now", len(bad), got)
		}
	}
	// A length field pointing past the buffer stops the scan.
	broken := append([]byte(nil), oob...)
	(*unix.Cmsghdr)(unsafe.Pointer(&broken[0])).SetLen(len(broken) + 100)
	if got := timestamp(broken); time.Since(got) > time.Minute {
		t.Errorf("timestamp with a bad length = %v, want now", got)
	}
}
