package simnet

import (
	"net/http"
	"sort"
	"strings"

	"github.com/thunes/thunes/internal/num"
)

type fillJSON struct {
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	TradeID         int64  `json:"tradeId"`
}

type ackJSON struct {
	Symbol        string `json:"symbol"`
	OrderID       int64  `json:"orderId"`
	OrderListID   int64  `json:"orderListId"`
	ClientOrderID string `json:"clientOrderId"`
	TransactTime  int64  `json:"transactTime"`
}

// orderJSON is an order as the order endpoints return it; the optional
// fields are set per endpoint.
type orderJSON struct {
	Symbol                  string      `json:"symbol"`
	OrigClientOrderID       string      `json:"origClientOrderId,omitempty"`
	OrderID                 int64       `json:"orderId"`
	OrderListID             int64       `json:"orderListId"`
	ClientOrderID           string      `json:"clientOrderId"`
	TransactTime            *int64      `json:"transactTime,omitempty"`
	Price                   string      `json:"price"`
	OrigQty                 string      `json:"origQty"`
	ExecutedQty             string      `json:"executedQty"`
	OrigQuoteOrderQty       string      `json:"origQuoteOrderQty"`
	CummulativeQuoteQty     string      `json:"cummulativeQuoteQty"`
	Status                  string      `json:"status"`
	TimeInForce             string      `json:"timeInForce"`
	Type                    string      `json:"type"`
	Side                    string      `json:"side"`
	StopPrice               string      `json:"stopPrice,omitempty"`
	IcebergQty              string      `json:"icebergQty,omitempty"`
	TrailingDelta           int64       `json:"trailingDelta,omitempty"`
	TrailingTime            *int64      `json:"trailingTime,omitempty"`
	Time                    *int64      `json:"time,omitempty"`
	UpdateTime              *int64      `json:"updateTime,omitempty"`
	IsWorking               *bool       `json:"isWorking,omitempty"`
	WorkingTime             *int64      `json:"workingTime,omitempty"`
	SelfTradePreventionMode string      `json:"selfTradePreventionMode"`
	ExpiryReason            string      `json:"expiryReason,omitempty"`
	Fills                   *[]fillJSON `json:"fills,omitempty"`
}

// view returns the fields every order reply shares.
func (o *simOrder) view() orderJSON {
	v := orderJSON{
		Symbol: o.Symbol, OrderID: o.ID, OrderListID: o.ListID, ClientOrderID: o.ClientID,
		Price: dec(o.Price), OrigQty: dec(o.OrigQty), ExecutedQty: dec(o.Exec), OrigQuoteOrderQty: dec(o.OrigQuoteQty),
		CummulativeQuoteQty: dec(o.CumQuote), Status: o.Status, TimeInForce: o.TIF, Type: o.Type, Side: o.Side,
		SelfTradePreventionMode: defaultSTP, ExpiryReason: o.ExpiryReason,
	}
	if o.StopPrice.IsPos() {
		v.StopPrice = dec(o.StopPrice)
	}
	if o.TrailingDelta > 0 {
		v.TrailingDelta = o.TrailingDelta
		tt := o.TrailTime
		v.TrailingTime = &tt
	}
	return v
}

// queryView is the GET /api/v3/order form.
func (o *simOrder) queryView() orderJSON {
	v := o.view()
	t, u, w := o.Time, o.Update, o.Working
	working := o.Working >= 0
	v.Time, v.UpdateTime, v.WorkingTime, v.IsWorking = &t, &u, &w, &working
	if v.StopPrice == "" {
		v.StopPrice = dec(num.Zero)
	}
	v.IcebergQty = dec(num.Zero)
	return v
}

