// Package realbars reads the real Binance spot BTCUSDT 1m klines from the
// shared data, for tests and benchmarks; it skips when they are absent.
package realbars

import (
	"testing"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/sharedtest"
)

// BTCUSDT1m returns every bar of spot BTCUSDT-1m (about 533 000, with real
// holes), or skips tb.
func BTCUSDT1m(tb testing.TB) []market.Bar {
	tb.Helper()
	r, err := feed.Open(sharedtest.File(tb, "klines", "spot", "BTCUSDT-1m.csv.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	ks, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	bars := make([]market.Bar, len(ks))
	for i := range ks {
		bars[i] = ks[i].Bar
	}
	return bars
}
