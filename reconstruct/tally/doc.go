// Package tally counts the open connections of a running capture, as a
// live view, an event stream and a metrics endpoint show them: endpoints
// per state and role, and per service (a connection's server address and
// port) the endpoints waiting in CLOSE_WAIT, TIME_WAIT and SYN_RECEIVED
// and the SYNs nobody answered yet, with the age of the oldest CLOSE_WAIT.
//
// A Tally is built from flow.Conn values (flow.Tracker.Each) at one
// moment; it keeps no reference to them. Services are bounded: those with
// the most endpoints of each kind (Options.Services per kind) are kept by
// name, the rest summed into one Other row, so a view or a metrics series
// set stays small whatever the traffic.
package tally
