// Package sim is the simulated spot venue: Binance's order types, statuses,
// reject codes, fees and free/locked balances, matched against bars along an
// intrabar price path. It is deterministic: the same bars and orders give the
// same fills.
package sim

import (
	"fmt"
	"math"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/venue"
)

// Config sets how the venue fills orders. The zero value is not usable; start
// from DefaultConfig.
type Config struct {
	// MakerFee and TakerFee are commission rates (0.001 = 0.1%, Binance's
	// regular spot rate).
	MakerFee num.Decimal
	TakerFee num.Decimal
	// LatencyMs is the time between a submit and the order reaching the venue.
	LatencyMs int64
	// SlippageBps is the fixed adverse move, in basis points, applied to taker
	// fills of market and triggered stop orders.
	SlippageBps float64
	// ImpactBps is the extra adverse move in basis points per 100% of the bar's
	// volume the fill takes (a fill of 1% of the volume with ImpactBps 100 moves
	// 1 bp more).
	ImpactBps float64
	// MaxVolumeShare caps the quantity filled in one bar, across all orders on
	// the symbol, at this share of the bar's volume (0.1 = 10%). Zero means no
	// cap.
	MaxVolumeShare num.Decimal
	// BNBDiscount is the share of the commission waived when it is paid in
	// BNB (Binance spot: 0.25). Zero turns it off. When on, a fill pays its
	// discounted commission in BNB if the account holds enough free BNB and
	// the venue trades BNB against the fill's quote asset (its last price
	// converts the fee); otherwise it pays the full rate as usual.
	BNBDiscount num.Decimal
	// FillOnTouch lets a resting limit order fill when the price only touches
	// its limit. Off by default: a touch says nothing of queue position, so a
	// limit fills only when the price trades through it.
	FillOnTouch bool
}

// DefaultConfig returns Binance's default spot fees (0.1% maker and taker),
// 50 ms latency, 1 bp fixed slippage plus 100 bp per 100% of bar volume taken,
// and fills capped at 10% of each bar's volume.
func DefaultConfig() Config {
	return Config{
		MakerFee:       num.MustParse("0.001"),
		TakerFee:       num.MustParse("0.001"),
		LatencyMs:      50,
		SlippageBps:    1,
		ImpactBps:      100,
		MaxVolumeShare: num.MustParse("0.1"),
	}
}

// Validate reports every problem with c at once.
func (c *Config) Validate() error {
	var errs []string
	if c.MakerFee.IsNeg() || c.MakerFee.Cmp(num.One) >= 0 {
		errs = append(errs, fmt.Sprintf("maker fee %s must be in [0, 1)", c.MakerFee))
	}
	if c.TakerFee.IsNeg() || c.TakerFee.Cmp(num.One) >= 0 {
		errs = append(errs, fmt.Sprintf("taker fee %s must be in [0, 1)", c.TakerFee))
	}
	if c.LatencyMs < 0 {
		errs = append(errs, fmt.Sprintf("latency %d ms must not be negative", c.LatencyMs))
	}
	if c.SlippageBps < 0 || math.IsNaN(c.SlippageBps) || c.SlippageBps > 10000 {
		errs = append(errs, fmt.Sprintf("slippage %v bps must be in [0, 10000]", c.SlippageBps))
	}
	if c.ImpactBps < 0 || math.IsNaN(c.ImpactBps) || c.ImpactBps > 10000 {
		errs = append(errs, fmt.Sprintf("impact %v bps must be in [0, 10000]", c.ImpactBps))
	}
	if c.BNBDiscount.IsNeg() || c.BNBDiscount.Cmp(num.One) >= 0 {
		errs = append(errs, fmt.Sprintf("BNB discount %s must be in [0, 1)", c.BNBDiscount))
	}
	if c.MaxVolumeShare.IsNeg() || c.MaxVolumeShare.Cmp(num.One) > 0 {
		errs = append(errs, fmt.Sprintf("max volume share %s must be in [0, 1]", c.MaxVolumeShare))
	}
	if len(errs) > 0 {
		return fmt.Errorf("sim venue config: %v", errs)
	}
	return nil
}

// Balance is one asset's free and locked amounts.
type Balance struct {
	Free   num.Decimal
	Locked num.Decimal
}

// Total returns Free + Locked.
func (b Balance) Total() num.Decimal {
	t, _ := b.Free.Add(b.Locked)
	return t
}

// Venue is the simulated venue. It is not safe for concurrent use: the engine
// owns it.
type Venue struct {
	cfg      Config
	sink     venue.Sink
	books    []*book
	bySymbol map[string]*book
	balances map[string]*Balance
	orderSeq int64
	tradeSeq int64
	rep      venue.Report
	emitted  int // reports emitted so far
	bnb      *Balance
}

