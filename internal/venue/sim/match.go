package sim

import (
	"math"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// point is one step of the intrabar path: a price reached at a time.
type point struct {
	price num.Decimal
	time  int64
}

// Path returns the intrabar path the venue assumes for a bar of length ivMs:
// open, then the extreme nearer to the open, then the other extreme, then
// close, at 0, 1/3, 2/3 and the end of the bar. When both extremes are equally
// far from the open, the low comes first.
func Path(bar *market.Bar, ivMs int64) [4]point {
	first, second := bar.Low, bar.High
	up, _ := bar.High.Sub(bar.Open)
	down, _ := bar.Open.Sub(bar.Low)
	if up.Less(down) {
		first, second = bar.High, bar.Low
	}
	return [4]point{
		{bar.Open, bar.Time},
		{first, bar.Time + ivMs/3},
		{second, bar.Time + 2*ivMs/3},
		{bar.Close, bar.Time + ivMs - 1},
	}
}

// OnBar matches the working orders of the i-th symbol (see SymbolIndex)
// against bar, a candle of ivMs milliseconds, walking the intrabar path.
// Orders that reached the venue before the bar opened see the open first, so
// a gap through a stop fills at the gap price. An order arriving inside a leg
// of the path starts matching at that leg's first price.
//
// After each point of the path at which something happened, OnBar sets the
// symbol's last price to that point's price and calls step with its time and
// price, so
// the engine can apply the reports and let the strategy react (place a stop
// after an entry fills, say) before the path goes on: orders placed then work
// for the rest of the bar. step may be nil. The bar's close is the last price
// when OnBar returns.
func (v *Venue) OnBar(i int, bar *market.Bar, ivMs int64, step func(t int64, price num.Decimal)) {
	b := v.books[i]
	b.hasLast = true
	if len(b.open) == 0 || !b.anyActs(bar) {
		b.last = bar.Close
		return
	}
	b.barVolume = bar.Volume
	b.capped = v.cfg.MaxVolumeShare.IsPos()
	if b.capped {
		cap, err := bar.Volume.Mul(v.cfg.MaxVolumeShare)
		if err != nil {
			cap = bar.Volume
		}
		b.budget = marketQty(b.inst, cap)
	}
	path := Path(bar, ivMs)
	for k := range path {
		seen := v.emitted
		if k == 0 {
			// The open: only orders already resting when the bar opened.
			v.leg(b, path[0], path[0], bar.Time-1, bar.Time)
		} else {
			v.leg(b, path[k-1], path[k], path[k-1].time, path[k].time)
		}
		b.last = path[k].price
		if step != nil && v.emitted != seen {
			step(path[k].time, path[k].price)
		}
	}
	b.last = bar.Close
}

// anyActs reports whether some working order can do anything in bar: it
// arrives during the bar, is a market order, or its trigger or limit price
// lies within the bar's range. Most bars pass none, and the path walk is
// skipped.
func (b *book) anyActs(bar *market.Bar) bool {
	for _, o := range b.open {
		r := &o.req
		switch {
		case o.arrival > bar.Time || r.Type == order.Market:
			return true
		case r.Type.IsStop() && !o.triggered:
			if triggerAbove(r) {
				if !bar.High.Less(r.StopPrice) {
					return true
				}
			} else if !r.StopPrice.Less(bar.Low) {
				return true
			}
		case r.Side == order.Buy:
			if !r.Price.Less(bar.Low) {
				return true
			}
		default:
			if !bar.High.Less(r.Price) {
				return true
			}
		}
	}
	return false
}

// leg matches every eligible order over the move from a to z. Orders that
// arrived at or before from are resting; orders arriving in (from, to] arrive
// at price a.
func (v *Venue) leg(b *book, a, z point, from, to int64) {
	for i := 0; i < len(b.open); {
		o := b.open[i]
		if o.arrival > to {
			i++
			continue
		}
		arriving := o.arrival > from
		if done := v.work(b, o, a.price, z.price, arriving, z.time); done {
			b.remove(i)
			continue
		}
		i++
	}
}

// work runs one order over the move a → z and reports whether it is finished.
func (v *Venue) work(b *book, o *simOrder, a, z num.Decimal, arriving bool, now int64) bool {
	r := &o.req
	lo, hi := num.Min(a, z), num.Max(a, z)
	if r.Type.IsStop() && !o.triggered {
		var at num.Decimal
		if triggerAbove(r) {
			if hi.Less(r.StopPrice) {
				return false
			}
			at = num.Max(a, r.StopPrice) // gapped above the stop: the gap price
		} else {
			if r.StopPrice.Less(lo) {
				return false
			}
			at = num.Min(a, r.StopPrice)
		}
		o.triggered = true
		if r.Type == order.StopLoss || r.Type == order.TakeProfit {
			return v.takeMarket(b, o, at, now)
		}
		o.limit = true
		if marketable(r.Side, r.Price, at) {
			if v.fill(b, o, capLimit(r.Side, at, r.Price), false, now) {
				return true
			}
		}
		a, arriving = at, false
		lo, hi = num.Min(a, z), num.Max(a, z)
	}
	if r.Type == order.Market {
		return v.takeMarket(b, o, a, now)
	}
	if !o.limit {
		return false
	}
	if arriving && marketable(r.Side, r.Price, a) {
		// A limit order that crosses on arrival takes at the current price.
		done := v.fill(b, o, a, false, now)
		if done || r.TimeInForce == order.IOC || r.TimeInForce == order.FOK {
			return v.finishTaker(b, o, done, now)
		}
	} else if arriving && (r.TimeInForce == order.IOC || r.TimeInForce == order.FOK) {
		return v.finishTaker(b, o, false, now)
	}
	// Resting: fills at its own price when the move trades through it.
	var crossed bool
	if r.Side == order.Buy {
		crossed = lo.Less(r.Price) || (v.cfg.FillOnTouch && lo.Equal(r.Price))
	} else {
		crossed = r.Price.Less(hi) || (v.cfg.FillOnTouch && hi.Equal(r.Price))
	}
	if !crossed {
		return false
	}
	return v.fill(b, o, r.Price, true, now)
}

func capLimit(side order.Side, price, limit num.Decimal) num.Decimal {
	if side == order.Buy {
		return num.Min(price, limit)
	}
	return num.Max(price, limit)
}

// finishTaker ends an IOC or FOK order after its one chance to take.
func (v *Venue) finishTaker(b *book, o *simOrder, done bool, now int64) bool {
	if !done {
		o.unlockAll()
		v.emit(o.req.Symbol, o.req.ClientID, order.Event{Kind: order.Expire, Time: now, OrderID: o.id,
			Reason: "UNFILLED_IOC_QUANTITY_EXPIRED"})
	}
	return true
}

// takeMarket executes a market order (or a triggered stop-market) at price
// with slippage. What the bar's volume cap or the balance cannot cover expires,
// as a Binance market order expires when liquidity runs out.
func (v *Venue) takeMarket(b *book, o *simOrder, price num.Decimal, now int64) bool {
	px := v.slip(b, o, price)
	if v.fill(b, o, px, false, now) {
		return true
	}
	o.unlockAll()
	v.emit(o.req.Symbol, o.req.ClientID, order.Event{Kind: order.Expire, Time: now, OrderID: o.id,
		Reason: "INSUFFICIENT_LIQUIDITY"})
	return true
}

// slip moves price against the taker by the fixed slippage plus the impact of
// taking a share of the bar's volume, rounded to the tick away from the taker.
func (v *Venue) slip(b *book, o *simOrder, price num.Decimal) num.Decimal {
	bps := v.cfg.SlippageBps
	if v.cfg.ImpactBps > 0 && b.barVolume.IsPos() {
		qty := o.req.Quantity
		if qty.IsZero() {
			q, err := o.quoteLeft.Div(price, 8)
			if err == nil {
				qty = q
			}
		}
		share := qty.Float64() / b.barVolume.Float64()
		if share > 1 {
			share = 1
		}
		bps += v.cfg.ImpactBps * share
	}
	if bps <= 0 {
		return price
	}
	// The model is a float; the price it yields is an exact tick. bps × 1e-4
	// is kept to 8 decimals (a millionth of a basis point).
	frac, err := num.New(int64(math.Round(bps*1e4)), 8)
	if err != nil {
		return price
	}
	move, err := price.Mul(frac)
	if err != nil {
		return price
	}
	var out num.Decimal
	if o.req.Side == order.Buy {
		out, _ = price.Add(move)
		out = roundPriceUp(b.inst, out)
	} else {
		out, _ = price.Sub(move)
		out = roundPriceDown(b.inst, out)
		if !out.IsPos() {
			out = price
		}
	}
	return out
}

// fill executes as much of o as the volume cap, the order and the balance
// allow, at price, and reports whether o is finished (filled, or a quote-sized
// order that has spent its quote).
func (v *Venue) fill(b *book, o *simOrder, price num.Decimal, maker bool, now int64) bool {
	r := &o.req
	var want num.Decimal
	if r.Quantity.IsZero() {
		q, err := o.quoteLeft.Div(price, 19)
		if err != nil {
			return false
		}
		want = marketQty(b.inst, q)
	} else {
		want, _ = r.Quantity.Sub(o.filled)
	}
	qty := want
	if b.capped && b.budget.Less(qty) {
		qty = b.budget
	}
	if r.TimeInForce == order.FOK && qty.Less(want) {
		return false
	}
	notional, err := price.Mul(qty)
	if err != nil {
		return false
	}
	// Buys that locked nothing pay from the free quote; take what it affords.
	if r.Side == order.Buy && o.lockedIn == nil && b.quote.Free.Less(notional) {
		q, err := b.quote.Free.Div(price, 19)
		if err != nil {
			return false
		}
		qty = marketQty(b.inst, num.Min(q, qty))
		notional, _ = price.Mul(qty)
	}
	if r.Side == order.Sell && o.lockedIn == nil && b.base.Free.Less(qty) {
		qty = marketQty(b.inst, b.base.Free)
		notional, _ = price.Mul(qty)
	}
	if !qty.IsPos() {
		return false
	}
	rate := v.cfg.TakerFee
	if maker {
		rate = v.cfg.MakerFee
	}
	v.tradeSeq++
	f := order.Fill{Symbol: r.Symbol, ClientID: r.ClientID, TradeID: v.tradeSeq, Side: r.Side,
		Price: price, Qty: qty, Maker: maker, Time: now}
	bnbFee, payBNB := v.bnbCommission(b, notional, rate)
	if payBNB {
		f.Commission, f.CommissionAsset = bnbFee, bnbAsset
		v.bnb.Free, _ = v.bnb.Free.Sub(bnbFee)
	}
	if r.Side == order.Buy {
		v.spend(b.quote, o, notional, price, qty)
		got := qty
		if !payBNB {
			f.Commission, _ = qty.Mul(rate)
			f.CommissionAsset = b.inst.BaseAsset
			got, _ = qty.Sub(f.Commission)
		}
		b.base.Free, _ = b.base.Free.Add(got)
	} else {
		v.spend(b.base, o, qty, price, qty)
		got := notional
		if !payBNB {
			f.Commission, _ = notional.Mul(rate)
			f.CommissionAsset = b.inst.QuoteAsset
			got, _ = notional.Sub(f.Commission)
		}
		b.quote.Free, _ = b.quote.Free.Add(got)
	}
	if b.capped {
		b.budget, _ = b.budget.Sub(qty)
	}
	o.filled, _ = o.filled.Add(qty)
	done := false
	if r.Quantity.IsZero() {
		o.quoteLeft, _ = o.quoteLeft.Sub(notional)
		// Filled once what is left cannot buy one more step.
		step, _ := price.Mul(marketStep(b.inst))
		done = !qty.Less(want) && (step.IsZero() || o.quoteLeft.Less(step))
	} else {
		done = o.filled.Equal(r.Quantity)
	}
	if done {
		o.unlockAll()
	}
	v.emit(r.Symbol, r.ClientID, order.Event{Kind: order.Trade, Time: now, OrderID: o.id, Fill: f,
		Final: done && r.Quantity.IsZero()})
	return done
}

// bnbAsset is the asset Binance takes discounted commissions in.
const bnbAsset = "BNB"

// bnbCommission returns the commission in BNB for a fill of notional (in the
// book's quote asset) at rate, with the configured discount, when the
// discount is on, the venue knows BNB's price in that quote asset and the
// free BNB covers it. Binance truncates commissions to 8 decimals. Otherwise
// the fill pays the full rate in the asset it receives, as on Binance when
// BNB runs short.
func (v *Venue) bnbCommission(b *book, notional, rate num.Decimal) (num.Decimal, bool) {
	if !v.cfg.BNBDiscount.IsPos() || v.bnb == nil || b.inst.BaseAsset == bnbAsset {
		return num.Zero, false
	}
	pb := v.bySymbol[bnbAsset+b.inst.QuoteAsset]
	if pb == nil || !pb.hasLast {
		return num.Zero, false
	}
	keep, err := num.One.Sub(v.cfg.BNBDiscount)
	if err != nil {
		return num.Zero, false
	}
	fee, err := notional.Mul(rate)
	if err == nil {
		fee, err = fee.Mul(keep)
	}
	if err == nil {
		fee, err = fee.Div(pb.last, 8)
	}
	if err != nil || !fee.IsPos() || v.bnb.Free.Less(fee) {
		return num.Zero, false
	}
	return fee, true
}

// spend takes amt from the order's lock if it has one (returning the excess a
// better-than-limit price leaves), else from the free balance.
func (v *Venue) spend(bal *Balance, o *simOrder, amt, price, qty num.Decimal) {
	if o.lockedIn != bal {
		bal.Free, _ = bal.Free.Sub(amt)
		return
	}
	release := amt
	if o.req.Side == order.Buy {
		release, _ = o.req.Price.Mul(qty) // locked at the limit price
	}
	release = num.Min(release, o.locked)
	o.locked, _ = o.locked.Sub(release)
	bal.Locked, _ = bal.Locked.Sub(release)
	excess, _ := release.Sub(amt)
	bal.Free, _ = bal.Free.Add(excess)
}
