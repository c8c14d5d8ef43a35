package strategy

import (
	"fmt"
	"math"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// factor returns 1 + pct/100 as an exact decimal kept to 6 decimals.
func factor(pct float64) (num.Decimal, error) {
	return num.New(int64(math.Round((100+pct)*1e4)), 6)
}

// pctDecimal returns pct as an exact decimal kept to 4 decimals.
func pctDecimal(pct float64) (num.Decimal, error) {
	return num.New(int64(math.Round(pct*1e4)), 4)
}

// riskQty sizes an entry at price with a stop at stop so that a stop hit
// loses riskPct of equity, capped by the free quote (less 2% for the fee and
// a worse fill), rounded down to the lot step. It returns zero when nothing
// can be bought.
func riskQty(ctx Context, in *market.Instrument, price, stop num.Decimal, riskPct float64) num.Decimal {
	p := price.Float64()
	dist := p - stop.Float64()
	if !(dist > 0) {
		return num.Zero
	}
	qty := ctx.Equity().Float64() * riskPct / 100 / dist
	if free := ctx.Free().Float64() * 0.98 / p; qty > free {
		qty = free
	}
	return units(in, qty)
}

// units turns a float quantity into whole 1e-8 units rounded down to the
// instrument's lot step; zero when it is nothing.
func units(in *market.Instrument, qty float64) num.Decimal {
	u := math.Floor(qty * 1e8)
	if !(u > 0 && u < math.MaxInt64) {
		return num.Zero
	}
	q, err := num.New(int64(u), 8)
	if err != nil {
		return num.Zero
	}
	q, err = in.RoundQty(q, true)
	if err != nil || !q.IsPos() {
		return num.Zero
	}
	return q
}

// holding reports whether the position in symbol is large enough to sell:
// dust left by rounding and fees does not count.
func holding(ctx Context, symbol string, last num.Decimal) bool {
	in := ctx.Instrument(symbol)
	q, err := in.RoundQty(ctx.Position(symbol), true)
	if err != nil || !q.IsPos() {
		return false
	}
	least, err := in.MinQtyFor(last)
	return err != nil || !q.Less(least)
}

// long keeps one long spot position for a signal strategy: it sizes entries
// by risk and declares the stop-loss, take-profit and trailing stop with the
// entry, so the engine places the stop once the entry fills and keeps the
// position covered; exits go through ctx.Exit. One order is in flight at a
// time.
type long struct {
	name    string
	symbol  string
	riskPct float64
	// stopF is 1 − stop/100, tpF 1 + take_profit/100 (zero: none), trail
	// the trailing distance in percent (zero: none).
	stopF, tpF, trail num.Decimal
	pending           *order.Order
	held              heldCache
}

// holding reports whether the position is large enough to sell.
func (l *long) holding(ctx Context, last num.Decimal) bool { return l.held.check(ctx, l.symbol, last) }

// heldCache answers holding for a position quantity once: the answer is
// worked out again when the quantity changes, so a strategy asking on every
// bar pays one comparison. (Only a price fall of more than 99% could turn a
// sellable position into one under the minimum notional meanwhile.)
type heldCache struct {
	q     num.Decimal
	held  bool
	valid bool
}

func (c *heldCache) check(ctx Context, symbol string, last num.Decimal) bool {
	q := ctx.Position(symbol)
	if c.valid && q.Equal(c.q) {
		return c.held
	}
	c.q, c.held, c.valid = q, holding(ctx, symbol, last), true
	return c.held
}

// newLong reads the shared parameters stop, risk, take_profit and trail.
func newLong(name, symbol string, v Values) (long, error) {
	l := long{name: name, symbol: symbol, riskPct: v["risk"]}
	var err error
	if l.stopF, err = factor(-v["stop"]); err != nil {
		return l, fmt.Errorf("%s: stop=%v: %w", name, v["stop"], err)
	}
	if tp := v["take_profit"]; tp > 0 {
		if l.tpF, err = factor(tp); err != nil {
			return l, fmt.Errorf("%s: take_profit=%v: %w", name, tp, err)
		}
	}
	if tr := v["trail"]; tr > 0 {
		if l.trail, err = pctDecimal(tr); err != nil {
			return l, fmt.Errorf("%s: trail=%v: %w", name, tr, err)
		}
	}
	return l, nil
}

// busy reports whether an order of the position is in flight.
func (l *long) busy() bool { return l.pending != nil }

// Name implements Strategy.
func (l *long) Name() string { return l.name }

// Start implements Strategy: the venue must know the symbol.
func (l *long) Start(ctx Context) error {
	if ctx.Instrument(l.symbol) == nil {
		return fmt.Errorf("%s: unknown symbol %s", l.name, l.symbol)
	}
	return nil
}

// OnOrder implements Strategy: it forgets the order in flight once done.
func (l *long) OnOrder(ctx Context, o *order.Order, f *order.Fill) {
	if o == l.pending && o.Status.Terminal() {
		l.pending = nil
	}
}

// buy enters at market, sized as if filled at price.
func (l *long) buy(ctx Context, price num.Decimal) {
	in := ctx.Instrument(l.symbol)
	stop, err := price.Mul(l.stopF)
	if err == nil {
		// Rounded up to the tick: never more risk than planned.
		stop, err = stop.RoundUp(tick(in))
	}
	if err != nil || !stop.IsPos() || !stop.Less(price) {
		return
	}
	q := riskQty(ctx, in, price, stop, l.riskPct)
	if !q.IsPos() {
		return
	}
	r := order.Request{Symbol: l.symbol, Side: order.Buy, Type: order.Market, Quantity: q, StopLoss: stop, TrailingPct: l.trail}
	if l.tpF.IsPos() {
		if tp, err := price.Mul(l.tpF); err == nil {
			r.TakeProfit, _ = tp.RoundDown(tick(in))
		}
	}
	if o, err := ctx.Submit(r); err == nil {
		l.pending = o
	}
}

// sell closes the whole position at market.
func (l *long) sell(ctx Context) {
	if o, err := ctx.Exit(l.symbol, num.Zero); err == nil {
		l.pending = o
	}
}
