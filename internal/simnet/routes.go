package simnet

import "net/http"

// routes is the whole REST surface: path, then method. The WebSocket
// endpoints, /ws, /ws/<streams>, /stream?streams= (market streams, hub.go)
// and /ws-api/v3 (WebSocket API, wsapi.go), are answered before these by
// serveWS.
func (x *Exchange) routes() map[string]map[string]*route {
	get, post, del := http.MethodGet, http.MethodPost, http.MethodDelete
	pub := func(w int, fn func(*call) (any, *apiError)) *route { return &route{sec: secNone, weight: w, fn: fn} }
	signed := func(w int, fn func(*call) (any, *apiError)) *route { return &route{sec: secSigned, weight: w, fn: fn} }
	trade := func(w int, fn func(*call) (any, *apiError)) *route {
		return &route{sec: secSigned, weight: w, zeroOnSuccess: true, orderCount: true, fn: fn}
	}
	oneOrMany := func(one, many int) func(p *params) int {
		return func(p *params) int {
			if p.has("symbol") {
				return one
			}
			return many
		}
	}
	r := map[string]map[string]*route{
		"/api/v3/ping":               {get: pub(1, getPing)},
		"/api/v3/time":               {get: pub(1, getTime)},
		"/api/v3/exchangeInfo":       {get: pub(20, getExchangeInfo)},
		"/api/v3/depth":              {get: &route{weightFn: depthWeight, fn: getDepth}},
		"/api/v3/trades":             {get: pub(25, getTrades)},
		"/api/v3/historicalTrades":   {get: pub(25, getTrades)},
		"/api/v3/aggTrades":          {get: pub(4, getAggTrades)},
		"/api/v3/klines":             {get: pub(2, getKlines)},
		"/api/v3/uiKlines":           {get: pub(2, getKlines)},
		"/api/v3/avgPrice":           {get: pub(2, getAvgPrice)},
		"/api/v3/ticker/price":       {get: &route{weightFn: oneOrMany(2, 4), fn: getTickerPrice}},
		"/api/v3/ticker/bookTicker":  {get: &route{weightFn: oneOrMany(2, 4), fn: getBookTicker}},
		"/api/v3/ticker/24hr":        {get: &route{weightFn: oneOrMany(2, 80), fn: getTicker24h}},
		"/api/v3/account":            {get: signed(20, getAccount)},
		"/api/v3/account/commission": {get: signed(20, getCommission)},
		"/api/v3/rateLimit/order":    {get: signed(40, getOrderRateLimit)},
		"/api/v3/order": {
			post: trade(1, postOrder),
			get:  signed(4, getOrder),
			del:  trade(1, deleteOrder),
		},
		"/api/v3/order/test": {post: signed(1, postOrderTest)},
		"/api/v3/openOrders": {
			get: &route{sec: secSigned, weightFn: oneOrMany(6, 80), fn: getOpenOrders},
			del: trade(1, deleteOpenOrders),
		},
		"/api/v3/orderList/oco": {post: trade(1, postOCO)},
		"/api/v3/orderList": {
			get: signed(4, getOrderList),
			del: trade(1, deleteOrderList),
		},
		"/api/v3/openOrderList":            {get: signed(6, getOpenOrderLists)},
		"/api/v3/allOrderList":             {get: signed(20, getAllOrderLists)},
		"/api/v3/allOrders":                {get: signed(20, getAllOrders)},
		"/api/v3/myTrades":                 {get: &route{sec: secSigned, weightFn: myTradesWeight, fn: getMyTrades}},
		"/sapi/v1/account/apiRestrictions": {get: signed(1, getAPIRestrictions)},
		// simnet's own: credit or debit an account, as a deposit or a
		// withdrawal would (emits balanceUpdate).
		"/simnet/v1/balance": {post: signed(1, postBalanceAdjust)},
	}
	return r
}

func depthWeight(p *params) int {
	n, err := p.int64Param("limit", 100)
	switch {
	case err != nil || n <= 100:
		return 5
	case n <= 500:
		return 25
	case n <= 1000:
		return 50
	}
	return 250
}

func myTradesWeight(p *params) int {
	if p.has("orderId") {
		return 5
	}
	return 20
}
