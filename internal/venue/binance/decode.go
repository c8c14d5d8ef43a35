package binance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Every decoder below reads one Binance payload into exact decimals and
// validates it; errors wrap ErrBadResponse and name the field at fault.
// Unknown fields are ignored (Binance adds fields without notice); missing
// required fields and impossible values are errors.

// minTimeMs is 2017-01-01T00:00:00Z: Binance refuses timestamps before it, and
// no exchange time can be earlier.
const minTimeMs = 1483228800000

// maxTimeMs is 2100-01-01T00:00:00Z.
const maxTimeMs = 4102444800000

func badf(what, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrBadResponse, what, fmt.Sprintf(format, args...))
}

func unmarshal(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return badf(what, "invalid JSON at byte %d", se.Offset)
		}
		return badf(what, "%s", sanitize(err.Error()))
	}
	return nil
}

// checker collects the first problem found while validating a payload.
type checker struct {
	what string
	err  error
}

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = badf(c.what, format, args...)
	}
}

// symbol accepts 1 to 64 printable ASCII characters: Binance's symbols are
// upper-case letters and digits (a few with - _ .), and a replacement
// character from invalid UTF-8 is not one.
func (c *checker) symbol(field, s string) {
	if s == "" || len(s) > 64 {
		c.fail("%s %.40q is not a symbol", field, s)
		return
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			c.fail("%s %.40q is not a symbol", field, s)
			return
		}
	}
}

func (c *checker) asset(field, s string) { c.symbol(field, s) }

func (c *checker) pos(field string, d num.Decimal) {
	if !d.IsPos() {
		c.fail("%s %s must be positive", field, d)
	}
}

func (c *checker) nonNeg(field string, d num.Decimal) {
	if d.IsNeg() {
		c.fail("%s %s must not be negative", field, d)
	}
}

func (c *checker) time(field string, ms int64) {
	if ms < minTimeMs || ms > maxTimeMs {
		c.fail("%s %d is not a plausible Unix time in ms", field, ms)
	}
}

func (c *checker) id(field string, v int64) {
	if v < 0 {
		c.fail("%s %d must not be negative", field, v)
	}
}

// balance checks one balance row n, whose asset, free and locked fields
// the payload names a, f and l.
func (c *checker) balance(n, a, f, l string, b Balance) {
	c.asset(n+"."+a, b.Asset)
	c.nonNeg(n+"."+f, b.Free)
	c.nonNeg(n+"."+l, b.Locked)
}

func (c *checker) clientID(field, s string) {
	if s == "" || len(s) > 64 || !utf8.ValidString(s) {
		c.fail("%s %.40q is not a client order id", field, s)
	}
}

// DecodeServerTime reads GET /api/v3/time.
func DecodeServerTime(data []byte) (int64, error) {
	var v struct {
		ServerTime *int64 `json:"serverTime"`
	}
	if err := unmarshal("time", data, &v); err != nil {
		return 0, err
	}
	c := checker{what: "time"}
	if v.ServerTime == nil {
		c.fail("serverTime is missing")
		return 0, c.err
	}
	c.time("serverTime", *v.ServerTime)
	return *v.ServerTime, c.err
}

// parseStatus maps Binance's order status onto order.Status. EXPIRED_IN_MATCH
// (self-trade prevention) is an expiry; PENDING_CANCEL (unused by Binance)
// is still open.
func parseStatus(s string) (order.Status, error) {
	switch s {
	case "EXPIRED_IN_MATCH":
		return order.Expired, nil
	case "PENDING_CANCEL":
		return order.New, nil
	}
	return order.ParseStatus(s)
}

// OrderFill is one fill inside a FULL order response.
type OrderFill struct {
	Price           num.Decimal
	Qty             num.Decimal
	Commission      num.Decimal
	CommissionAsset string
	TradeID         int64
}

