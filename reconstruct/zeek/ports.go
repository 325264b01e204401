package zeek

// likelyServerPorts are the well-known ports of the protocol analyzers Zeek
// loads by default (its likely_server_ports); a partial connection whose
// first packet comes from one of them is flipped at creation.
var likelyServerPorts = map[uint16]bool{}

func init() {
	for _, p := range []uint16{
		21, 22, 23, 25, 53, 80, 81, 88, 102, 110, 111, 135, 137, 139, 143, 161, 162, 179, 389,
		443, 445, 465, 502, 513, 514, 563, 585, 587, 614, 631, 636, 749, 853, 989, 990, 992,
		993, 995, 1080, 1194, 1434, 1723, 1812, 1813, 1883, 2049, 2811, 3128, 3268, 3306,
		3389, 5060, 5222, 5223, 5269, 5432, 5672, 6379, 6666, 6667, 6668, 6669, 8000,
		8080, 8888, 9092, 11211, 20000, 27017,
	} {
		likelyServerPorts[p] = true
	}
}

// Ports is a set of likely server ports. Zeek's bare mode (zeek -b) loads
// no protocol analyzers and so has few or none; DefaultPorts is the set of
// its default scripts.
type Ports func(port uint16) bool

// DefaultPorts is likely_server_ports with Zeek's default scripts loaded.
func DefaultPorts(p uint16) bool { return likelyServerPorts[p] }

// NoPorts is likely_server_ports in bare mode with no analyzers loaded.
func NoPorts(uint16) bool { return false }

// LikelyServerPort reports whether Zeek's default scripts treat p as a
// server port when deciding roles of a connection whose handshake was missed.
func LikelyServerPort(p uint16) bool { return likelyServerPorts[p] }
