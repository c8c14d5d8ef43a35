package engine

import (
	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/metrics"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
)

// symState is what the engine knows of one symbol beyond the account.
type symState struct {
	inst *market.Instrument
	// exit is a market sell held back until the cancels of the sells that
	// lock its quantity are confirmed (see Engine.exit).
	exit *order.Order
	pos  *account.Position
	// minSell is the smallest quantity that can be sold (see dust).
	minSell num.Decimal
	// last is the last price seen and lastTime when (Unix ms): a bar's close
	// at its close time, or a point of a bar's path.
	last     num.Decimal
	lastTime int64
	// stopLoss is the protective stop declared by the latest entry.
	stopLoss num.Decimal
	// takeProfit and trail are the take-profit price and the trailing
	// factor (1 − pct/100) of the entries of the open position, zero when
	// none; high is the highest price seen since it opened (at openedAt, Unix
	// ms) and trailStop the stop the trail has reached. All end when the
	// position closes.
	takeProfit num.Decimal
	trail      num.Decimal
	high       num.Decimal
	trailStop  num.Decimal
	openedAt   int64
	// realizedAtOpen and feesAtOpen are the position's totals when it was
	// last opened, to report the closed trade's PnL.
	realizedAtOpen num.Decimal
	feesAtOpen     num.Decimal
	// buyQty, buyValue, sellQty and sellValue sum the open trade's fills.
	buyQty, buyValue, sellQty, sellValue num.Decimal
}

// mark records a price of st at t.
func (e *Engine) mark(st *symState, price num.Decimal, t int64) {
	st.last, st.lastTime = price, t
	st.pos.Mark = price
}

// dust reports whether st's position is too small to sell: rounding and fees
// leave such remainders on spot, and they do not make a position. A quantity
// below the lot's minimum or below one step (of LOT_SIZE or MARKET_LOT_SIZE)
// rounds to nothing sellable.
func (e *Engine) dust(st *symState) bool {
	return !st.pos.Qty.IsPos() || st.pos.Qty.Less(st.minSell)
}

// minSellQty returns the smallest quantity in that can be sold at market:
// the largest of LOT_SIZE's minQty and step and MARKET_LOT_SIZE's step.
func minSellQty(in *market.Instrument) num.Decimal {
	m := num.Zero
	if f := in.Filters.LotSize; f != nil {
		m = num.Max(f.MinQty, f.StepSize)
	}
	if f := in.Filters.MarketLotSize; f != nil {
		m = num.Max(m, f.StepSize)
	}
	return m
}

// tradeBoundary notes a position opening or closing around fill f. realized
// and fees are the position's totals before f, so the trade's figures
// include the fill that opened it. On opening it starts a trade; every fill
// of an open trade adds to its buys or sells; on closing the trade is
// recorded (Trades) and its net PnL goes to the monitor.
func (e *Engine) tradeBoundary(st *symState, wasFlat bool, realized, fees num.Decimal, f *order.Fill) {
	flat := e.dust(st)
	if wasFlat && !flat {
		st.realizedAtOpen, st.feesAtOpen = realized, fees
		st.high, st.openedAt = st.last, e.now
		st.buyQty, st.buyValue, st.sellQty, st.sellValue = num.Zero, num.Zero, num.Zero, num.Zero
	}
	if !wasFlat || !flat {
		var c num.Calc
		v := c.Mul(f.Price, f.Qty)
		if f.Side == order.Buy {
			st.buyQty, st.buyValue = c.Add(st.buyQty, f.Qty), c.Add(st.buyValue, v)
		} else {
			st.sellQty, st.sellValue = c.Add(st.sellQty, f.Qty), c.Add(st.sellValue, v)
		}
		if c.Err() != nil {
			e.fail(c.Err())
			return
		}
	}
	if wasFlat || !flat {
		return
	}
	st.takeProfit, st.trail, st.high, st.trailStop = num.Zero, num.Zero, num.Zero, num.Zero
	var c num.Calc
	gross := c.Sub(st.pos.Realized, st.realizedAtOpen)
	paid := c.Sub(st.pos.FeesQuote, st.feesAtOpen)
	net := c.Sub(gross, paid)
	t := metrics.Trade{Symbol: st.inst.Symbol, Entry: st.openedAt, Exit: e.now, Qty: st.buyQty,
		EntryPrice: c.Div(st.buyValue, st.buyQty, 8), GrossPnL: gross, Fees: paid, NetPnL: net}
	if st.sellQty.IsPos() {
		t.ExitPrice = c.Div(st.sellValue, st.sellQty, 8)
	}
	if c.Err() != nil {
		e.fail(c.Err())
		return
	}
	e.trades = append(e.trades, t)
	e.inMarket += e.now - st.openedAt
	if e.monitor != nil {
		e.monitor.OnTradeClosed(net, e.now)
	}
}

// Trades returns the closed trades, oldest first: from the fill that made a
// position to the fill that left only dust.
func (e *Engine) Trades() []metrics.Trade { return e.trades }

