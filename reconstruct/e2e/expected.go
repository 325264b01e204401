package e2e

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
)

// Endpoint is one end of a connection as seen from that end.
type Endpoint struct {
	Local, Peer netip.AddrPort
}

// EndpointState is an endpoint with the state the kernel reported for it.
type EndpointState struct {
	Endpoint
	State string // RFC 9293 name, CLOSED when ss did not list the endpoint
}

// sortEndpoints orders endpoints by local, then peer address.
func sortEndpoints(eps []EndpointState) {
	slices.SortFunc(eps, func(a, b EndpointState) int {
		return cmp.Or(a.Local.Compare(b.Local), a.Peer.Compare(b.Peer))
	})
}

// tsvHeader is the first line of an .expected.tsv file.
const tsvHeader = "local\tpeer\tstate"

// WriteExpectedTSV writes endpoint states as an .expected.tsv file: a
// header line, then one "local<TAB>peer<TAB>state" line per endpoint,
// sorted, addresses in netip.AddrPort form ("10.213.0.1:40001",
// "[fd00:213::1]:40001").
func WriteExpectedTSV(w io.Writer, eps []EndpointState) error {
	eps = slices.Clone(eps)
	sortEndpoints(eps)
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, tsvHeader)
	for _, ep := range eps {
		fmt.Fprintf(bw, "%v\t%v\t%s\n", ep.Local, ep.Peer, ep.State)
	}
	return bw.Flush()
}

// ReadExpectedTSV parses an .expected.tsv file written by WriteExpectedTSV.
func ReadExpectedTSV(r io.Reader) ([]EndpointState, error) {
	var eps []EndpointState
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || (n == 1 && line == tsvHeader) {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("expected.tsv line %d: %d columns, want 3", n, len(f))
		}
		local, err := netip.ParseAddrPort(f[0])
		if err != nil {
			return nil, fmt.Errorf("expected.tsv line %d: local: %w", n, err)
		}
		peer, err := netip.ParseAddrPort(f[1])
		if err != nil {
			return nil, fmt.Errorf("expected.tsv line %d: peer: %w", n, err)
		}
		eps = append(eps, EndpointState{Endpoint{local, peer}, f[2]})
	}
	return eps, sc.Err()
}
