// Package result holds the report model: the plain values that the
// reconstructor produces and the report writers print. Field names and JSON
// tags follow the wirestat report contract (schema wirestat.report/v1); the
// package has no behaviour beyond small helpers, so writers and tests can
// build Results by hand.
package result

import "time"

// Schema is the value of Result.Schema.
const Schema = "wirestat.report/v1"

// Result is a whole report.
type Result struct {
	Schema      string       `json:"schema"`
	Tool        Tool         `json:"tool"`
	Capture     Capture      `json:"capture"`
	Connections []Connection `json:"connections"`
	Listeners   []Listener   `json:"listeners"`
	Findings    []Finding    `json:"findings"`
	Summary     Summary      `json:"summary"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Capture describes the input.
type Capture struct {
	Sources          []string   `json:"sources"`
	Packets          int64      `json:"packets"`
	TCPPackets       int64      `json:"tcp_packets"`
	OtherPackets     int64      `json:"other_packets"`
	DecodeErrors     int64      `json:"decode_errors"`
	TruncatedPackets int64      `json:"truncated_packets"`
	Fragments        int64      `json:"ip_fragments"`
	ICMPQuoted       int64      `json:"icmp_quoted_tcp"`
	BadTCPHeaders    int64      `json:"bad_tcp_headers"`
	First            *time.Time `json:"first"`
	Last             *time.Time `json:"last"`
	MSLSeconds       float64    `json:"msl_seconds"`
	At               *time.Time `json:"at"`
	Stats            *LiveStats `json:"stats,omitempty"`
	Evicted          int64      `json:"evicted_connections"`
	Warnings         []string   `json:"warnings"`
}

// LiveStats are the capture handle's counters (live capture only).
// Received counts every packet the kernel filter accepted (loopback's
// outgoing copies excluded); Dropped those of them never analysed, the sum
// of KernelDropped (the kernel buffer was full) and QueueDropped (wirestat's
// queue from the capture to the analysis was full).
type LiveStats struct {
	Received      int64 `json:"received"`
	Dropped       int64 `json:"dropped"`
	KernelDropped int64 `json:"kernel_dropped"`
	QueueDropped  int64 `json:"queue_dropped"`
}

// Endpoint is one side of a connection.
type Endpoint struct {
	Addr  string `json:"addr"`
	Port  uint16 `json:"port"`
	State string `json:"state"`
	// Evidence says how State is known: "observed" (the endpoint's own
	// packets show it), "inferred" (deduced from the peer's packets or
	// from acknowledgement numbers), "assumed" (a default without
	// evidence, as for a mid-stream pickup) or "none" (UNKNOWN).
	Evidence     string     `json:"evidence"`
	Since        *time.Time `json:"since"`
	Packets      int64      `json:"packets"`
	PayloadBytes int64      `json:"payload_bytes"`
	IPBytes      int64      `json:"ip_bytes"`
	SentFIN      bool       `json:"sent_fin"`
	SentRST      bool       `json:"sent_rst"`
	// OS is the operating system the endpoint's SYN or SYN-ACK
	// fingerprints (nil: none seen or none matched).
	OS *OS `json:"os"`
}

// OS is a passive operating-system fingerprint of one endpoint.
type OS struct {
	Family   string `json:"family"`   // linux, windows, apple, freebsd, openbsd, solaris or unknown (a tool)
	Detail   string `json:"detail"`   // the matched label, e.g. "Linux 3.11 and newer" or "NMap SYN scan"
	Evidence string `json:"evidence"` // the signature read from the packet
	Source   string `json:"source"`   // where the matched signature comes from, e.g. "p0f.fp:96"
	// TimeWaitSeconds is how long this OS keeps TIME_WAIT by default,
	// which wirestat uses for the endpoint unless --msl is given; 0 when
	// unknown.
	TimeWaitSeconds float64 `json:"time_wait_seconds"`
}

// Transition is one state change of one endpoint.
type Transition struct {
	Frame    int64     `json:"frame"`
	Time     time.Time `json:"time"`
	Endpoint string    `json:"endpoint"` // "client" or "server"
	From     string    `json:"from"`
	To       string    `json:"to"`
	Cause    string    `json:"cause"`
	Evidence string    `json:"evidence"` // how the change is known, as Endpoint.Evidence
}

// Connection is one TCP session.
type Connection struct {
	Type          string       `json:"type,omitempty"` // "connection" in jsonl output only
	Stream        int64        `json:"stream"`
	Client        Endpoint     `json:"client"`
	Server        Endpoint     `json:"server"`
	RolesInferred bool         `json:"roles_inferred"`
	FirstFrame    int64        `json:"first_frame"`
	LastFrame     int64        `json:"last_frame"`
	Start         time.Time    `json:"start"`
	End           time.Time    `json:"end"`
	Duration      float64      `json:"duration"`
	ZeekConnState string       `json:"zeek_conn_state"`
	History       string       `json:"history"`
	MissedBytes   int64        `json:"missed_bytes"`
	ClosedBy      *string      `json:"closed_by"`
	Transitions   []Transition `json:"transitions"`
	Filter        string       `json:"filter"`
	// Tunnel lists the encapsulations of the connection's first packet,
	// outermost first; absent for plain IP.
	Tunnel []Tunnel `json:"tunnel,omitempty"`
	// CommunityID is the Community ID v1 flow hash of the 4-tuple
	// ("1:" + base64), the key Zeek, Suricata and Wireshark share.
	CommunityID string `json:"community_id"`
	// Part is absent for a whole stream and 2, 3, ... for a record that
	// continues a stream handed out before it ended (flow.Conn.Part).
	Part int32 `json:"part,omitempty"`
	// Anomalies names what a correct pair of TCP stacks would not send,
	// as Zeek names its weirds (TCP_christmas, bad_SYN_ack, ...), each with
	// its first frame and count; absent when none.
	Anomalies []Anomaly `json:"anomalies,omitempty"`

	// Zeek's view, for the zeek writer: originator/responder as Zeek
	// decides them (may differ from client/server after a flip) and
	// Zeek's sequence-derived byte counts.
	Zeek ZeekView `json:"-"`
}

// Anomaly is one kind of anomaly on a connection.
type Anomaly struct {
	Name  string `json:"name"`
	Frame int64  `json:"frame"` // the first frame it occurred in
	Count int64  `json:"count"`
}

// Tunnel is one encapsulation layer a connection's packets came through.
type Tunnel struct {
	// Type: ip (IP in IP, 6in4), gre, erspan, vxlan, vxlan-gpe, geneve,
	// gtp, teredo, ayiya, l2tp.
	Type string `json:"type"`
	// Outer is "src > dst" of the outer header in the direction of the
	// connection's first packet: host:port for UDP tunnels, bare
	// addresses for tunnels directly over IP.
	Outer string `json:"outer"`
	// ID is the VXLAN/Geneve VNI, GRE key, GTP-U TEID, ERSPAN session or
	// L2TP session (L2TPv2: tunnel << 16 | session); absent when the
	// layer has none.
	ID *uint32 `json:"id,omitempty"`
}

// ZeekView is what a conn.log row needs beyond the connection's own fields.
type ZeekView struct {
	OrigIsClient bool
	OrigBytes    int64
	RespBytes    int64
	Duration     float64
}

// Listener is a host:port that answered a SYN with a SYN-ACK.
type Listener struct {
	Addr        string `json:"addr"`
	Port        uint16 `json:"port"`
	FirstFrame  int64  `json:"first_frame"`
	Connections int64  `json:"connections"`
}

// Finding is one grouped observation an operator reads first.
type Finding struct {
	Type     string         `json:"type,omitempty"` // "finding" in jsonl output only
	Kind     string         `json:"kind"`
	Severity string         `json:"severity"`
	Subject  string         `json:"subject"`
	Summary  string         `json:"summary"`
	Count    int64          `json:"count"`
	Streams  []int64        `json:"streams"`
	Frames   []int64        `json:"frames"`
	Filter   string         `json:"filter"`
	First    time.Time      `json:"first"`
	Last     time.Time      `json:"last"`
	Details  map[string]any `json:"details"`
}

// Summary counts endpoint states per role.
type Summary struct {
	ClientStates map[string]int64 `json:"client_states"`
	ServerStates map[string]int64 `json:"server_states"`
}

// DigestEntry sums up the findings of one kind for the digest that opens
// the findings in every report: how many subjects, how many at each
// severity, the worst few with their figures and how many were folded
// away (not among the worst).
type DigestEntry struct {
	Type       string           `json:"type,omitempty"` // "digest" in jsonl output only
	Kind       string           `json:"kind"`
	Subjects   int64            `json:"subjects"`
	BySeverity map[string]int64 `json:"by_severity"`
	Worst      []DigestItem     `json:"worst"`
	Folded     int64            `json:"folded"`
}

// DigestItem is one of the worst findings of a kind.
type DigestItem struct {
	Subject  string `json:"subject"`
	Severity string `json:"severity"`
	Count    int64  `json:"count"`
	// SubjectConnections and Share weigh Count against the subject's own
	// connections (absent for kinds that are not weighed so).
	SubjectConnections int64   `json:"subject_connections,omitempty"`
	Share              float64 `json:"share,omitempty"`
	// Figure is Count in words ("3 of 4,000 connections (0.1%)",
	// "201 ports, 249 failed attempts").
	Figure string `json:"figure"`
}
