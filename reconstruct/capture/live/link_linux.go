//go:build linux

package live

import (
	"errors"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ethtoolGLink is ETHTOOL_GLINK (linux/ethtool.h): get the link status.
const ethtoolGLink = 0x0000000a

// ethtoolValue is struct ethtool_value.
type ethtoolValue struct{ cmd, data uint32 }

// ifreqData is struct ifreq with its union holding a pointer (ifr_data).
type ifreqData struct {
	name [unix.IFNAMSIZ]byte
	data uintptr
	_    [24 - unsafe.Sizeof(uintptr(0))]byte
}

// linkStatus asks the driver of the named interface whether its link is
// up (SIOCETHTOOL, ETHTOOL_GLINK), as libpcap does for pcap_findalldevs:
// a driver that does not answer has no link to speak of.
func linkStatus(name string) Link {
	if len(name) >= unix.IFNAMSIZ {
		return LinkUnknown
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return LinkUnknown
	}
	defer unix.Close(fd)
	val := &ethtoolValue{cmd: ethtoolGLink} // on the heap: it must not move during the call
	req := &ifreqData{data: uintptr(unsafe.Pointer(val))}
	copy(req.name[:], name)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(req)))
	runtime.KeepAlive(val)
	switch {
	case errno == 0 && val.data != 0:
		return LinkConnected
	case errno == 0:
		return LinkDisconnected
	case errors.Is(errno, unix.EOPNOTSUPP), errors.Is(errno, unix.EINVAL):
		return LinkNotApplicable
	}
	return LinkUnknown
}
