package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/catalog"
	"github.com/thunes/thunes/internal/config"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/paper"
	"github.com/thunes/thunes/internal/venue/sim"
)

// runSession is 'thunes run': a trading session that records everything in
// the database. Paper mode over a replayed catalog is what exists so far.
func runSession(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "run", "run [--config FILE] [--mode paper|testnet|live] [--db DSN] [--duration D] [--confirm-live ACCOUNT:MAX_CAPITAL]\n       thunes run --mode paper --feed replay:CATALOG [--symbol S] [--strategy NAME] [--speed max|N] [--db DSN]")
	mode := fs.String("mode", "paper", "trading mode: paper (Binance's market data, simulated fills), testnet or live")
	feedName := fs.String("feed", "", "market data: empty for Binance's streams, or replay:CATALOG to replay the catalog directory's bars")
	duration := fs.Duration("duration", 0, "stop cleanly after this long (0: until interrupted)")
	confirm := fs.String("confirm-live", "", "confirm live mode without a prompt by repeating ACCOUNT:MAX_CAPITAL from the configuration")
	mkt := fs.String("market", "spot", "market of the catalog series: spot or futures-um")
	symbol := fs.String("symbol", "BTCUSDT", "symbol to trade")
	ivName := fs.String("interval", "1m", "bar interval")
	strat := fs.String("strategy", "ema-cross", "strategy: "+strings.Join(backtest.Strategies(), ", "))
	params := paramFlag{}
	fs.Var(params, "param", "strategy parameter name=value (repeatable), e.g. --param fast=10")
	from := fs.String("from", "", "first day (YYYY-MM-DD, UTC) or instant (RFC 3339), inclusive")
	to := fs.String("to", "", "last day (YYYY-MM-DD, UTC, inclusive) or instant (RFC 3339, exclusive)")
	capital := fs.String("capital", "10000", "starting balance in the quote asset")
	maker := fs.String("maker-fee", "0.001", "maker commission rate")
	taker := fs.String("taker-fee", "0.001", "taker commission rate")
	speed := fs.String("speed", "max", "replay speed: max, or a multiple of real time such as 60")
	cfgFile := fs.String("config", "", "configuration file (TOML) whose [risk] limits the session uses")
	newRun := fs.Bool("new", false, "start a new run even if one with this configuration already finished")
	dbf := addDBFlags(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	if *feedName == "" {
		dbSet := false
		fs.Visit(func(f *flag.Flag) { dbSet = dbSet || f.Name == "db" })
		return runLiveSession(ctx, e, *mode, *cfgFile, dbf, dbSet, *duration, *confirm)
	}
	if *mode != "paper" {
		return usagef("run: --mode %q: a replayed feed trades on the simulated venue only (--mode paper)", *mode)
	}
	dir, ok := strings.CutPrefix(*feedName, "replay:")
	if !ok || dir == "" {
		return usagef("run: --feed %q: want replay:CATALOG_DIR", *feedName)
	}
	iv, err := market.ParseInterval(*ivName)
	if err != nil {
		return usagef("run: --interval: %v", err)
	}
	fromMs, err := parseDate(*from, false)
	if err != nil {
		return usagef("run: --from: %v", err)
	}
	toMs, err := parseDate(*to, true)
	if err != nil {
		return usagef("run: --to: %v", err)
	}
	var sp float64
	if *speed != "max" {
		if sp, err = strconv.ParseFloat(*speed, 64); err != nil || !(sp > 0) {
			return usagef("run: --speed %q: want max or a positive number", *speed)
		}
	}
	cfg := paper.Config{Feed: *feedName, Market: *mkt, Symbol: *symbol, Interval: iv, From: fromMs, To: toMs,
		Strategy: *strat, Params: params, Venue: sim.DefaultConfig(), Speed: sp, New: *newRun, Log: e.stderr, Actor: e.getenv("USER")}
	for _, f := range []struct {
		name, val string
		dst       *num.Decimal
	}{{"capital", *capital, &cfg.Capital}, {"maker-fee", *maker, &cfg.Venue.MakerFee}, {"taker-fee", *taker, &cfg.Venue.TakerFee}} {
		if *f.dst, err = num.Parse(f.val); err != nil {
			return usagef("run: --%s: %v", f.name, err)
		}
	}
	if !cfg.Capital.IsPos() {
		return usagef("run: --capital %s must be positive", cfg.Capital)
	}
	if err := cfg.Venue.Validate(); err != nil {
		return usagef("run: %v", err)
	}
	if _, err := backtest.NewStrategy(cfg.Strategy, cfg.Symbol, cfg.Params); err != nil {
		return usagef("run: --strategy/--param: %v", err)
	}
	info, err := market.DefaultSpot()
	if err != nil {
		return err
	}
	in, ok := info.Instrument(cfg.Symbol)
	if !ok {
		return usagef("run: --symbol: unknown symbol %q", cfg.Symbol)
	}
	cfg.Instrument = in
	if *cfgFile != "" {
		fc, err := config.Load(*cfgFile)
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		cfg.Risk = &fc.Risk
	}
	cat, err := catalog.Open(dir)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	bars, err := cat.Load(*mkt, cfg.Symbol, iv, fromMs, toMs)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if len(bars) == 0 {
		return fmt.Errorf("run: %s %s has no bars between %s and %s", cfg.Symbol, iv, orAny(*from), orAny(*to))
	}
	s, key, err := dbf.open(ctx, true, true)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer s.Close()
	// Nothing is added to a journal that does not verify.
	if err := verified(ctx, s, key); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	cfg.Store = s
	res, err := paper.Run(ctx, cfg, bars)
	if err != nil {
		return err
	}
	if res.Done {
		fmt.Fprintf(e.stdout, "run %s: already finished\n", res.RunID)
		return nil
	}
	fmt.Fprintf(e.stdout, "run %s: %d bars, %d orders, %d fills, equity %s %s\n", res.RunID, res.Bars, res.Orders, res.Fills, res.Equity, in.QuoteAsset)
	return nil
}