// OrderReport is an order as Binance reports it from POST, GET or DELETE
// /api/v3/order and GET /api/v3/openOrders. An ACK response fills only the
// identity fields and TransactTime; Status is then 0.
type OrderReport struct {
	Symbol            string
	OrderID           int64
	OrderListID       int64
	ClientOrderID     string
	OrigClientOrderID string // cancels only
	TransactTime      int64
	Price             num.Decimal
	OrigQty           num.Decimal
	ExecutedQty       num.Decimal
	CumQuoteQty       num.Decimal
	OrigQuoteOrderQty num.Decimal
	StopPrice         num.Decimal
	Status            order.Status
	// RawStatus is Binance's status text ("EXPIRED_IN_MATCH" stays visible).
	RawStatus    string
	TimeInForce  order.TimeInForce
	Type         order.Type
	Side         order.Side
	Time         int64 // creation time (queries)
	UpdateTime   int64
	WorkingTime  int64
	ExpiryReason string
	Fills        []OrderFill
}

type orderJSON struct {
	Symbol            string      `json:"symbol"`
	OrderID           *int64      `json:"orderId"`
	OrderListID       int64       `json:"orderListId"`
	ClientOrderID     string      `json:"clientOrderId"`
	OrigClientOrderID string      `json:"origClientOrderId"`
	TransactTime      int64       `json:"transactTime"`
	Price             num.Decimal `json:"price"`
	OrigQty           num.Decimal `json:"origQty"`
	ExecutedQty       num.Decimal `json:"executedQty"`
	CumQuoteQty       num.Decimal `json:"cummulativeQuoteQty"`
	OrigQuoteOrderQty num.Decimal `json:"origQuoteOrderQty"`
	StopPrice         num.Decimal `json:"stopPrice"`
	Status            string      `json:"status"`
	TimeInForce       string      `json:"timeInForce"`
	Type              string      `json:"type"`
	Side              string      `json:"side"`
	Time              int64       `json:"time"`
	UpdateTime        int64       `json:"updateTime"`
	WorkingTime       int64       `json:"workingTime"`
	ExpiryReason      string      `json:"expiryReason"`
	Fills             []struct {
		Price           num.Decimal `json:"price"`
		Qty             num.Decimal `json:"qty"`
		Commission      num.Decimal `json:"commission"`
		CommissionAsset string      `json:"commissionAsset"`
		TradeID         *int64      `json:"tradeId"`
	} `json:"fills"`
}

