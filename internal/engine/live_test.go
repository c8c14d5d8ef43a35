package engine

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue"
)

// feedLive sends bars as a live feed would, moving the clock to each bar's
// close first, and returns the run's stats.
func feedLive(t *testing.T, e *Engine, m BarMatcher, bars []market.Bar, during func(i int)) LiveStats {
	t.Helper()
	events := make(chan LiveEvent)
	handled := make(chan struct{})
	var clock atomic.Int64
	clock.Store(bars[0].Time)
	done := make(chan struct{})
	var stats LiveStats
	var err error
	go func() {
		defer close(done)
		stats, err = e.RunLive(context.Background(), LiveConfig{Events: events, Now: clock.Load, Matcher: m, Tick: time.Hour,
			Observe: func(*LiveEvent) { handled <- struct{}{} }})
	}()
	for i := range bars {
		// The clock moves to the bar's close while the engine waits.
		clock.Store(bars[i].Time + minute)
		select {
		case events <- LiveEvent{Symbol: "BTCUSDT", Interval: market.Minute1, Bar: bars[i]}:
		case <-done:
			t.Fatalf("the run ended at bar %d: %v", i, err)
		}
		<-handled
		if during != nil {
			during(i)
		}
	}
	close(events)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// Paper trading on a live feed decides and fills exactly as a backtest of
// the same bars: the same ledger to the last digit.
func TestLivePaperMatchesBacktest(t *testing.T) {
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 4, Interval: market.Minute1, Bars: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	// Two holes, so that gaps are seen the same way too.
	bars = append(bars[:5000:5000], bars[5003:]...)
	bars = append(bars[:12000:12000], bars[12100:]...)
	run := func(live bool) *Engine {
		s, err := strategy.New("rsi-reversion", "BTCUSDT", nil)
		if err != nil {
			t.Fatal(err)
		}
		e, v := setup(t, s, allowAll{}, "BTCUSDT")
		e.leaveUnprot = false
		if live {
			st := feedLive(t, e, v, bars, nil)
			if st.Bars != len(bars) || st.Gaps != 2 {
				t.Fatalf("live stats %+v", st)
			}
			return e
		}
		if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}, v); err != nil {
			t.Fatal(err)
		}
		return e
	}
	bt, lv := run(false), run(true)
	if bt.Stats.Fills == 0 {
		t.Fatal("the strategy never traded: the comparison proves nothing")
	}
	if bt.LedgerSHA256() != lv.LedgerSHA256() || bt.Stats != lv.Stats {
		t.Fatalf("backtest %s %+v\nlive     %s %+v", bt.LedgerSHA256(), bt.Stats, lv.LedgerSHA256(), lv.Stats)
	}
}

// A bar already seen, or older, is dropped; a bar of a symbol the run does
// not trade is an error.
func TestLiveDropsStaleBars(t *testing.T) {
	s := &script{}
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	bars := flatBars(0, 5, "100")
	in := []market.Bar{bars[0], bars[1], bars[1], bars[0], bars[2]}
	st := feedLive(t, e, v, in, nil)
	if st.Bars != 3 || st.Stale != 2 {
		t.Fatalf("stats %+v", st)
	}
	events := make(chan LiveEvent, 1)
	events <- LiveEvent{Symbol: "ETHUSDT", Interval: market.Minute1, Bar: bars[3]}
	e2, _ := setup(t, &script{}, allowAll{}, "BTCUSDT")
	e2.SetVenue(v)
	if _, err := e2.RunLive(context.Background(), LiveConfig{Events: events, Now: func() int64 { return 0 }}); err == nil {
		t.Fatal("a bar of an unknown symbol was accepted")
	}
}

