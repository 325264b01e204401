// Package finished holds the record of one finished connection as every
// consumer after the tracker reads it: the findings collector, the frame
// annotations, the report row (reconstruct's convert.go) and the
// reconstruct.Config.OnConnection hook.
//
// A Conn carries the tracker's facts (it embeds the *flow.Conn: endpoint
// states, counters, transitions with their typed flow.Cause, flow.Closer,
// anomalies) and the facts derived from them once, with typed values: how
// the opening handshake ended (Outcome), who reset the connection first,
// at which frame and from which state (Reset), which states each endpoint
// reached, its TIME_WAIT, and what the pipeline knows beside the tracker
// (Community ID, tunnel stack, missed bytes). Consumers read these fields
// instead of walking the transitions or comparing text again.
//
// The pipeline makes one record per connection in place, in a Conn it
// reuses (Fill allocates nothing beyond the Community ID string), so a
// consumer must copy what it keeps: the record and the flow.Conn under it
// are valid only while the connection is handed out.
package finished
