package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/config"
	"github.com/thunes/thunes/internal/metrics"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/optimize"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue/sim"
)

// axisFlag collects repeated --param name=range flags.
type axisFlag []string

func (a *axisFlag) String() string     { return strings.Join(*a, " ") }
func (a *axisFlag) Set(s string) error { *a = append(*a, s); return nil }

func runOptimize(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "optimize", "optimize --strategy NAME --param name=lo:hi:step ... [--metric M] [--random N --seed S] [--walk-forward IS:OOS] (--data DIR | --synthetic) [--csv FILE] [--json FILE]")
	src := addBarFlags(fs)
	symbol := fs.String("symbol", "BTCUSDT", "symbol to trade")
	strat := fs.String("strategy", "ema-cross", "strategy: "+strings.Join(strategy.Names(), ", "))
	var axes axisFlag
	fs.Var(&axes, "param", "parameter to search: name=lo:hi:step, name=a,b,c or name=value (repeatable)")
	metric := fs.String("metric", "sharpe", "metric to rank by: "+strings.Join(optimize.Metrics(), ", "))
	random := fs.Int("random", 0, "sample this many distinct sets of the grid instead of running all of it (drawn with --seed)")
	workers := fs.Int("workers", 0, "backtests run at once (0: one per CPU)")
	wfSpec := fs.String("walk-forward", "", "walk-forward windows IS:OOS, as durations (90d:30d) or a ratio (3:1, with --folds)")
	folds := fs.Int("folds", 4, "out-of-sample folds of a ratio walk-forward")
	capital := fs.String("capital", "10000", "starting balance in the quote asset")
	top := fs.Int("top", 20, "rows of the ranking to print")
	csvOut := fs.String("csv", "", "write every set's row to this CSV file")
	jsonOut := fs.String("json", "", "write the whole result to this JSON file ('-': standard output, no table)")
	cfgFile := fs.String("config", "", "configuration file (TOML) whose [risk] limits the backtests use")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("optimize: unexpected argument %q", fs.Arg(0))
	}
	spec, err := strategy.Lookup(*strat)
	if err != nil {
		return usagef("optimize: --strategy: %v", err)
	}
	if len(axes) == 0 {
		return usagef("optimize: give at least one --param name=lo:hi:step (parameters of %s: %s)", spec.Name, strings.Join(spec.ParamNames(), ", "))
	}
	cfg := optimize.Config{Metric: *metric, Random: *random, Seed: *src.seed, Workers: *workers}
	if _, err := optimize.Score(*metric, &metrics.Report{}); err != nil {
		return usagef("optimize: --metric: %v", err)
	}
	if *random < 0 || *workers < 0 || *top < 0 {
		return usagef("optimize: --random, --workers and --top must not be negative")
	}
	for _, a := range axes {
		ax, err := optimize.ParseAxis(spec, a)
		if err != nil {
			return usagef("optimize: --param %v", err)
		}
		cfg.Axes = append(cfg.Axes, ax)
	}
	if _, err := optimize.Sets(spec, &cfg); err != nil {
		return usagef("optimize: %v", err)
	}
	if err := src.parse("optimize"); err != nil {
		return err
	}
	if strings.Contains(*symbol, ",") {
		return usagef("optimize: --symbol: one symbol at a time")
	}
	cap, err := num.Parse(*capital)
	if err != nil || !cap.IsPos() {
		return usagef("optimize: --capital %q must be a positive amount", *capital)
	}
	insts, err := instruments("optimize", *symbol)
	if err != nil {
		return err
	}
	in := insts[0]
	cfg.Base = backtest.Config{Symbol: in.Symbol, Interval: src.iv, Strategy: spec.Name, Capital: cap, Venue: sim.DefaultConfig(), Instrument: in}
	if *cfgFile != "" {
		fc, err := config.Load(*cfgFile)
		if err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
		cfg.Base.Risk = &fc.Risk
	}

	bars, err := src.load("optimize", in.Symbol, 0)
	if err != nil {
		return err
	}
	if *wfSpec != "" {
		wf, err := optimize.ParseWalkForward(*wfSpec, bars[len(bars)-1].Time+int64(src.iv)-bars[0].Time, *folds)
		if err != nil {
			return usagef("optimize: --walk-forward: %v", err)
		}
		cfg.WalkForward = &wf
	}
	var bar *progressBar
	if *jsonOut != "-" && e.terminal != nil && e.terminal(e.stdout) && e.terminal(e.stderr) {
		bar = newProgressBar(e.stderr, time.Now)
		bar.unit = "backtests"
		// Workers report under the search's lock, one at a time.
		cfg.Progress = bar.update
	}
	res, err := optimize.Run(ctx, cfg, bars)
	if bar != nil {
		bar.clear()
	}
	if err != nil {
		return err
	}
	if *csvOut != "" {
		if err := writeFileAtomic(*csvOut, func(w io.Writer) error { return writeOptimizeCSV(w, res) }); err != nil {
			return fmt.Errorf("optimize: --csv: %w", err)
		}
	}
	if *jsonOut != "" {
		enc := func(w io.Writer) error {
			j := json.NewEncoder(w)
			j.SetIndent("", "  ")
			return j.Encode(res)
		}
		if *jsonOut == "-" {
			return enc(e.stdout)
		}
		if err := writeFileAtomic(*jsonOut, enc); err != nil {
			return fmt.Errorf("optimize: --json: %w", err)
		}
	}
	printOptimize(e.stdout, res, *top)
	return nil
}