// A kill-switch tripped by another process on the same store is acted on at
// the next event: working orders are canceled and entries refused.
func TestLiveSeesAKillFromAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kill.json")
	ks, err := risk.OpenKillSwitch(risk.FileStore{Path: path}, risk.NewMemoryJournal(8), 0)
	if err != nil {
		t.Fatal(err)
	}
	s := &script{}
	var rest *order.Order
	var after error
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		switch ev.Bar.Time {
		case 1 * minute:
			rest, _ = ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Price: d("50"), Quantity: d("1"), StopLoss: d("48")})
		case 4 * minute:
			_, after = ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Price: d("50"), Quantity: d("1"), StopLoss: d("48")})
		}
	}
	e, v := setup(t, s, gateWithKill{ks}, "BTCUSDT")
	e.kill = ks
	feedLive(t, e, v, flatBars(0, 6, "100"), func(i int) {
		if i == 2 {
			other, err := risk.OpenKillSwitch(risk.FileStore{Path: path}, risk.NewMemoryJournal(8), 0)
			if err != nil {
				t.Error(err)
				return
			}
			if err := other.Trip("ops", "exchange incident", 3*minute); err != nil {
				t.Error(err)
			}
			time.Sleep(25 * time.Millisecond) // past the engine's read interval
		}
	})
	if rest == nil || rest.Status != order.Canceled {
		t.Fatalf("the resting order after a kill: %+v", rest)
	}
	if after == nil {
		t.Fatal("an entry was accepted after the kill")
	}
	if v.OpenOrders("BTCUSDT") != 0 {
		t.Fatal("orders left at the venue")
	}
}

// gateWithKill allows everything while the switch is off.
type gateWithKill struct{ k *risk.KillSwitch }

func (g gateWithKill) Check(in *risk.Intent, _ risk.View, _ int64) risk.Decision {
	if g.k.Tripped() && !in.Protective {
		return risk.Decision{Code: risk.CodeKillSwitch, Symbol: in.Order.Symbol}
	}
	return risk.Decision{Code: risk.CodeAllowed}
}

// Reports from a venue arrive as events and reach the strategy.
func TestLiveAppliesVenueReports(t *testing.T) {
	s := &script{}
	e, _ := setup(t, s, allowAll{}, "BTCUSDT")
	events := make(chan LiveEvent, 4)
	rec := &recordingVenue{}
	e.SetVenue(rec)
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		if _, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("0.5"), StopLoss: d("95")}); err != nil {
			t.Error(err)
		}
	}
	bars := flatBars(0, 1, "100")
	events <- LiveEvent{Symbol: "BTCUSDT", Interval: market.Minute1, Bar: bars[0]}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for rec.count() == 0 {
			time.Sleep(time.Millisecond)
		}
		id := rec.first()
		events <- LiveEvent{Report: &venue.Report{Symbol: "BTCUSDT", ClientID: id, Event: order.Event{Kind: order.Ack, Time: 61_000}}}
		events <- LiveEvent{Report: &venue.Report{Symbol: "BTCUSDT", ClientID: id, Event: order.Event{Kind: order.Trade, Time: 61_001,
			Fill: order.Fill{TradeID: 7, Qty: d("0.5"), Price: d("100"), Commission: num.Zero, CommissionAsset: "USDT"}}}}
	}()
	// Observe runs on the engine's goroutine: it may read the engine.
	observe := func(ev *LiveEvent) {
		if ev.Report != nil && e.Position("BTCUSDT").IsPos() {
			cancel()
		}
	}
	if _, err := e.RunLive(ctx, LiveConfig{Events: events, Now: func() int64 { return 61_000 }, Tick: time.Hour, Observe: observe}); err != nil {
		t.Fatal(err)
	}
	if !e.Position("BTCUSDT").Equal(d("0.5")) {
		t.Fatalf("position %s", e.Position("BTCUSDT"))
	}
}

// recordingVenue accepts orders and answers nothing by itself.
type recordingVenue struct {
	mu  sync.Mutex
	ids []string
}

func (r *recordingVenue) Submit(_ int64, req *order.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, req.ClientID)
}
func (r *recordingVenue) Cancel(int64, string, string) {}
func (r *recordingVenue) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}
func (r *recordingVenue) first() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[0]
}
