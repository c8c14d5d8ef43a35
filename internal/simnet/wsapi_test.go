package simnet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type wsClient struct {
	t  *testing.T
	c  *websocket.Conn
	id int
	// events holds user-data events read while waiting for a response.
	events []map[string]any
}

func (w *wsClient) call(method string, params map[string]any) map[string]any {
	w.t.Helper()
	w.id++
	req, _ := json.Marshal(map[string]any{"id": w.id, "method": method, "params": params})
	if err := w.c.Write(context.Background(), websocket.MessageText, req); err != nil {
		w.t.Fatal(err)
	}
	for {
		var m map[string]any
		readJSON(w.t, w.c, &m)
		if ev, ok := m["event"].(map[string]any); ok {
			w.events = append(w.events, ev)
			continue
		}
		if m["id"] != float64(w.id) {
			w.t.Fatalf("response %v to request %d", m, w.id)
		}
		return m
	}
}

// event returns the next user-data event.
func (w *wsClient) event() map[string]any {
	w.t.Helper()
	if len(w.events) > 0 {
		ev := w.events[0]
		w.events = w.events[1:]
		return ev
	}
	var m map[string]any
	readJSON(w.t, w.c, &m)
	ev, ok := m["event"].(map[string]any)
	if !ok {
		w.t.Fatalf("not an event: %v", m)
	}
	return ev
}

// subscribeUserData opens a WebSocket API connection subscribed, with an
// HMAC signature, to the test account's user-data events.
func subscribeUserData(t *testing.T, s *testServer) *wsClient {
	t.Helper()
	w := &wsClient{t: t, c: dialWS(t, s, "/ws-api/v3")}
	sub := map[string]any{"apiKey": testKey, "timestamp": s.clock.Now().UnixMilli()}
	signWS(t, sub, func(p string) string { return sign(testSecret, p) })
	if r := w.call("userDataStream.subscribe.signature", sub); r["status"] != float64(200) {
		t.Fatalf("subscribe: %v", r)
	}
	return w
}