// printOptimize prints the ranking and, with walk-forward, the folds.
func printOptimize(w io.Writer, res *optimize.Result, top int) {
	fmt.Fprintf(w, "%s: %d sets (%d skipped), ranked by %s; %d backtests in %.1f s\n", res.Strategy, res.Sets, res.Skipped, res.Metric, res.Backtests, res.ElapsedMs/1000)
	if len(res.Folds) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FOLD\tIN SAMPLE\tOUT OF SAMPLE\tBEST SET\tIS "+res.Metric+"\tOOS "+res.Metric+"\tOOS RETURN %\tOOS TRADES")
		for i, f := range res.Folds {
			fmt.Fprintf(tw, "%d\t%s → %s\t%s → %s\t%s\t%s\t%s\t%s\t%d\n", i+1, day(f.ISFrom), day(f.ISTo), day(f.OOSFrom), day(f.OOSTo),
				f.Best.Key, fnum(f.Best.Score), fnum(f.OOS.Score), fnum(f.OOS.ReturnPct), f.OOS.Trades)
		}
		tw.Flush()
		fmt.Fprintf(w, "mean %s in sample %s, out of sample %s (efficiency %s)\n", res.Metric, fnum(res.ISMean), fnum(res.OOSMean), fnum(res.Efficiency))
		fmt.Fprintln(w, "\nranking of the last fold's in-sample window:")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	head := []string{"RANK"}
	head = append(head, res.Params...)
	head = append(head, strings.ToUpper(res.Metric), "RETURN %", "SHARPE", "MAX DD %", "TRADES", "WIN %", "PF", "")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i, r := range res.Rows {
		if i >= top {
			break
		}
		cells := []string{strconv.Itoa(i + 1)}
		for _, p := range res.Params {
			cells = append(cells, strconv.FormatFloat(r.Params[p], 'f', -1, 64))
		}
		if r.Err != "" {
			cells = append(cells, "skipped: "+r.Err)
		} else {
			cells = append(cells, fnum(r.Score), fnum(r.ReturnPct), fnum(r.Sharpe), fnum(r.MaxDrawdownPct), strconv.Itoa(r.Trades), fnum(r.WinRate*100), fnum(r.ProfitFactor), "")
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

func fnum(f optimize.Float) string {
	v := float64(f)
	if math.IsNaN(v) {
		return "-"
	}
	if math.IsInf(v, 0) {
		return "∞"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func day(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02") }

// writeOptimizeCSV writes one row per set in rank order.
func writeOptimizeCSV(w io.Writer, res *optimize.Result) error {
	cw := csv.NewWriter(w)
	head := append([]string{"rank"}, res.Params...)
	head = append(head, "score", "return_pct", "sharpe", "max_drawdown_pct", "trades", "win_rate", "profit_factor", "fees", "final_equity", "error")
	if err := cw.Write(head); err != nil {
		return err
	}
	raw := func(f optimize.Float) string {
		v := float64(f)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for i, r := range res.Rows {
		row := []string{strconv.Itoa(i + 1)}
		for _, p := range res.Params {
			row = append(row, strconv.FormatFloat(r.Params[p], 'f', -1, 64))
		}
		row = append(row, raw(r.Score), raw(r.ReturnPct), raw(r.Sharpe), raw(r.MaxDrawdownPct), strconv.Itoa(r.Trades),
			raw(r.WinRate), raw(r.ProfitFactor), r.Fees, r.FinalEquity, r.Err)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeFileAtomic writes path through a temporary file in the same
// directory, synced and renamed into place: a reader sees the old file or
// the whole new one.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}
