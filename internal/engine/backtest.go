package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
)

// Series is one symbol's bars of one interval, oldest first.
type Series struct {
	Symbol   string
	Interval market.Interval
	Bars     []market.Bar
}

// BarMatcher is a simulated venue the engine can drive bar by bar.
type BarMatcher interface {
	SymbolIndex(symbol string) (int, bool)
	// OnBar matches working orders of the i-th symbol against bar, a candle
	// lasting ivMs milliseconds.
	// After each point of the bar's path at which reports were emitted it
	// calls step with that point's time and price.
	OnBar(i int, bar *market.Bar, ivMs int64, step func(t int64, price num.Decimal))
}

// EquityPoint is the exact equity at a time (Unix ms).
type EquityPoint struct {
	Time   int64
	Equity num.Decimal
}

// Run is what a backtest leaves behind.
type Run struct {
	Bars int
	// Curve is the exact equity at the first bar's open, at the close of the
	// last bar of every UTC day, and at the end.
	Curve []EquityPoint
	// MaxDrawdownPct is the largest fall of equity from a running peak,
	// sampled at every bar close, in percent (a statistic, computed in float).
	MaxDrawdownPct float64
	First, Last    int64
}

type cursor struct {
	s    *Series
	i    int
	vi   int
	ivMs int64
	prev int64
	pos  int // index in the engine's per-symbol float state
	st   *symState
	feed risk.PriceFeed
}

