//go:build !linux

package live

// linkStatus is unknown outside Linux.
func linkStatus(string) Link { return LinkUnknown }
