package risk

import (
	"errors"
	"fmt"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Gate is the pre-trade check every submit and modify passes before a venue
// sees it; cancels never do. It fails closed: whatever it cannot establish
// (the instrument, a fresh price, equity, a value it must compute) denies.
//
// A Gate is not safe for concurrent use: the engine's goroutine calls Check
// and OnPrice. The Switch it reads may be tripped from any goroutine.
type Gate struct {
	cfg Config
	// Limits as fractions of equity (or of the entry or last price).
	stopMin, stopMax   num.Decimal
	riskTrade, riskAll num.Decimal
	posMax, expMax     num.Decimal
	corrMax, band      num.Decimal
	unit8              num.Decimal // 0.00000001, the finest equity step used

	staleOff bool
	maxAge   int64 // ms

	// rate holds the times of the last OrderRateMax allowed orders;
	// rate[rateNext] is the oldest once the ring is full.
	rate       []int64
	rateNext   int
	rateLen    int
	rateWindow int64

	// sent holds the recent allowed submits for the duplicate guard.
	sent      []sentOrder
	sentNext  int
	sentLen   int
	dupWindow int64

	fixed fixedLimits // the limits for entryAllowedFast

	corr    *correlations
	state   StateSource
	kill    Switch
	journal Journal
}

// sentOrder is what makes two orders duplicates.
type sentOrder struct {
	at                       int64
	symbol                   string
	side                     order.Side
	typ                      order.Type
	qty, quoteQty, price, sp num.Decimal
}

// NewGate returns a gate enforcing cfg, reading the trading state from state
// and the kill-switch from kill, and recording every decision in j. It
// returns cfg's validation errors, or an error when a dependency is nil:
// a gate without them could only guess.
func NewGate(cfg Config, state StateSource, kill Switch, j Journal) (*Gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case state == nil:
		return nil, errors.New("risk gate: no trading state source")
	case kill == nil:
		return nil, errors.New("risk gate: no kill-switch")
	case j == nil:
		return nil, errors.New("risk gate: no journal")
	}
	g := &Gate{
		cfg:        cfg,
		stopMin:    pctToFraction(cfg.StopMinPct),
		stopMax:    pctToFraction(cfg.StopMaxPct),
		riskTrade:  pctToFraction(cfg.RiskPerTradePct),
		riskAll:    pctToFraction(cfg.OpenRiskPct),
		posMax:     pctToFraction(cfg.MaxPositionPct),
		expMax:     pctToFraction(cfg.MaxExposurePct),
		corrMax:    pctToFraction(cfg.MaxCorrelatedPct),
		band:       pctToFraction(cfg.PriceBandPct),
		unit8:      num.MustNew(1, 8),
		staleOff:   cfg.DisableStaleCheck,
		maxAge:     cfg.MaxDataAge.Milliseconds(),
		rate:       make([]int64, cfg.OrderRateMax),
		rateWindow: cfg.OrderRateWindow.Milliseconds(),
		sent:       make([]sentOrder, max(cfg.duplicateRing(), 1)),
		dupWindow:  cfg.DuplicateWindow.Milliseconds(),
		corr:       newCorrelations(&cfg),
		state:      state,
		kill:       kill,
		journal:    j,
	}
	g.fixed = newFixedLimits(g)
	return g, nil
}

// Config returns the limits the gate enforces.
func (g *Gate) Config() Config { return g.cfg }

// OnPrice feeds the correlation limit: the price of symbol at t (Unix ms).
// Call it with every trade price or bar close the engine sees, in time order
// per symbol; older, non-positive and pre-1970 prices are ignored. A symbol
// never fed has no correlations, and the gate counts it as correlated with
// every other. It allocates only the first time it sees a symbol.
func (g *Gate) OnPrice(symbol string, t int64, price num.Decimal) {
	g.corr.observe(symbol, t, price.Float64())
}

// PriceFeed feeds one symbol's prices to the correlation limit without
// looking the symbol up each time, for the engine's per-bar path.
type PriceFeed struct {
	c *correlations
	i int
}

// PriceFeed returns the feed of symbol, registering it (which allocates)
// the first time.
func (g *Gate) PriceFeed(symbol string) PriceFeed {
	i := g.corr.lookup(symbol)
	if i < 0 {
		i = g.corr.add(symbol)
	}
	return PriceFeed{c: g.corr, i: i}
}

