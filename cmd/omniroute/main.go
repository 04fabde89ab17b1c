// Command omniroute is the order-routing service and its tools: one binary,
// one subcommand per job. Run "omniroute help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand: it parses its own flags from args and writes its
// output to stdout. It returns errUsage (wrapped or not) for bad flags.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// errUsage marks an error caused by how the command was called (exit 2).
// Usage errors are written fmt.Errorf("%w: what is wrong", errUsage).
var errUsage = errors.New("usage")

// usageMessage is what a usage error says, without the errUsage word that
// starts it.
func usageMessage(err error) string {
	return strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
}

func commands() map[string]command {
	return map[string]command{
		"serve":       {"run the gRPC routing server (demo network when no --network)", runServe},
		"route":       {"send one order to a server and print the plan as JSON", runRoute},
		"options":     {"ask a server what it can offer for a cart (per method, partner, pickup store) and print it as JSON", runOptions},
		"solve":       {"solve one problem file offline and print the plan as JSON", runSolve},
		"gen-problem": {"write a random but realistic solver problem file", runGenProblem},
		"gen":         {"write a synthetic dataset: network, stock, orders, replenishments", runGen},
		"plan":        {"solve the expected-demand allocation LP and print opportunity costs per (node, sku)", runPlan},
		"simulate":    {"replay orders through policies and scenarios and report KPIs", runSimulate},
		"allocate":    {"plan supply placement and transfers between nodes from the order history (transfers.csv)", runAllocate},
		"bench":       {"load-test a running server over gRPC", runBench},
		"order-log":   {"write the orders the replicas recorded in the database (serve --order-log-db) as an orders file", runOrderLog},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "omniroute: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		// One line that says what is wrong, and where to look: the flag
		// set printed nothing (see parseFlags).
		fmt.Fprintf(stderr, "omniroute %s: %s\nRun 'omniroute %s -h' for usage.\n", args[0], usageMessage(err), args[0])
		return 2
	default:
		fmt.Fprintf(stderr, "omniroute %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: omniroute <command> [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'omniroute <command> -h' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("omniroute "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [flags]\n\nflags:\n", fs.Name())
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a parse error into errUsage. The flag
// set prints nothing on a bad flag (run prints the error once, with a hint);
// -h or --help prints the command's usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	out := fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}