func (j *orderJSON) toReport(what string) (*OrderReport, error) {
	c := checker{what: what}
	c.symbol("symbol", j.Symbol)
	if j.OrderID == nil {
		c.fail("orderId is missing")
		return nil, c.err
	}
	c.id("orderId", *j.OrderID)
	c.clientID("clientOrderId", j.ClientOrderID)
	r := &OrderReport{Symbol: j.Symbol, OrderID: *j.OrderID, OrderListID: j.OrderListID, ClientOrderID: j.ClientOrderID,
		OrigClientOrderID: j.OrigClientOrderID, TransactTime: j.TransactTime, Price: j.Price, OrigQty: j.OrigQty,
		ExecutedQty: j.ExecutedQty, CumQuoteQty: j.CumQuoteQty, OrigQuoteOrderQty: j.OrigQuoteOrderQty,
		StopPrice: j.StopPrice, RawStatus: j.Status, Time: j.Time, UpdateTime: j.UpdateTime,
		WorkingTime: j.WorkingTime, ExpiryReason: j.ExpiryReason}
	for _, f := range []struct {
		n string
		d num.Decimal
	}{{"price", r.Price}, {"origQty", r.OrigQty}, {"executedQty", r.ExecutedQty}, {"cummulativeQuoteQty", r.CumQuoteQty},
		{"origQuoteOrderQty", r.OrigQuoteOrderQty}, {"stopPrice", r.StopPrice}} {
		c.nonNeg(f.n, f.d)
	}
	if r.OrigQty.IsPos() && r.OrigQty.Less(r.ExecutedQty) {
		c.fail("executedQty %s exceeds origQty %s", r.ExecutedQty, r.OrigQty)
	}
	if j.Status != "" { // absent from ACK responses
		var err error
		if r.Status, err = parseStatus(j.Status); err != nil {
			c.fail("status: %v", err)
		}
		if r.Side, err = order.ParseSide(j.Side); err != nil {
			c.fail("side: %v", err)
		}
		if r.Type, err = order.ParseType(j.Type); err != nil {
			c.fail("type: %v", err)
		}
		if j.TimeInForce != "" {
			if r.TimeInForce, err = order.ParseTimeInForce(j.TimeInForce); err != nil {
				c.fail("timeInForce: %v", err)
			}
		}
	}
	var sum num.Calc
	total := num.Zero
	for i, f := range j.Fills {
		n := fmt.Sprintf("fills[%d]", i)
		c.pos(n+".price", f.Price)
		c.pos(n+".qty", f.Qty)
		c.nonNeg(n+".commission", f.Commission)
		if f.TradeID == nil {
			c.fail("%s.tradeId is missing", n)
			continue
		}
		c.id(n+".tradeId", *f.TradeID)
		if f.Commission.IsPos() {
			c.asset(n+".commissionAsset", f.CommissionAsset)
		}
		total = sum.Add(total, f.Qty)
		r.Fills = append(r.Fills, OrderFill{Price: f.Price, Qty: f.Qty, Commission: f.Commission,
			CommissionAsset: f.CommissionAsset, TradeID: *f.TradeID})
	}
	if sum.Err() != nil {
		c.fail("fills: %v", sum.Err())
	} else if len(j.Fills) > 0 && r.ExecutedQty.Less(total) {
		c.fail("fills add up to %s, more than executedQty %s", total, r.ExecutedQty)
	}
	if c.err != nil {
		return nil, c.err
	}
	return r, nil
}

// DecodeOrder reads an order response: POST /api/v3/order (ACK, RESULT or
// FULL), GET /api/v3/order or DELETE /api/v3/order.
func DecodeOrder(data []byte) (*OrderReport, error) {
	var j orderJSON
	if err := unmarshal("order", data, &j); err != nil {
		return nil, err
	}
	return j.toReport("order")
}

