package simnet

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// Stream limits, from Binance's spot stream rules.
const (
	maxStreamsPerConn = 1024
	wsPingEvery       = 20 * time.Second
	wsSendBuffer      = 4096
	wsWriteTimeout    = 10 * time.Second
)

// marketUpdate is what one market step produced for a symbol.
type marketUpdate struct {
	Symbol     string
	Time       int64
	Trades     []pubTrade
	Diff       *depthDiff
	BookTicker bookTickerJSON
	UpdateID   int64
	Kline      kline
	Klines     map[string]kline // open candle per subscribed interval name
	// ClosedKlines holds, per interval, the candle that closed since the
	// last step; it is streamed once more with x=true.
	ClosedKlines map[string]kline
	Mini         ticker24hJSON
	Top          depthJSON // 20 levels a side, for the partial depth streams
}

// wsConn is one WebSocket connection's outgoing side: a queue drained by a
// single writer, with the stream faults applied on the way out.
type wsConn struct {
	x      *Exchange
	c      *websocket.Conn
	send   chan []byte
	done   chan struct{}
	once   sync.Once
	held   []byte // a message held back to be sent after the next one
	ctx    context.Context
	cancel context.CancelFunc
}

func (x *Exchange) newWSConn(c *websocket.Conn) *wsConn {
	ctx, cancel := context.WithCancel(context.Background())
	w := &wsConn{x: x, c: c, send: make(chan []byte, wsSendBuffer), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	go w.writeLoop()
	return w
}

// enqueue queues a message; a client too slow to keep up is disconnected,
// as Binance does.
func (w *wsConn) enqueue(msg []byte) {
	select {
	case <-w.done:
	case w.send <- msg:
	default:
		w.close(websocket.StatusPolicyViolation, "slow consumer")
	}
}

func (w *wsConn) close(code websocket.StatusCode, reason string) {
	w.once.Do(func() {
		close(w.done)
		w.cancel()
		go w.c.Close(code, reason)
	})
}

func (w *wsConn) writeLoop() {
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	f := w.x.faults
	for {
		select {
		case <-w.done:
			return
		case <-w.x.stop:
			w.close(websocket.StatusGoingAway, "server shutdown")
			return
		case <-ping.C:
			ctx, cancel := context.WithTimeout(w.ctx, time.Minute)
			go func() {
				defer cancel()
				if err := w.c.Ping(ctx); err != nil {
					w.close(websocket.StatusPolicyViolation, "pong timeout")
				}
			}()
		case msg := <-w.send:
			if f != nil {
				if f.chance(f.p.WSDisconnectRate) {
					w.close(websocket.StatusGoingAway, "simulated disconnect")
					return
				}
				if f.chance(f.p.WSDelayRate) {
					time.Sleep(time.Duration(f.p.WSDelayMs) * time.Millisecond)
				}
				if w.held == nil && f.chance(f.p.WSReorderRate) {
					w.held = msg
					continue
				}
			}
			if !w.write(msg) {
				return
			}
			if f != nil && f.chance(f.p.WSDuplicateRate) && !w.write(msg) {
				return
			}
			if w.held != nil {
				held := w.held
				w.held = nil
				if !w.write(held) {
					return
				}
			}
		}
	}
}

func (w *wsConn) write(msg []byte) bool {
	ctx, cancel := context.WithTimeout(w.ctx, wsWriteTimeout)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, msg); err != nil {
		w.close(websocket.StatusGoingAway, "write failed")
		return false
	}
	return true
}

// marketSub is a market-stream connection and its streams.
type marketSub struct {
	w        *wsConn
	mu       sync.Mutex
	combined bool // guarded by mu
	streams  map[string]bool
	// depth1s accumulates the 1000 ms diff streams per symbol.
	depth1s map[string]*depthAcc
}

type depthAcc struct {
	first, last, time int64
	bids, asks        map[string]string
	order             []string
	next              int64 // when to flush, Unix ms
}

