package live

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"syscall"
)

// ErrNoUser reports a user DropPrivileges cannot find.
var ErrNoUser = errors.New("no such user")

// Credentials are what DropPrivileges switches to.
type Credentials struct {
	Name   string
	UID    int
	GID    int
	Groups []int // supplementary groups, as initgroups(3) would set them
}

// LookupUser resolves a user name (or a numeric uid) to the credentials
// DropPrivileges switches to: the user's uid, primary group and
// supplementary groups.
func LookupUser(name string) (Credentials, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if _, numeric := strconv.Atoi(name); numeric == nil {
			u, err = user.LookupId(name)
		}
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("user %q: %w", name, ErrNoUser)
	}
	c := Credentials{Name: u.Username}
	if c.UID, err = strconv.Atoi(u.Uid); err != nil {
		return Credentials{}, fmt.Errorf("user %q: uid %q is not a number", name, u.Uid)
	}
	if c.GID, err = strconv.Atoi(u.Gid); err != nil {
		return Credentials{}, fmt.Errorf("user %q: gid %q is not a number", name, u.Gid)
	}
	c.Groups = []int{c.GID}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.Atoi(id); err == nil && g != c.GID {
				c.Groups = append(c.Groups, g)
			}
		}
	}
	return c, nil
}

// DropPrivileges switches the whole process (every thread: Go does so on
// Linux since 1.16) to c, as tcpdump -Z does once its capture is open:
// supplementary groups, then group, then user, so nothing of root is
// left. Sockets already open keep working; a switch to root itself is
// refused as pointless, and any failure is returned before the user
// changes.
func DropPrivileges(c Credentials) error {
	if c.UID == 0 {
		return fmt.Errorf("drop privileges to %s: uid 0 is root", c.Name)
	}
	if err := syscall.Setgroups(c.Groups); err != nil {
		return fmt.Errorf("drop privileges to %s: setgroups: %w", c.Name, err)
	}
	if err := syscall.Setgid(c.GID); err != nil {
		return fmt.Errorf("drop privileges to %s: setgid: %w", c.Name, err)
	}
	if err := syscall.Setuid(c.UID); err != nil {
		return fmt.Errorf("drop privileges to %s: setuid: %w", c.Name, err)
	}
	return nil
}
