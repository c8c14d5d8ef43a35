package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError marks an error in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u) || errors.Is(err, flag.ErrHelp)
}

// env is what every subcommand receives from run.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// terminal reports whether a writer is a terminal, where progress may
	// be drawn.
	terminal func(io.Writer) bool
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "trade simnet's synthetic market in live mode for a minute, printing trades and PnL", runDemo},
		{"version", "print the version", runVersion},
		{"data", "import and list market data (data import, data ls)", runData},
		{"backtest", "run a strategy over historical or synthetic bars", runBacktest},
		{"strategies", "list the built-in strategies and their parameters", runStrategies},
		{"optimize", "search a strategy's parameters with backtests (grid, random, walk-forward)", runOptimize},
		{"kill", "trip, reset or show the kill-switch (kill --reason, --reset, --status)", runKill},
		{"run", "trade a strategy: paper (default), testnet or live; or replay a catalog (run --feed replay:CATALOG)", runSession},
		{"reconcile", "compare the last session's books with the exchange (exit 0 only when they agree)", runReconcile},
		{"audit", "verify, export or replay the audit journal (audit verify|export|replay)", runAudit},
		{"backup", "write a consistent copy of the database (backup --out FILE)", runBackup},
		{"restore", "restore the database from a backup and verify its journal", runRestore},
		{"simnet", "serve a Binance-compatible exchange on localhost (simnet, simnet keys add)", runSimnet},
	}
}

// run is the whole program: args[0] is the program name, the rest the command
// line. It returns an error instead of exiting so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, terminal: isTerminal}
	if len(args) < 2 {
		printUsage(stderr)
		return usagef("no command given")
	}
	name, rest := args[1], args[2:]
	if name == "-h" || name == "--help" || name == "help" {
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, rest)
		}
	}
	printUsage(stderr)
	return usagef("unknown command %q", name)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: thunes COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'thunes COMMAND --help' for a command's flags.")
}

// newFlagSet returns a flag set that writes its usage to e.stdout on --help and
// to e.stderr otherwise, and never exits.
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: thunes %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors. --help
// prints to stdout and returns flag.ErrHelp, which callers treat as success.
func parseFlags(e *env, fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		if a == "--" {
			break
		}
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usagef("%s: %v", fs.Name(), strings.TrimPrefix(err.Error(), "flag provided but not defined: "))
	}
	return nil
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "version")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("version: unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintf(e.stdout, "thunes %s\n", version)
	return nil
}

// helpOK turns flag.ErrHelp into success.
func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
