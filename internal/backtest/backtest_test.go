package backtest

import (
	"context"
	"github.com/thunes/thunes/internal/sharedtest/realbars"
	"testing"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/venue/sim"
)

func synthetic(tb testing.TB, n int, seed uint64) []market.Bar {
	tb.Helper()
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: seed, Bars: n})
	if err != nil {
		tb.Fatal(err)
	}
	return bars
}

func config(tb testing.TB) Config {
	tb.Helper()
	return Config{
		Symbol:     "BTCUSDT",
		Interval:   market.Minute1,
		Strategy:   "ema-cross",
		Capital:    num.FromInt(10000),
		Venue:      sim.DefaultConfig(),
		Instrument: testInstrument(tb),
	}
}

func TestBacktestIsDeterministic(t *testing.T) {
	bars := synthetic(t, 50_000, 7)
	a, err := Run(context.Background(), config(t), bars)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), config(t), bars)
	if err != nil {
		t.Fatal(err)
	}
	if a.Fills == 0 || a.Orders == 0 {
		t.Fatalf("no trading on 50k bars: %+v", a)
	}
	if a.LedgerSHA256 != b.LedgerSHA256 || a.FinalEquity != b.FinalEquity {
		t.Fatalf("same inputs, different ledgers: %s %s / %s %s", a.LedgerSHA256, a.FinalEquity, b.LedgerSHA256, b.FinalEquity)
	}
	c, err := Run(context.Background(), config(t), synthetic(t, 50_000, 8))
	if err != nil {
		t.Fatal(err)
	}
	if c.LedgerSHA256 == a.LedgerSHA256 {
		t.Fatal("different markets gave the same ledger")
	}
	if a.Bars != 50_000 || a.Gaps != 0 {
		t.Fatalf("bars %d gaps %d", a.Bars, a.Gaps)
	}
}

func TestBacktestReportsGapsAndReconciles(t *testing.T) {
	bars := synthetic(t, 20_000, 3)
	// Cut two holes.
	holed := append(append(append([]market.Bar{}, bars[:5000]...), bars[5600:12000]...), bars[12001:]...)
	res, err := Run(context.Background(), config(t), holed)
	if err != nil {
		t.Fatal(err)
	}
	if res.Gaps != 2 {
		t.Fatalf("gaps = %d, want 2", res.Gaps)
	}
}

func TestBacktestRejectsBadInput(t *testing.T) {
	cfg := config(t)
	if _, err := Run(context.Background(), cfg, nil); err == nil {
		t.Fatal("no bars accepted")
	}
	cfg.Strategy = "nope"
	if _, err := Run(context.Background(), cfg, synthetic(t, 10, 1)); err == nil {
		t.Fatal("unknown strategy accepted")
	}
	cfg = config(t)
	cfg.Params = map[string]float64{"fast": 30, "slow": 10}
	if _, err := Run(context.Background(), cfg, synthetic(t, 10, 1)); err == nil {
		t.Fatal("fast > slow accepted")
	}
	cfg.Params = map[string]float64{"speed": 3}
	if _, err := Run(context.Background(), cfg, synthetic(t, 10, 1)); err == nil {
		t.Fatal("unknown parameter accepted")
	}
	bars := synthetic(t, 10, 1)
	bars[5], bars[6] = bars[6], bars[5]
	if _, err := Run(context.Background(), config(t), bars); err == nil {
		t.Fatal("out-of-order bars accepted")
	}
}

func TestOneBar(t *testing.T) {
	res, err := Run(context.Background(), config(t), synthetic(t, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Bars != 1 || res.Fills != 0 || res.FinalEquity != "10000" {
		t.Fatalf("%+v", res)
	}
}

// BenchmarkBacktest measures the whole loop (ema-cross, risk gate,
// simulated venue, account) over synthetic bars in memory.
func BenchmarkBacktest(b *testing.B) { benchBacktest(b, synthetic(b, 1_000_000, 11)) }

// benchBacktest runs the default ema-cross backtest over bars per iteration
// and reports bars/s and the fills of a run.
func benchBacktest(b *testing.B, bars []market.Bar) {
	cfg := config(b)
	b.ReportAllocs()
	b.ResetTimer()
	var fills int
	for b.Loop() {
		res, err := Run(context.Background(), cfg, bars)
		if err != nil {
			b.Fatal(err)
		}
		fills = res.Fills
	}
	b.ReportMetric(float64(len(bars))*float64(b.N)/b.Elapsed().Seconds(), "bars/s")
	b.ReportMetric(float64(fills), "fills/run")
}

func realBars(tb testing.TB) []market.Bar { return realbars.BTCUSDT1m(tb) }

// On all of spot BTCUSDT-1m (about 533 000 real bars with real holes) the
// books reconcile, the holes are seen and the run is reproducible.
func TestRealBTCUSDT(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 533 000 real bars")
	}
	bars := realBars(t)
	a, err := Run(context.Background(), config(t), bars)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), config(t), bars)
	if err != nil {
		t.Fatal(err)
	}
	if a.LedgerSHA256 != b.LedgerSHA256 {
		t.Fatal("not reproducible on real data")
	}
	if a.Bars != len(bars) || a.Gaps < 10 || a.Fills == 0 {
		t.Fatalf("%+v", a)
	}
	// Every entry and exit pair is a trade, and the trades' net PnL with the
	// open PnL is the change in equity (Run proves it exactly).
	if a.Metrics.Trades == 0 || a.Metrics.Trades != len(a.Trades) || a.Metrics.Trades > a.Fills {
		t.Fatalf("%d trades from %d fills", a.Metrics.Trades, a.Fills)
	}
}

// BenchmarkBacktestReal is BenchmarkBacktest on all of spot BTCUSDT-1m.
func BenchmarkBacktestReal(b *testing.B) { benchBacktest(b, realBars(b)) }

// Progress reaches the engine and does not change the run.
func TestProgress(t *testing.T) {
	bars := synthetic(t, 70_000, 7)
	plain, err := Run(context.Background(), config(t), bars)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t)
	var calls [][2]int
	cfg.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
	res, err := Run(context.Background(), cfg, bars)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0] != [2]int{65_536, 70_000} || calls[1] != [2]int{70_000, 70_000} {
		t.Fatalf("progress calls %v", calls)
	}
	if res.LedgerSHA256 != plain.LedgerSHA256 {
		t.Fatal("reporting progress changed the ledger")
	}
}
