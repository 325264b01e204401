package main

import (
	"flag"
	"fmt"
	"strconv"
)

// companionOptions are the Wireshark companion's flags: one stream's
// payload (--follow) or whole story (--stream), and the Community ID seed.
type companionOptions struct {
	communityIDSeed uint16
}

func (c *companionOptions) flags(fs *flag.FlagSet) {
	fs.Func("community-id-seed", "seed of every connection's Community ID, `0-65535` (default 0, as Zeek, Suricata and Wireshark)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return fmt.Errorf("want a number from 0 to 65535")
		}
		c.communityIDSeed = uint16(v)
		return nil
	})
}
