package simnet

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// dec formats a decimal as Binance does: a string with 8 decimals.
func dec(d num.Decimal) string { return d.StringFixed(8) }

func getPing(*call) (any, *apiError) { return struct{}{}, nil }

func getTime(c *call) (any, *apiError) {
	return struct {
		ServerTime int64 `json:"serverTime"`
	}{c.nowMs}, nil
}

// getExchangeInfo serves the shipped exchangeInfo with the server time;
// symbol or symbols narrows the list.
func getExchangeInfo(c *call) (any, *apiError) {
	syms, aerr := c.symbolList(false)
	if aerr != nil {
		return nil, aerr
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(c.x.infoRest, &doc); err != nil {
		return nil, errInternal
	}
	if syms != nil {
		var all []json.RawMessage
		if err := json.Unmarshal(doc["symbols"], &all); err != nil {
			return nil, errInternal
		}
		var keep []json.RawMessage
		want := map[string]bool{}
		for _, s := range syms {
			want[s] = true
		}
		for _, raw := range all {
			var s struct {
				Symbol string `json:"symbol"`
			}
			if json.Unmarshal(raw, &s) == nil && want[s.Symbol] {
				keep = append(keep, raw)
			}
		}
		b, _ := json.Marshal(keep)
		doc["symbols"] = b
	}
	doc["serverTime"] = json.RawMessage(strconv.FormatInt(c.nowMs, 10))
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, errInternal
	}
	c.rawJSON = out
	return nil, nil
}

// symbolList reads symbol or symbols (a JSON array); nil means all. With
// required, one of them must be sent.
func (c *call) symbolList(required bool) ([]string, *apiError) {
	if s := c.p.get("symbol"); s != "" {
		if c.p.has("symbols") {
			return nil, errf(http.StatusBadRequest, -1128, "Combination of optional parameters invalid.")
		}
		if c.x.books[s] == nil {
			return nil, errBadSymbol
		}
		return []string{s}, nil
	}
	if raw := c.p.get("symbols"); raw != "" {
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list) == 0 || len(list) > 100 {
			return nil, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.")
		}
		for _, s := range list {
			if c.x.books[s] == nil {
				return nil, errBadSymbol
			}
		}
		return list, nil
	}
	if required {
		return nil, errMandatory("symbol")
	}
	return nil, nil
}

// symbolBook reads the mandatory symbol parameter.
func (c *call) symbolBook() (*book, *apiError) {
	s, aerr := c.p.require("symbol")
	if aerr != nil {
		return nil, aerr
	}
	if !validSymbolText(s) {
		return nil, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.")
	}
	b := c.x.books[s]
	if b == nil {
		return nil, errBadSymbol
	}
	return b, nil
}

// limitParam reads limit with Binance's default and maximum.
func (c *call) limitParam(def, maxN int64) (int64, *apiError) {
	n, aerr := c.p.int64Param("limit", def)
	if aerr != nil {
		return 0, aerr
	}
	if n <= 0 {
		n = def
	}
	return min(n, maxN), nil
}

// symbolBookLimit reads the mandatory symbol and then limit, as symbolBook
// and limitParam do.
func (c *call) symbolBookLimit(def, maxN int64) (*book, int64, *apiError) {
	b, aerr := c.symbolBook()
	if aerr != nil {
		return nil, 0, aerr
	}
	n, aerr := c.limitParam(def, maxN)
	if aerr != nil {
		return nil, 0, aerr
	}
	return b, n, nil
}

// window keeps at most n elements of s: the first n when fromStart, else the
// last n.
func window[T any](s []T, n int, fromStart bool) []T {
	if len(s) <= n {
		return s
	}
	if fromStart {
		return s[:n]
	}
	return s[len(s)-n:]
}

func getDepth(c *call) (any, *apiError) {
	b, n, aerr := c.symbolBookLimit(100, 5000)
	if aerr != nil {
		return nil, aerr
	}
	return b.depthSnapshot(int(n)), nil
}

type depthJSON struct {
	LastUpdateID int64       `json:"lastUpdateId"`
	Bids         [][2]string `json:"bids"`
	Asks         [][2]string `json:"asks"`
}

