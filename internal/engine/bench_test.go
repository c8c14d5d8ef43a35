package engine

import (
	"context"
	"testing"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/strategy"
)

// idle is a strategy that reads every bar and never trades.
type idle struct{ sum float64 }

func (s *idle) Name() string                                        { return "idle" }
func (s *idle) Start(strategy.Context) error                        { return nil }
func (s *idle) OnGap(strategy.Context, strategy.Gap)                {}
func (s *idle) OnOrder(strategy.Context, *order.Order, *order.Fill) {}
func (s *idle) OnBar(_ strategy.Context, ev strategy.BarEvent)      { s.sum += ev.Bar.Close.Float64() }

// benchRun runs a fresh engine with the strategy newStrat returns over n
// synthetic 1m bars per iteration and reports bars/s; check, when set,
// inspects each run's engine.
func benchRun(b *testing.B, n int, newStrat func() strategy.Strategy, check func(*Engine)) {
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 1, Bars: n})
	if err != nil {
		b.Fatal(err)
	}
	series := []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		e, v := setupTB(b, newStrat(), allowAll{}, "BTCUSDT")
		b.StartTimer()
		if _, err := e.RunBacktest(context.Background(), series, v); err != nil {
			b.Fatal(err)
		}
		if check != nil {
			check(e)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "bars/s")
}

// BenchmarkLoop measures the engine's per-bar cost (merge, gap check, venue,
// account mark, drawdown, strategy call) with no orders: the steady state
// between trades, which must not allocate.
func BenchmarkLoop(b *testing.B) {
	benchRun(b, 1_000_000, func() strategy.Strategy { return &idle{} }, nil)
}

// flipper buys on one bar and sells on the next: every bar carries an order
// and a fill.
type flipper struct{ n int }

func (s *flipper) Name() string                                        { return "flipper" }
func (s *flipper) Start(strategy.Context) error                        { return nil }
func (s *flipper) OnGap(strategy.Context, strategy.Gap)                {}
func (s *flipper) OnOrder(strategy.Context, *order.Order, *order.Fill) {}
func (s *flipper) OnBar(ctx strategy.Context, ev strategy.BarEvent) {
	s.n++
	side := order.Buy
	if s.n%2 == 0 {
		side = order.Sell
	}
	ctx.Submit(order.Request{Symbol: ev.Symbol, Side: side, Type: order.Market, Quantity: qty})
}

var qty = num.MustParse("0.01")

// BenchmarkOrderRoundTrip measures one market order per bar through the
// whole path: submit, gate, venue, ack, fill, account, ledger. ns/order is
// the figure to read.
func BenchmarkOrderRoundTrip(b *testing.B) {
	const n = 100_000
	benchRun(b, n, func() strategy.Strategy { return &flipper{} }, func(e *Engine) {
		if e.Stats.Fills < n-2 {
			b.Fatalf("%d fills on %d bars", e.Stats.Fills, n)
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/order")
}
