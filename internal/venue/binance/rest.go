package binance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/order"
)

// endpoints is a product's endpoint table. The spot table is below; a
// USDⓈ-M futures client would carry its own (/fapi paths and weights) and
// reuse everything else.
type endpoints struct {
	time         endpoint
	exchangeInfo endpoint
	klines       endpoint
	bookTicker   endpoint
	account      endpoint
	queryOrder   endpoint
	openOrders   endpoint
	myTrades     endpoint
	restrictions endpoint
	newOrder     endpoint
	cancelOrder  endpoint
	cancelAll    endpoint
}

// spotEndpoints returns Binance spot's endpoints with their documented
// request weights (binance-api.md §6).
func spotEndpoints() endpoints {
	return endpoints{
		time:         endpoint{method: http.MethodGet, path: "/api/v3/time", weight: 1, group: GroupMarket},
		exchangeInfo: endpoint{method: http.MethodGet, path: "/api/v3/exchangeInfo", weight: 20, group: GroupMarket},
		klines:       endpoint{method: http.MethodGet, path: "/api/v3/klines", weight: 2, group: GroupMarket},
		bookTicker:   endpoint{method: http.MethodGet, path: "/api/v3/ticker/bookTicker", weight: 2, group: GroupMarket},
		account:      endpoint{method: http.MethodGet, path: "/api/v3/account", weight: 20, signed: true, group: GroupAccount},
		queryOrder:   endpoint{method: http.MethodGet, path: "/api/v3/order", weight: 4, signed: true, group: GroupAccount},
		openOrders:   endpoint{method: http.MethodGet, path: "/api/v3/openOrders", weight: 6, signed: true, group: GroupAccount},
		myTrades:     endpoint{method: http.MethodGet, path: "/api/v3/myTrades", weight: 20, signed: true, group: GroupAccount},
		restrictions: endpoint{method: http.MethodGet, path: "/sapi/v1/account/apiRestrictions", weight: 1, signed: true, group: GroupAccount},
		newOrder:     endpoint{method: http.MethodPost, path: "/api/v3/order", weight: 1, signed: true, group: GroupTrade, order: true},
		cancelOrder:  endpoint{method: http.MethodDelete, path: "/api/v3/order", weight: 1, signed: true, group: GroupTrade},
		cancelAll:    endpoint{method: http.MethodDelete, path: "/api/v3/openOrders", weight: 1, signed: true, group: GroupTrade},
	}
}

// ServerTime returns Binance's clock in Unix milliseconds.
func (c *Client) ServerTime(ctx context.Context) (int64, error) {
	body, err := c.do(ctx, c.ep.time, nil)
	if err != nil {
		return 0, err
	}
	return DecodeServerTime(body)
}

// ExchangeInfo fetches the rules of the given symbols (all when none) and
// applies the document's rate limits to the client.
func (c *Client) ExchangeInfo(ctx context.Context, symbols ...string) (*market.ExchangeInfo, error) {
	var p Params
	switch len(symbols) {
	case 0:
	case 1:
		p.Set("symbol", symbols[0])
	default:
		b := []byte{'['}
		for i, s := range symbols {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, s...)
			b = append(b, '"')
		}
		p.Set("symbols", string(append(b, ']')))
	}
	body, err := c.do(ctx, c.ep.exchangeInfo, &p)
	if err != nil {
		return nil, err
	}
	x, err := DecodeExchangeInfo(body)
	if err != nil {
		return nil, err
	}
	c.applyRateLimits(x.RateLimits)
	return x, nil
}

func (c *Client) applyRateLimits(rls []market.RateLimit) {
	c.lim.mu.Lock()
	defer c.lim.mu.Unlock()
	for _, rl := range rls {
		switch {
		case rl.Type == "REQUEST_WEIGHT" && rl.Window() == time.Minute:
			c.lim.lim.WeightPerMinute = int(rl.Limit)
		case rl.Type == "ORDERS" && rl.Window() == 10*time.Second:
			c.lim.lim.Orders10s = int(rl.Limit)
		case rl.Type == "ORDERS" && rl.Window() == 24*time.Hour:
			c.lim.lim.OrdersDay = int(rl.Limit)
		}
	}
}

