// Package livestream writes what a live capture sees as it happens, one
// JSON object per line, for jq, Filebeat or Vector to follow: each
// endpoint's state changes ("state"), the findings when first raised
// ("finding_raised") and a summary of the open connections every interval
// ("interval"). The connections as they finish ("connection") and the
// final findings and summary come from the jsonl report writer in the same
// stream; README.md documents every line type.
//
// The Writer does not flush: the caller flushes its buffer every interval,
// so that every line reaches the reader within one interval.
package livestream