// OnPrice is Gate.OnPrice for the feed's symbol. A zero PriceFeed ignores
// every price.
func (f PriceFeed) OnPrice(t int64, price num.Decimal) {
	if f.c != nil {
		f.c.observeAt(f.i, t, price.Float64())
	}
}

// OnFloat is OnPrice for a price already converted to float64 (returns are
// statistics, so the float is all the limit uses).
func (f PriceFeed) OnFloat(t int64, price float64) {
	if f.c != nil {
		f.c.observeAt(f.i, t, price)
	}
}

// Correlation returns the Pearson correlation of the returns of a and b, and
// false when it is not known yet (or a series does not vary), in which case
// the gate treats the pair as correlated.
func (g *Gate) Correlation(a, b string) (float64, bool) { return g.corr.value(a, b) }

// Check decides in: it returns CodeAllowed or the first rule that denies,
// records the decision in the journal, and counts an allowed intent against
// the order rate (and, for a submit, the duplicate guard) as sent at now. Call
// it only for an order that will be sent if allowed. now is the engine clock
// in Unix milliseconds.
//
// The rules, in the order they run (see the Code constants): kill-switch;
// intent shape; trading state (HALTED denies everything, REDUCING every
// entry, a cool-down every entry); instrument known and TRADING; a fresh last
// price; known positive equity; exchange filters; price band of limit prices;
// order rate; duplicate submit; a Reduce must shrink its position without
// reversing it. An Entry then needs: leverage within limit; a stop on the
// losing side within [StopMinPct, StopMaxPct] of the entry price; risk per
// trade; open risk; the symbol's position value; the number of open
// positions; total exposure; the exposure of the symbols correlated with it.
// Every limit allows a value exactly at it and denies anything above.
//
// The entry price is the limit price, or for STOP_LOSS and TAKE_PROFIT the
// stop price, or for MARKET the last price. A MARKET order sized by
// quoteOrderQty is taken to buy quoteOrderQty ÷ last, rounded up to 8
// decimals. The price band measures a limit price from the last trade, or
// for STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT from the order's stop price.
//
// Check does not allocate when it allows (the view and journal must not
// either); a denial may.
func (g *Gate) Check(in *Intent, v View, now int64) Decision {
	var d Decision
	switch {
	case in == nil:
		d = deny(CodeInvalidIntent, "").withDetail("no intent")
	case v == nil:
		d = deny(CodeInternal, in.Order.Symbol).withDetail("no view")
	default:
		d = g.decide(in, v, now)
	}
	if d.Allowed() && !in.Protective {
		g.remember(in, now)
	}
	e := Event{Kind: EventDecision, Time: now, Decision: d}
	if in != nil {
		r := &in.Order
		e.Action, e.Effect, e.ClientID = in.Action, in.Effect, r.ClientID
		e.Side, e.Type, e.Quantity, e.Price, e.StopLoss = r.Side, r.Type, r.Quantity, r.Price, in.StopLoss
	}
	g.journal.Record(e)
	return d
}

// remember counts an allowed intent in the rate and duplicate rings.
func (g *Gate) remember(in *Intent, now int64) {
	g.rate[g.rateNext] = now
	g.rateNext = (g.rateNext + 1) % len(g.rate)
	g.rateLen = min(g.rateLen+1, len(g.rate))
	if in.Action != Submit {
		return
	}
	r := &in.Order
	g.sent[g.sentNext] = sentOrder{at: now, symbol: r.Symbol, side: r.Side, typ: r.Type,
		qty: r.Quantity, quoteQty: r.QuoteOrderQty, price: r.Price, sp: r.StopPrice}
	g.sentNext = (g.sentNext + 1) % len(g.sent)
	g.sentLen = min(g.sentLen+1, len(g.sent))
}

// duplicate returns the age of the newest allowed submit identical to r
// within the duplicate window.
func (g *Gate) duplicate(r *order.Request, now int64) (age int64, found bool) {
	i := g.sentNext
	for range g.sentLen {
		i--
		if i < 0 {
			i = len(g.sent) - 1
		}
		s := &g.sent[i]
		age = now - s.at
		if age >= g.dupWindow {
			return 0, false // older ones are older still
		}
		if s.symbol == r.Symbol && s.side == r.Side && s.typ == r.Type && s.qty.Equal(r.Quantity) &&
			s.quoteQty.Equal(r.QuoteOrderQty) && s.price.Equal(r.Price) && s.sp.Equal(r.StopPrice) {
			return age, true
		}
	}
	return 0, false
}