// serveWS answers WebSocket upgrades on /ws, /ws/<streams>, /stream and
// /ws-api/v3; it reports false for anything else.
func (x *Exchange) serveWS(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	isStream := p == "/ws" || strings.HasPrefix(p, "/ws/") || p == "/stream"
	isAPI := p == "/ws-api/v3"
	if !isStream && !isAPI {
		return false
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		writeError(w, errf(http.StatusBadRequest, codeUnknown, "This endpoint takes WebSocket connections only."))
		return true
	}
	var streams []string
	if isStream {
		raw := strings.TrimPrefix(strings.TrimPrefix(p, "/ws"), "/")
		if p == "/stream" {
			raw = r.URL.Query().Get("streams")
		}
		// Names simnet does not serve are ignored, as Binance ignores them
		// (ccxt, for one, connects to /ws/0, /ws/1, ... and subscribes later).
		for _, s := range strings.Split(raw, "/") {
			if x.validStream(s) {
				streams = append(streams, s)
			}
		}
		if len(streams) > maxStreamsPerConn {
			writeError(w, errf(http.StatusBadRequest, codeUnknown, "Too many streams: at most %d.", maxStreamsPerConn))
			return true
		}
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return true
	}
	c.SetReadLimit(64 << 10)
	conn := x.newWSConn(c)
	if isAPI {
		x.serveWSAPI(conn, clientIP(r))
		return true
	}
	sub := &marketSub{w: conn, combined: p == "/stream", streams: map[string]bool{}, depth1s: map[string]*depthAcc{}}
	for _, s := range streams {
		sub.streams[s] = true
	}
	x.mu.Lock()
	x.marketSubs[sub] = struct{}{}
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		delete(x.marketSubs, sub)
		x.mu.Unlock()
		conn.close(websocket.StatusNormalClosure, "")
	}()
	for {
		_, data, err := c.Read(conn.ctx)
		if err != nil {
			return true
		}
		conn.enqueue(x.controlMessage(sub, data))
	}
}

// validStream reports whether name is a stream simnet serves.
func (x *Exchange) validStream(name string) bool {
	sym, kind, ok := strings.Cut(name, "@")
	if !ok || x.books[strings.ToUpper(sym)] == nil || sym != strings.ToLower(sym) {
		return false
	}
	switch kind {
	case "trade", "aggTrade", "bookTicker", "miniTicker", "ticker", "depth", "depth@100ms", "depth@1000ms",
		"depth5", "depth10", "depth20", "depth5@100ms", "depth10@100ms", "depth20@100ms", "depth5@1000ms", "depth10@1000ms", "depth20@1000ms":
		return true
	}
	if iv, ok := strings.CutPrefix(kind, "kline_"); ok {
		i, err := market.ParseInterval(iv)
		return err == nil && i != market.Second1
	}
	return false
}

// controlMessage answers SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS and the
// property methods.
func (x *Exchange) controlMessage(sub *marketSub, data []byte) []byte {
	var req struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		ID     json.RawMessage `json:"id"`
	}
	fail := func(code int, msg string, id json.RawMessage) []byte {
		if len(id) == 0 {
			id = json.RawMessage("null")
		}
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "msg": msg}, "id": id})
		return b
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return fail(3, "Invalid JSON: "+err.Error(), nil)
	}
	if len(req.ID) == 0 || string(req.ID) == "null" {
		return fail(2, "Invalid request: request ID must be an unsigned integer", req.ID)
	}
	reply := func(result any) []byte {
		b, _ := json.Marshal(map[string]any{"result": result, "id": req.ID})
		return b
	}
	switch req.Method {
	case "SUBSCRIBE", "UNSUBSCRIBE":
		var names []string
		if err := json.Unmarshal(req.Params, &names); err != nil {
			return fail(2, "Invalid request: params must be an array of stream names", req.ID)
		}
		for _, n := range names {
			if !x.validStream(n) {
				return fail(2, "Invalid request: unknown stream "+strconv.Quote(n), req.ID)
			}
		}
		sub.mu.Lock()
		defer sub.mu.Unlock()
		for _, n := range names {
			if req.Method == "SUBSCRIBE" {
				if len(sub.streams) >= maxStreamsPerConn {
					return fail(2, "Invalid request: too many streams", req.ID)
				}
				sub.streams[n] = true
			} else {
				delete(sub.streams, n)
			}
		}
		return reply(nil)
	case "LIST_SUBSCRIPTIONS":
		sub.mu.Lock()
		list := make([]string, 0, len(sub.streams))
		for n := range sub.streams {
			list = append(list, n)
		}
		sub.mu.Unlock()
		sortStrings(list)
		return reply(list)
	case "SET_PROPERTY", "GET_PROPERTY":
		// The one property is "combined": wrap payloads as /stream does.
		var args []json.RawMessage
		if err := json.Unmarshal(req.Params, &args); err != nil || len(args) == 0 || string(args[0]) != `"combined"` {
			return fail(2, "Invalid request: unknown property", req.ID)
		}
		sub.mu.Lock()
		defer sub.mu.Unlock()
		if req.Method == "GET_PROPERTY" {
			return reply(sub.combined)
		}
		var on bool
		if len(args) != 2 || json.Unmarshal(args[1], &on) != nil {
			return fail(2, "Invalid request: property 'combined' takes a boolean", req.ID)
		}
		sub.combined = on
		return reply(nil)
	}
	return fail(1, "Invalid request: unknown method", req.ID)
}