// signWS signs params the WebSocket API way: sorted, not percent-encoded.
func signWS(t *testing.T, params map[string]any, signFn func(string) string) {
	t.Helper()
	raw := map[string]json.RawMessage{}
	for k, v := range params {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	p, aerr := wsParams(raw)
	if aerr != nil {
		t.Fatal(aerr)
	}
	params["signature"] = signFn(p.payload)
}

func TestWSAPISignedPayloadMatchesVector(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Signatures.HMAC {
		if c.Name != "spot_wsapi_order_place_sorted_params" {
			continue
		}
		raw := map[string]json.RawMessage{
			"apiKey": json.RawMessage(strconv.Quote(c.APIKey)), "price": json.RawMessage(`"52000.00"`),
			"quantity": json.RawMessage(`"0.01000000"`), "recvWindow": json.RawMessage(`100`), "side": json.RawMessage(`"SELL"`),
			"symbol": json.RawMessage(`"BTCUSDT"`), "timeInForce": json.RawMessage(`"GTC"`), "timestamp": json.RawMessage(`1645423376532`),
			"type": json.RawMessage(`"LIMIT"`), "signature": json.RawMessage(strconv.Quote(c.Expected)),
		}
		p, aerr := wsParams(raw)
		if aerr != nil {
			t.Fatal(aerr)
		}
		if p.payload != c.Payload {
			t.Fatalf("payload\n%s\nwant\n%s", p.payload, c.Payload)
		}
		if !verifyHMAC([]byte(c.Secret), p.payload, p.signature) {
			t.Fatal("vector signature does not verify")
		}
		return
	}
	t.Fatal("vector spot_wsapi_order_place_sorted_params not found")
}

// TestWSAPIUserData logs on with an Ed25519 key, subscribes to user data,
// places and cancels orders over the WebSocket API and checks the events
// arrive in Binance's order with exact balances.
func TestWSAPIUserData(t *testing.T) {
	s := newTestServer(t, Config{})
	t.Cleanup(s.x.Close)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	const edKey = "EdUserDataKey0123456789"
	if err := s.x.AddAccount(Key{APIKey: edKey, Type: KeyEd25519, PublicKeyPEM: pemPublic(t, pub), Balances: map[string]string{"USDT": "1000"}}); err != nil {
		t.Fatal(err)
	}
	w := &wsClient{t: t, c: dialWS(t, s, "/ws-api/v3")}
	ts := s.clock.Now().UnixMilli()

	r := w.call("userDataStream.subscribe", nil)
	if r["status"] != float64(401) {
		t.Fatalf("subscribe before logon: %v", r)
	}
	logon := map[string]any{"apiKey": edKey, "timestamp": ts}
	signWS(t, logon, func(p string) string { return SignEd25519(priv, p) })
	if r = w.call("session.logon", logon); r["status"] != float64(200) {
		t.Fatalf("logon: %v", r)
	}
	bad := map[string]any{"apiKey": edKey, "timestamp": ts}
	signWS(t, bad, func(p string) string { return SignEd25519(priv, p+"x") })
	if r = w.call("session.logon", bad); r["status"] != float64(400) || r["error"].(map[string]any)["code"] != float64(-1022) {
		t.Fatalf("logon with a bad signature: %v", r)
	}
	r = w.call("userDataStream.subscribe", nil)
	if r["status"] != float64(200) || r["result"].(map[string]any)["subscriptionId"] != float64(0) {
		t.Fatalf("subscribe: %v", r)
	}

	r = w.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
		"quantity": "0.001", "price": "20000", "newClientOrderId": "ws-1", "timestamp": ts})
	if r["status"] != float64(200) || r["result"].(map[string]any)["status"] != "NEW" {
		t.Fatalf("order.place: %v", r)
	}
	ev := w.event()
	if ev["e"] != "executionReport" || ev["x"] != "NEW" || ev["c"] != "ws-1" || ev["q"] != "0.00100000" {
		t.Fatalf("first event %v", ev)
	}
	ev = w.event()
	if ev["e"] != "outboundAccountPosition" {
		t.Fatalf("second event %v", ev)
	}
	if b := ev["B"].([]any)[0].(map[string]any); b["a"] != "USDT" || b["f"] != "980.00000000" || b["l"] != "20.00000000" {
		t.Fatalf("balance after locking %v", b)
	}
	r = w.call("order.cancel", map[string]any{"symbol": "BTCUSDT", "origClientOrderId": "ws-1", "newClientOrderId": "ws-1-cancel", "timestamp": ts})
	if r["status"] != float64(200) {
		t.Fatalf("order.cancel: %v", r)
	}
	ev = w.event()
	if ev["x"] != "CANCELED" || ev["X"] != "CANCELED" || ev["C"] != "ws-1" || ev["c"] != "ws-1-cancel" {
		t.Fatalf("cancel event %v", ev)
	}
	if ev = w.event(); ev["B"].([]any)[0].(map[string]any)["f"] != "1000.00000000" {
		t.Fatalf("balance after cancel %v", ev)
	}

	// A market order: NEW, then per fill TRADE and the account position.
	r = w.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "100", "timestamp": ts})
	if r["status"] != float64(200) {
		t.Fatalf("market: %v", r)
	}
	fills := r["result"].(map[string]any)["fills"].([]any)
	if ev = w.event(); ev["x"] != "NEW" {
		t.Fatalf("market NEW %v", ev)
	}
	for i, f := range fills {
		ev = w.event()
		fm := f.(map[string]any)
		if ev["x"] != "TRADE" || ev["l"] != fm["qty"] || ev["L"] != fm["price"] || ev["n"] != fm["commission"] || ev["N"] != "BTC" || ev["t"] != fm["tradeId"] {
			t.Fatalf("fill %d event %v, fill %v", i, ev, fm)
		}
		if i == len(fills)-1 && ev["X"] != "FILLED" {
			t.Fatalf("last fill status %v", ev["X"])
		}
		if ev = w.event(); ev["e"] != "outboundAccountPosition" {
			t.Fatalf("after fill %d: %v", i, ev)
		}
	}

	// HMAC keys cannot log on but can subscribe with a signature.
	w2 := &wsClient{t: t, c: dialWS(t, s, "/ws-api/v3")}
	hl := map[string]any{"apiKey": testKey, "timestamp": ts}
	signWS(t, hl, func(p string) string { return sign(testSecret, p) })
	if r = w2.call("session.logon", hl); r["status"] != float64(400) {
		t.Fatalf("HMAC logon: %v", r)
	}
	if r = w2.call("userDataStream.subscribe.signature", hl); r["status"] != float64(200) {
		t.Fatalf("subscribe.signature: %v", r)
	}
	if r = w2.call("userDataStream.subscribe.signature", hl); r["status"] != float64(400) {
		t.Fatalf("second subscription for one account: %v", r)
	}
	// A signed order.place with the HMAC key, on a connection with no logon.
	op := map[string]any{"apiKey": testKey, "symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01", "timestamp": ts}
	signWS(t, op, func(p string) string { return sign(testSecret, p) })
	if r = w2.call("order.place", op); r["status"] != float64(200) {
		t.Fatalf("signed order.place: %v", r)
	}
	if ev = w2.event(); ev["x"] != "NEW" || ev["S"] != "SELL" {
		t.Fatalf("HMAC account event %v", ev)
	}
	if r = w2.call("userDataStream.unsubscribe", nil); r["status"] != float64(200) {
		t.Fatalf("unsubscribe: %v", r)
	}
	_ = time.Second
}