// decide runs the rules.
func (g *Gate) decide(in *Intent, v View, now int64) Decision {
	r := &in.Order
	sym := r.Symbol
	prot := in.Protective
	if prot && in.Effect != Reduce {
		return deny(CodeInvalidIntent, sym).withDetail("a protective order must reduce")
	}
	if g.kill.Tripped() && !prot {
		return deny(CodeKillSwitch, sym)
	}
	if d, bad := checkShape(in); bad {
		return d
	}

	st := g.state.Status(now)
	switch {
	case prot || st.State == Active:
	case st.State == Reducing:
		if in.Effect == Entry {
			return deny(CodeReduceOnly, sym)
		}
	default: // HALTED, or a state the gate does not know
		return deny(CodeHalted, sym)
	}
	if in.Effect == Entry && now < st.CoolDownUntil {
		return deny(CodeCoolDown, sym).with("remaining", seconds(st.CoolDownUntil-now), "s")
	}

	inst := v.Instrument(sym)
	if inst == nil {
		return deny(CodeUnknownInstrument, sym)
	}
	if inst.Status != "TRADING" {
		return deny(CodeNotTrading, sym).withDetail("status " + inst.Status)
	}
	m := v.Market(sym)
	if !m.Last.IsPos() {
		return deny(CodeUnknownPrice, sym)
	}
	if age := now - m.LastTime; !g.staleOff && (age > g.maxAge || age < -g.maxAge) {
		return deny(CodeStaleMarketData, sym).with("age", seconds(age), "s").with("max", seconds(g.maxAge), "s")
	}
	eq, ok := v.Equity()
	if !ok {
		return deny(CodeUnknownEquity, sym)
	}
	if !eq.IsPos() {
		return deny(CodeUnknownEquity, sym).with("equity", eq, "")
	}
	if eq.Scale() > 8 {
		// Rounding down only tightens the limits, and keeps every product
		// of equity and a limit within 19 decimals.
		var err error
		if eq, err = eq.RoundDown(g.unit8); err != nil {
			return internal(sym, err)
		}
	}

	cond := m.Exchange
	if cond.AvgPrice.IsZero() {
		cond.AvgPrice = m.Last
	}
	if cond.MarkPrice.IsZero() {
		cond.MarkPrice = m.Last
	}
	oc := marketCheck(r)
	if rej := inst.Check(&oc, &cond); rej != nil {
		return deny(CodeExchangeFilter, sym).withDetail(rej.Error())
	}

	var c calc
	if r.Type.HasLimitPrice() {
		// A stop-limit order's limit applies once its stop has triggered,
		// so it is measured from the stop price.
		ref, refName := m.Last, "last"
		if r.Type.IsStop() {
			ref, refName = r.StopPrice, "stop"
		}
		dev := c.Sub(r.Price, ref).Abs()
		lim := c.Mul(ref, g.band)
		if c.Err() != nil {
			return internal(sym, c.Err())
		}
		if lim.Less(dev) {
			return deny(CodePriceBand, sym).with("deviation", percentOf(dev, ref), "%").
				with("max", g.cfg.PriceBandPct, "%").with("price", r.Price, "").with(refName, ref, "")
		}
	}

	if !prot && g.rateLen == len(g.rate) && now-g.rate[g.rateNext] < g.rateWindow {
		return deny(CodeOrderRate, sym).with("recent", num.FromInt(int64(g.rateLen)), "").
			with("max", num.FromInt(int64(g.cfg.OrderRateMax)), "").with("window", seconds(g.rateWindow), "s")
	}
	if in.Action == Submit && !prot {
		if age, dup := g.duplicate(r, now); dup {
			return deny(CodeDuplicateOrder, sym).with("age", seconds(age), "s").with("window", seconds(g.dupWindow), "s")
		}
	}

	qty := r.Quantity
	if qty.IsZero() {
		// A MARKET order sized in the quote asset buys about this much;
		// rounding up keeps the risk from being understated.
		if qty = c.div8Up(r.QuoteOrderQty, m.Last, g.unit8); c.Err() != nil {
			return internal(sym, c.Err())
		}
	}
	positions := v.Positions()
	var held *Position
	for i := range positions {
		if positions[i].Symbol == sym {
			held = &positions[i]
			break
		}
	}
	if in.Effect == Reduce {
		pos := num.Zero
		if held != nil {
			pos = held.Qty
		}
		if (r.Side == order.Sell && !pos.IsPos()) || (r.Side == order.Buy && !pos.IsNeg()) {
			return deny(CodeNotReducing, sym).with("position", pos, "").with("quantity", qty, "")
		}
		if pos.Abs().Less(qty) {
			return deny(CodeWouldFlip, sym).with("quantity", qty, "").with("position", pos, "")
		}
		return Decision{Code: CodeAllowed, Symbol: sym}
	}
	openRisk := v.OpenRisk()
	if g.entryAllowedFast(in, qty, m.Last, eq, positions, openRisk) {
		return Decision{Code: CodeAllowed, Symbol: sym}
	}
	return g.entry(in, qty, m.Last, eq, positions, openRisk)
}

