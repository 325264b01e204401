// Package liveview is the screen a live capture shows on a terminal, like
// top for TCP states, refreshed every interval: the capture's figures
// (packets, rate, kernel drops), the open endpoints per state and role,
// the services with the most CLOSE_WAIT, TIME_WAIT, SYN_RECEIVED and
// unanswered SYNs, the connections that changed state last, and the
// findings so far.
//
// It draws with tcell (github.com/gdamore/tcell/v2), which puts the
// terminal in raw mode on its alternate screen, reports resizes and keys,
// and restores the terminal in Fini. Close restores it; Run recovers a
// panic of its own goroutine to restore it before the panic goes on, and
// the caller defers Close so a panic elsewhere restores it too.
//
// Keys: q or Ctrl-C ends the capture (the caller then prints the final
// report), p pauses and resumes the refresh, s changes the column the
// services are sorted by, f filters the endpoint table and the changes by
// one state (cycling through the states, then all), h or ? shows the keys.
package liveview