// OpenPnL returns what the positions still open changed equity by: every
// position's unrealized PnL (dust included) plus, for trades still open,
// what they realized minus the fees they paid. With the closed trades' net
// PnL it adds up to final − initial equity exactly.
func (e *Engine) OpenPnL() (num.Decimal, error) {
	var c num.Calc
	total := num.Zero
	for _, st := range e.symList {
		u, err := st.pos.Unrealized()
		if err != nil {
			return num.Zero, err
		}
		total = c.Add(total, u)
		if !e.dust(st) {
			total = c.Add(total, c.Sub(st.pos.Realized, st.realizedAtOpen))
			total = c.Sub(total, c.Sub(st.pos.FeesQuote, st.feesAtOpen))
		}
	}
	return total, c.Err()
}

// TimeInMarket returns how long positions were open up to now, in ms,
// counting each closed trade and each trade still open. With several
// symbols, overlapping trades count once each.
func (e *Engine) TimeInMarket() int64 {
	t := e.inMarket
	for _, st := range e.symList {
		if !e.dust(st) {
			t += e.now - st.openedAt
		}
	}
	return t
}

// effect says whether r opens or adds exposure (an entry) or reduces it. A
// quote-sized order is valued at the last price.
func (e *Engine) effect(st *symState, r *order.Request) risk.Effect {
	qty := r.Quantity
	if qty.IsZero() && st.last.IsPos() {
		qty, _ = r.QuoteOrderQty.Div(st.last, 8)
	}
	return risk.EffectOf(r.Side, qty, st.pos.Qty)
}

// riskView is the engine's state as the risk gate reads it.
type riskView struct{ e *Engine }

// Equity implements risk.View: unknown while a held symbol has no price.
func (v *riskView) Equity() (num.Decimal, bool) {
	for _, st := range v.e.symList {
		if !st.pos.Qty.IsZero() && !st.pos.Mark.IsPos() {
			return num.Zero, false
		}
	}
	eq, err := v.e.acct.Equity()
	return eq, err == nil
}

// Instrument implements risk.View.
func (v *riskView) Instrument(symbol string) *market.Instrument { return v.e.insts[symbol] }

// Market implements risk.View. The exchange's average price is taken as the
// last price, as the simulated venue does.
func (v *riskView) Market(symbol string) risk.MarketState {
	st := v.e.syms[symbol]
	if st == nil {
		return risk.MarketState{}
	}
	ms := risk.MarketState{Last: st.last, LastTime: st.lastTime}
	ms.Exchange.AvgPrice = st.last
	for _, o := range v.e.open {
		if o.Symbol == symbol {
			ms.Exchange.OpenOrders++
			if o.Type.IsStop() {
				ms.Exchange.OpenAlgoOrders++
			}
		}
	}
	return ms
}

// Positions implements risk.View: every symbol with a position or a working
// buy.
func (v *riskView) Positions() []risk.Position {
	e := v.e
	e.posBuf = e.posBuf[:0]
	for _, st := range e.symList {
		working := v.working(st)
		if st.pos.Qty.IsZero() && working.IsZero() {
			continue
		}
		e.posBuf = append(e.posBuf, risk.Position{Symbol: st.inst.Symbol, Qty: st.pos.Qty, Working: working, Mark: st.pos.Mark})
	}
	return e.posBuf
}

// working sums the quantity still to fill of st's open buys.
func (v *riskView) working(st *symState) num.Decimal {
	w := num.Zero
	for _, o := range v.e.open {
		if o.Symbol == st.inst.Symbol && o.Side == order.Buy {
			w, _ = w.Add(o.Remaining())
		}
	}
	return w
}

// OpenRisk implements risk.View: for each position, what it loses if its
// stop is hit — the live protective stop (the highest open sell stop on the
// symbol), else the stop its entry declared, else its whole value — plus the
// same for working buys at their declared stops.
func (v *riskView) OpenRisk() num.Decimal {
	total := num.Zero
	for _, st := range v.e.symList {
		if st.pos.Qty.IsPos() {
			stop := st.stopLoss
			for _, o := range v.e.open {
				if o.Symbol == st.inst.Symbol && o.Side == order.Sell && o.Type.IsStop() && stop.Less(o.StopPrice) {
					stop = o.StopPrice
				}
			}
			var r num.Decimal
			if stop.IsPos() {
				// (entry − stop) × qty summed over lots is cost − stop × qty.
				sq, err := stop.Mul(st.pos.Qty)
				if err == nil {
					r, err = st.pos.Cost.Sub(sq)
				}
				if err != nil || r.IsNeg() {
					r = num.Zero
				}
			} else {
				r, _ = st.pos.Qty.Mul(st.pos.Mark)
			}
			total, _ = total.Add(r)
		}
	}
	for _, o := range v.e.open {
		if o.Side != order.Buy || !o.StopLoss.IsPos() {
			continue
		}
		price := o.Price
		if !price.IsPos() {
			price = v.e.syms[o.Symbol].last
		}
		if r, err := risk.StopRisk(o.Remaining(), price, o.StopLoss); err == nil {
			total, _ = total.Add(r)
		}
	}
	return total
}