// entry runs the rules only entries pass.
func (g *Gate) entry(in *Intent, qty, last, eq num.Decimal, positions []Position, openRisk num.Decimal) Decision {
	r := &in.Order
	sym := r.Symbol
	if lev := max(in.Leverage, 1); lev > g.cfg.MaxLeverage {
		return deny(CodeMaxLeverage, sym).with("leverage", num.FromInt(int64(lev)), "").
			with("max", num.FromInt(int64(g.cfg.MaxLeverage)), "")
	}
	stop := in.StopLoss
	if !stop.IsPos() {
		return deny(CodeStopRequired, sym)
	}
	entry := entryPrice(r, last)
	if (r.Side == order.Buy && entry.Less(stop)) || (r.Side == order.Sell && stop.Less(entry)) {
		return deny(CodeStopWrongSide, sym).with("entry", entry, "").with("stop", stop, "")
	}

	var c calc
	dist := c.Sub(entry, stop).Abs()
	minDist, maxDist := c.Mul(entry, g.stopMin), c.Mul(entry, g.stopMax)
	if c.Err() != nil {
		return internal(sym, c.Err())
	}
	if dist.Less(minDist) {
		return deny(CodeStopTooClose, sym).with("distance", percentOf(dist, entry), "%").
			with("min", g.cfg.StopMinPct, "%").with("entry", entry, "").with("stop", stop, "")
	}
	if maxDist.Less(dist) {
		return deny(CodeStopTooFar, sym).with("distance", percentOf(dist, entry), "%").
			with("max", g.cfg.StopMaxPct, "%").with("entry", entry, "").with("stop", stop, "")
	}

	risk := c.Mul(dist, qty)
	limit := c.Mul(eq, g.riskTrade)
	if c.Err() != nil {
		return internal(sym, c.Err())
	}
	if limit.Less(risk) {
		return overLimit(CodeMaxRiskPerTrade, sym, "risk", risk, limit, g.cfg.RiskPerTradePct, eq)
	}
	if openRisk.IsNeg() {
		return deny(CodeInternal, sym).withDetail("the view's open risk " + openRisk.String() + " is negative")
	}
	totalRisk := c.Add(openRisk, risk)
	limit = c.Mul(eq, g.riskAll)
	if c.Err() != nil {
		return internal(sym, c.Err())
	}
	if limit.Less(totalRisk) {
		return overLimit(CodeMaxOpenRisk, sym, "risk", totalRisk, limit, g.cfg.OpenRiskPct, eq)
	}

	// One pass over the positions values the symbol, all of them, and the
	// group correlated with the symbol, and counts the symbols held.
	added := c.Mul(qty, entry)
	ci := g.corr.lookup(sym)
	symVal, total, group := added, added, added
	count := 1
	for i := range positions {
		p := &positions[i]
		if p.Working.IsNeg() {
			return deny(CodeInternal, sym).withDetail("the view's working quantity of " + p.Symbol + " is negative")
		}
		size := c.Add(p.Qty.Abs(), p.Working)
		if size.IsZero() {
			continue
		}
		mark := p.Mark
		if p.Symbol == sym {
			count-- // the intent's symbol is already counted
			if !mark.IsPos() {
				mark = last
			}
		}
		if !mark.IsPos() {
			return deny(CodeUnknownPrice, sym).withDetail("no mark price for held " + p.Symbol)
		}
		val := c.Mul(size, mark)
		total = c.Add(total, val)
		count++
		switch {
		case p.Symbol == sym:
			symVal = c.Add(symVal, val)
			group = c.Add(group, val)
		case g.corr.correlated(ci, g.corr.lookup(p.Symbol)):
			group = c.Add(group, val)
		}
	}
	posLimit, expLimit, corrLimit := c.Mul(eq, g.posMax), c.Mul(eq, g.expMax), c.Mul(eq, g.corrMax)
	if c.Err() != nil {
		return internal(sym, c.Err())
	}
	switch {
	case posLimit.Less(symVal):
		return overLimit(CodeMaxPositionValue, sym, "value", symVal, posLimit, g.cfg.MaxPositionPct, eq)
	case count > g.cfg.MaxOpenPositions:
		return deny(CodeMaxOpenPositions, sym).with("positions", num.FromInt(int64(count)), "").
			with("max", num.FromInt(int64(g.cfg.MaxOpenPositions)), "")
	case expLimit.Less(total):
		return overLimit(CodeMaxExposure, sym, "exposure", total, expLimit, g.cfg.MaxExposurePct, eq)
	case corrLimit.Less(group):
		return overLimit(CodeMaxCorrelatedExposure, sym, "exposure", group, corrLimit, g.cfg.MaxCorrelatedPct, eq)
	}
	return Decision{Code: CodeAllowed, Symbol: sym}
}