// DecodeOrders reads GET /api/v3/openOrders (or allOrders).
func DecodeOrders(data []byte) ([]*OrderReport, error) {
	var js []orderJSON
	if err := unmarshal("orders", data, &js); err != nil {
		return nil, err
	}
	out := make([]*OrderReport, 0, len(js))
	for i := range js {
		r, err := js[i].toReport(fmt.Sprintf("orders[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// DecodeCancelAll reads DELETE /api/v3/openOrders: a mix of order reports and
// order-list reports. Order lists are flattened into their orderReports.
func DecodeCancelAll(data []byte) ([]*OrderReport, error) {
	var raws []json.RawMessage
	if err := unmarshal("cancel all", data, &raws); err != nil {
		return nil, err
	}
	var out []*OrderReport
	for i, raw := range raws {
		var probe struct {
			OrderReports []orderJSON `json:"orderReports"`
		}
		if err := unmarshal("cancel all", raw, &probe); err != nil {
			return nil, err
		}
		if probe.OrderReports != nil {
			for k := range probe.OrderReports {
				r, err := probe.OrderReports[k].toReport(fmt.Sprintf("cancel all[%d].orderReports[%d]", i, k))
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			continue
		}
		var j orderJSON
		if err := unmarshal("cancel all", raw, &j); err != nil {
			return nil, err
		}
		r, err := j.toReport(fmt.Sprintf("cancel all[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Balance is one asset's free and locked amounts.
type Balance struct {
	Asset  string
	Free   num.Decimal
	Locked num.Decimal
}

// Account is GET /api/v3/account.
type Account struct {
	MakerRate   num.Decimal
	TakerRate   num.Decimal
	CanTrade    bool
	CanWithdraw bool
	CanDeposit  bool
	AccountType string
	Permissions []string
	UpdateTime  int64
	UID         int64
	Balances    []Balance
}

// DecodeAccount reads GET /api/v3/account.
func DecodeAccount(data []byte) (*Account, error) {
	var j struct {
		CommissionRates struct {
			Maker num.Decimal `json:"maker"`
			Taker num.Decimal `json:"taker"`
		} `json:"commissionRates"`
		CanTrade    bool     `json:"canTrade"`
		CanWithdraw bool     `json:"canWithdraw"`
		CanDeposit  bool     `json:"canDeposit"`
		AccountType string   `json:"accountType"`
		Permissions []string `json:"permissions"`
		UpdateTime  int64    `json:"updateTime"`
		UID         int64    `json:"uid"`
		Balances    *[]struct {
			Asset  string      `json:"asset"`
			Free   num.Decimal `json:"free"`
			Locked num.Decimal `json:"locked"`
		} `json:"balances"`
	}
	if err := unmarshal("account", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "account"}
	if j.Balances == nil {
		c.fail("balances is missing")
		return nil, c.err
	}
	a := &Account{MakerRate: j.CommissionRates.Maker, TakerRate: j.CommissionRates.Taker, CanTrade: j.CanTrade,
		CanWithdraw: j.CanWithdraw, CanDeposit: j.CanDeposit, AccountType: j.AccountType, Permissions: j.Permissions,
		UpdateTime: j.UpdateTime, UID: j.UID}
	c.nonNeg("commissionRates.maker", a.MakerRate)
	c.nonNeg("commissionRates.taker", a.TakerRate)
	seen := make(map[string]bool, len(*j.Balances))
	for i, b := range *j.Balances {
		n := fmt.Sprintf("balances[%d]", i)
		bal := Balance{Asset: b.Asset, Free: b.Free, Locked: b.Locked}
		c.balance(n, "asset", "free", "locked", bal)
		if seen[b.Asset] {
			c.fail("%s: asset %.20q listed twice", n, b.Asset)
		}
		seen[b.Asset] = true
		a.Balances = append(a.Balances, bal)
	}
	if c.err != nil {
		return nil, c.err
	}
	return a, nil
}

// MyTrade is one row of GET /api/v3/myTrades.
type MyTrade struct {
	Symbol          string
	ID              int64
	OrderID         int64
	Price           num.Decimal
	Qty             num.Decimal
	QuoteQty        num.Decimal
	Commission      num.Decimal
	CommissionAsset string
	Time            int64
	IsBuyer         bool
	IsMaker         bool
}

// DecodeMyTrades reads GET /api/v3/myTrades.
func DecodeMyTrades(data []byte) ([]MyTrade, error) {
	var js []struct {
		Symbol          string      `json:"symbol"`
		ID              *int64      `json:"id"`
		OrderID         int64       `json:"orderId"`
		Price           num.Decimal `json:"price"`
		Qty             num.Decimal `json:"qty"`
		QuoteQty        num.Decimal `json:"quoteQty"`
		Commission      num.Decimal `json:"commission"`
		CommissionAsset string      `json:"commissionAsset"`
		Time            int64       `json:"time"`
		IsBuyer         bool        `json:"isBuyer"`
		IsMaker         bool        `json:"isMaker"`
	}
	if err := unmarshal("myTrades", data, &js); err != nil {
		return nil, err
	}
	out := make([]MyTrade, 0, len(js))
	c := checker{what: "myTrades"}
	for i, j := range js {
		n := fmt.Sprintf("[%d]", i)
		c.symbol(n+".symbol", j.Symbol)
		if j.ID == nil {
			c.fail("%s.id is missing", n)
			break
		}
		c.id(n+".id", *j.ID)
		c.id(n+".orderId", j.OrderID)
		c.pos(n+".price", j.Price)
		c.pos(n+".qty", j.Qty)
		c.nonNeg(n+".quoteQty", j.QuoteQty)
		c.nonNeg(n+".commission", j.Commission)
		c.time(n+".time", j.Time)
		out = append(out, MyTrade{Symbol: j.Symbol, ID: *j.ID, OrderID: j.OrderID, Price: j.Price, Qty: j.Qty,
			QuoteQty: j.QuoteQty, Commission: j.Commission, CommissionAsset: j.CommissionAsset, Time: j.Time,
			IsBuyer: j.IsBuyer, IsMaker: j.IsMaker})
	}
	if c.err != nil {
		return nil, c.err
	}
	return out, nil
}

// Kline is one candle from GET /api/v3/klines or a kline stream event.
type Kline struct {
	market.Bar
	CloseTime   int64
	QuoteVolume num.Decimal
	Trades      int64
	// Closed is false for a candle still forming (streams only; REST rows
	// are taken as sent, the last may still be forming).
	Closed bool
}

func (k *Kline) check(c *checker, n string) {
	c.time(n+" open time", k.Time)
	if k.CloseTime <= k.Time {
		c.fail("%s close time %d is not after open time %d", n, k.CloseTime, k.Time)
	}
	if err := k.Validate(); err != nil {
		c.fail("%s: %v", n, err)
	}
	c.nonNeg(n+" quote volume", k.QuoteVolume)
	if k.Trades < 0 {
		c.fail("%s trade count %d is negative", n, k.Trades)
	}
}

// DecodeKlines reads GET /api/v3/klines: rows of [openTime, open, high, low,
// close, volume, closeTime, quoteVolume, trades, ...]. Rows must be in strictly
// increasing open time.
func DecodeKlines(data []byte) ([]Kline, error) {
	var rows [][]json.RawMessage
	if err := unmarshal("klines", data, &rows); err != nil {
		return nil, err
	}
	out := make([]Kline, 0, len(rows))
	c := checker{what: "klines"}
	for i, row := range rows {
		n := fmt.Sprintf("row %d", i)
		if len(row) < 9 {
			c.fail("%s has %d columns, want at least 9", n, len(row))
			break
		}
		var k Kline
		ints := []*int64{&k.Time, nil, nil, nil, nil, nil, &k.CloseTime, nil, &k.Trades}
		decs := []*num.Decimal{nil, &k.Open, &k.High, &k.Low, &k.Close, &k.Volume, nil, &k.QuoteVolume, nil}
		for col := 0; col < 9; col++ {
			var err error
			if ints[col] != nil {
				err = json.Unmarshal(row[col], ints[col])
			} else {
				err = decs[col].UnmarshalJSON(row[col])
				if err == nil && bytes.Equal(bytes.TrimSpace(row[col]), []byte("null")) {
					err = errors.New("null")
				}
			}
			if err != nil {
				c.fail("%s column %d: %s", n, col, sanitize(err.Error()))
			}
		}
		if c.err != nil {
			break
		}
		k.check(&c, n)
		if i > 0 && k.Time <= out[i-1].Time {
			c.fail("%s open time %d is not after the previous row's %d", n, k.Time, out[i-1].Time)
		}
		out = append(out, k)
	}
	if c.err != nil {
		return nil, c.err
	}
	return out, nil
}

// Level is one price level of a book.
type Level struct {
	Price num.Decimal
	Qty   num.Decimal
}

// DepthSnapshot is GET /api/v3/depth.
type DepthSnapshot struct {
	LastUpdateID int64
	Bids         []Level // best (highest) first
	Asks         []Level // best (lowest) first
}

// DecodeDepth reads GET /api/v3/depth. Bids must be strictly descending and
// asks strictly ascending, prices positive, quantities positive.
func DecodeDepth(data []byte) (*DepthSnapshot, error) {
	var j struct {
		LastUpdateID *int64          `json:"lastUpdateId"`
		Bids         [][]num.Decimal `json:"bids"`
		Asks         [][]num.Decimal `json:"asks"`
	}
	if err := unmarshal("depth", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "depth"}
	if j.LastUpdateID == nil {
		c.fail("lastUpdateId is missing")
		return nil, c.err
	}
	c.id("lastUpdateId", *j.LastUpdateID)
	s := &DepthSnapshot{LastUpdateID: *j.LastUpdateID}
	s.Bids = levels(&c, "bids", j.Bids, false, true)
	s.Asks = levels(&c, "asks", j.Asks, true, true)
	if c.err == nil && len(s.Bids) > 0 && len(s.Asks) > 0 && s.Asks[0].Price.Cmp(s.Bids[0].Price) <= 0 {
		c.fail("book is crossed: best bid %s >= best ask %s", s.Bids[0].Price, s.Asks[0].Price)
	}
	if c.err != nil {
		return nil, c.err
	}
	return s, nil
}

// levels converts [price, qty] pairs. Snapshots (snapshot=true) need positive
// quantities in strict price order; diffs allow 0 (delete) in any order.
func levels(c *checker, side string, rows [][]num.Decimal, ascending, snapshot bool) []Level {
	out := make([]Level, 0, len(rows))
	for i, r := range rows {
		if len(r) != 2 {
			c.fail("%s[%d] has %d entries, want [price, qty]", side, i, len(r))
			return nil
		}
		c.pos(fmt.Sprintf("%s[%d] price", side, i), r[0])
		if snapshot {
			c.pos(fmt.Sprintf("%s[%d] qty", side, i), r[1])
			if i > 0 {
				cmp := r[0].Cmp(rows[i-1][0])
				if ascending && cmp <= 0 || !ascending && cmp >= 0 {
					c.fail("%s[%d] price %s is out of order", side, i, r[0])
				}
			}
		} else {
			c.nonNeg(fmt.Sprintf("%s[%d] qty", side, i), r[1])
		}
		out = append(out, Level{Price: r[0], Qty: r[1]})
	}
	return out
}

// APIRestrictions is GET /sapi/v1/account/apiRestrictions: what the API key
// may do.
type APIRestrictions struct {
	IPRestrict                   bool  `json:"ipRestrict"`
	CreateTime                   int64 `json:"createTime"`
	EnableReading                bool  `json:"enableReading"`
	EnableSpotAndMarginTrading   bool  `json:"enableSpotAndMarginTrading"`
	EnableWithdrawals            bool  `json:"enableWithdrawals"`
	EnableInternalTransfer       bool  `json:"enableInternalTransfer"`
	PermitsUniversalTransfer     bool  `json:"permitsUniversalTransfer"`
	EnableMargin                 bool  `json:"enableMargin"`
	EnableFutures                bool  `json:"enableFutures"`
	EnableVanillaOptions         bool  `json:"enableVanillaOptions"`
	EnablePortfolioMarginTrading bool  `json:"enablePortfolioMarginTrading"`
	EnableFixAPITrade            bool  `json:"enableFixApiTrade"`
	EnableFixReadOnly            bool  `json:"enableFixReadOnly"`
	// TradingAuthorityExpirationTime is 0 when not set.
	TradingAuthorityExpirationTime int64 `json:"tradingAuthorityExpirationTime"`
}

// DecodeAPIRestrictions reads GET /sapi/v1/account/apiRestrictions. The
// withdrawal flag must be present: a missing flag is not proof it is off.
func DecodeAPIRestrictions(data []byte) (*APIRestrictions, error) {
	var probe map[string]json.RawMessage
	if err := unmarshal("apiRestrictions", data, &probe); err != nil {
		return nil, err
	}
	for _, f := range []string{"enableWithdrawals", "ipRestrict", "enableReading"} {
		if _, ok := probe[f]; !ok {
			return nil, badf("apiRestrictions", "%s is missing", f)
		}
	}
	var r APIRestrictions
	if err := unmarshal("apiRestrictions", data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// DecodeExchangeInfo reads GET /api/v3/exchangeInfo with the market
// package's parser.
func DecodeExchangeInfo(data []byte) (*market.ExchangeInfo, error) {
	x, err := market.ParseExchangeInfo(data, market.Spot)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	return x, nil
}