// Depth fetches the order book snapshot (limit 1–5000).
func (c *Client) Depth(ctx context.Context, symbol string, limit int) (*DepthSnapshot, error) {
	if limit < 1 || limit > 5000 {
		return nil, fmt.Errorf("depth %s: limit %d must be in [1, 5000]", symbol, limit)
	}
	ep := endpoint{method: http.MethodGet, path: "/api/v3/depth", group: GroupMarket}
	switch {
	case limit <= 100:
		ep.weight = 5
	case limit <= 500:
		ep.weight = 25
	case limit <= 1000:
		ep.weight = 50
	default:
		ep.weight = 250
	}
	var p Params
	p.Set("symbol", symbol).SetInt("limit", int64(limit))
	body, err := c.do(ctx, ep, &p)
	if err != nil {
		return nil, err
	}
	return DecodeDepth(body)
}

// Klines fetches candles with open time in [start, end] (Unix ms; 0 leaves a
// bound out), at most limit (1–1000) of them.
func (c *Client) Klines(ctx context.Context, symbol string, iv market.Interval, start, end int64, limit int) ([]Kline, error) {
	if limit < 1 || limit > 1000 {
		return nil, fmt.Errorf("klines %s: limit %d must be in [1, 1000]", symbol, limit)
	}
	var p Params
	p.Set("symbol", symbol).Set("interval", iv.String())
	if start > 0 {
		p.SetInt("startTime", start)
	}
	if end > 0 {
		p.SetInt("endTime", end)
	}
	p.SetInt("limit", int64(limit))
	body, err := c.do(ctx, c.ep.klines, &p)
	if err != nil {
		return nil, err
	}
	return DecodeKlines(body)
}

// BookTickerREST fetches the best bid and ask of symbol over REST (the
// fallback while the stream is down).
func (c *Client) BookTickerREST(ctx context.Context, symbol string) (BookTicker, error) {
	var p Params
	p.Set("symbol", symbol)
	body, err := c.do(ctx, c.ep.bookTicker, &p)
	if err != nil {
		return BookTicker{}, err
	}
	return DecodeRESTBookTicker(body)
}

// Account fetches balances and account flags (omitting zero balances).
func (c *Client) Account(ctx context.Context) (*Account, error) {
	var p Params
	p.Set("omitZeroBalances", "true")
	body, err := c.do(ctx, c.ep.account, &p)
	if err != nil {
		return nil, err
	}
	return DecodeAccount(body)
}

// OpenOrders lists open orders on symbol, or on every symbol when it is "".
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]*OrderReport, error) {
	ep := c.ep.openOrders
	var p Params
	if symbol != "" {
		p.Set("symbol", symbol)
	} else {
		ep.weight = 80
	}
	body, err := c.do(ctx, ep, &p)
	if err != nil {
		return nil, err
	}
	return DecodeOrders(body)
}

// MyTrades lists the account's trades on symbol from trade id fromID on
// (fromID < 0 means the most recent), at most limit (1–1000).
func (c *Client) MyTrades(ctx context.Context, symbol string, fromID int64, limit int) ([]MyTrade, error) {
	if limit < 1 || limit > 1000 {
		return nil, fmt.Errorf("myTrades %s: limit %d must be in [1, 1000]", symbol, limit)
	}
	var p Params
	p.Set("symbol", symbol)
	if fromID >= 0 {
		p.SetInt("fromId", fromID)
	}
	p.SetInt("limit", int64(limit))
	body, err := c.do(ctx, c.ep.myTrades, &p)
	if err != nil {
		return nil, err
	}
	return DecodeMyTrades(body)
}

