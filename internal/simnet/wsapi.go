package simnet

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// userSub is one user-data subscription on a WebSocket API connection.
type userSub struct {
	w       *wsConn
	id      int
	seq     int64
	account string
}

// wsSession is a WebSocket API connection's state.
type wsSession struct {
	x         *Exchange
	w         *wsConn
	ip        string
	mu        sync.Mutex
	logon     *Key
	since     int64
	connected int64
	subs      map[int]*userSub
	nextSub   int
}

type wsRequest struct {
	ID     json.RawMessage            `json:"id"`
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
}

type wsError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	// Data carries retryAfter (epoch ms) on 429 and 418 replies.
	Data any `json:"data,omitempty"`
}

type wsResponse struct {
	ID         json.RawMessage `json:"id"`
	Status     int             `json:"status"`
	Result     any             `json:"result,omitempty"`
	Error      *wsError        `json:"error,omitempty"`
	RateLimits []wsRateLimit   `json:"rateLimits,omitempty"`
}

// wsRateLimit is one entry of a WebSocket API reply's rateLimits.
type wsRateLimit struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
	Count         int    `json:"count"`
}

// wsWeights are the WebSocket API methods' request weights (Binance's);
// the rest weigh 1. Order placement and cancels that succeed weigh 0.
var wsWeights = map[string]int{
	"session.logon": 2, "userDataStream.subscribe": 2, "userDataStream.subscribe.signature": 2,
	"order.status": 4, "openOrders.status": 6, "allOrders": 20, "myTrades": 20, "account.status": 20,
}

// serveWSAPI runs a /ws-api/v3 connection until it closes.
func (x *Exchange) serveWSAPI(conn *wsConn, ip string) {
	sess := &wsSession{x: x, w: conn, ip: ip, subs: map[int]*userSub{}, connected: x.cfg.Now().UnixMilli()}
	defer func() {
		x.mu.Lock()
		for _, s := range sess.subs {
			delete(x.userSubs[s.account], s)
		}
		x.mu.Unlock()
		conn.close(websocket.StatusNormalClosure, "")
	}()
	for {
		_, data, err := conn.c.Read(conn.ctx)
		if err != nil {
			return
		}
		resp := sess.handle(data)
		b, err := json.Marshal(resp)
		if err != nil {
			b, _ = json.Marshal(wsResponse{ID: resp.ID, Status: 500, Error: &wsError{Code: codeUnknown, Msg: "internal error"}})
		}
		conn.enqueue(b)
	}
}

// handle answers one request.
func (s *wsSession) handle(data []byte) (resp wsResponse) {
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return wsResponse{ID: json.RawMessage("null"), Status: 400, Error: &wsError{Code: -1102, Msg: "Invalid JSON request."}}
	}
	resp.ID = req.ID
	if len(req.ID) == 0 {
		resp.ID = json.RawMessage("null")
	}
	defer func() {
		if v := recover(); v != nil {
			s.x.cfg.Logf("simnet: panic in ws-api %s: %v", req.Method, v)
			resp.Status, resp.Result, resp.Error = 500, nil, &wsError{Code: codeUnknown, Msg: errInternal.Msg}
		}
	}()
	p, aerr := wsParams(req.Params)
	var out any
	if aerr == nil {
		out, aerr = s.dispatch(req.Method, p)
	}
	used, limited := s.weigh(req.Method, aerr, aerr != nil && aerr.Status == http.StatusTooManyRequests)
	resp.RateLimits = []wsRateLimit{{"REQUEST_WEIGHT", "MINUTE", 1, weightLimit, used}}
	if limited != nil {
		aerr = limited
	}
	if aerr != nil {
		resp.Status, resp.Error = aerr.Status, &wsError{Code: aerr.Code, Msg: aerr.Msg}
		if aerr.RetryAfter > 0 {
			resp.Error.Data = map[string]int64{"serverTime": s.x.cfg.Now().UnixMilli(), "retryAfter": s.x.cfg.Now().UnixMilli() + aerr.RetryAfter*1000}
		}
		return resp
	}
	resp.Status, resp.Result = 200, out
	return resp
}