type book struct {
	inst    *market.Instrument
	base    *Balance
	quote   *Balance
	open    []*simOrder
	last    num.Decimal
	hasLast bool
	// budget is what is left of this bar's volume cap.
	budget    num.Decimal
	capped    bool
	barVolume num.Decimal
	check     market.OrderCheck
	cond      market.Conditions
}

type simOrder struct {
	req       order.Request
	id        int64
	arrival   int64
	filled    num.Decimal
	quoteLeft num.Decimal // for quote-sized market orders
	locked    num.Decimal // amount still locked in lockedIn
	lockedIn  *Balance
	triggered bool
	limit     bool // works as a limit order now (limit types, or a triggered stop-limit)
}

// New returns a venue trading the given instruments with starting balances
// (asset → amount). Reports go to sink.
func New(cfg Config, instruments []*market.Instrument, balances map[string]num.Decimal, sink venue.Sink) (*Venue, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &Venue{
		cfg:      cfg,
		sink:     sink,
		bySymbol: make(map[string]*book, len(instruments)),
		balances: make(map[string]*Balance),
	}
	for asset, amt := range balances {
		if amt.IsNeg() {
			return nil, fmt.Errorf("sim venue: starting balance %s %s is negative", amt, asset)
		}
		v.balances[asset] = &Balance{Free: amt}
	}
	if b, ok := v.balances[bnbAsset]; ok {
		v.bnb = b
	}
	for _, in := range instruments {
		if _, dup := v.bySymbol[in.Symbol]; dup {
			return nil, fmt.Errorf("sim venue: instrument %s listed twice", in.Symbol)
		}
		b := &book{inst: in, base: v.balance(in.BaseAsset), quote: v.balance(in.QuoteAsset)}
		v.books = append(v.books, b)
		if in.BaseAsset == bnbAsset {
			v.bnb = b.base
		}
		v.bySymbol[in.Symbol] = b
	}
	return v, nil
}

func (v *Venue) balance(asset string) *Balance {
	b, ok := v.balances[asset]
	if !ok {
		b = &Balance{}
		v.balances[asset] = b
	}
	return b
}

// Balances returns a copy of every balance, by asset.
func (v *Venue) Balances() map[string]Balance {
	out := make(map[string]Balance, len(v.balances))
	for a, b := range v.balances {
		out[a] = *b
	}
	return out
}

// SymbolIndex returns the index of symbol for OnBar.
func (v *Venue) SymbolIndex(symbol string) (int, bool) {
	for i, b := range v.books {
		if b.inst.Symbol == symbol {
			return i, true
		}
	}
	return 0, false
}

// OpenOrders returns how many orders are working on symbol.
func (v *Venue) OpenOrders(symbol string) int {
	if b, ok := v.bySymbol[symbol]; ok {
		return len(b.open)
	}
	return 0
}

func (v *Venue) emit(symbol, clientID string, ev order.Event) {
	v.emitted++
	v.rep = venue.Report{Symbol: symbol, ClientID: clientID, Event: ev}
	v.sink(&v.rep)
}

func (v *Venue) reject(now int64, r *order.Request, code int, reason string) {
	v.emit(r.Symbol, r.ClientID, order.Event{Kind: order.Reject, Time: now, Code: code, Reason: reason})
}

// Reject messages, as Binance words them.
const (
	msgInsufficient  = "Account has insufficient balance for requested action."
	msgDuplicate     = "Duplicate order sent."
	msgWouldTake     = "Order would immediately match and take."
	msgWouldTrigger  = "Order would trigger immediately."
	msgMarketClosed  = "Market is closed."
	msgUnknownOrder  = "Unknown order sent."
	msgInvalidSymbol = "Invalid symbol."
)

