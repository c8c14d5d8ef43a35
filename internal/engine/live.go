package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue"
)

// LiveEvent is one input of a live run: a closed bar of Symbol and
// Interval, or, when Report is set, a report from the venue, or, when Do is
// set, work to run on the engine's goroutine (a reconciliation reading the
// engine's books, say).
type LiveEvent struct {
	Symbol   string
	Interval market.Interval
	Bar      market.Bar
	Report   *venue.Report
	Do       func(e *Engine)
}

// LiveConfig drives RunLive.
type LiveConfig struct {
	// Events brings closed bars from the market data feed and reports from
	// the venue, which must send them here rather than call the engine: the
	// engine's state is touched by its own goroutine only.
	Events <-chan LiveEvent
	// Now is the wall clock in Unix ms.
	Now func() int64
	// Matcher, when set, is a simulated venue matched against each closed
	// bar as in a backtest (paper trading on live market data). A real
	// venue's reports come as events instead.
	Matcher BarMatcher
	// Tick is how often timers fall due and the kill-switch store is read
	// again (default one second).
	Tick time.Duration
	// Observe, when set, sees every event after the engine handled it.
	Observe func(ev *LiveEvent)
}

// LiveStats counts what a live run saw.
type LiveStats struct {
	Bars, Reports, Stale, Gaps int
}

// RunLive runs the strategy on events until ctx ends or Events is closed;
// both are a clean stop (nil). Each bar goes through the same steps as in a
// backtest: a hole before it is announced, a simulated venue matches it,
// the position is marked, the kill-switch is checked, take-profits and
// trailing stops act, the strategy sees the bar, uncovered positions are
// covered. A bar older than or equal to the last one of its series is
// counted as stale and dropped. Reports are applied as they come, and the
// kill-switch is acted on at the first event or tick after it trips,
// including a trip by another process on the same store.
func (e *Engine) RunLive(ctx context.Context, cfg LiveConfig) (LiveStats, error) {
	var stats LiveStats
	if cfg.Events == nil || cfg.Now == nil {
		return stats, errors.New("live: events and clock are required")
	}
	if e.venue == nil {
		return stats, errors.New("live: engine has no venue")
	}
	tick := cfg.Tick
	if tick <= 0 {
		tick = time.Second
	}
	type series struct {
		last int64
		vi   int
		feed risk.PriceFeed
	}
	seen := map[string]*series{}
	feeds, _ := e.gate.(interface {
		PriceFeed(symbol string) risk.PriceFeed
	})
	var st *symState // the symbol whose bar is being matched
	e.stepFn = func(t int64, price num.Decimal) {
		e.now = t
		e.mark(st, price, t)
		e.drain()
		e.exits(st, price)
		e.protect()
	}
	e.now = cfg.Now()
	if err := e.strat.Start(e); err != nil {
		return stats, fmt.Errorf("live: start %s: %w", e.strat.Name(), err)
	}
	timer, nextTimer, err := e.timer(e.now)
	if err != nil {
		return stats, err
	}
	// refresh reads the kill-switch store again: at every tick, and before
	// an event when the last read is 20 ms old or more, so that a trip by
	// another process is acted on at the first event after it. A store that
	// cannot be read leaves the switch as it is until the next read.
	var lastRead time.Time
	refresh := func(always bool) {
		if e.kill == nil || !always && time.Since(lastRead) < 20*time.Millisecond {
			return
		}
		lastRead = time.Now()
		_ = e.kill.Refresh(e.now)
		if e.killed && !e.kill.Tripped() {
			e.killed = false
		}
	}
	e.checkKill()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if e.err != nil {
			return stats, fmt.Errorf("live at %d: %w", e.now, e.err)
		}
		select {
		case <-ctx.Done():
			return stats, nil
		case <-t.C:
			e.now = cfg.Now()
			refresh(true)
			e.checkKill()
			if timer != nil && nextTimer <= e.now {
				if nextTimer, err = e.fire(timer, nextTimer); err != nil {
					return stats, err
				}
			}
		case ev, ok := <-cfg.Events:
			if !ok {
				return stats, nil
			}
			e.now = cfg.Now()
			refresh(false)
			if ev.Do != nil {
				ev.Do(e)
				e.drain()
				e.checkKill()
				e.protect()
			} else if ev.Report != nil {
				stats.Reports++
				e.queue = append(e.queue, *ev.Report)
				e.drain()
				e.checkKill()
				e.protect()
			} else {
				st = e.syms[ev.Symbol]
				if st == nil {
					return stats, fmt.Errorf("live: a bar of %s, which this run does not trade", ev.Symbol)
				}
				key := ev.Symbol + "/" + ev.Interval.String()
				s := seen[key]
				if s == nil {
					s = &series{last: -1}
					if cfg.Matcher != nil {
						vi, ok := cfg.Matcher.SymbolIndex(ev.Symbol)
						if !ok {
							return stats, fmt.Errorf("live: the simulated venue does not list %s", ev.Symbol)
						}
						s.vi = vi
					}
					if feeds != nil {
						s.feed = feeds.PriceFeed(ev.Symbol)
					}
					seen[key] = s
				}
				if ev.Bar.Time <= s.last {
					stats.Stale++
				} else {
					stats.Bars++
					e.liveBar(cfg.Matcher, s.vi, &ev, s.last, s.feed, &stats)
					s.last = ev.Bar.Time
				}
			}
			if cfg.Observe != nil {
				cfg.Observe(&ev)
			}
		}
	}
}

// liveBar handles one closed bar; last is the open time of the series'
// previous bar (-1 for none).
func (e *Engine) liveBar(m BarMatcher, vi int, ev *LiveEvent, last int64, feed risk.PriceFeed, stats *LiveStats) {
	bar := &ev.Bar
	st := e.syms[ev.Symbol]
	iv := ev.Interval
	closeAt := iv.Next(bar.Time)
	if last >= 0 && bar.Time != iv.Next(last) {
		stats.Gaps++
		e.Stats.Gaps++
		missing := (bar.Time - last) / max(int64(iv), 1)
		e.strat.OnGap(e, strategy.Gap{Symbol: ev.Symbol, LastBar: last, NextBar: bar.Time, Missing: missing - 1})
		e.drain()
	}
	wall := e.now
	if m != nil {
		// The simulated venue replays the bar from its open, on the bar's
		// own clock, as in a backtest.
		e.now = bar.Time
		m.OnBar(vi, bar, closeAt-bar.Time, e.stepFn)
		e.drain()
		e.now = max(wall, e.now)
	}
	e.mark(st, bar.Close, closeAt)
	e.checkKill()
	hi := bar.Close
	if st.openedAt <= bar.Time {
		hi = bar.High
	}
	e.exits(st, hi)
	feed.OnFloat(closeAt, bar.Close.Float64())
	if e.monitor != nil {
		e.watch()
	}
	e.strat.OnBar(e, strategy.BarEvent{Symbol: ev.Symbol, Interval: iv, Bar: bar})
	e.drain()
	e.protect()
	if e.rec != nil && e.err == nil {
		if err := e.rec.OnBar(ev.Symbol, closeAt); err != nil {
			e.fail(fmt.Errorf("record bar: %w", err))
		}
	}
}