// weigh adds a request's weight to its IP's minute (shared with REST, as
// on Binance) and returns the weight used; with limits on, a request past
// the limit is refused with 429 (-1003) and its retryAfter.
func (s *wsSession) weigh(method string, aerr *apiError, already bool) (int, *apiError) {
	x := s.x
	x.mu.Lock()
	defer x.mu.Unlock()
	nowMs := x.cfg.Now().UnixMilli()
	wt := x.weights[s.ip]
	if wt == nil {
		wt = &ipWeight{}
		x.weights[s.ip] = wt
	}
	if m := nowMs / 60_000; wt.minute != m {
		wt.minute, wt.used, wt.violations = m, 0, 0
	}
	w := wsWeights[method]
	if w == 0 {
		w = 1
	}
	if aerr == nil && (method == "order.place" || method == "order.cancel" || method == "openOrders.cancelAll") {
		w = 0
	}
	if x.cfg.Limits && !already && wt.used+w > weightLimit {
		e := errf(http.StatusTooManyRequests, codeTooManyRequests, "Too much request weight used; current limit is %d request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.", weightLimit)
		e.RetryAfter = 60 - (nowMs/1000)%60
		return wt.used, e
	}
	wt.used += w
	return wt.used, nil
}

// wsParams turns JSON params into parameters and the signed text: every
// parameter but signature, sorted by name, raw values joined as k=v&...
func wsParams(raw map[string]json.RawMessage) (*params, *apiError) {
	p := &params{vals: make(map[string]string, len(raw))}
	if len(raw) > maxParams {
		return nil, errf(http.StatusBadRequest, codeTooManyParams, "Too many parameters sent for this endpoint.")
	}
	names := make([]string, 0, len(raw))
	for k, v := range raw {
		var val string
		switch {
		case len(v) > 0 && v[0] == '"':
			if err := json.Unmarshal(v, &val); err != nil {
				return nil, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter '%s'.", k)
			}
		case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9') || v[0] == 't' || v[0] == 'f'):
			val = string(v)
		default:
			return nil, errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter '%s'.", k)
		}
		if k == "signature" {
			p.hasSig, p.signature = true, val
			continue
		}
		p.vals[k] = val
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p.vals[k])
	}
	p.payload = b.String()
	return p, nil
}

var errNotLoggedOn = errf(http.StatusUnauthorized, codeRejectedMBXKey, "Invalid API-key, IP, or permissions for action.")

