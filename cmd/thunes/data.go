package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/thunes/thunes/internal/catalog"
	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
)

// runData dispatches the data subcommands: import and ls.
func runData(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printDataUsage(e.stderr)
		return usagef("data: no subcommand given (import or ls)")
	}
	switch args[0] {
	case "import":
		return runDataImport(ctx, e, args[1:])
	case "ls", "list":
		return runDataList(e, args[1:])
	case "-h", "--help", "-help", "help":
		printDataUsage(e.stdout)
		return nil
	}
	printDataUsage(e.stderr)
	return usagef("data: unknown subcommand %q (want import or ls)", args[0])
}

func printDataUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: thunes data SUBCOMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "subcommands:")
	fmt.Fprintln(w, "  import   import Binance kline files (.zip, .csv.gz, .csv) into the catalog")
	fmt.Fprintln(w, "  ls       list the series in the catalog")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'thunes data SUBCOMMAND --help' for its flags.")
}

func runDataImport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "data import", "data import [--data DIR] [--market spot|futures-um] FILE...\n\n"+
		"FILE is a Binance kline file named SYMBOL-INTERVAL[-YYYY-MM[-DD]].{zip,csv,csv.gz},\n"+
		"as Binance's data portal ships them. Every row is checked; a bad file imports nothing.")
	data := fs.String("data", "./data", "catalog directory")
	mkt := fs.String("market", catalog.Spot, "market the files belong to: spot or futures-um")
	files, err := parseInterspersed(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(files) == 0 {
		return usagef("data import: no FILE given")
	}
	if err := catalog.ValidMarket(*mkt); err != nil {
		return usagef("data import: --market: %v", err)
	}
	if *data == "" {
		return usagef("data import: --data: empty directory name")
	}
	cat, err := catalog.Open(*data)
	if err != nil {
		return fmt.Errorf("data import: %w", err)
	}
	results, err := cat.Import(ctx, *mkt, files)
	if err != nil {
		return fmt.Errorf("data import: %w", err)
	}
	w := e.stdout
	for _, r := range results {
		s := r.Series
		fmt.Fprintf(w, "%s %s %s: read %d rows from %d file(s), added %d", s.Market, s.Symbol, s.Interval, r.Read, len(r.Files), r.Added)
		if r.Filled > 0 {
			fmt.Fprintf(w, ", completed %d", r.Filled)
		}
		if len(r.Skipped) > 0 {
			fmt.Fprintf(w, "; skipped %d file(s) already imported", len(r.Skipped))
		}
		fmt.Fprintln(w)
		if s.Rows == 0 {
			continue
		}
		fmt.Fprintf(w, "  series: %d rows, %s → %s\n", s.Rows, fmtBarTime(s.First), fmtBarTime(s.Last))
		fmt.Fprintf(w, "  gaps:   %s\n", gapSummary(s.Interval, s.Gaps, s.Missing))
	}
	return nil
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, which it returns; "--" ends the flags.
func parseInterspersed(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(e, fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func gapSummary(iv market.Interval, gaps []feed.Gap, missing int64) string {
	if len(gaps) == 0 {
		return "none"
	}
	largest := gaps[0]
	for _, g := range gaps[1:] {
		if g.Missing > largest.Missing {
			largest = g
		}
	}
	return fmt.Sprintf("%d, %d %s bars missing; largest %s → %s (%d bars)",
		len(gaps), missing, iv, fmtBarTime(largest.Start), fmtBarTime(largest.End), largest.Missing)
}

func fmtBarTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04") + " UTC"
}

// seriesJSON is how data ls --json shows a series.
type seriesJSON struct {
	Market   string       `json:"market"`
	Symbol   string       `json:"symbol"`
	Interval string       `json:"interval"`
	First    time.Time    `json:"first"`
	Last     time.Time    `json:"last"`
	Rows     int64        `json:"rows"`
	Missing  int64        `json:"missing"`
	Gaps     []gapJSON    `json:"gaps"`
	Sources  []sourceJSON `json:"sources"`
}

type gapJSON struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Missing int64     `json:"missing"`
}

type sourceJSON struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Rows   int64  `json:"rows"`
}

func toSeriesJSON(s catalog.SeriesInfo) seriesJSON {
	out := seriesJSON{
		Market: s.Market, Symbol: s.Symbol, Interval: s.Interval.String(),
		First: time.UnixMilli(s.First).UTC(), Last: time.UnixMilli(s.Last).UTC(),
		Rows: s.Rows, Missing: s.Missing,
		Gaps: make([]gapJSON, len(s.Gaps)), Sources: make([]sourceJSON, len(s.Sources)),
	}
	for i, g := range s.Gaps {
		out.Gaps[i] = gapJSON{Start: time.UnixMilli(g.Start).UTC(), End: time.UnixMilli(g.End).UTC(), Missing: g.Missing}
	}
	for i, src := range s.Sources {
		out.Sources[i] = sourceJSON(src)
	}
	return out
}

func runDataList(e *env, args []string) error {
	fs := newFlagSet(e, "data ls", "data ls [--data DIR] [--json]")
	data := fs.String("data", "./data", "catalog directory")
	asJSON := fs.Bool("json", false, "print a JSON array, one object per series, with every gap and source")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("data ls: unexpected argument %q", fs.Arg(0))
	}
	if *data == "" {
		return usagef("data ls: --data: empty directory name")
	}
	cat, err := catalog.Open(*data)
	if err != nil {
		return fmt.Errorf("data ls: %w", err)
	}
	list, err := cat.List()
	if err != nil {
		return fmt.Errorf("data ls: %w", err)
	}
	if *asJSON {
		out := make([]seriesJSON, len(list))
		for i, s := range list {
			out[i] = toSeriesJSON(s)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "catalog %s holds no series; add some with 'thunes data import'\n", *data)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MARKET\tSYMBOL\tINTERVAL\tFIRST\tLAST\tROWS\tGAPS")
	for _, s := range list {
		gaps := "0"
		if len(s.Gaps) > 0 {
			gaps = fmt.Sprintf("%d (%d missing)", len(s.Gaps), s.Missing)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Market, s.Symbol, s.Interval, fmtBarTime(s.First), fmtBarTime(s.Last), s.Rows, gaps)
	}
	return tw.Flush()
}