// APIRestrictions fetches the key's permissions.
func (c *Client) APIRestrictions(ctx context.Context) (*APIRestrictions, error) {
	body, err := c.do(ctx, c.ep.restrictions, nil)
	if err != nil {
		return nil, err
	}
	return DecodeAPIRestrictions(body)
}

// QueryOrder looks an order up by its client order id. A missing order is
// an *APIError with Code CodeNoSuchOrder (-2013).
func (c *Client) QueryOrder(ctx context.Context, symbol, clientID string) (*OrderReport, error) {
	var p Params
	p.Set("symbol", symbol).Set("origClientOrderId", clientID)
	body, err := c.do(ctx, c.ep.queryOrder, &p)
	if err != nil {
		return nil, err
	}
	r, err := DecodeOrder(body)
	if err != nil {
		return nil, err
	}
	if r.ClientOrderID != clientID || r.Symbol != symbol {
		return nil, badf("order", "asked for %s %s, got %.40s %.40s", symbol, clientID, r.Symbol, r.ClientOrderID)
	}
	return r, nil
}

// ErrNotPlaced: an order whose outcome was unknown was looked up and proved
// never placed: Binance does not know it after its recvWindow ran out, so it
// can no longer reach the matching engine.
var ErrNotPlaced = errors.New("binance: order was not placed")

// RespType is newOrderRespType.
type RespType string

// Response types.
const (
	RespACK    RespType = "ACK"
	RespResult RespType = "RESULT"
	RespFull   RespType = "FULL"
)

// orderParams builds POST /api/v3/order's parameters from r.
func orderParams(r *order.Request, resp RespType) (*Params, error) {
	if err := r.Valid(); err != nil {
		return nil, fmt.Errorf("order %s: %w", r.ClientID, err)
	}
	if !order.ValidClientID(r.ClientID) {
		return nil, fmt.Errorf("order: client order id %.40q is required (1-36 of [A-Za-z0-9_-]) so an unknown outcome can be looked up", r.ClientID)
	}
	p := &Params{kv: make([]string, 0, 20)}
	p.Set("symbol", r.Symbol).Set("side", r.Side.String()).Set("type", r.Type.String())
	if r.TimeInForce != 0 {
		p.Set("timeInForce", r.TimeInForce.String())
	}
	if r.Quantity.IsPos() {
		p.SetDecimal("quantity", r.Quantity)
	} else {
		p.SetDecimal("quoteOrderQty", r.QuoteOrderQty)
	}
	if !r.Price.IsZero() {
		p.SetDecimal("price", r.Price)
	}
	if !r.StopPrice.IsZero() {
		p.SetDecimal("stopPrice", r.StopPrice)
	}
	p.Set("newClientOrderId", r.ClientID).Set("newOrderRespType", string(resp))
	return p, nil
}

// PlaceOrder sends POST /api/v3/order once. It never resends: when the
// outcome is unknown (timeout, 5xx, -1007) or Binance says the client order id
// is a duplicate, it looks the order up by client order id until Binance shows
// it (returned with Resolved set) or proves it was never placed (ErrNotPlaced).
// If the lookup cannot finish before ctx ends, the error wraps
// ErrUnknownOutcome and the order must stay in flight.
func (c *Client) PlaceOrder(ctx context.Context, r *order.Request, resp RespType) (*OrderReport, bool, error) {
	p, err := orderParams(r, resp)
	if err != nil {
		return nil, false, err
	}
	sentAt := c.Timestamp()
	body, err := c.do(ctx, c.ep.newOrder, p)
	if err == nil {
		rep, derr := DecodeOrder(body)
		if derr != nil {
			// Binance answered 200, so the order is placed, but the answer
			// is unreadable: learn the state by querying.
			c.alert(AlertBadMessage, fmt.Sprintf("order %s: %v", r.ClientID, derr))
			return c.resolve(ctx, r.Symbol, r.ClientID, sentAt)
		}
		return rep, false, nil
	}
	var ae *APIError
	duplicate := errors.As(err, &ae) && ae.Code == CodeRejected && ae.Msg == "Duplicate order sent."
	if !errors.Is(err, ErrUnknownOutcome) && !duplicate {
		return nil, false, fmt.Errorf("place order %s: %w", r.ClientID, err)
	}
	c.alert(AlertUnknownOutcome, fmt.Sprintf("order %s %s: %v; querying before anything is resent", r.Symbol, r.ClientID, err))
	return c.resolve(ctx, r.Symbol, r.ClientID, sentAt)
}