// overLimit builds the denial of an amount above a limit that is a
// percentage of equity: name=pct% max=pct% amount=… limit=….
func overLimit(code Code, sym, name string, amount, limit, maxPct, eq num.Decimal) Decision {
	return deny(code, sym).with(name, percentOf(amount, eq), "%").with("max", maxPct, "%").
		with("amount", amount, "").with("limit", limit, "")
}

// internal is the denial for an error the gate cannot decide past.
func internal(sym string, err error) Decision {
	return deny(CodeInternal, sym).withDetail(err.Error())
}

// checkShape denies an intent that is malformed.
func checkShape(in *Intent) (Decision, bool) {
	sym := in.Order.Symbol
	switch {
	case in.Action != Submit && in.Action != Modify:
		return deny(CodeInvalidIntent, sym).withDetail("action is missing or invalid"), true
	case in.Effect != Entry && in.Effect != Reduce:
		return deny(CodeInvalidIntent, sym).withDetail("effect is missing or invalid"), true
	case in.Leverage < 0:
		return deny(CodeInvalidIntent, sym).withDetail(fmt.Sprintf("leverage %d is negative", in.Leverage)), true
	case in.StopLoss.IsNeg():
		return deny(CodeInvalidIntent, sym).withDetail("stop-loss " + in.StopLoss.String() + " is negative"), true
	}
	if err := in.Order.Valid(); err != nil {
		return deny(CodeInvalidIntent, sym).withDetail(err.Error()), true
	}
	return Decision{}, false
}

// entryPrice is the price an order is expected to fill at.
func entryPrice(r *order.Request, last num.Decimal) num.Decimal {
	switch {
	case r.Type.HasLimitPrice():
		return r.Price
	case r.Type.IsStop():
		return r.StopPrice
	}
	return last
}

// marketCheck is the part of r the exchange filters read.
func marketCheck(r *order.Request) market.OrderCheck {
	return market.OrderCheck{Side: r.Side, Type: r.Type, Price: r.Price, StopPrice: r.StopPrice,
		Quantity: r.Quantity, QuoteOrderQty: r.QuoteOrderQty}
}

// calc is num.Calc with the gate's rounding-up division.
type calc struct{ num.Calc }

// div8Up returns x ÷ y rounded up to a multiple of unit8 (10^-8).
func (c *calc) div8Up(x, y, unit8 num.Decimal) num.Decimal {
	q := c.Div(x, y, 8)
	if back := c.Mul(q, y); c.Err() == nil && back.Less(x) {
		q = c.Add(q, unit8)
	}
	return q
}