// readOrderRequest parses POST /api/v3/order's parameters.
func (c *call) readOrderRequest(test bool) (*orderRequest, *apiError) {
	r := &orderRequest{Test: test}
	var aerr *apiError
	if r.Symbol, aerr = c.p.require("symbol"); aerr != nil {
		return nil, aerr
	}
	if r.Side, aerr = c.p.require("side"); aerr != nil {
		return nil, aerr
	}
	if r.Type, aerr = c.p.require("type"); aerr != nil {
		return nil, aerr
	}
	r.TIF = c.p.get("timeInForce")
	r.ClientID = c.p.get("newClientOrderId")
	if r.ClientID != "" && !validClientID(r.ClientID) {
		return nil, errIllegal("newClientOrderId")
	}
	r.RespType = c.p.get("newOrderRespType")
	switch r.RespType {
	case "", "ACK", "RESULT", "FULL":
	default:
		return nil, errf(http.StatusBadRequest, codeInvalidParam, "Invalid data sent for a parameter.")
	}
	for _, f := range []struct {
		name string
		dst  *num.Decimal
	}{{"price", &r.Price}, {"stopPrice", &r.StopPrice}, {"quantity", &r.Qty}, {"quoteOrderQty", &r.QuoteQty}, {"icebergQty", &r.Iceberg}} {
		d, _, aerr := c.p.decimalParam(f.name)
		if aerr != nil {
			return nil, aerr
		}
		*f.dst = d
	}
	if r.TrailingDelta, aerr = c.p.int64Param("trailingDelta", 0); aerr != nil {
		return nil, aerr
	}
	if c.key != nil && !c.key.tradingAllowed() {
		return nil, errRejectedKey
	}
	return r, nil
}

func postOrder(c *call) (any, *apiError) {
	r, aerr := c.readOrderRequest(false)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := c.x.faults.rejectOrder(); aerr != nil {
		return nil, aerr
	}
	res, aerr := c.x.place(c.key.APIKey, r, c.nowMs)
	if aerr != nil {
		return nil, aerr
	}
	o := res.Order
	resp := r.RespType
	if resp == "" {
		resp = "ACK"
		if o.Type == "MARKET" || o.Type == "LIMIT" {
			resp = "FULL"
		}
	}
	if resp == "ACK" {
		return ackJSON{o.Symbol, o.ID, o.ListID, o.ClientID, c.nowMs}, nil
	}
	v := o.view()
	tt, wt := c.nowMs, o.Working
	v.TransactTime, v.WorkingTime = &tt, &wt
	if resp == "FULL" {
		fills := make([]fillJSON, len(res.Fills))
		for i, f := range res.Fills {
			fills[i] = fillJSON{dec(f.Price), dec(f.Qty), dec(f.Commission), f.CommissionAsset, f.TradeID}
		}
		v.Fills = &fills
	}
	return v, nil
}

func postOrderTest(c *call) (any, *apiError) {
	r, aerr := c.readOrderRequest(true)
	if aerr != nil {
		return nil, aerr
	}
	if _, aerr := c.x.place(c.key.APIKey, r, c.nowMs); aerr != nil {
		return nil, aerr
	}
	if c.p.get("computeCommissionRates") == "true" {
		z := dec(num.Zero)
		rate := dec(feeRate)
		type mt struct {
			Maker string `json:"maker"`
			Taker string `json:"taker"`
		}
		return struct {
			Standard mt `json:"standardCommissionForOrder"`
			Special  mt `json:"specialCommissionForOrder"`
			Tax      mt `json:"taxCommissionForOrder"`
			Discount struct {
				EnabledForAccount bool   `json:"enabledForAccount"`
				EnabledForSymbol  bool   `json:"enabledForSymbol"`
				DiscountAsset     string `json:"discountAsset"`
				Discount          string `json:"discount"`
			} `json:"discount"`
		}{Standard: mt{rate, rate}, Special: mt{z, z}, Tax: mt{z, z}}, nil
	}
	return struct{}{}, nil
}