// RunBacktest drives the strategy over series on a simulated venue with a
// virtual clock. Bars of all series are merged by close time; bars closing at
// the same instant go in the order of (symbol, interval). For each bar: a hole
// before it is announced (OnGap), the venue matches working orders along the
// bar's path with the clock following the path (reports are applied, and the
// strategy reacts to them, at the point of the path they happened), the
// account marks to the close, the clock moves to the close and the strategy
// sees the bar. Every run
// ends by proving the account reconciles (account.Check).
func (e *Engine) RunBacktest(ctx context.Context, series []Series, sim BarMatcher) (*Run, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("backtest: no data")
	}
	curs := make([]*cursor, 0, len(series))
	syms := map[string]int{}
	total := 0
	for k := range series {
		s := &series[k]
		total += len(s.Bars)
		vi, ok := sim.SymbolIndex(s.Symbol)
		if !ok || e.insts[s.Symbol] == nil {
			return nil, fmt.Errorf("backtest: no instrument for %s", s.Symbol)
		}
		if len(s.Bars) == 0 {
			continue
		}
		pos, ok := syms[s.Symbol]
		if !ok {
			pos = len(syms)
			syms[s.Symbol] = pos
		}
		curs = append(curs, &cursor{s: s, vi: vi, pos: pos, ivMs: int64(s.Interval), st: e.syms[s.Symbol]})
	}
	if len(curs) == 0 {
		return nil, fmt.Errorf("backtest: no bars")
	}
	sort.SliceStable(curs, func(a, b int) bool {
		if curs[a].s.Symbol != curs[b].s.Symbol {
			return curs[a].s.Symbol < curs[b].s.Symbol
		}
		return curs[a].s.Interval < curs[b].s.Interval
	})
	// Float mirror of equity for the per-bar drawdown statistic.
	closeF := make([]float64, len(syms))
	baseF := make([]float64, len(syms))
	bases := make([]string, len(syms))
	for sym, pos := range syms {
		bases[pos] = e.insts[sym].BaseAsset
	}
	quote := e.acct.Quote()
	// Reports from inside a bar are applied at their point of the path, so
	// the strategy reacts before the bar goes on.
	var st *symState // the symbol of the bar being matched
	e.stepFn = func(t int64, price num.Decimal) {
		e.now = t
		e.mark(st, price, t)
		e.drain()
		e.exits(st, price)
		e.protect()
	}
	// A gate that keeps price history (for its correlation limit) sees every
	// bar close.
	feeds, _ := e.gate.(interface {
		PriceFeed(symbol string) risk.PriceFeed
	})
	if feeds != nil {
		for _, c := range curs {
			c.feed = feeds.PriceFeed(c.s.Symbol)
		}
	}
	run := &Run{}
	first := curs[0].s.Bars[0].Time
	for _, c := range curs[1:] {
		first = min(first, c.s.Bars[0].Time)
	}
	e.now = first
	run.First = first
	if err := e.strat.Start(e); err != nil {
		return nil, fmt.Errorf("backtest: start %s: %w", e.strat.Name(), err)
	}
	run.Curve = append(run.Curve, EquityPoint{first, e.acct.Initial()})
	timer, nextTimer, err := e.timer(first)
	if err != nil {
		return nil, err
	}
	peak, maxDD := 0.0, 0.0
	day := int64(-1) // the UTC day of the last close seen
	fills := -1
	var quoteF float64
	for {
		// Pick the series whose next bar closes first.
		var c *cursor
		var closeAt int64
		for _, x := range curs {
			if x.i >= len(x.s.Bars) {
				continue
			}
			t := barClose(x, &x.s.Bars[x.i])
			if c == nil || t < closeAt {
				c, closeAt = x, t
			}
		}
		if c == nil {
			break
		}
		// Timers due by the last close fire once every bar closing then has
		// been seen.
		if timer != nil && nextTimer <= e.now && closeAt > e.now {
			if nextTimer, err = e.fire(timer, nextTimer); err != nil {
				return nil, err
			}
		}
		bar := &c.s.Bars[c.i]
		if c.i > 0 && bar.Time != c.s.Interval.Next(c.prev) {
			if bar.Time <= c.prev {
				return nil, fmt.Errorf("backtest: %s %s bars out of order at %d", c.s.Symbol, c.s.Interval, bar.Time)
			}
			e.Stats.Gaps++
			e.now = bar.Time
			missing := (bar.Time - c.prev) / max(c.ivMs, 1)
			e.strat.OnGap(e, strategy.Gap{Symbol: c.s.Symbol, LastBar: c.prev, NextBar: bar.Time, Missing: missing - 1})
			e.drain()
		}
		c.prev = bar.Time
		c.i++
		run.Bars++

		newDay := closeAt/86_400_000 != day
		if newDay && day >= 0 {
			// A new UTC day: record the exact equity at the previous close,
			// and make sure the monitor saw it (it is the new day's base).
			eq, err := e.acct.Equity()
			if err != nil {
				return nil, fmt.Errorf("backtest: equity: %w", err)
			}
			run.Curve = append(run.Curve, EquityPoint{e.now, eq})
			if e.monitor != nil {
				e.monitor.OnEquity(eq, e.now)
				e.band.refresh(e.monitor)
			}
		}
		day = closeAt / 86_400_000

		e.now = bar.Time
		st = c.st
		sim.OnBar(c.vi, bar, closeAt-bar.Time, e.stepFn)
		e.drain()
		e.now = closeAt
		e.mark(st, bar.Close, closeAt)
		e.checkKill()
		// The bar's high counts for take-profit and trail only when the
		// position was held from the bar's open; the venue has matched the
		// bar, so a stop raised now works from the next bar on.
		hi := bar.Close
		if st.openedAt <= bar.Time {
			hi = bar.High
		}
		e.exits(st, hi)
		closeF[c.pos] = bar.Close.Float64()
		c.feed.OnFloat(closeAt, closeF[c.pos])
		if e.Stats.Fills != fills {
			fills = e.Stats.Fills
			quoteF = e.acct.Balance(quote).ApproxFloat64()
			for i, b := range bases {
				baseF[i] = e.acct.Balance(b).ApproxFloat64()
			}
		}
		eq := quoteF
		for i := range baseF {
			eq += baseF[i] * closeF[i]
		}
		eqF := eq
		if eq > peak {
			peak = eq
		} else if peak-eq > maxDD*peak { // (peak − eq)/peak > maxDD, without dividing every bar
			maxDD = (peak - eq) / peak
		}
		// The monitor sees every mark that could matter: a new peak or an
		// equity near a limit (the float estimate decides, with margin).
		if e.monitor != nil && !c.st.pos.Qty.IsZero() && e.band.near(eqF) {
			e.watch()
		}
		e.strat.OnBar(e, strategy.BarEvent{Symbol: c.s.Symbol, Interval: c.s.Interval, Bar: bar})
		e.drain()
		e.protect()
		if e.rec != nil && e.err == nil {
			if err := e.rec.OnBar(c.s.Symbol, closeAt); err != nil {
				e.fail(fmt.Errorf("record bar: %w", err))
			}
		}
		if e.err != nil {
			return nil, fmt.Errorf("backtest at %d: %w", e.now, e.err)
		}
		if run.Bars&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("backtest: %w", err)
			}
			if e.progress != nil {
				e.progress(run.Bars, total)
			}
		}
	}
	if timer != nil && nextTimer <= e.now {
		if _, err := e.fire(timer, nextTimer); err != nil {
			return nil, err
		}
	}
	eq, err := e.acct.Equity()
	if err != nil {
		return nil, fmt.Errorf("backtest: equity: %w", err)
	}
	run.Curve = append(run.Curve, EquityPoint{e.now, eq})
	run.Last = e.now
	run.MaxDrawdownPct = maxDD * 100
	if err := e.acct.Check(); err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	if e.progress != nil {
		e.progress(run.Bars, total)
	}
	return run, nil
}

func barClose(c *cursor, b *market.Bar) int64 {
	if c.s.Interval == market.Month1 {
		return market.Month1.Next(b.Time)
	}
	return b.Time + c.ivMs
}
