// Package market describes what is traded and how: instruments and their
// exchange rules (Binance filters), bars and intervals.
package market

import (
	"fmt"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// Bar is one candle (kline). Time is the candle's open time in Unix
// milliseconds, UTC; the candle covers [Time, Time+interval). Prices are in the
// quote asset, Volume in the base asset.
type Bar struct {
	Time   int64
	Open   num.Decimal
	High   num.Decimal
	Low    num.Decimal
	Close  num.Decimal
	Volume num.Decimal
}

// Validate checks the candle's own consistency: positive prices,
// high ≥ max(open, close), low ≤ min(open, close), low ≤ high and volume ≥ 0.
// The error names the first rule broken.
func (b *Bar) Validate() error {
	switch {
	case !b.Open.IsPos() || !b.High.IsPos() || !b.Low.IsPos() || !b.Close.IsPos():
		return fmt.Errorf("prices must be positive (open %s high %s low %s close %s)", b.Open, b.High, b.Low, b.Close)
	case b.High.Less(b.Open) || b.High.Less(b.Close):
		return fmt.Errorf("high %s is below open %s or close %s", b.High, b.Open, b.Close)
	case b.Open.Less(b.Low) || b.Close.Less(b.Low):
		return fmt.Errorf("low %s is above open %s or close %s", b.Low, b.Open, b.Close)
	case b.Volume.IsNeg():
		return fmt.Errorf("volume %s is negative", b.Volume)
	}
	return nil
}

// OpenTime returns the candle's open time.
func (b *Bar) OpenTime() time.Time { return time.UnixMilli(b.Time).UTC() }