// depthSnapshot returns up to n levels a side for GET /api/v3/depth. Its
// lastUpdateId falls within the [U, u] range of the next depth diff, with u
// strictly above it, so both forms of Binance's sync rule hold ("U ≤
// lastUpdateId ≤ u" and "U ≤ lastUpdateId+1 ≤ u"): changes not yet
// streamed are in the snapshot and again in that diff.
func (b *book) depthSnapshot(n int) depthJSON {
	d := b.depthLevels(n)
	d.LastUpdateID = b.updateID + int64(max(len(b.pendingBids)+len(b.pendingAsks), 1))
	b.snapFloor = max(b.snapFloor, d.LastUpdateID+1)
	return d
}

// depthLevels returns up to n levels a side, with the last streamed id.
func (b *book) depthLevels(n int) depthJSON {
	d := depthJSON{LastUpdateID: b.updateID, Bids: [][2]string{}, Asks: [][2]string{}}
	for i := 0; i < bookLevels && len(d.Bids) < n; i++ {
		if b.bids[i].IsPos() {
			p, _ := num.New(b.bidTicks(i)*b.tickCoef, b.tickScale)
			d.Bids = append(d.Bids, [2]string{dec(p), dec(b.bids[i])})
		}
	}
	for i := 0; i < bookLevels && len(d.Asks) < n; i++ {
		if b.asks[i].IsPos() {
			p, _ := num.New(b.askTicks(i)*b.tickCoef, b.tickScale)
			d.Asks = append(d.Asks, [2]string{dec(p), dec(b.asks[i])})
		}
	}
	return d
}

type tradeJSON struct {
	ID           int64  `json:"id"`
	Price        string `json:"price"`
	Qty          string `json:"qty"`
	QuoteQty     string `json:"quoteQty"`
	Time         int64  `json:"time"`
	IsBuyerMaker bool   `json:"isBuyerMaker"`
	IsBestMatch  bool   `json:"isBestMatch"`
}

func getTrades(c *call) (any, *apiError) {
	b, n, aerr := c.symbolBookLimit(500, 1000)
	if aerr != nil {
		return nil, aerr
	}
	tape := b.tape
	from, ok := c.p.vals["fromId"]
	if ok {
		id, err := strconv.ParseInt(from, 10, 64)
		if err != nil {
			return nil, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'fromId'; legal range is '^[0-9]{1,20}$'.")
		}
		i := 0
		for i < len(tape) && tape[i].ID < id {
			i++
		}
		tape = tape[i:]
	}
	tape = window(tape, int(n), ok)
	out := make([]tradeJSON, len(tape))
	for i, t := range tape {
		out[i] = tradeJSON{t.ID, dec(t.Price), dec(t.Qty), dec(t.Quote), t.Time, t.IsBuyerMaker, true}
	}
	return out, nil
}

type aggTradeJSON struct {
	A int64  `json:"a"`
	P string `json:"p"`
	Q string `json:"q"`
	F int64  `json:"f"`
	L int64  `json:"l"`
	T int64  `json:"T"`
	M bool   `json:"m"`
	B bool   `json:"M"`
}

func getAggTrades(c *call) (any, *apiError) {
	b, n, aerr := c.symbolBookLimit(500, 1000)
	if aerr != nil {
		return nil, aerr
	}
	tape := window(b.tape, int(n), false)
	out := make([]aggTradeJSON, len(tape))
	for i, t := range tape {
		out[i] = toAggTradeJSON(t)
	}
	return out, nil
}

// toAggTradeJSON shows a public trade as an aggregate trade of its own, as
// GET /api/v3/aggTrades and the aggTrade stream carry it.
func toAggTradeJSON(t pubTrade) aggTradeJSON {
	return aggTradeJSON{t.ID, dec(t.Price), dec(t.Qty), t.ID, t.ID, t.Time, t.IsBuyerMaker, true}
}

// getKlines serves klines of any interval from 1m upwards, aggregated from
// the one-minute candles.
func getKlines(c *call) (any, *apiError) {
	b, aerr := c.symbolBook()
	if aerr != nil {
		return nil, aerr
	}
	ivs, aerr := c.p.require("interval")
	if aerr != nil {
		return nil, aerr
	}
	iv, err := market.ParseInterval(ivs)
	if err != nil || iv == market.Second1 {
		return nil, errBadInterval
	}
	n, aerr := c.limitParam(500, 1000)
	if aerr != nil {
		return nil, aerr
	}
	start, end, aerr := c.p.timeRange()
	if aerr != nil {
		return nil, aerr
	}
	if start >= 0 && end >= 0 && start > end {
		return nil, errf(http.StatusBadRequest, -1127, "More than %d hours between startTime and endTime.", 0)
	}
	rows := b.klinesFor(iv, start, end, int(n), c.nowMs)
	return rows, nil
}