// Submit implements venue.Venue. Checks run in Binance's order: symbol,
// parameters, duplicate id, filters, immediate match or trigger, balance.
func (v *Venue) Submit(now int64, r *order.Request) {
	b, ok := v.bySymbol[r.Symbol]
	if !ok {
		v.reject(now, r, venue.CodeInvalidSymbol, msgInvalidSymbol)
		return
	}
	if err := r.Valid(); err != nil {
		v.reject(now, r, venue.CodeBadParameter, err.Error())
		return
	}
	if r.ClientID == "" {
		v.reject(now, r, venue.CodeBadParameter, "clientOrderId is required by the simulated venue")
		return
	}
	for _, o := range b.open {
		if o.req.ClientID == r.ClientID {
			v.reject(now, r, venue.CodeNewRejected, msgDuplicate)
			return
		}
	}
	if !b.hasLast {
		v.reject(now, r, venue.CodeNewRejected, msgMarketClosed)
		return
	}
	b.check = market.OrderCheck{Side: r.Side, Type: r.Type, Price: r.Price, StopPrice: r.StopPrice,
		Quantity: r.Quantity, QuoteOrderQty: r.QuoteOrderQty}
	// The average price Binance checks against is the 5-minute VWAP or the
	// reference price; the simulated venue uses the last price.
	b.cond = market.Conditions{AvgPrice: b.last, OpenOrders: len(b.open)}
	for _, o := range b.open {
		if o.req.Type.IsStop() && !o.triggered {
			b.cond.OpenAlgoOrders++
		}
	}
	if rej := b.inst.Check(&b.check, &b.cond); rej != nil {
		v.reject(now, r, rej.Code, rej.Msg)
		return
	}
	switch r.Type {
	case order.LimitMaker:
		if marketable(r.Side, r.Price, b.last) {
			v.reject(now, r, venue.CodeNewRejected, msgWouldTake)
			return
		}
	case order.StopLoss, order.StopLossLimit, order.TakeProfit, order.TakeProfitLimit:
		if triggers(r, b.last) {
			v.reject(now, r, venue.CodeNewRejected, msgWouldTrigger)
			return
		}
	}
	o := &simOrder{req: *r, arrival: now + v.cfg.LatencyMs, limit: r.Type == order.Limit || r.Type == order.LimitMaker}
	if !v.lock(b, o) {
		v.reject(now, r, venue.CodeNewRejected, msgInsufficient)
		return
	}
	if r.Type == order.Market && !r.QuoteOrderQty.IsZero() {
		o.quoteLeft = r.QuoteOrderQty
	}
	v.orderSeq++
	o.id = v.orderSeq
	b.open = append(b.open, o)
	v.emit(r.Symbol, r.ClientID, order.Event{Kind: order.Ack, Time: now, OrderID: o.id})
}

// lock reserves what the order may spend: the quote for buys with a price, the
// base for sells. Market buys (and stop-market buys) lock nothing and are
// checked against the free balance when they execute, but must look affordable
// at the last price now.
func (v *Venue) lock(b *book, o *simOrder) bool {
	r := &o.req
	if r.Side == order.Sell {
		if r.Quantity.IsZero() { // quote-sized sell: check at execution
			return b.base.Free.IsPos()
		}
		return lockFrom(b.base, r.Quantity, o)
	}
	switch {
	case r.Type.HasLimitPrice():
		amt, err := r.Price.Mul(r.Quantity)
		return err == nil && lockFrom(b.quote, amt, o)
	case !r.QuoteOrderQty.IsZero():
		return b.quote.Free.Cmp(r.QuoteOrderQty) >= 0
	default:
		ref := b.last
		if r.Type.IsStop() {
			ref = r.StopPrice
		}
		amt, err := ref.Mul(r.Quantity)
		return err == nil && b.quote.Free.Cmp(amt) >= 0
	}
}

func lockFrom(bal *Balance, amt num.Decimal, o *simOrder) bool {
	if bal.Free.Less(amt) {
		return false
	}
	bal.Free, _ = bal.Free.Sub(amt)
	bal.Locked, _ = bal.Locked.Add(amt)
	o.locked, o.lockedIn = amt, bal
	return true
}

func (o *simOrder) unlockAll() {
	if o.lockedIn == nil || o.locked.IsZero() {
		return
	}
	o.lockedIn.Locked, _ = o.lockedIn.Locked.Sub(o.locked)
	o.lockedIn.Free, _ = o.lockedIn.Free.Add(o.locked)
	o.locked = num.Zero
}

// Cancel implements venue.Venue.
func (v *Venue) Cancel(now int64, symbol, clientID string) {
	b, ok := v.bySymbol[symbol]
	if ok {
		for i, o := range b.open {
			if o.req.ClientID == clientID {
				o.unlockAll()
				b.remove(i)
				v.emit(symbol, clientID, order.Event{Kind: order.Cancel, Time: now, OrderID: o.id})
				return
			}
		}
	}
	v.rep = venue.Report{Symbol: symbol, ClientID: clientID, CancelRejected: true,
		Event: order.Event{Time: now, Code: venue.CodeUnknownOrder, Reason: msgUnknownOrder}}
	v.sink(&v.rep)
}

func (b *book) remove(i int) {
	copy(b.open[i:], b.open[i+1:])
	b.open[len(b.open)-1] = nil
	b.open = b.open[:len(b.open)-1]
}

// marketable reports whether a limit order at price would take liquidity at
// the current price.
func marketable(side order.Side, price, cur num.Decimal) bool {
	if side == order.Buy {
		return price.Cmp(cur) >= 0
	}
	return price.Cmp(cur) <= 0
}

// triggerAbove reports whether r's stop triggers when the price rises to it:
// STOP_LOSS(_LIMIT) BUY and TAKE_PROFIT(_LIMIT) SELL.
func triggerAbove(r *order.Request) bool {
	stopLoss := r.Type == order.StopLoss || r.Type == order.StopLossLimit
	return stopLoss == (r.Side == order.Buy)
}

func triggers(r *order.Request, price num.Decimal) bool {
	if triggerAbove(r) {
		return price.Cmp(r.StopPrice) >= 0
	}
	return price.Cmp(r.StopPrice) <= 0
}
