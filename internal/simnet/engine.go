package simnet

import (
	"net/http"
	"slices"
	"sort"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Order statuses and types as Binance names them.
const (
	stNew         = "NEW"
	stPartial     = "PARTIALLY_FILLED"
	stFilled      = "FILLED"
	stCanceled    = "CANCELED"
	stExpired     = "EXPIRED"
	sideBuy       = "BUY"
	sideSell      = "SELL"
	defaultSTP    = "EXPIRE_MAKER"
	feeRateString = "0.001"
)

var feeRate = num.MustParse(feeRateString)

// balance is one asset of an account.
type balance struct {
	Free   num.Decimal `json:"free"`
	Locked num.Decimal `json:"locked"`
}

// simOrder is an order as simnet keeps it.
type simOrder struct {
	Account      string      `json:"account"`
	Symbol       string      `json:"symbol"`
	ID           int64       `json:"id"`
	ListID       int64       `json:"list_id"`
	ClientID     string      `json:"client_id"`
	Side         string      `json:"side"`
	Type         string      `json:"type"`
	TIF          string      `json:"tif"`
	Price        num.Decimal `json:"price"`
	StopPrice    num.Decimal `json:"stop_price"`
	OrigQty      num.Decimal `json:"orig_qty"`
	OrigQuoteQty num.Decimal `json:"orig_quote_qty"`
	Exec         num.Decimal `json:"exec"`
	CumQuote     num.Decimal `json:"cum_quote"`
	Status       string      `json:"status"`
	Time         int64       `json:"time"`
	Update       int64       `json:"update"`
	Working      int64       `json:"working"`
	Triggered    bool        `json:"triggered"`
	// TrailingDelta, in basis points, makes a stop trail the price;
	// TrailTime is when tracking began (-1 before) and Extreme the lowest
	// (BUY) or highest (SELL) price since.
	TrailingDelta int64       `json:"trailing_delta,omitempty"`
	TrailTime     int64       `json:"trail_time,omitempty"`
	Extreme       num.Decimal `json:"extreme"`
	// Locked is what the order still holds of the account: quote for a BUY,
	// base for a SELL.
	Locked num.Decimal `json:"locked"`
	// ExpiryReason is Binance's eR for an expired order.
	ExpiryReason string `json:"expiry_reason,omitempty"`
	// cancelID is the client id of the request canceling the order.
	cancelID string
}

func (o *simOrder) open() bool { return o.Status == stNew || o.Status == stPartial }

func (o *simOrder) remaining() num.Decimal {
	if o.OrigQty.IsZero() {
		return num.Zero
	}
	return mustSub(o.OrigQty, o.Exec)
}

// fill is one execution of an order.
type fill struct {
	Price, Qty, Quote, Commission num.Decimal
	CommissionAsset               string
	TradeID                       int64
	Maker                         bool
	Time                          int64
}

// myTrade is a row of GET /api/v3/myTrades.
type myTrade struct {
	Symbol          string      `json:"symbol"`
	ID              int64       `json:"id"`
	OrderID         int64       `json:"order_id"`
	ListID          int64       `json:"list_id"`
	Price           num.Decimal `json:"price"`
	Qty             num.Decimal `json:"qty"`
	Quote           num.Decimal `json:"quote"`
	Commission      num.Decimal `json:"commission"`
	CommissionAsset string      `json:"commission_asset"`
	Time            int64       `json:"time"`
	IsBuyer         bool        `json:"is_buyer"`
	IsMaker         bool        `json:"is_maker"`
}

// account is one API key's spot account.
type account struct {
	Balances   map[string]*balance  `json:"balances"`
	Orders     map[int64]*simOrder  `json:"orders"`
	Trades     []myTrade            `json:"trades"`
	Lists      map[int64]*orderList `json:"lists,omitempty"`
	UpdateTime int64                `json:"update_time"`
	key        string
	// order counts for X-MBX-ORDER-COUNT-*; not persisted.
	win10s, winDay     int64
	count10s, countDay int64
}

func newAccount() *account {
	return &account{Balances: map[string]*balance{}, Orders: map[int64]*simOrder{}}
}

func (a *account) bal(asset string) *balance {
	b := a.Balances[asset]
	if b == nil {
		b = &balance{}
		a.Balances[asset] = b
	}
	return b
}

// orderRequest is a parsed POST /api/v3/order.
type orderRequest struct {
	Symbol, Side, Type, TIF, ClientID, RespType string
	Price, StopPrice, Qty, QuoteQty, Iceberg    num.Decimal
	TrailingDelta                               int64
	Test                                        bool
}

// placeResult is what placing an order did.
type placeResult struct {
	Order *simOrder
	Fills []fill
}

// userEvent is something a user-data stream reports.
type userEvent struct {
	Account string
	Order   *simOrder // executionReport (a copy)
	Exec    string    // executionType
	ExecID  int64
	Fill    *fill
	Assets  []string // outboundAccountPosition
	Time    int64
	// Delta, with Assets[0], makes a balanceUpdate.
	Delta *num.Decimal
	// List makes a listStatus.
	List *listJSON
	// Filled in by emit: the balances of Assets and the listeners.
	balances []balanceJSON
	subs     []*userSub
}

// checkOrder validates r against the symbol's rules and the account; it
// returns the instrument and book, or Binance's rejection.
func (x *Exchange) checkOrder(a *account, r *orderRequest, nowMs int64) (*market.Instrument, *book, *apiError) {
	in, ok := x.info.Instrument(r.Symbol)
	bk := x.books[r.Symbol]
	if !ok || bk == nil {
		return nil, nil, errBadSymbol
	}
	side, err := order.ParseSide(r.Side)
	if err != nil {
		return nil, nil, errf(http.StatusBadRequest, codeInvalidSide, "Invalid side.")
	}
	typ, err := order.ParseType(r.Type)
	if err != nil {
		return nil, nil, errf(http.StatusBadRequest, codeInvalidOrderType, "Invalid orderType.")
	}
	needsTIF := typ == order.Limit || typ == order.StopLossLimit || typ == order.TakeProfitLimit
	if r.TIF != "" {
		if _, err := order.ParseTimeInForce(r.TIF); err != nil {
			return nil, nil, errf(http.StatusBadRequest, codeInvalidTIF, "Invalid timeInForce.")
		}
		if !needsTIF {
			return nil, nil, errf(http.StatusBadRequest, -1106, "Parameter 'timeInForce' sent when not required.")
		}
	} else if needsTIF {
		return nil, nil, errMandatory("timeInForce")
	}
	if r.Iceberg.IsPos() {
		return nil, nil, errf(http.StatusBadRequest, codeNewOrderRejected, "Iceberg orders are not supported by simnet.")
	}
	openN, algoN := 0, 0
	for _, o := range x.open[r.Symbol] {
		if o.Account == a.key {
			openN++
			if o.typ().IsStop() {
				algoN++
			}
		}
	}
	chk := market.OrderCheck{Side: side, Type: typ, Price: r.Price, StopPrice: r.StopPrice, Quantity: r.Qty, QuoteOrderQty: r.QuoteQty, TrailingDelta: r.TrailingDelta}
	cond := market.Conditions{AvgPrice: bk.avgPrice(nowMs), OpenOrders: openN, OpenAlgoOrders: algoN}
	if rej := in.Check(&chk, &cond); rej != nil {
		code := rej.Code
		if code == 0 {
			code = codeInvalidMessage
		}
		return nil, nil, errf(http.StatusBadRequest, code, "%s", rej.Msg)
	}
	if typ.IsStop() && r.StopPrice.IsPos() && r.TrailingDelta == 0 {
		if stopTriggered(r.Side, typ, r.StopPrice, bk.last) {
			return nil, nil, errWouldTrigger
		}
	}
	if r.ClientID != "" {
		for _, o := range x.open[r.Symbol] {
			if o.Account == a.key && o.ClientID == r.ClientID {
				return nil, nil, errDuplicateOrder
			}
		}
	}
	return in, bk, nil
}

func (o *simOrder) typ() order.Type {
	t, _ := order.ParseType(o.Type)
	return t
}

// stopTriggered reports whether a stop order of this side and type triggers
// at price last: STOP_LOSS BUY and TAKE_PROFIT SELL trigger when the price
// rises to the stop, the others when it falls to it.
func stopTriggered(side string, typ order.Type, stop, last num.Decimal) bool {
	above := (side == sideBuy) == (typ == order.StopLoss || typ == order.StopLossLimit)
	if above {
		return last.Cmp(stop) >= 0
	}
	return last.Cmp(stop) <= 0
}

// place checks and executes a new order for account key. Test orders are
// checked but not placed.
func (x *Exchange) place(key string, r *orderRequest, nowMs int64) (*placeResult, *apiError) {
	a := x.accounts[key]
	in, bk, aerr := x.checkOrder(a, r, nowMs)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := x.countOrder(a, nowMs, r.Test); aerr != nil {
		return nil, aerr
	}
	typ, _ := order.ParseType(r.Type)
	need, needAsset := orderNeed(in, bk, r, typ)
	if a.bal(needAsset).Free.Cmp(need) < 0 {
		return nil, errInsufficient
	}
	if typ == order.LimitMaker && bk.wouldCross(&simOrder{Side: r.Side, Price: r.Price}) {
		return nil, errWouldTake
	}
	if r.Test {
		return &placeResult{}, nil
	}
	x.nextOrderID++
	clientID := r.ClientID
	if clientID == "" {
		clientID = x.newClientID()
	}
	o := &simOrder{
		Account: key, Symbol: r.Symbol, ID: x.nextOrderID, ListID: -1, ClientID: clientID,
		Side: r.Side, Type: r.Type, TIF: r.TIF, Price: r.Price, StopPrice: r.StopPrice,
		OrigQty: r.Qty, OrigQuoteQty: r.QuoteQty, Status: stNew, Time: nowMs, Update: nowMs, Working: nowMs,
	}
	if typ == order.Market && o.TIF == "" {
		o.TIF = "GTC"
	}
	if typ.IsStop() {
		o.Working = -1
		o.TrailingDelta, o.TrailTime = r.TrailingDelta, -1
	}
	if o.OrigQty.IsZero() && r.QuoteQty.IsPos() && r.Side == sideSell {
		o.OrigQty = need
	}
	a.Orders[o.ID] = o
	x.dirty = true
	res := &placeResult{Order: o}
	if typ != order.Market {
		// Lock what a resting order may use.
		o.Locked = need
		b := a.bal(needAsset)
		b.Free = mustSub(b.Free, need)
		b.Locked = mustAdd(b.Locked, need)
	}
	x.emit(userEvent{Account: key, Order: o, Exec: "NEW", Time: nowMs})
	if o.Locked.IsPos() {
		x.emit(userEvent{Account: key, Assets: []string{needAsset}, Time: nowMs})
	}
	switch {
	case typ.IsStop():
		x.rest(o)
	case typ == order.LimitMaker:
		x.rest(o)
	default:
		res.Fills = x.take(a, bk, o, nowMs)
		switch {
		case o.Status == stFilled:
		case typ == order.Market:
			x.finish(a, o, stExpired, "INSUFFICIENT_LIQUIDITY", nowMs)
		case o.TIF == "IOC":
			x.finish(a, o, stExpired, "UNFILLED_IOC_QUANTITY_EXPIRED", nowMs)
		case o.TIF == "FOK":
			x.finish(a, o, stExpired, "UNFILLED_FOK_ORDER_EXPIRED", nowMs)
		default:
			x.rest(o)
		}
	}
	return res, nil
}

// orderNeed returns what an order needs from the account and in which
// asset: the quote a BUY spends or locks, the base a SELL sells or locks.
func orderNeed(in *market.Instrument, bk *book, r *orderRequest, typ order.Type) (num.Decimal, string) {
	needAsset := in.QuoteAsset
	if r.Side == sideSell {
		needAsset = in.BaseAsset
	}
	switch {
	case typ == order.Market && r.Side == sideBuy && r.Qty.IsPos():
		cost, _ := bk.costToBuy(r.Qty)
		return cost, needAsset
	case typ == order.Market && r.Side == sideBuy:
		return r.QuoteQty, needAsset
	case typ == order.Market && r.QuoteQty.IsPos(): // SELL for a quote amount
		q, _ := bk.qtyToSell(r.QuoteQty)
		return q, needAsset
	case r.Side == sideSell:
		return r.Qty, needAsset
	case typ == order.StopLoss || typ == order.TakeProfit:
		ref := r.StopPrice
		if !ref.IsPos() { // a trailing stop without stopPrice
			ref = bk.last
		}
		return mustMul(ref, r.Qty), needAsset
	}
	return mustMul(r.Price, r.Qty), needAsset
}

// countOrder enforces and counts the ORDERS limits (50 per 10 s, 160 000 a
// day per account) when limits are on.
func (x *Exchange) countOrder(a *account, nowMs int64, test bool) *apiError {
	w10, wd := nowMs/10_000, nowMs/86_400_000
	if a.win10s != w10 {
		a.win10s, a.count10s = w10, 0
	}
	if a.winDay != wd {
		a.winDay, a.countDay = wd, 0
	}
	if test {
		return nil
	}
	if x.cfg.Limits {
		if a.count10s >= 50 {
			return &apiError{Status: http.StatusTooManyRequests, Code: codeTooManyOrders, Msg: "Too many new orders; current limit is 50 orders per 10 SECOND.", RetryAfter: 10 - (nowMs/1000)%10}
		}
		if a.countDay >= 160_000 {
			return &apiError{Status: http.StatusTooManyRequests, Code: codeTooManyOrders, Msg: "Too many new orders; current limit is 160000 orders per DAY.", RetryAfter: 86400 - (nowMs/1000)%86400}
		}
	}
	a.count10s++
	a.countDay++
	return nil
}

// rest puts o on the symbol's list of working orders.
func (x *Exchange) rest(o *simOrder) {
	x.open[o.Symbol] = append(x.open[o.Symbol], o)
}

// unrest removes o from the working orders.
func (x *Exchange) unrest(o *simOrder) {
	l := x.open[o.Symbol]
	if i := slices.Index(l, o); i >= 0 {
		x.open[o.Symbol] = slices.Delete(l, i, i+1)
	}
}

// finish ends o with status st, releasing what it still locks.
func (x *Exchange) finish(a *account, o *simOrder, st, reason string, nowMs int64) {
	released := ""
	if o.Locked.IsPos() {
		asset := x.lockAsset(o)
		b := a.bal(asset)
		b.Locked = mustSub(b.Locked, o.Locked)
		b.Free = mustAdd(b.Free, o.Locked)
		o.Locked = num.Zero
		a.UpdateTime = nowMs
		released = asset
	}
	o.Status = st
	o.ExpiryReason = reason
	o.Update = nowMs
	x.dirty = true
	x.emit(userEvent{Account: o.Account, Order: o, Exec: st, Time: nowMs})
	if released != "" {
		x.emit(userEvent{Account: o.Account, Assets: []string{released}, Time: nowMs})
	}
}

func (x *Exchange) lockAsset(o *simOrder) string {
	in, _ := x.info.Instrument(o.Symbol)
	if o.Side == sideBuy {
		return in.QuoteAsset
	}
	return in.BaseAsset
}

// cancel cancels an open order.
func (x *Exchange) cancel(a *account, o *simOrder, nowMs int64) {
	x.unrest(o)
	x.finish(a, o, stCanceled, "", nowMs)
}

// take matches o as a taker against the book, up to its limit price.
func (x *Exchange) take(a *account, bk *book, o *simOrder, nowMs int64) []fill {
	limit := int64(-1)
	if o.Price.IsPos() && o.Type != "MARKET" {
		limit, _ = bk.ticksOf(o.Price)
	}
	byQuote := o.OrigQty.IsZero() && o.OrigQuoteQty.IsPos()
	if o.TIF == "FOK" && !bk.canFill(o.Side, o.remaining(), limit) {
		return nil
	}
	var fills []fill
	spent := num.Zero
	for i := 0; i < bookLevels; i++ {
		var lvTicks int64
		var avail num.Decimal
		if o.Side == sideBuy {
			lvTicks, avail = bk.askTicks(i), bk.asks[i]
			if limit >= 0 && lvTicks > limit {
				break
			}
		} else {
			lvTicks, avail = bk.bidTicks(i), bk.bids[i]
			if limit >= 0 && lvTicks < limit {
				break
			}
		}
		if !avail.IsPos() {
			continue
		}
		price, _ := num.New(lvTicks*bk.tickCoef, bk.tickScale)
		var q num.Decimal
		final := false
		if byQuote {
			left := mustSub(o.OrigQuoteQty, spent)
			qq, err := left.Div(price, 8)
			if err != nil {
				break
			}
			qq, err = qq.RoundDown(bk.lot)
			if err != nil || !qq.IsPos() {
				break
			}
			q = num.Min(qq, avail)
			// What is left after a fill limited by the quote amount buys
			// (or brings in) less than one step: the order is done.
			final = qq.Cmp(avail) <= 0
		} else {
			q = num.Min(o.remaining(), avail)
			if !q.IsPos() {
				break
			}
		}
		if o.Side == sideBuy {
			bk.setAsk(i, mustSub(avail, q))
		} else {
			bk.setBid(i, mustSub(avail, q))
		}
		f := x.execute(a, bk, o, price, q, false, final, nowMs)
		spent = mustAdd(spent, f.Quote)
		fills = append(fills, f)
		if o.Status == stFilled {
			break
		}
	}
	if byQuote && o.OrigQty.IsZero() && o.Status == stFilled {
		o.OrigQty = o.Exec // Binance reports the executed quantity
	}
	return fills
}

// execute applies one fill of o at price for qty: balances, commission,
// the order's totals, the account's trades, the public tape and the events.
// done marks the fill that completes a quoteOrderQty order.
func (x *Exchange) execute(a *account, bk *book, o *simOrder, price, qty num.Decimal, maker, done bool, nowMs int64) fill {
	if o.ListID >= 0 {
		x.ocoFire(a, o, nowMs)
	}
	in := bk.in
	quote := roundQuote(mustMul(price, qty))
	f := fill{Price: price, Qty: qty, Quote: quote, Maker: maker, Time: nowMs}
	bb, qb := a.bal(in.BaseAsset), a.bal(in.QuoteAsset)
	if o.Side == sideBuy {
		f.CommissionAsset = in.BaseAsset
		f.Commission = commission(qty)
		if o.Locked.IsPos() {
			release := mustMul(o.Price, qty)
			if o.Type == "STOP_LOSS" || o.Type == "TAKE_PROFIT" {
				release = num.Min(o.Locked, quote)
			}
			release = num.Min(release, o.Locked)
			o.Locked = mustSub(o.Locked, release)
			qb.Locked = mustSub(qb.Locked, release)
			qb.Free = mustAdd(qb.Free, release)
		}
		qb.Free = mustSub(qb.Free, quote)
		bb.Free = mustAdd(bb.Free, mustSub(qty, f.Commission))
	} else {
		f.CommissionAsset = in.QuoteAsset
		f.Commission = commission(quote)
		if o.Locked.IsPos() {
			release := num.Min(qty, o.Locked)
			o.Locked = mustSub(o.Locked, release)
			bb.Locked = mustSub(bb.Locked, release)
			bb.Free = mustAdd(bb.Free, release)
		}
		bb.Free = mustSub(bb.Free, qty)
		qb.Free = mustAdd(qb.Free, mustSub(quote, f.Commission))
	}
	o.Exec = mustAdd(o.Exec, qty)
	o.CumQuote = mustAdd(o.CumQuote, quote)
	o.Update = nowMs
	if done || (o.OrigQty.IsPos() && o.Exec.Cmp(o.OrigQty) >= 0) {
		o.Status = stFilled
		if o.Locked.IsPos() { // a BUY that filled below its limit
			qb.Locked = mustSub(qb.Locked, o.Locked)
			qb.Free = mustAdd(qb.Free, o.Locked)
			o.Locked = num.Zero
		}
	} else {
		o.Status = stPartial
	}
	buyerMaker := (o.Side == sideBuy) == maker
	pt := bk.print(price, qty, buyerMaker, nowMs)
	f.TradeID = pt.ID
	a.Trades = append(a.Trades, myTrade{
		Symbol: o.Symbol, ID: pt.ID, OrderID: o.ID, ListID: o.ListID, Price: price, Qty: qty, Quote: quote,
		Commission: f.Commission, CommissionAsset: f.CommissionAsset, Time: nowMs, IsBuyer: o.Side == sideBuy, IsMaker: maker,
	})
	a.UpdateTime = nowMs
	x.dirty = true
	fc := f
	x.emit(userEvent{Account: o.Account, Order: o, Exec: "TRADE", Fill: &fc, Time: nowMs})
	x.emit(userEvent{Account: o.Account, Assets: []string{in.BaseAsset, in.QuoteAsset}, Time: nowMs})
	return f
}

// commission is the fee on amount at simnet's rate, rounded up to 8 decimals.
func commission(amount num.Decimal) num.Decimal {
	c, err := mustMul(amount, feeRate).RoundUp(quoteUnit)
	if err != nil {
		panic(err)
	}
	return c
}

// costToBuy walks the asks for qty and returns its quote cost and whether
// the book holds that much.
func (b *book) costToBuy(qty num.Decimal) (num.Decimal, bool) {
	left, cost := qty, num.Zero
	for i := 0; i < bookLevels && left.IsPos(); i++ {
		q := num.Min(left, b.asks[i])
		if !q.IsPos() {
			continue
		}
		p, _ := num.New(b.askTicks(i)*b.tickCoef, b.tickScale)
		cost = mustAdd(cost, roundQuote(mustMul(p, q)))
		left = mustSub(left, q)
	}
	return cost, !left.IsPos()
}

// qtyToSell walks the bids and returns the base quantity that brings in
// quote (rounded down to the step at each level).
func (b *book) qtyToSell(quote num.Decimal) (num.Decimal, bool) {
	left, qty := quote, num.Zero
	for i := 0; i < bookLevels && left.IsPos(); i++ {
		if !b.bids[i].IsPos() {
			continue
		}
		p, _ := num.New(b.bidTicks(i)*b.tickCoef, b.tickScale)
		want, err := left.Div(p, 8)
		if err != nil {
			break
		}
		want, _ = want.RoundDown(b.lot)
		q := num.Min(want, b.bids[i])
		if !q.IsPos() {
			break
		}
		qty = mustAdd(qty, q)
		left = mustSub(left, roundQuote(mustMul(p, q)))
	}
	return qty, !left.IsPos()
}

// canFill reports whether the book holds qty within the limit (ticks; -1 is
// none) on the side a taker of side would trade against.
func (b *book) canFill(side string, qty num.Decimal, limit int64) bool {
	sum := num.Zero
	for i := 0; i < bookLevels; i++ {
		if side == sideBuy {
			if limit >= 0 && b.askTicks(i) > limit {
				break
			}
			sum = mustAdd(sum, b.asks[i])
		} else {
			if limit >= 0 && b.bidTicks(i) < limit {
				break
			}
			sum = mustAdd(sum, b.bids[i])
		}
		if sum.Cmp(qty) >= 0 {
			return true
		}
	}
	return false
}

// wouldCross reports whether a limit order would trade at once.
func (b *book) wouldCross(o *simOrder) bool {
	t, _ := b.ticksOf(o.Price)
	bid, ask := b.best()
	if o.Side == sideBuy {
		return ask >= 0 && b.askTicks(ask) <= t
	}
	return bid >= 0 && b.bidTicks(bid) >= t
}

// matchResting fills the working orders of bk's symbol that the market has
// reached, in order of arrival: limits as makers at their price, stops by
// turning into market or limit orders.
func (x *Exchange) matchResting(bk *book, nowMs int64) {
	list := slices.Clone(x.open[bk.in.Symbol])
	sort.SliceStable(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	for _, o := range list {
		if !o.open() {
			continue
		}
		a := x.accounts[o.Account]
		if a == nil {
			continue
		}
		typ := o.typ()
		if typ.IsStop() && !o.Triggered {
			if o.TrailingDelta > 0 {
				if !o.trail(bk.last, nowMs) {
					continue
				}
			} else if !stopTriggered(o.Side, typ, o.StopPrice, bk.last) {
				continue
			}
			o.Triggered = true
			o.Working = nowMs
			if o.ListID >= 0 {
				x.ocoFire(a, o, nowMs)
			}
			if typ == order.StopLoss || typ == order.TakeProfit {
				x.unrest(o)
				if o.Side == sideBuy {
					// A stop BUY becomes a MARKET order: it needs the funds
					// the book asks for now, which may exceed what it locked.
					cost, _ := bk.costToBuy(o.remaining())
					if qb := a.bal(bk.in.QuoteAsset); cost.Cmp(mustAdd(qb.Free, o.Locked)) > 0 {
						x.finish(a, o, stExpired, "REJECTED", nowMs)
						continue
					}
				}
				x.take(a, bk, o, nowMs)
				if o.Status != stFilled {
					x.finish(a, o, stExpired, "INSUFFICIENT_LIQUIDITY", nowMs)
				}
				continue
			}
			x.take(a, bk, o, nowMs)
			if o.Status == stFilled {
				x.unrest(o)
			}
			continue
		}
		x.makerFill(a, bk, o, nowMs)
		if o.Status == stFilled {
			x.unrest(o)
		}
	}
}

// makerFill fills a resting limit order against synthetic liquidity that has
// crossed its price.
func (x *Exchange) makerFill(a *account, bk *book, o *simOrder, nowMs int64) {
	t, ok := bk.ticksOf(o.Price)
	if !ok {
		return
	}
	for i := 0; i < bookLevels && o.remaining().IsPos(); i++ {
		var avail num.Decimal
		if o.Side == sideBuy {
			if bk.askTicks(i) > t {
				return
			}
			avail = bk.asks[i]
		} else {
			if bk.bidTicks(i) < t {
				return
			}
			avail = bk.bids[i]
		}
		q := num.Min(avail, o.remaining())
		if !q.IsPos() {
			continue
		}
		if o.Side == sideBuy {
			bk.setAsk(i, mustSub(avail, q))
		} else {
			bk.setBid(i, mustSub(avail, q))
		}
		x.execute(a, bk, o, o.Price, q, true, false, nowMs)
	}
}

// newClientID returns a 22-character id like the ones Binance generates,
// from the exchange's own generator (x.mu held).
func (x *Exchange) newClientID() string {
	var b [22]byte
	for i := range b {
		b[i] = tokenAlphabet[x.idRand.IntN(len(tokenAlphabet))]
	}
	return string(b[:])
}

// trail runs a trailing stop on the price last at nowMs and reports whether
// it triggers. Tracking starts at once without a stop price, else once the
// price reaches the stop (as a plain stop would trigger); from then on a BUY
// triggers when the price rises TrailingDelta bps above the lowest price
// seen, a SELL when it falls that much below the highest.
func (o *simOrder) trail(last num.Decimal, nowMs int64) bool {
	if o.TrailTime < 0 {
		typ := o.typ()
		if o.StopPrice.IsPos() && !stopTriggered(o.Side, typ, o.StopPrice, last) {
			return false
		}
		o.TrailTime, o.Extreme = nowMs, last
		if o.StopPrice.IsPos() {
			// The price passed through the stop on its way to last.
			if o.Side == sideBuy {
				o.Extreme = num.Min(o.StopPrice, last)
			} else {
				o.Extreme = num.Max(o.StopPrice, last)
			}
		}
	}
	bp := num.FromInt(10000)
	if o.Side == sideBuy {
		if last.Cmp(o.Extreme) < 0 {
			o.Extreme = last
		}
		return mustMul(last, bp).Cmp(mustMul(o.Extreme, num.FromInt(10000+o.TrailingDelta))) >= 0
	}
	if last.Cmp(o.Extreme) > 0 {
		o.Extreme = last
	}
	return mustMul(last, bp).Cmp(mustMul(o.Extreme, num.FromInt(10000-o.TrailingDelta))) <= 0
}
