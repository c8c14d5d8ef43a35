package engine

import (
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

var (
	one     = num.FromInt(1)
	hundred = num.FromInt(100)
)

// adoptExits takes the take-profit and trailing distance of the entry o for
// st's position. An entry without one leaves the position's as it is, so an
// add-on does not drop the exits of the entry it adds to.
func (e *Engine) adoptExits(st *symState, o *order.Order) {
	if e.dust(st) {
		return
	}
	if o.TakeProfit.IsPos() {
		st.takeProfit = o.TakeProfit
	}
	if o.TrailingPct.IsPos() {
		// pct/100 is exact at two more decimals.
		f, err := o.TrailingPct.Div(hundred, min(o.TrailingPct.Scale()+2, num.MaxScale))
		if err == nil {
			f, err = one.Sub(f)
		}
		if err != nil || !f.IsPos() {
			e.fail(err)
			return
		}
		st.trail = f
		if st.high.Less(st.last) {
			st.high = st.last
		}
	}
}

// exits enforces st's take-profit and trailing stop once the price has
// reached hi: the last price, or the high of a bar the venue has matched.
// When hi reaches the take-profit the position is closed at market. When
// the trailing distance below the highest price since entry, rounded down to
// the tick, lies at least a tick above the live stop, the stop is replaced
// by one there; if that stop would trigger at once, the position is closed
// at market instead. Positions without a take-profit or a trail cost two
// zero checks.
func (e *Engine) exits(st *symState, hi num.Decimal) {
	if st.takeProfit.IsZero() && st.trail.IsZero() || e.protecting || e.err != nil || e.dust(st) {
		return
	}
	raised := false
	if st.high.Less(hi) {
		st.high, raised = hi, true
	}
	e.protecting = true
	defer func() { e.protecting = false }()
	if st.takeProfit.IsPos() && !hi.Less(st.takeProfit) {
		if e.close(st) {
			e.Stats.TakeProfits++
			st.takeProfit, st.trail = num.Zero, num.Zero
		}
		return
	}
	if raised && st.trail.IsPos() {
		e.raiseTrail(st)
	}
}

// raiseTrail moves st's protective stop up to the trailing distance below
// st.high when that gains at least a tick.
func (e *Engine) raiseTrail(st *symState) {
	stop, err := st.high.Mul(st.trail)
	if err == nil {
		stop, err = st.inst.RoundPrice(stop)
	}
	if err != nil || !stop.IsPos() {
		return
	}
	// The reference is the live protective stop: the highest working sell
	// stop-loss, or the stop the trail reached before.
	ref := st.trailStop
	live := false
	for _, o := range e.open {
		if isSellStopLoss(o, st.inst.Symbol) {
			live = true
			ref = num.Max(ref, o.StopPrice)
		}
	}
	floor := ref
	if f := st.inst.Filters.Price; f != nil && f.TickSize.IsPos() {
		if floor, err = ref.Add(f.TickSize); err != nil {
			return
		}
		if stop.Less(floor) {
			return
		}
	} else if !ref.Less(stop) {
		return
	}
	st.trailStop = stop
	e.Stats.TrailMoves++
	if !stop.Less(st.last) {
		// The stop would trigger at once: the price already fell through it.
		if e.close(st) {
			e.Stats.Closes++
			st.takeProfit, st.trail = num.Zero, num.Zero
		}
		return
	}
	if !live && e.leaveUnprot {
		return
	}
	for _, o := range append([]*order.Order(nil), e.open...) {
		if isSellStopLoss(o, st.inst.Symbol) {
			e.venue.Cancel(e.now, o.Symbol, o.ClientID)
		}
	}
	e.drain()
	need := e.uncovered(st)
	if !need.IsPos() {
		return
	}
	o, err := e.submit(order.Request{Symbol: st.inst.Symbol, Side: order.Sell, Type: order.StopLoss, Quantity: need, StopPrice: stop}, true)
	if err == nil {
		e.drain()
		if !o.Status.Terminal() {
			return
		}
	}
	// The venue refused the stop: the position must not stay bare.
	if e.close(st) {
		e.Stats.Closes++
		st.takeProfit, st.trail = num.Zero, num.Zero
	}
}

// isSellStopLoss reports whether o is a working sell stop-loss on symbol,
// the kind of order a trailing stop replaces.
func isSellStopLoss(o *order.Order, symbol string) bool {
	return o.Symbol == symbol && o.Side == order.Sell && (o.Type == order.StopLoss || o.Type == order.StopLossLimit)
}
