package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/config"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/report"
	"github.com/thunes/thunes/internal/venue/sim"
)

// paramFlag collects repeated --param name=value flags.
type paramFlag map[string]float64

func (p paramFlag) String() string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, p[k])
	}
	return strings.Join(parts, ",")
}

func (p paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want name=value, got %q", s)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("parameter %s: %q is not a number", k, v)
	}
	p[k] = f
	return nil
}

func runBacktest(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "backtest", "backtest (--data DIR | --synthetic) [--symbol S] [--interval I] [--strategy NAME] [--from DATE] [--to DATE] [--json] [--out DIR]")
	src := addBarFlags(fs)
	symbol := fs.String("symbol", "BTCUSDT", "symbol to trade, or several separated by commas, traded in one account")
	strat := fs.String("strategy", "ema-cross", "strategy: "+strings.Join(backtest.Strategies(), ", "))
	params := paramFlag{}
	fs.Var(params, "param", "strategy parameter name=value (repeatable), e.g. --param fast=10")
	capital := fs.String("capital", "10000", "starting balance in the quote asset")
	maker := fs.String("maker-fee", "0.001", "maker commission rate")
	taker := fs.String("taker-fee", "0.001", "taker commission rate")
	latency := fs.Duration("latency", 50*time.Millisecond, "order latency to the venue")
	slip := fs.Float64("slippage-bps", 1, "fixed slippage of market and stop fills, basis points")
	share := fs.String("max-volume-share", "0.1", "most of a bar's volume orders may fill (0 = no cap)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	out := fs.String("out", "", "write a report into this directory (created if missing): result.json, trades.csv, equity.csv, report.html")
	cfgFile := fs.String("config", "", "configuration file (TOML) whose [risk] limits the backtest uses; default: built-in limits")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("backtest: unexpected argument %q", fs.Arg(0))
	}
	if err := src.parse("backtest"); err != nil {
		return err
	}
	if *out != "" {
		// Fail before a long run rather than after it.
		if fi, err := os.Stat(*out); err == nil && !fi.IsDir() {
			return usagef("backtest: --out: %s exists and is not a directory", *out)
		}
	}
	insts, err := instruments("backtest", *symbol)
	if err != nil {
		return err
	}
	in := insts[0]
	cfg := backtest.Config{Symbol: in.Symbol, Interval: src.iv, Strategy: *strat, Params: params, Venue: sim.DefaultConfig(), Instrument: in}
	for _, f := range []struct {
		name string
		val  string
		dst  *num.Decimal
	}{{"capital", *capital, &cfg.Capital}, {"maker-fee", *maker, &cfg.Venue.MakerFee},
		{"taker-fee", *taker, &cfg.Venue.TakerFee}, {"max-volume-share", *share, &cfg.Venue.MaxVolumeShare}} {
		v, err := num.Parse(f.val)
		if err != nil {
			return usagef("backtest: --%s: %v", f.name, err)
		}
		*f.dst = v
	}
	if !cfg.Capital.IsPos() {
		return usagef("backtest: --capital %s must be positive", cfg.Capital)
	}
	cfg.Venue.LatencyMs = latency.Milliseconds()
	cfg.Venue.SlippageBps = *slip
	if err := cfg.Venue.Validate(); err != nil {
		return usagef("backtest: %v", err)
	}
	if _, err := backtest.NewStrategy(cfg.Strategy, cfg.Symbol, cfg.Params); err != nil {
		return usagef("backtest: --strategy/--param: %v", err)
	}
	if *cfgFile != "" {
		fc, err := config.Load(*cfgFile)
		if err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
		cfg.Risk = &fc.Risk
	}

	bars, err := src.load("backtest", in.Symbol, 0)
	if err != nil {
		return err
	}
	for k, more := range insts[1:] {
		b, err := src.load("backtest", more.Symbol, k+1)
		if err != nil {
			return err
		}
		cfg.More = append(cfg.More, backtest.Series{Symbol: more.Symbol, Instrument: more, Bars: b})
	}
	// A progress bar on stderr, only for a person watching a terminal: never
	// in JSON mode or when either stream is redirected.
	var bar *progressBar
	if !*asJSON && e.terminal != nil && e.terminal(e.stdout) && e.terminal(e.stderr) {
		bar = newProgressBar(e.stderr, time.Now)
		cfg.Progress = bar.update
	}
	res, err := backtest.Run(ctx, cfg, bars)
	if bar != nil {
		bar.clear()
	}
	if err != nil {
		return err
	}
	if *out != "" {
		if err := report.Write(*out, res, bars); err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(res)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s on %s %s, %s → %s\n", res.Strategy, res.Symbol, res.Interval, res.From, res.To)
	fmt.Fprintf(w, "  bars          %d (%d gaps)\n", res.Bars, res.Gaps)
	fmt.Fprintf(w, "  orders        %d (%d rejected by the venue, %d denied by risk), fills %d\n", res.Orders, res.Rejected, res.Denied, res.Fills)
	fmt.Fprintf(w, "  equity        %s → %s %s (%+.2f%%)\n", res.InitialEquity, res.FinalEquity, in.QuoteAsset, res.ReturnPct)
	fmt.Fprintf(w, "  realized PnL  %s, fees %s\n", res.RealizedPnL, res.Fees)
	fmt.Fprintf(w, "  max drawdown  %.2f%%\n", res.MaxDrawdownPct)
	fmt.Fprintf(w, "  ledger        sha256:%s\n", res.LedgerSHA256)
	fmt.Fprintf(w, "  speed         %.0f bars/s (%.1f ms)\n", res.BarsPerSec, res.ElapsedMs)
	if *out != "" {
		fmt.Fprintf(w, "  report        %s\n", filepath.Join(*out, report.HTMLFile))
	}
	return nil
}

func orAny(s string) string {
	if s == "" {
		return "any time"
	}
	return s
}

// parseDate reads YYYY-MM-DD (UTC midnight; with end set, the midnight after
// the day, so the day is included) or an RFC 3339 instant, as Unix ms. An
// empty string is 0, meaning unbounded.
func parseDate(s string, end bool) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UnixMilli(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", s)
	}
	return t.UnixMilli(), nil
}