// klinesFor aggregates one-minute klines into iv candles opening in
// [start, end] (-1: unbounded), at most n of them: the first n from start
// when start is given, else the last n.
func (b *book) klinesFor(iv market.Interval, start, end int64, n int, nowMs int64) [][]any {
	agg := b.candles(iv, nowMs)
	lo, hi := 0, len(agg)
	for lo < hi && start >= 0 && agg[lo].Time < start {
		lo++
	}
	for hi > lo && end >= 0 && agg[hi-1].Time > end {
		hi--
	}
	agg = window(agg[lo:hi], n, start >= 0)
	rows := make([][]any, len(agg))
	for i, k := range agg {
		rows[i] = []any{k.Time, dec(k.Open), dec(k.High), dec(k.Low), dec(k.Close), dec(k.Volume),
			iv.Next(k.Time) - 1, dec(k.Quote), k.Trades, dec(k.TakerBase), dec(k.TakerQuote), "0"}
	}
	return rows
}

// candles aggregates the one-minute klines into iv candles, oldest first;
// the last one is the open candle.
func (b *book) candles(iv market.Interval, nowMs int64) []kline {
	b.klineAt(nowMs)
	if iv == market.Minute1 {
		return b.klines
	}
	var agg []kline
	for _, k := range b.klines {
		open := iv.Start(k.Time)
		if len(agg) > 0 && agg[len(agg)-1].Time == open {
			a := &agg[len(agg)-1]
			if k.Trades > 0 || k.Volume.IsPos() {
				if a.Trades == 0 && !a.Volume.IsPos() {
					a.Open, a.High, a.Low = k.Open, k.High, k.Low
					a.FirstID = k.FirstID
				}
				if k.High.Cmp(a.High) > 0 {
					a.High = k.High
				}
				if k.Low.Cmp(a.Low) < 0 {
					a.Low = k.Low
				}
				a.Close = k.Close
				a.LastID = k.LastID
			}
			a.Volume = mustAdd(a.Volume, k.Volume)
			a.Quote = mustAdd(a.Quote, k.Quote)
			a.TakerBase = mustAdd(a.TakerBase, k.TakerBase)
			a.TakerQuote = mustAdd(a.TakerQuote, k.TakerQuote)
			a.Trades += k.Trades
			continue
		}
		k.Time = open
		agg = append(agg, k)
	}
	return agg
}

func getAvgPrice(c *call) (any, *apiError) {
	b, aerr := c.symbolBook()
	if aerr != nil {
		return nil, aerr
	}
	return struct {
		Mins      int    `json:"mins"`
		Price     string `json:"price"`
		CloseTime int64  `json:"closeTime"`
	}{5, dec(b.avgPrice(c.nowMs)), b.lastTradeTime()}, nil
}

// lastTradeTime is the time of the last trade on the tape (0 when none).
func (b *book) lastTradeTime() int64 {
	if n := len(b.tape); n > 0 {
		return b.tape[n-1].Time
	}
	return b.klines[len(b.klines)-1].Time
}

// forSymbols serves one object for symbol, an array for symbols or for all.
func (c *call) forSymbols(one func(b *book) any) (any, *apiError) {
	list, aerr := c.symbolList(false)
	if aerr != nil {
		return nil, aerr
	}
	if s := c.p.get("symbol"); s != "" {
		return one(c.x.books[s]), nil
	}
	if list == nil {
		list = c.x.symbols
	}
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = one(c.x.books[s])
	}
	return out, nil
}

func getTickerPrice(c *call) (any, *apiError) {
	return c.forSymbols(func(b *book) any {
		return struct {
			Symbol string `json:"symbol"`
			Price  string `json:"price"`
		}{b.in.Symbol, dec(b.last)}
	})
}

type bookTickerJSON struct {
	Symbol   string `json:"symbol"`
	BidPrice string `json:"bidPrice"`
	BidQty   string `json:"bidQty"`
	AskPrice string `json:"askPrice"`
	AskQty   string `json:"askQty"`
}

