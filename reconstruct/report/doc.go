// Package report writes Results in the formats of the wirestat report
// contract: text (a netstat-like table), json, jsonl, csv and zeek (a Zeek
// conn.log). Writers are picked with ForFormat and stream connections as they
// finish, so memory stays bounded by open connections.
package report