// findOrder locates an order by orderId and/or origClientOrderId (Binance:
// orderId first, and both must agree).
func (c *call) findOrder(forCancel bool) (*simOrder, *apiError) {
	b, aerr := c.symbolBook()
	if aerr != nil {
		return nil, aerr
	}
	notFound := errUnknownOrder
	if forCancel {
		notFound = errCancelUnknown
	}
	id, aerr := c.p.int64Param("orderId", -1)
	if aerr != nil {
		return nil, aerr
	}
	cid := c.p.get("origClientOrderId")
	if id < 0 && cid == "" {
		return nil, errf(http.StatusBadRequest, codeMandatoryParam, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
	}
	var o *simOrder
	if id >= 0 {
		o = c.acct.Orders[id]
		if o == nil || o.Symbol != b.in.Symbol {
			return nil, notFound
		}
		if cid != "" && o.ClientID != cid {
			return nil, errOrderMismatch
		}
		return o, nil
	}
	// By client id: an open order first, else the latest one.
	for _, cand := range c.acct.Orders {
		if cand.Symbol != b.in.Symbol || cand.ClientID != cid {
			continue
		}
		if o == nil || (cand.open() && !o.open()) || (cand.open() == o.open() && cand.ID > o.ID) {
			o = cand
		}
	}
	if o == nil {
		return nil, notFound
	}
	return o, nil
}

func getOrder(c *call) (any, *apiError) {
	o, aerr := c.findOrder(false)
	if aerr != nil {
		return nil, aerr
	}
	return o.queryView(), nil
}

func deleteOrder(c *call) (any, *apiError) {
	o, aerr := c.findOrder(true)
	if aerr != nil {
		return nil, aerr
	}
	switch c.p.get("cancelRestrictions") {
	case "":
	case "ONLY_NEW":
		if o.Status != stNew {
			return nil, errf(http.StatusBadRequest, codeCancelRejected, "Order was not canceled due to cancel restrictions.")
		}
	case "ONLY_PARTIALLY_FILLED":
		if o.Status != stPartial {
			return nil, errf(http.StatusBadRequest, codeCancelRejected, "Order was not canceled due to cancel restrictions.")
		}
	default:
		return nil, errf(http.StatusBadRequest, -1145, "Invalid cancelRestrictions")
	}
	if !o.open() {
		return nil, errCancelUnknown
	}
	if l := c.acct.Lists[o.ListID]; o.ListID >= 0 && l != nil && l.Status == "EXECUTING" {
		// Canceling one leg cancels the whole list.
		o.cancelID = c.p.get("newClientOrderId")
		c.cancelListView(l)
		v := o.view()
		v.OrigClientOrderID = o.ClientID
		v.ClientOrderID = o.cancelID
		tt := c.nowMs
		v.TransactTime = &tt
		return v, nil
	}
	return c.cancelView(o), nil
}

// cancelView cancels o and returns Binance's cancel reply.
func (c *call) cancelView(o *simOrder) orderJSON {
	o.cancelID = c.p.get("newClientOrderId")
	if o.cancelID == "" {
		o.cancelID = c.x.newClientID()
	}
	c.x.cancel(c.acct, o, c.nowMs)
	v := o.view()
	v.OrigClientOrderID = o.ClientID
	v.ClientOrderID = o.cancelID
	tt := c.nowMs
	v.TransactTime = &tt
	return v
}

// accountOrders returns the account's orders on symbol ("" for all), by id.
func (c *call) accountOrders(symbol string, onlyOpen bool) []*simOrder {
	var out []*simOrder
	for _, o := range c.acct.Orders {
		if (symbol == "" || o.Symbol == symbol) && (!onlyOpen || o.open()) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func getOpenOrders(c *call) (any, *apiError) {
	sym := c.p.get("symbol")
	if sym != "" && c.x.books[sym] == nil {
		return nil, errBadSymbol
	}
	list := c.accountOrders(sym, true)
	out := make([]orderJSON, len(list))
	for i, o := range list {
		out[i] = o.queryView()
	}
	return out, nil
}

func deleteOpenOrders(c *call) (any, *apiError) {
	b, aerr := c.symbolBook()
	if aerr != nil {
		return nil, aerr
	}
	list := c.accountOrders(b.in.Symbol, true)
	if len(list) == 0 {
		return nil, errCancelUnknown
	}
	out := make([]any, 0, len(list))
	for _, o := range list {
		if !o.open() {
			continue // a leg of a list canceled just before
		}
		if l := c.acct.Lists[o.ListID]; o.ListID >= 0 && l != nil && l.Status == "EXECUTING" {
			out = append(out, c.cancelListView(l))
			continue
		}
		out = append(out, c.cancelView(o))
	}
	return out, nil
}

func getAllOrders(c *call) (any, *apiError) {
	b, n, aerr := c.symbolBookLimit(500, 1000)
	if aerr != nil {
		return nil, aerr
	}
	from, aerr := c.p.int64Param("orderId", -1)
	if aerr != nil {
		return nil, aerr
	}
	start, end, aerr := c.p.timeRange()
	if aerr != nil {
		return nil, aerr
	}
	var sel []*simOrder
	for _, o := range c.accountOrders(b.in.Symbol, false) {
		if (from < 0 || o.ID >= from) && (start < 0 || o.Time >= start) && (end < 0 || o.Time <= end) {
			sel = append(sel, o)
		}
	}
	sel = window(sel, int(n), from >= 0 || start >= 0)
	out := make([]orderJSON, len(sel))
	for i, o := range sel {
		out[i] = o.queryView()
	}
	return out, nil
}

type myTradeJSON struct {
	Symbol          string `json:"symbol"`
	ID              int64  `json:"id"`
	OrderID         int64  `json:"orderId"`
	OrderListID     int64  `json:"orderListId"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	QuoteQty        string `json:"quoteQty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	Time            int64  `json:"time"`
	IsBuyer         bool   `json:"isBuyer"`
	IsMaker         bool   `json:"isMaker"`
	IsBestMatch     bool   `json:"isBestMatch"`
}

func getMyTrades(c *call) (any, *apiError) {
	b, n, aerr := c.symbolBookLimit(500, 1000)
	if aerr != nil {
		return nil, aerr
	}
	oid, aerr := c.p.int64Param("orderId", -1)
	if aerr != nil {
		return nil, aerr
	}
	fromID, aerr := c.p.int64Param("fromId", -1)
	if aerr != nil {
		return nil, aerr
	}
	start, end, aerr := c.p.timeRange()
	if aerr != nil {
		return nil, aerr
	}
	if start >= 0 && end >= 0 && end-start > 24*3600*1000 {
		return nil, errf(http.StatusBadRequest, -1127, "More than 24 hours between startTime and endTime.")
	}
	var sel []myTrade
	for _, t := range c.acct.Trades {
		if t.Symbol == b.in.Symbol && (oid < 0 || t.OrderID == oid) && (fromID < 0 || t.ID >= fromID) &&
			(start < 0 || t.Time >= start) && (end < 0 || t.Time <= end) {
			sel = append(sel, t)
		}
	}
	sel = window(sel, int(n), fromID >= 0 || start >= 0)
	out := make([]myTradeJSON, len(sel))
	for i, t := range sel {
		out[i] = myTradeJSON{t.Symbol, t.ID, t.OrderID, t.ListID, dec(t.Price), dec(t.Qty), dec(t.Quote),
			dec(t.Commission), t.CommissionAsset, t.Time, t.IsBuyer, t.IsMaker, true}
	}
	return out, nil
}

type balanceJSON struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

type ratesJSON struct {
	Maker  string `json:"maker"`
	Taker  string `json:"taker"`
	Buyer  string `json:"buyer"`
	Seller string `json:"seller"`
}

func getAccount(c *call) (any, *apiError) {
	omitZero := c.p.get("omitZeroBalances") == "true"
	assets := make([]string, 0, len(c.acct.Balances))
	for a := range c.acct.Balances {
		assets = append(assets, a)
	}
	sort.Strings(assets)
	bals := make([]balanceJSON, 0, len(assets))
	for _, a := range assets {
		b := c.acct.Balances[a]
		if omitZero && b.Free.IsZero() && b.Locked.IsZero() {
			continue
		}
		bals = append(bals, balanceJSON{a, dec(b.Free), dec(b.Locked)})
	}
	z := dec(num.Zero)
	trading := c.key.tradingAllowed()
	return struct {
		MakerCommission  int           `json:"makerCommission"`
		TakerCommission  int           `json:"takerCommission"`
		BuyerCommission  int           `json:"buyerCommission"`
		SellerCommission int           `json:"sellerCommission"`
		CommissionRates  ratesJSON     `json:"commissionRates"`
		CanTrade         bool          `json:"canTrade"`
		CanWithdraw      bool          `json:"canWithdraw"`
		CanDeposit       bool          `json:"canDeposit"`
		Brokered         bool          `json:"brokered"`
		RequireSTP       bool          `json:"requireSelfTradePrevention"`
		PreventSor       bool          `json:"preventSor"`
		UpdateTime       int64         `json:"updateTime"`
		AccountType      string        `json:"accountType"`
		Balances         []balanceJSON `json:"balances"`
		Permissions      []string      `json:"permissions"`
		UID              int64         `json:"uid"`
	}{10, 10, 0, 0, ratesJSON{dec(feeRate), dec(feeRate), z, z}, trading, true, true, false, false, false,
		c.acct.UpdateTime, "SPOT", bals, []string{"SPOT"}, c.acct.uid()}, nil
}

func getCommission(c *call) (any, *apiError) {
	b, aerr := c.symbolBook()
	if aerr != nil {
		return nil, aerr
	}
	z := dec(num.Zero)
	rate := dec(feeRate)
	return struct {
		Symbol   string    `json:"symbol"`
		Standard ratesJSON `json:"standardCommission"`
		Special  ratesJSON `json:"specialCommission"`
		Tax      ratesJSON `json:"taxCommission"`
		Discount struct {
			EnabledForAccount bool   `json:"enabledForAccount"`
			EnabledForSymbol  bool   `json:"enabledForSymbol"`
			DiscountAsset     string `json:"discountAsset"`
			Discount          string `json:"discount"`
		} `json:"discount"`
	}{Symbol: b.in.Symbol, Standard: ratesJSON{rate, rate, z, z}, Special: ratesJSON{z, z, z, z}, Tax: ratesJSON{z, z, z, z}}, nil
}

func getOrderRateLimit(c *call) (any, *apiError) {
	type rl struct {
		RateLimitType string `json:"rateLimitType"`
		Interval      string `json:"interval"`
		IntervalNum   int    `json:"intervalNum"`
		Limit         int    `json:"limit"`
		Count         int64  `json:"count"`
	}
	c.x.countOrder(c.acct, c.nowMs, true)
	return []rl{{"ORDERS", "SECOND", 10, 50, c.acct.count10s}, {"ORDERS", "DAY", 1, 160000, c.acct.countDay}}, nil
}

func getAPIRestrictions(c *call) (any, *apiError) {
	return struct {
		IPRestrict                   bool  `json:"ipRestrict"`
		CreateTime                   int64 `json:"createTime"`
		EnableReading                bool  `json:"enableReading"`
		EnableWithdrawals            bool  `json:"enableWithdrawals"`
		EnableInternalTransfer       bool  `json:"enableInternalTransfer"`
		EnableMargin                 bool  `json:"enableMargin"`
		EnableFutures                bool  `json:"enableFutures"`
		PermitsUniversalTransfer     bool  `json:"permitsUniversalTransfer"`
		EnableVanillaOptions         bool  `json:"enableVanillaOptions"`
		EnableFixAPITrade            bool  `json:"enableFixApiTrade"`
		EnableFixReadOnly            bool  `json:"enableFixReadOnly"`
		EnableSpotAndMarginTrading   bool  `json:"enableSpotAndMarginTrading"`
		EnablePortfolioMarginTrading bool  `json:"enablePortfolioMarginTrading"`
	}{
		IPRestrict: false, CreateTime: c.key.CreateTime, EnableReading: true, EnableWithdrawals: c.key.Withdrawals,
		EnableSpotAndMarginTrading: c.key.tradingAllowed(),
	}, nil
}

// postBalanceAdjust credits (or, with a negative amount, debits) the
// caller's free balance of asset, as a deposit or withdrawal would, and
// emits balanceUpdate then outboundAccountPosition. It is simnet's own
// endpoint, not Binance's.
func postBalanceAdjust(c *call) (any, *apiError) {
	asset, aerr := c.p.require("asset")
	if aerr != nil {
		return nil, aerr
	}
	if !ValidAsset(asset) {
		return nil, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'asset'; legal range is '^[A-Z0-9]{1,20}$'.")
	}
	raw, aerr := c.p.require("amount")
	if aerr != nil {
		return nil, aerr
	}
	amount, err := num.Parse(raw)
	if err != nil || amount.Scale() > 8 || amount.IsZero() || strings.ContainsAny(raw, "eE") {
		return nil, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'amount'; legal range is '^-?[0-9]{1,20}(\\.[0-9]{1,8})?$'.")
	}
	b := c.acct.bal(asset)
	free, err := b.Free.Add(amount)
	if err != nil || free.IsNeg() {
		return nil, errInsufficient
	}
	b.Free = free
	c.acct.UpdateTime = c.nowMs
	c.x.dirty = true
	c.x.emit(userEvent{Account: c.key.APIKey, Assets: []string{asset}, Delta: &amount, Time: c.nowMs})
	c.x.emit(userEvent{Account: c.key.APIKey, Assets: []string{asset}, Time: c.nowMs})
	return balanceJSON{asset, dec(b.Free), dec(b.Locked)}, nil
}
