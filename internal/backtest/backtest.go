// Package backtest runs a strategy over historical or synthetic bars on the
// simulated venue and reports what happened.
package backtest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/engine"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/metrics"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue/sim"
)

// Series is a further symbol of a backtest and its bars.
type Series struct {
	Symbol     string
	Instrument *market.Instrument
	Bars       []market.Bar
}

// Config describes one backtest.
type Config struct {
	Symbol   string
	Interval market.Interval
	Strategy string
	// Params are strategy parameters by name; missing ones take defaults.
	Params map[string]float64
	// Capital is the starting balance of the instrument's quote asset.
	Capital num.Decimal
	Venue   sim.Config
	// Instrument gives the exchange rules the simulated venue enforces.
	Instrument *market.Instrument
	// More are further symbols traded in the same account, on the same
	// interval, each with its instrument (in the same quote asset) and its
	// bars. The named strategy then runs once per symbol.
	More []Series
	// Risk is the risk configuration every order passes; nil means
	// risk.Defaults().
	Risk *risk.Config
	// Journal receives every risk event (decisions, state changes,
	// cool-downs, trips); nil keeps the last few thousand in memory.
	Journal risk.Journal
	// Strategy, when set, is run instead of the one named by Strategy and
	// Params: for strategies built in code, such as tests'.
	Custom strategy.Strategy
	// Progress, when set, is called from the run's goroutine every 65 536
	// bars and once at the end with the bars done and the bars in total
	// (engine.Config.Progress). It must return quickly.
	Progress func(done, total int)
}

// Result is a backtest's summary. JSON field names are part of the CLI's
// contract.
type Result struct {
	Strategy       string  `json:"strategy"`
	Symbol         string  `json:"symbol"`
	Interval       string  `json:"interval"`
	From           string  `json:"from"`
	To             string  `json:"to"`
	Bars           int     `json:"bars"`
	Gaps           int     `json:"gaps"`
	Orders         int     `json:"orders"`
	Rejected       int     `json:"rejected"`
	Denied         int     `json:"denied"`
	Fills          int     `json:"fills"`
	Fees           string  `json:"fees"`
	RealizedPnL    string  `json:"realized_pnl"`
	InitialEquity  string  `json:"initial_equity"`
	FinalEquity    string  `json:"final_equity"`
	ReturnPct      float64 `json:"return_pct"`
	MaxDrawdownPct float64 `json:"max_drawdown_pct"`
	LedgerSHA256   string  `json:"ledger_sha256"`
	ElapsedMs      float64 `json:"elapsed_ms"`
	BarsPerSec     float64 `json:"bars_per_sec"`
	// Metrics are the run's performance figures (docs/metrics.md).
	Metrics metrics.Report `json:"metrics"`
	// Curve is the exact daily equity and Trades the closed trades; neither
	// is printed in the summary.
	Curve  []engine.EquityPoint `json:"-"`
	Trades []metrics.Trade      `json:"-"`
}

// Strategies lists the strategy names NewStrategy accepts.
func Strategies() []string { return strategy.Names() }

// NewStrategy builds the named built-in strategy for symbol with params
// (name → value, missing ones at their defaults); unknown names, unknown
// parameters and values out of range are errors that list what is valid.
func NewStrategy(name, symbol string, params map[string]float64) (strategy.Strategy, error) {
	return strategy.New(name, symbol, params)
}

