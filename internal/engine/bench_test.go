package engine

import (
	"context"
	"testing"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
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

// BenchmarkLoop measures the engine's per-bar cost (merge, gap check, venue,
// account mark, drawdown, strategy call) with no orders: the steady state
// between trades, which must not allocate.
func BenchmarkLoop(b *testing.B) {
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 1, Bars: 1_000_000})
	if err != nil {
		b.Fatal(err)
	}
	series := []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		e, v := setupTB(b, &idle{}, PlaceholderAllowAll{}, "BTCUSDT")
		b.StartTimer()
		if _, err := e.RunBacktest(context.Background(), series, v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(bars))*float64(b.N)/b.Elapsed().Seconds(), "bars/s")
}