// dispatch runs method with x.mu held.
func (s *wsSession) dispatch(method string, p *params) (any, *apiError) {
	x := s.x
	x.mu.Lock()
	var events []userEvent
	defer func() {
		events = x.takeEvents()
		x.mu.Unlock()
		x.publishUser(events)
	}()
	now := x.cfg.Now().Add(x.faults.skew())
	c := &call{x: x, p: p, now: now, nowMs: now.UnixMilli()}
	switch method {
	case "ping":
		return struct{}{}, nil
	case "time":
		return getTime(c)
	case "session.logon":
		if aerr := s.authenticate(c, true); aerr != nil {
			return nil, aerr
		}
		if c.key.Type != KeyEd25519 {
			return nil, errf(http.StatusBadRequest, -1002, "HMAC_SHA256 API key is not supported.")
		}
		s.mu.Lock()
		s.logon, s.since = c.key, c.nowMs
		s.mu.Unlock()
		return s.status(c.nowMs), nil
	case "session.status":
		return s.status(c.nowMs), nil
	case "session.logout":
		s.mu.Lock()
		s.logon = nil
		s.mu.Unlock()
		return s.status(c.nowMs), nil
	case "userDataStream.subscribe":
		s.mu.Lock()
		k := s.logon
		s.mu.Unlock()
		if k == nil {
			return nil, errNotLoggedOn
		}
		return s.subscribe(k)
	case "userDataStream.subscribe.signature":
		if aerr := s.authenticate(c, true); aerr != nil {
			return nil, aerr
		}
		return s.subscribe(c.key)
	case "userDataStream.unsubscribe":
		return s.unsubscribe(p)
	case "session.subscriptions":
		s.mu.Lock()
		defer s.mu.Unlock()
		ids := make([]int, 0, len(s.subs))
		for id := range s.subs {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		out := make([]map[string]int, len(ids))
		for i, id := range ids {
			out[i] = map[string]int{"subscriptionId": id}
		}
		return out, nil
	}
	handlers := map[string]func(*call) (any, *apiError){
		"order.place":          postOrder,
		"order.test":           postOrderTest,
		"order.status":         getOrder,
		"order.cancel":         deleteOrder,
		"openOrders.status":    getOpenOrders,
		"openOrders.cancelAll": deleteOpenOrders,
		"allOrders":            getAllOrders,
		"myTrades":             getMyTrades,
		"account.status":       getAccount,
	}
	fn, ok := handlers[method]
	if !ok {
		return nil, errf(http.StatusBadRequest, -1100, "Unknown method %q.", method)
	}
	if aerr := s.authenticate(c, false); aerr != nil {
		return nil, aerr
	}
	return fn(c)
}

// authenticate checks a request's apiKey and signature, or, when the
// request carries none and the session is logged on, uses the session's
// key. needSig demands a signed request.
func (s *wsSession) authenticate(c *call, needSig bool) *apiError {
	apiKey := c.p.get("apiKey")
	if apiKey == "" && !c.p.hasSig && !needSig {
		s.mu.Lock()
		k := s.logon
		s.mu.Unlock()
		if k == nil {
			return errNotLoggedOn
		}
		if ts := c.p.get("timestamp"); ts == "" {
			return errMandatory("timestamp")
		} else if e := checkTimestamp(ts, c.p.get("recvWindow"), c.now); e != nil {
			return e
		}
		c.key = k
		c.acct = c.x.accounts[k.APIKey]
		return nil
	}
	if apiKey == "" {
		return errMandatory("apiKey")
	}
	return c.authenticate(apiKey)
}

func (s *wsSession) status(nowMs int64) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var apiKey any
	var since any
	if s.logon != nil {
		apiKey, since = s.logon.APIKey, s.since
	}
	return map[string]any{"apiKey": apiKey, "authorizedSince": since, "connectedSince": s.connected,
		"returnRateLimits": false, "serverTime": nowMs, "userDataStream": len(s.subs) > 0}
}

// subscribe adds a user-data subscription for k's account (x.mu held).
func (s *wsSession) subscribe(k *Key) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		if sub.account == k.APIKey {
			return nil, errf(http.StatusBadRequest, -2035, "User Data Stream subscription already active.")
		}
	}
	if len(s.subs) >= 1000 {
		return nil, errf(http.StatusBadRequest, -1003, "Too many subscriptions.")
	}
	s.x.ensureAccount(k)
	sub := &userSub{w: s.w, id: s.nextSub, account: k.APIKey}
	s.x.subSeq++
	sub.seq = s.x.subSeq
	s.nextSub++
	s.subs[sub.id] = sub
	if s.x.userSubs[k.APIKey] == nil {
		s.x.userSubs[k.APIKey] = map[*userSub]struct{}{}
	}
	s.x.userSubs[k.APIKey][sub] = struct{}{}
	return map[string]int{"subscriptionId": sub.id}, nil
}

func (s *wsSession) unsubscribe(p *params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int
	if v := p.get("subscriptionId"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil || s.subs[id] == nil {
			return nil, errf(http.StatusBadRequest, -2036, "User Data Stream subscription not active.")
		}
		ids = []int{id}
	} else {
		for id := range s.subs {
			ids = append(ids, id)
		}
		sort.Ints(ids)
	}
	for _, id := range ids {
		sub := s.subs[id]
		delete(s.subs, id)
		delete(s.x.userSubs[sub.account], sub)
		b, _ := json.Marshal(map[string]any{"subscriptionId": id, "event": map[string]any{"e": "eventStreamTerminated", "E": s.x.cfg.Now().UnixMilli()}})
		s.w.enqueue(b)
	}
	return struct{}{}, nil
}