// klineIntervals returns the kline intervals some connection wants for
// symbol (lower-case), x.mu held.
func (x *Exchange) klineIntervals() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for sub := range x.marketSubs {
		sub.mu.Lock()
		for n := range sub.streams {
			sym, kind, _ := strings.Cut(n, "@")
			if iv, ok := strings.CutPrefix(kind, "kline_"); ok {
				if out[sym] == nil {
					out[sym] = map[string]bool{}
				}
				out[sym][iv] = true
			}
		}
		sub.mu.Unlock()
	}
	return out
}

// publishMarket sends one market step to every market-stream connection.
func (x *Exchange) publishMarket(updates []marketUpdate) {
	x.mu.Lock()
	subs := make([]*marketSub, 0, len(x.marketSubs))
	for s := range x.marketSubs {
		subs = append(subs, s)
	}
	x.mu.Unlock()
	if len(subs) == 0 {
		return
	}
	cache := map[string][][]byte{}
	for _, sub := range subs {
		sub.mu.Lock()
		names := make([]string, 0, len(sub.streams))
		for n := range sub.streams {
			names = append(names, n)
		}
		combined := sub.combined
		sub.mu.Unlock()
		sortStrings(names)
		for i := range updates {
			u := &updates[i]
			lower := strings.ToLower(u.Symbol)
			for _, n := range names {
				sym, kind, _ := strings.Cut(n, "@")
				if sym != lower {
					continue
				}
				var payloads [][]byte
				if kind == "depth" || kind == "depth@1000ms" {
					payloads = sub.depthPerSecond(lower, u)
				} else if p, ok := cache[n]; ok {
					payloads = p
				} else {
					payloads = streamPayloads(kind, u)
					cache[n] = payloads
				}
				for _, p := range payloads {
					if combined {
						b, _ := json.Marshal(struct {
							Stream string          `json:"stream"`
							Data   json.RawMessage `json:"data"`
						}{n, p})
						sub.w.enqueue(b)
					} else {
						sub.w.enqueue(p)
					}
				}
			}
		}
	}
}

// depthPerSecond accumulates the step's diff for a 1000 ms depth stream and
// returns the merged diff once a second has passed.
func (sub *marketSub) depthPerSecond(sym string, u *marketUpdate) [][]byte {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	acc := sub.depth1s[sym]
	if acc == nil {
		acc = &depthAcc{next: u.Time + 1000}
		sub.depth1s[sym] = acc
	}
	if u.Diff != nil {
		if acc.bids == nil {
			acc.first = u.Diff.First
			acc.bids, acc.asks = map[string]string{}, map[string]string{}
		}
		acc.last, acc.time = u.Diff.Last, u.Time
		for _, l := range u.Diff.Bids {
			acc.bids[dec(l[0])] = dec(l[1])
		}
		for _, l := range u.Diff.Asks {
			acc.asks[dec(l[0])] = dec(l[1])
		}
	}
	if u.Time < acc.next || acc.bids == nil {
		return nil
	}
	d := depthEvent(u.Symbol, acc.time, acc.first, acc.last, sortedPairs(acc.bids, true), sortedPairs(acc.asks, false))
	sub.depth1s[sym] = &depthAcc{next: u.Time + 1000}
	return [][]byte{d}
}

func sortedPairs(m map[string]string, desc bool) [][2]string {
	out := make([][2]string, 0, len(m))
	for p, q := range m {
		out = append(out, [2]string{p, q})
	}
	sortPairs(out, desc)
	return out
}

func depthEvent(symbol string, t, first, last int64, bids, asks [][2]string) []byte {
	b, _ := json.Marshal(struct {
		E  string      `json:"e"`
		T  int64       `json:"E"`
		S  string      `json:"s"`
		U1 int64       `json:"U"`
		U2 int64       `json:"u"`
		B  [][2]string `json:"b"`
		A  [][2]string `json:"a"`
	}{"depthUpdate", t, symbol, first, last, bids, asks})
	return b
}

