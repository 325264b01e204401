//go:build linux

// Command mkpcaps regenerates the sample captures in pcaps/ from real kernel
// TCP traffic in network namespaces (see package e2e). For every scenario it
// writes <name>.pcap, <name>.ss.txt (the raw ss output of both namespaces)
// and <name>.expected.tsv (the kernel's endpoint states, the oracle the
// golden tests compare against), then rewrites README.md.
//
//	sudo go run ./reconstruct/e2e/cmd/mkpcaps -out pcaps [-run demo,closing]
//	go run ./reconstruct/e2e/cmd/mkpcaps -out pcaps -readme   # README.md only
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/wirestat/wirestat/reconstruct/e2e"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkpcaps:", err)
		os.Exit(1)
	}
}

// run parses args, runs the selected scenarios one after the other and
// writes their files and the README into the output directory.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkpcaps", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "pcaps", "output `directory`")
	only := fs.String("run", "", "comma-separated scenario `names` (default all)")
	list := fs.Bool("list", false, "list the scenarios and exit")
	readmeOnly := fs.Bool("readme", false, "only rewrite README.md from the files already in -out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	scenarios := e2e.Scenarios()
	if *list {
		for _, sc := range scenarios {
			fmt.Fprintf(stdout, "%-26s %s\n", sc.Name, sc.Doc)
		}
		return nil
	}
	if *readmeOnly {
		return writeREADME(*out, scenarios)
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
		for _, n := range names {
			if !slices.ContainsFunc(scenarios, func(s e2e.Scenario) bool { return s.Name == n }) {
				return fmt.Errorf("unknown scenario %q (see -list)", n)
			}
		}
	}
	if err := e2e.Available(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, sc := range scenarios {
		if names != nil && !slices.Contains(names, sc.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		o, err := sc.Capture(*out)
		if len(sc.Device) > 0 && errors.Is(err, e2e.ErrMissing) {
			fmt.Fprintf(os.Stderr, "mkpcaps: %s skipped: %v\n", sc.Name, err)
			continue
		}
		if err != nil {
			return err
		}
		cuts := o.Cuts
		if cuts == nil {
			cuts = []e2e.Cut{{Name: o.Scenario, Pcap: o.Pcap, Command: o.Command, Info: o.Info}}
		}
		for _, c := range cuts {
			if err := writeOutcome(*out, o, c); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%-26s %3d packets  %s\n", c.Name, c.Info.Packets, summary(o))
		}
		for _, m := range o.Mismatches {
			fmt.Fprintf(stderr, "%s: %s\n", sc.Name, m)
		}
	}
	return writeREADME(*out, scenarios)
}

// writeOutcome writes the .ss.txt, .expected.tsv and .how.txt files of one
// capture of a scenario: its only one, or one of an Asym scenario's cuts,
// which share the scenario's ss snapshots.
func writeOutcome(dir string, o *e2e.Outcome, c e2e.Cut) error {
	base := filepath.Join(dir, c.Name)
	f, err := os.Create(base + ".expected.tsv")
	if err != nil {
		return err
	}
	err = e2e.WriteExpectedTSV(f, o.Endpoints())
	if err := errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("write %s.expected.tsv: %w", base, err)
	}
	if err := os.WriteFile(base+".ss.txt", []byte(o.SSText()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".how.txt", []byte(how(o, c.Command)), 0o644)
}

// how records the commands that made a capture: the tcpdump command line
// (run in the client namespace), the firewall rules and the other commands
// run in the namespaces (added addresses, routes, sysctls, nmap, hping3).
func how(o *e2e.Outcome, command []string) string {
	cmd := slices.Clone(command)
	for i := range cmd {
		if i > 0 && cmd[i-1] == "-w" {
			cmd[i] = filepath.Base(cmd[i])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "client: %s\n", strings.Join(cmd, " "))
	for _, r := range o.Rules {
		b.WriteString(r + "\n")
	}
	for _, c := range o.Commands {
		b.WriteString(c + "\n")
	}
	return b.String()
}

// summary renders the kernel states of the client endpoints and their
// peers on one line: "40001->80 TIME_WAIT/CLOSED".
func summary(o *e2e.Outcome) string {
	return statesLine(o.Endpoints())
}

// statesLine pairs each client endpoint with its server endpoint. Beyond
// manyConns connections it counts them per server port and pair of states
// instead ("20 × ->80 FIN_WAIT_2/CLOSE_WAIT"), naming a client address other
// than the namespace's own.
func statesLine(eps []e2e.EndpointState) string {
	byEP := make(map[e2e.Endpoint]string, len(eps))
	for _, ep := range eps {
		byEP[ep.Endpoint] = ep.State
	}
	type group struct {
		key string
		n   int
	}
	var parts []string
	var groups []*group
	seen := make(map[string]*group)
	for _, ep := range eps {
		if !e2e.ClientSide(ep.Local.Addr()) {
			continue
		}
		peerState, ok := byEP[e2e.Endpoint{Local: ep.Peer, Peer: ep.Local}]
		if !ok {
			peerState = "?"
		}
		parts = append(parts, fmt.Sprintf("%d->%d %s/%s", ep.Local.Port(), ep.Peer.Port(), ep.State, peerState))
		from := ""
		if a := ep.Local.Addr(); a != e2e.ClientAddr4 && a != e2e.ClientAddr6 {
			from = a.String()
		}
		key := fmt.Sprintf("%s->%d %s/%s", from, ep.Peer.Port(), ep.State, peerState)
		g := seen[key]
		if g == nil {
			g = &group{key: key}
			seen[key] = g
			groups = append(groups, g)
		}
		g.n++
	}
	if len(parts) <= manyConns {
		return strings.Join(parts, ", ")
	}
	parts = parts[:0]
	for _, g := range groups {
		parts = append(parts, fmt.Sprintf("%d × %s", g.n, g.key))
	}
	return strings.Join(parts, ", ")
}

// manyConns is the number of connections up to which statesLine lists
// each one.
const manyConns = 8