// ticker returns the best bid and ask.
func (b *book) ticker() bookTickerJSON {
	t := bookTickerJSON{Symbol: b.in.Symbol, BidPrice: dec(num.Zero), BidQty: dec(num.Zero), AskPrice: dec(num.Zero), AskQty: dec(num.Zero)}
	bid, ask := b.best()
	if bid >= 0 {
		p, _ := num.New(b.bidTicks(bid)*b.tickCoef, b.tickScale)
		t.BidPrice, t.BidQty = dec(p), dec(b.bids[bid])
	}
	if ask >= 0 {
		p, _ := num.New(b.askTicks(ask)*b.tickCoef, b.tickScale)
		t.AskPrice, t.AskQty = dec(p), dec(b.asks[ask])
	}
	return t
}

func getBookTicker(c *call) (any, *apiError) {
	return c.forSymbols(func(b *book) any { return b.ticker() })
}

type ticker24hJSON struct {
	Symbol             string `json:"symbol"`
	PriceChange        string `json:"priceChange"`
	PriceChangePercent string `json:"priceChangePercent"`
	WeightedAvgPrice   string `json:"weightedAvgPrice"`
	PrevClosePrice     string `json:"prevClosePrice"`
	LastPrice          string `json:"lastPrice"`
	LastQty            string `json:"lastQty"`
	BidPrice           string `json:"bidPrice"`
	BidQty             string `json:"bidQty"`
	AskPrice           string `json:"askPrice"`
	AskQty             string `json:"askQty"`
	OpenPrice          string `json:"openPrice"`
	HighPrice          string `json:"highPrice"`
	LowPrice           string `json:"lowPrice"`
	Volume             string `json:"volume"`
	QuoteVolume        string `json:"quoteVolume"`
	OpenTime           int64  `json:"openTime"`
	CloseTime          int64  `json:"closeTime"`
	FirstID            int64  `json:"firstId"`
	LastID             int64  `json:"lastId"`
	Count              int64  `json:"count"`
}

// stats24h computes the rolling 24-hour statistics from the one-minute klines.
func (b *book) stats24h(nowMs int64) ticker24hJSON {
	from := nowMs - 24*60*minuteMs
	var open, high, low, vol, quote num.Decimal
	var first, last, count int64 = -1, -1, 0
	openTime := nowMs
	seen := false
	for _, k := range b.klines {
		if k.Time+minuteMs <= from {
			continue
		}
		if !seen {
			open, high, low, openTime = k.Open, k.High, k.Low, max(k.Time, from)
			seen = true
		}
		if k.High.Cmp(high) > 0 {
			high = k.High
		}
		if k.Low.Cmp(low) < 0 && k.Low.IsPos() {
			low = k.Low
		}
		vol = mustAdd(vol, k.Volume)
		quote = mustAdd(quote, k.Quote)
		if k.Trades > 0 {
			if first < 0 {
				first = k.FirstID
			}
			last = k.LastID
			count += k.Trades
		}
	}
	change := mustSub(b.last, open)
	pct := num.Zero
	if open.IsPos() {
		if p, err := mustMul(change, num.FromInt(100)).Div(open, 3); err == nil {
			pct = p
		}
	}
	wavg := b.last
	if vol.IsPos() {
		if p, err := quote.Div(vol, 8); err == nil {
			wavg = p
		}
	}
	lastQty := num.Zero
	if n := len(b.tape); n > 0 {
		lastQty = b.tape[n-1].Qty
	}
	t := b.ticker()
	return ticker24hJSON{
		Symbol: b.in.Symbol, PriceChange: dec(change), PriceChangePercent: pct.StringFixed(3), WeightedAvgPrice: dec(wavg),
		PrevClosePrice: dec(open), LastPrice: dec(b.last), LastQty: dec(lastQty), BidPrice: t.BidPrice, BidQty: t.BidQty,
		AskPrice: t.AskPrice, AskQty: t.AskQty, OpenPrice: dec(open), HighPrice: dec(high), LowPrice: dec(low),
		Volume: dec(vol), QuoteVolume: dec(quote), OpenTime: openTime, CloseTime: nowMs, FirstID: first, LastID: last, Count: count,
	}
}

func getTicker24h(c *call) (any, *apiError) {
	if t := c.p.get("type"); t != "" && t != "FULL" && t != "MINI" {
		return nil, errf(http.StatusBadRequest, codeInvalidParam, "Invalid data sent for a parameter.")
	}
	return c.forSymbols(func(b *book) any { return b.stats24h(c.nowMs) })
}