// publishUser sends account events to their subscriptions, in the order
// they happened: executionReport, then outboundAccountPosition.
func (x *Exchange) publishUser(events []userEvent) {
	for i := range events {
		ev := &events[i]
		body := userEventJSON(ev)
		for _, sub := range ev.subs {
			b, _ := json.Marshal(struct {
				SubscriptionID int             `json:"subscriptionId"`
				Event          json.RawMessage `json:"event"`
			}{sub.id, body})
			sub.w.enqueue(b)
		}
	}
}

// userEventJSON renders an event as Binance's executionReport or
// outboundAccountPosition.
func userEventJSON(ev *userEvent) []byte {
	if l := ev.List; l != nil {
		orders := make([]map[string]any, len(l.Orders))
		for i, o := range l.Orders {
			orders[i] = map[string]any{"s": o.Symbol, "i": o.OrderID, "c": o.ClientOrderID}
		}
		b, _ := json.Marshal(map[string]any{"e": "listStatus", "E": ev.Time, "s": l.Symbol, "g": l.OrderListID, "c": l.ContingencyType,
			"l": l.ListStatusType, "L": l.ListOrderStatus, "r": "NONE", "C": l.ListClientOrderID, "T": ev.Time, "O": orders})
		return b
	}
	if ev.Delta != nil {
		b, _ := json.Marshal(map[string]any{"e": "balanceUpdate", "E": ev.Time, "a": ev.Assets[0], "d": dec(*ev.Delta), "T": ev.Time})
		return b
	}
	if ev.Order == nil {
		b, _ := json.Marshal(map[string]any{"e": "outboundAccountPosition", "E": ev.Time, "u": ev.Time, "B": wsBalances(ev.balances)})
		return b
	}
	o := ev.Order
	lastQty, lastPrice, lastQuote, commission := "0.00000000", "0.00000000", "0.00000000", "0"
	var commissionAsset any
	tradeID, maker := int64(-1), false
	if f := ev.Fill; f != nil {
		lastQty, lastPrice, lastQuote, commission = dec(f.Qty), dec(f.Price), dec(f.Quote), dec(f.Commission)
		commissionAsset, tradeID, maker = f.CommissionAsset, f.TradeID, f.Maker
	}
	client, orig := o.ClientID, ""
	if ev.Exec == stCanceled {
		orig = o.ClientID
		if o.cancelID != "" {
			client = o.cancelID
		}
	}
	stop := "0.00000000"
	if o.StopPrice.IsPos() {
		stop = dec(o.StopPrice)
	}
	m := map[string]any{
		"e": "executionReport", "E": ev.Time, "s": o.Symbol, "c": client, "S": o.Side, "o": o.Type, "f": o.TIF,
		"q": dec(o.OrigQty), "p": dec(o.Price), "P": stop, "F": "0.00000000", "g": o.ListID, "C": orig,
		"x": ev.Exec, "X": o.Status, "r": "NONE", "i": o.ID, "l": lastQty, "z": dec(o.Exec), "L": lastPrice,
		"n": commission, "N": commissionAsset, "T": ev.Time, "t": tradeID, "I": ev.ExecID, "w": o.open() && o.Working >= 0,
		"m": maker, "M": false, "O": o.Time, "Z": dec(o.CumQuote), "Y": lastQuote, "Q": dec(o.OrigQuoteQty),
		"W": o.Working, "V": defaultSTP,
	}
	if o.ExpiryReason != "" {
		m["eR"] = o.ExpiryReason
	}
	if o.TrailingDelta > 0 {
		m["d"], m["D"] = o.TrailingDelta, o.TrailTime
	}
	b, _ := json.Marshal(m)
	return b
}

func wsBalances(l []balanceJSON) []map[string]string {
	out := make([]map[string]string, len(l))
	for i, b := range l {
		out[i] = map[string]string{"a": b.Asset, "f": b.Free, "l": b.Locked}
	}
	return out
}