// resolve queries an order whose placement outcome is unknown. sentAt is the
// timestamp the request carried: once the server clock is past sentAt +
// recvWindow (+1 s for clock error), Binance's matching engine refuses it,
// so "not found" from then on is final.
func (c *Client) resolve(ctx context.Context, symbol, clientID string, sentAt int64) (*OrderReport, bool, error) {
	deadline := sentAt + c.recvWindow.Milliseconds() + 1000
	backoff := 100 * time.Millisecond
	for {
		rep, err := c.QueryOrder(ctx, symbol, clientID)
		if err == nil {
			return rep, true, nil
		}
		notFound := APICode(err) == CodeNoSuchOrder
		if notFound && c.Timestamp() > deadline {
			return nil, false, fmt.Errorf("order %s %s: %w (not found after its recvWindow ended)", symbol, clientID, ErrNotPlaced)
		}
		wait := backoff
		if notFound {
			if left := time.Duration(deadline-c.Timestamp()+1) * time.Millisecond; left < wait {
				wait = left
			}
		} else if backoff < 5*time.Second {
			backoff *= 2
		}
		if serr := sleepCtx(ctx, wait); serr != nil {
			return nil, false, fmt.Errorf("order %s %s: %w: lookup did not finish: %v (last: %v)", symbol, clientID, ErrUnknownOutcome, serr, err)
		}
	}
}

// CancelOrder cancels an order by client order id. It is sent once; on an
// unknown outcome it queries the order and returns its state (Resolved set),
// or an error wrapping ErrUnknownOutcome.
func (c *Client) CancelOrder(ctx context.Context, symbol, clientID string) (*OrderReport, bool, error) {
	var p Params
	p.Set("symbol", symbol).Set("origClientOrderId", clientID)
	body, err := c.do(ctx, c.ep.cancelOrder, &p)
	if err == nil {
		rep, derr := DecodeOrder(body)
		if derr == nil {
			return rep, false, nil
		}
		err = fmt.Errorf("%w: %w", ErrUnknownOutcome, derr)
	}
	if !errors.Is(err, ErrUnknownOutcome) {
		return nil, false, fmt.Errorf("cancel order %s: %w", clientID, err)
	}
	rep, qerr := c.QueryOrder(ctx, symbol, clientID)
	if qerr != nil {
		return nil, false, fmt.Errorf("cancel order %s: %w (lookup failed: %v)", clientID, err, qerr)
	}
	return rep, true, nil
}

// CancelAll cancels every open order on symbol, order lists included.
func (c *Client) CancelAll(ctx context.Context, symbol string) ([]*OrderReport, error) {
	var p Params
	p.Set("symbol", symbol)
	body, err := c.do(ctx, c.ep.cancelAll, &p)
	if err != nil {
		return nil, fmt.Errorf("cancel all %s: %w", symbol, err)
	}
	return DecodeCancelAll(body)
}

// OrderTrades lists the account's trades for one order (GET
// /api/v3/myTrades with orderId, weight 5).
func (c *Client) OrderTrades(ctx context.Context, symbol string, orderID int64) ([]MyTrade, error) {
	var p Params
	p.Set("symbol", symbol).SetInt("orderId", orderID)
	ep := c.ep.myTrades
	ep.weight = 5
	body, err := c.do(ctx, ep, &p)
	if err != nil {
		return nil, err
	}
	return DecodeMyTrades(body)
}