// TestBalanceUpdate credits and debits an account through simnet's own
// endpoint and checks the balanceUpdate and outboundAccountPosition events.
func TestBalanceUpdate(t *testing.T) {
	s := newTestServer(t, Config{})
	t.Cleanup(s.x.Close)
	w := subscribeUserData(t, s)
	if r := s.signed("POST", "/simnet/v1/balance", vals("asset", "ETH", "amount", "2.5")); r.status != 200 {
		t.Fatalf("deposit: %d %s", r.status, r.body)
	}
	ev := w.event()
	if ev["e"] != "balanceUpdate" || ev["a"] != "ETH" || ev["d"] != "2.50000000" {
		t.Fatalf("event %v", ev)
	}
	if ev = w.event(); ev["e"] != "outboundAccountPosition" || ev["B"].([]any)[0].(map[string]any)["f"] != "2.50000000" {
		t.Fatalf("event %v", ev)
	}
	if r := s.signed("POST", "/simnet/v1/balance", vals("asset", "ETH", "amount", "-3")); r.code() != -2010 {
		t.Fatalf("overdraw: %d %s", r.status, r.body)
	}
	if r := s.signed("POST", "/simnet/v1/balance", vals("asset", "ETH", "amount", "-1")); r.status != 200 {
		t.Fatalf("withdraw: %d %s", r.status, r.body)
	}
	if ev = w.event(); ev["e"] != "balanceUpdate" || ev["d"] != "-1.00000000" {
		t.Fatalf("event %v", ev)
	}
	if free, _ := s.balance("ETH"); free != "1.50000000" {
		t.Fatalf("ETH %s", free)
	}
}

// TestWSAPIRateLimits checks the rateLimits of WebSocket API replies, the
// weight shared with REST, and the 429 with retryAfter (epoch ms) once the
// minute's weight is spent.
func TestWSAPIRateLimits(t *testing.T) {
	s := newTestServer(t, Config{Limits: true})
	t.Cleanup(s.x.Close)
	w := &wsClient{t: t, c: dialWS(t, s, "/ws-api/v3")}
	count := func(r map[string]any) float64 {
		rl := r["rateLimits"].([]any)[0].(map[string]any)
		if rl["rateLimitType"] != "REQUEST_WEIGHT" || rl["limit"] != float64(6000) {
			t.Fatalf("rateLimits %v", rl)
		}
		return rl["count"].(float64)
	}
	r := w.call("ping", nil)
	if r["status"] != float64(200) || count(r) != 1 {
		t.Fatalf("ping: %v", r)
	}
	s.do("GET", "/api/v3/exchangeInfo", "", "") // 20, on the same IP
	if r = w.call("time", nil); count(r) != 22 {
		t.Fatalf("time after exchangeInfo: %v", r)
	}
	for range 299 { // the last refused: 22 + 298×20 = 5982
		s.do("GET", "/api/v3/exchangeInfo", "", "")
	}
	for i := range 18 {
		if r = w.call("ping", nil); r["status"] != float64(200) || count(r) != float64(5983+i) {
			t.Fatalf("ping %d: %v", i, r)
		}
	}
	r = w.call("ping", nil)
	e, _ := r["error"].(map[string]any)
	if r["status"] != float64(429) || e == nil || e["code"] != float64(-1003) {
		t.Fatalf("over the limit: %v", r)
	}
	data := e["data"].(map[string]any)
	if retry := int64(data["retryAfter"].(float64)); retry <= s.clock.Now().UnixMilli() {
		t.Fatalf("retryAfter %d is not a future epoch ms", retry)
	}
}
