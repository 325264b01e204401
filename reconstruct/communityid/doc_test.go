package communityid_test

import (
	"fmt"
	"net/netip"

	"github.com/wirestat/wirestat/reconstruct/communityid"
)

func ExampleFlow() {
	client := netip.MustParseAddrPort("128.232.110.120:34855")
	server := netip.MustParseAddrPort("66.35.250.204:80")
	fmt.Println(communityid.Flow(0, communityid.ProtoTCP, client, server))
	// Output: 1:LQU9qZlK+B5F3KDmev6m5PMibrg=
}
