// Package rotate saves packets into a rotating set of pcap files, as
// tcpdump -w does with -C, -G and -W, so a capture can run for weeks in
// bounded space and every file is a complete capture of its own.
//
// Naming follows tcpdump. Without -G the name is used as given; with -G
// it is a strftime(3) pattern expanded with the local time of the file's
// first packet (%Y %m %d %H %M %S %y %j %s %b %a %e %%). With -C, each
// file after the first gets a number after the name (out, out1, out2...);
// with -C and -W the numbers have as many digits as COUNT-1 needs and the
// first file has one too (out0...out9 for -W 10), and after COUNT files
// the first is overwritten: a ring buffer. With -G and -W (and no -C),
// writing ends after COUNT files (ErrLimit).
//
// Rotation happens before a packet is written: by size when the file
// already holds more than Options.Size bytes, by time when the packet is
// Options.Every or more after the first packet of the file. Time is packet
// time (the wall clock, for a live capture).
package rotate