// Run backtests cfg over bars (one symbol, one interval, oldest first). The
// account is proven to reconcile at the end, and the venue's balances must
// equal the account's.
func Run(ctx context.Context, cfg Config, bars []market.Bar) (*Result, error) {
	in := cfg.Instrument
	if in == nil {
		return nil, fmt.Errorf("backtest: no instrument for %s", cfg.Symbol)
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("backtest %s %s: no bars in the selected range", cfg.Symbol, cfg.Interval)
	}
	insts := []*market.Instrument{in}
	series := []engine.Series{{Symbol: cfg.Symbol, Interval: cfg.Interval, Bars: bars}}
	symbols := []string{cfg.Symbol}
	for _, m := range cfg.More {
		switch {
		case m.Instrument == nil:
			return nil, fmt.Errorf("backtest: no instrument for %s", m.Symbol)
		case m.Instrument.Symbol != m.Symbol || m.Instrument.QuoteAsset != in.QuoteAsset:
			return nil, fmt.Errorf("backtest: %s (instrument %s, quote %s) cannot trade in a %s account", m.Symbol, m.Instrument.Symbol, m.Instrument.QuoteAsset, in.QuoteAsset)
		case slices.Contains(symbols, m.Symbol):
			return nil, fmt.Errorf("backtest: %s is given twice", m.Symbol)
		case len(m.Bars) == 0:
			return nil, fmt.Errorf("backtest %s %s: no bars in the selected range", m.Symbol, cfg.Interval)
		}
		insts = append(insts, m.Instrument)
		series = append(series, engine.Series{Symbol: m.Symbol, Interval: cfg.Interval, Bars: m.Bars})
		symbols = append(symbols, m.Symbol)
	}
	strat := cfg.Custom
	if strat == nil {
		parts := make([]strategy.Strategy, len(symbols))
		for i, sym := range symbols {
			var err error
			if parts[i], err = NewStrategy(cfg.Strategy, sym, cfg.Params); err != nil {
				return nil, err
			}
		}
		strat = parts[0]
		if len(parts) > 1 {
			var err error
			if strat, err = strategy.NewMulti(parts...); err != nil {
				return nil, err
			}
		}
	}
	acct, err := account.New(in.QuoteAsset, cfg.Capital)
	if err != nil {
		return nil, err
	}
	rs, err := newRisk(cfg.Risk, cfg.Journal)
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(engine.Config{
		Account:        acct,
		Strategy:       strat,
		Gate:           rs.gate,
		Monitor:        rs.monitor,
		Kill:           rs.kill,
		AutoTrip:       rs.autoTrip,
		Instruments:    insts,
		ClientIDPrefix: "bt",
		Progress:       cfg.Progress,
	})
	if err != nil {
		return nil, err
	}
	v, err := sim.New(cfg.Venue, insts, map[string]num.Decimal{in.QuoteAsset: cfg.Capital}, eng.Sink)
	if err != nil {
		return nil, err
	}
	eng.SetVenue(v)
	start := time.Now()
	run, err := eng.RunBacktest(ctx, series, v)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	if err := sameBalances(acct, v); err != nil {
		return nil, err
	}
	final := run.Curve[len(run.Curve)-1].Equity
	ret := 0.0
	if cfg.Capital.IsPos() {
		ret = (final.Float64()/cfg.Capital.Float64() - 1) * 100
	}
	res := &Result{
		Strategy:       strat.Name(),
		Symbol:         strings.Join(symbols, ","),
		Interval:       cfg.Interval.String(),
		From:           time.UnixMilli(run.First).UTC().Format(time.RFC3339),
		To:             time.UnixMilli(run.Last).UTC().Format(time.RFC3339),
		Bars:           run.Bars,
		Gaps:           eng.Stats.Gaps,
		Orders:         eng.Stats.Orders,
		Rejected:       eng.Stats.Rejected,
		Denied:         eng.Stats.Denied,
		Fills:          eng.Stats.Fills,
		Fees:           acct.FeesQuote().String(),
		RealizedPnL:    acct.Realized().String(),
		InitialEquity:  cfg.Capital.String(),
		FinalEquity:    final.String(),
		ReturnPct:      ret,
		MaxDrawdownPct: run.MaxDrawdownPct,
		LedgerSHA256:   eng.LedgerSHA256(),
		ElapsedMs:      float64(elapsed.Microseconds()) / 1000,
		Curve:          run.Curve,
	}
	if res.Metrics, err = report(eng, acct, run, cfg.Capital, final); err != nil {
		return nil, err
	}
	res.Trades = eng.Trades()
	if s := elapsed.Seconds(); s > 0 {
		res.BarsPerSec = float64(run.Bars) / s
	}
	return res, nil
}

// report computes the run's metrics and proves they reconcile: the closed
// trades' net PnL plus the open PnL is final − initial equity, exactly.
func report(eng *engine.Engine, acct *account.Account, run *engine.Run, initial, final num.Decimal) (metrics.Report, error) {
	open, err := eng.OpenPnL()
	if err != nil {
		return metrics.Report{}, fmt.Errorf("backtest metrics: %w", err)
	}
	curve := make([]metrics.Point, 0, len(run.Curve))
	for _, p := range run.Curve {
		if n := len(curve); n > 0 && curve[n-1].Time >= p.Time {
			curve[n-1] = metrics.Point{Time: curve[n-1].Time, Equity: p.Equity}
			continue
		}
		curve = append(curve, metrics.Point{Time: p.Time, Equity: p.Equity})
	}
	rep, err := metrics.Compute(metrics.Input{
		Curve: curve, Trades: eng.Trades(), Fees: acct.FeesQuote(),
		InitialEquity: initial, FinalEquity: final, OpenPnL: open,
		TimeInMarketMs: min(eng.TimeInMarket(), run.Last-run.First), SpanMs: run.Last - run.First,
	})
	if err != nil {
		return metrics.Report{}, fmt.Errorf("backtest metrics: %w", err)
	}
	if err := rep.CheckEquity(); err != nil {
		return metrics.Report{}, fmt.Errorf("backtest metrics: %w", err)
	}
	return rep, nil
}

// riskStack is the risk engine of one run: in-memory journal and
// kill-switch state, since a backtest's risk state lives as long as the run.
type riskStack struct {
	kill     *risk.KillSwitch
	monitor  *risk.Monitor
	gate     *risk.Gate
	autoTrip *risk.AutoTrip
}

func newRisk(cfg *risk.Config, j risk.Journal) (*riskStack, error) {
	c := risk.Defaults()
	if cfg != nil {
		c = *cfg
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if j == nil {
		j = risk.NewMemoryJournal(4096)
	}
	rs := &riskStack{}
	var err error
	if rs.kill, err = risk.OpenKillSwitch(&risk.MemoryStore{}, j, 0); err != nil {
		return nil, err
	}
	if rs.monitor, err = risk.NewMonitor(c, j); err != nil {
		return nil, err
	}
	if rs.gate, err = risk.NewGate(c, rs.monitor, rs.kill, j); err != nil {
		return nil, err
	}
	if rs.autoTrip, err = risk.NewAutoTrip(c, rs.kill); err != nil {
		return nil, err
	}
	return rs, nil
}

// sameBalances compares the engine's books with the venue's: after a
// backtest they must agree to the last decimal.
func sameBalances(acct *account.Account, v *sim.Venue) error {
	vb := v.Balances()
	ab := acct.Balances()
	assets := map[string]bool{}
	for a := range vb {
		assets[a] = true
	}
	for a := range ab {
		assets[a] = true
	}
	names := make([]string, 0, len(assets))
	for a := range assets {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		if !vb[a].Total().Equal(ab[a]) {
			return fmt.Errorf("backtest: %s balance differs: venue %s, account %s", a, vb[a].Total(), ab[a])
		}
	}
	return nil
}