func levels(l [][2]num.Decimal) [][2]string {
	out := make([][2]string, len(l))
	for i, v := range l {
		out[i] = [2]string{dec(v[0]), dec(v[1])}
	}
	return out
}

// streamPayloads builds the messages stream kind carries for one step.
func streamPayloads(kind string, u *marketUpdate) [][]byte {
	var out [][]byte
	add := func(v any) {
		b, _ := json.Marshal(v)
		out = append(out, b)
	}
	switch {
	case kind == "trade":
		for _, t := range u.Trades {
			add(struct {
				E  string `json:"e"`
				ET int64  `json:"E"`
				S  string `json:"s"`
				ID int64  `json:"t"`
				P  string `json:"p"`
				Q  string `json:"q"`
				T  int64  `json:"T"`
				M  bool   `json:"m"`
				B  bool   `json:"M"`
			}{"trade", u.Time, u.Symbol, t.ID, dec(t.Price), dec(t.Qty), t.Time, t.IsBuyerMaker, true})
		}
	case kind == "aggTrade":
		for _, t := range u.Trades {
			add(struct {
				E  string `json:"e"`
				ET int64  `json:"E"`
				S  string `json:"s"`
				aggTradeJSON
			}{"aggTrade", u.Time, u.Symbol, toAggTradeJSON(t)})
		}
	case kind == "bookTicker":
		t := u.BookTicker
		add(struct {
			U  int64  `json:"u"`
			S  string `json:"s"`
			B  string `json:"b"`
			BQ string `json:"B"`
			A  string `json:"a"`
			AQ string `json:"A"`
		}{u.UpdateID, u.Symbol, t.BidPrice, t.BidQty, t.AskPrice, t.AskQty})
	case kind == "miniTicker":
		m := u.Mini
		add(struct {
			E  string `json:"e"`
			ET int64  `json:"E"`
			S  string `json:"s"`
			C  string `json:"c"`
			O  string `json:"o"`
			H  string `json:"h"`
			L  string `json:"l"`
			V  string `json:"v"`
			Q  string `json:"q"`
		}{"24hrMiniTicker", u.Time, u.Symbol, m.LastPrice, m.OpenPrice, m.HighPrice, m.LowPrice, m.Volume, m.QuoteVolume})
	case kind == "ticker":
		m := u.Mini
		add(map[string]any{"e": "24hrTicker", "E": u.Time, "s": u.Symbol, "p": m.PriceChange, "P": m.PriceChangePercent,
			"w": m.WeightedAvgPrice, "x": m.PrevClosePrice, "c": m.LastPrice, "Q": m.LastQty, "b": m.BidPrice, "B": m.BidQty,
			"a": m.AskPrice, "A": m.AskQty, "o": m.OpenPrice, "h": m.HighPrice, "l": m.LowPrice, "v": m.Volume, "q": m.QuoteVolume,
			"O": m.OpenTime, "C": m.CloseTime, "F": m.FirstID, "L": m.LastID, "n": m.Count})
	case kind == "depth@100ms":
		if d := u.Diff; d != nil {
			out = append(out, depthEvent(u.Symbol, d.Time, d.First, d.Last, levels(d.Bids), levels(d.Asks)))
		}
	case strings.HasPrefix(kind, "depth"):
		n, _ := strconv.Atoi(strings.TrimPrefix(strings.Split(kind, "@")[0], "depth"))
		top := u.Top
		if len(top.Bids) > n {
			top.Bids = top.Bids[:n]
		}
		if len(top.Asks) > n {
			top.Asks = top.Asks[:n]
		}
		add(top)
	case strings.HasPrefix(kind, "kline_"):
		iv := strings.TrimPrefix(kind, "kline_")
		ivv, _ := market.ParseInterval(iv)
		candle := func(k kline, closed bool) {
			add(map[string]any{"e": "kline", "E": u.Time, "s": u.Symbol, "k": map[string]any{
				"t": k.Time, "T": ivv.Next(k.Time) - 1, "s": u.Symbol, "i": iv, "f": k.FirstID, "L": k.LastID,
				"o": dec(k.Open), "c": dec(k.Close), "h": dec(k.High), "l": dec(k.Low), "v": dec(k.Volume), "n": k.Trades,
				"x": closed, "q": dec(k.Quote), "V": dec(k.TakerBase), "Q": dec(k.TakerQuote), "B": "0"}})
		}
		if k, ok := u.ClosedKlines[iv]; ok {
			candle(k, true)
		}
		if k, ok := u.Klines[iv]; ok {
			candle(k, false)
		}
	}
	return out
}
