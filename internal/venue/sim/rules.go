package sim

import (
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// roundPriceUp rounds p up to the instrument's tick (a buyer's adverse price).
func roundPriceUp(in *market.Instrument, p num.Decimal) num.Decimal {
	if in.Filters.Price == nil {
		return p
	}
	r, err := p.RoundUp(in.Filters.Price.TickSize)
	if err != nil {
		return p
	}
	return r
}

// roundPriceDown rounds p down to the instrument's tick.
func roundPriceDown(in *market.Instrument, p num.Decimal) num.Decimal {
	r, err := in.RoundPrice(p)
	if err != nil {
		return p
	}
	return r
}

// marketQty rounds q down to the steps a MARKET order must respect.
func marketQty(in *market.Instrument, q num.Decimal) num.Decimal {
	r, err := in.RoundQty(q, true)
	if err != nil {
		return num.Zero
	}
	return r
}

// marketStep is the smallest quantity increment of a MARKET order.
func marketStep(in *market.Instrument) num.Decimal {
	step := num.Zero
	if f := in.Filters.LotSize; f != nil {
		step = f.StepSize
	}
	if f := in.Filters.MarketLotSize; f != nil && step.Less(f.StepSize) {
		step = f.StepSize
	}
	return step
}
