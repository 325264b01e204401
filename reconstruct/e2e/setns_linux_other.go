//go:build linux && !amd64 && !arm64

package e2e

// sysSetns is unknown on this architecture; Netns.Do fails.
const sysSetns = -1
