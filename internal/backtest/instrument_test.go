package backtest

import (
	"testing"

	"github.com/thunes/thunes/internal/market"
)

func testInstrument(tb testing.TB) *market.Instrument {
	tb.Helper()
	info, err := market.DefaultSpot()
	if err != nil {
		tb.Fatal(err)
	}
	in, ok := info.Instrument("BTCUSDT")
	if !ok {
		tb.Fatal("no BTCUSDT in the default snapshot")
	}
	return in
}
