package simnet

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// bestAsk returns the book's best ask price.
func (s *testServer) bestAsk(symbol string) num.Decimal {
	s.tb.Helper()
	r := s.do("GET", "/api/v3/ticker/bookTicker?symbol="+symbol, "", "")
	var t bookTickerJSON
	r.decode(s.tb, &t)
	return num.MustParse(t.AskPrice)
}

func TestSignedRequestErrors(t *testing.T) {
	s := newTestServer(t, Config{})
	now := strconv.FormatInt(s.clock.Now().UnixMilli(), 10)
	signedQ := func(q string) string { return q + "&signature=" + sign(testSecret, q) }
	ask := s.bestAsk("BTCUSDT")
	cases := []struct {
		name        string
		method, url string
		body        string
		key         string
		status      int
		code        int
	}{
		{"no api key", "GET", "/api/v3/account?" + signedQ("timestamp="+now), "", "", 401, -2014},
		{"unknown api key", "GET", "/api/v3/account?" + signedQ("timestamp="+now), "", "nosuchkey", 401, -2015},
		{"no signature", "GET", "/api/v3/account?timestamp=" + now, "", testKey, 400, -1102},
		{"no timestamp", "GET", "/api/v3/account?" + signedQ("recvWindow=5000"), "", testKey, 400, -1102},
		{"bad signature", "GET", "/api/v3/account?timestamp=" + now + "&signature=" + strings.Repeat("a", 64), "", testKey, 400, -1022},
		{"signature over other text", "GET", "/api/v3/account?timestamp=" + now + "&signature=" + sign(testSecret, "timestamp=1"), "", testKey, 400, -1022},
		{"stale timestamp", "GET", "/api/v3/account?" + signedQ("timestamp="+strconv.FormatInt(s.clock.Now().UnixMilli()-6000, 10)), "", testKey, 400, -1021},
		{"stale within a longer recvWindow", "GET", "/api/v3/account?" + signedQ("recvWindow=7000&timestamp="+strconv.FormatInt(s.clock.Now().UnixMilli()-6000, 10)), "", testKey, 200, 0},
		{"ahead by 1 s", "GET", "/api/v3/account?" + signedQ("timestamp="+strconv.FormatInt(s.clock.Now().UnixMilli()+1000, 10)), "", testKey, 400, -1021},
		{"before 2017", "GET", "/api/v3/account?" + signedQ("timestamp=1400000000000&recvWindow=60000"), "", testKey, 400, -1021},
		{"microsecond timestamp", "GET", "/api/v3/account?" + signedQ("timestamp="+strconv.FormatInt(s.clock.Now().UnixMicro(), 10)), "", testKey, 200, 0},
		{"recvWindow too large", "GET", "/api/v3/account?" + signedQ("recvWindow=60001&timestamp="+now), "", testKey, 400, -1131},
		{"recvWindow with 3 decimals", "GET", "/api/v3/account?" + signedQ("recvWindow=5000.125&timestamp="+now), "", testKey, 200, 0},
		{"recvWindow with 4 decimals", "GET", "/api/v3/account?" + signedQ("recvWindow=5000.1234&timestamp="+now), "", testKey, 400, -1100},
		{"timestamp not a number", "GET", "/api/v3/account?" + signedQ("timestamp=12x"), "", testKey, 400, -1100},
		{"duplicate parameter", "GET", "/api/v3/account?" + signedQ("timestamp="+now+"&timestamp="+now), "", testKey, 400, -1101},
		{"bad percent escape", "GET", "/api/v3/account?timestamp=%zz", "", testKey, 400, -1100},
		{"unknown symbol", "POST", "/api/v3/order?" + signedQ("symbol=NOPEUSDT&side=BUY&type=MARKET&quantity=1&timestamp="+now), "", testKey, 400, -1121},
		{"bad side", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=UP&type=MARKET&quantity=1&timestamp="+now), "", testKey, 400, -1117},
		{"bad type", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=FAST&quantity=1&timestamp="+now), "", testKey, 400, -1116},
		{"limit without timeInForce", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=60000&timestamp="+now), "", testKey, 400, -1102},
		{"bad timeInForce", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.001&price=60000&timestamp="+now), "", testKey, 400, -1115},
		{"price off the tick", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000.001&timestamp="+now), "", testKey, 400, -1013},
		{"price with 9 decimals", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000.000000001&timestamp="+now), "", testKey, 400, -1111},
		{"quantity off the step", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0010001&price=60000&timestamp="+now), "", testKey, 400, -1013},
		{"notional too small", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00001&price=60000&timestamp="+now), "", testKey, 400, -1013},
		{"negative quantity", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=-1&timestamp="+now), "", testKey, 400, -1100},
		{"insufficient balance", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=60000&timestamp="+now), "", testKey, 400, -2010},
		{"limit maker would take", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.001&price="+ask.String()+"&timestamp="+now), "", testKey, 400, -2010},
		{"query unknown order", "GET", "/api/v3/order?" + signedQ("symbol=BTCUSDT&orderId=999999&timestamp="+now), "", testKey, 400, -2013},
		{"query without ids", "GET", "/api/v3/order?" + signedQ("symbol=BTCUSDT&timestamp="+now), "", testKey, 400, -1102},
		{"cancel unknown order", "DELETE", "/api/v3/order?" + signedQ("symbol=BTCUSDT&orderId=999999&timestamp="+now), "", testKey, 400, -2011},
		{"cancel all with none open", "DELETE", "/api/v3/openOrders?" + signedQ("symbol=BTCUSDT&timestamp="+now), "", testKey, 400, -2011},
		{"bad client order id", "POST", "/api/v3/order?" + signedQ("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId=has%20space&timestamp="+now), "", testKey, 400, -1100},
		{"unknown endpoint", "GET", "/api/v3/nothing", "", "", 404, -1000},
		{"wrong method", "PUT", "/api/v3/time", "", "", 405, -1000},
		{"removed listen key", "POST", "/api/v3/userDataStream", "", testKey, 410, -1000},
		{"public missing symbol", "GET", "/api/v3/depth", "", "", 400, -1102},
		{"public bad symbol text", "GET", "/api/v3/depth?symbol=btc%20usdt", "", "", 400, -1100},
		{"bad interval", "GET", "/api/v3/klines?symbol=BTCUSDT&interval=7m", "", "", 400, -1120},
		{"bad symbols array", "GET", "/api/v3/ticker/price?symbols=[BTCUSDT", "", "", 400, -1100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(c.method, c.url, c.body, c.key)
			if r.status != c.status || (c.code != 0 && r.code() != c.code) {
				t.Fatalf("%s %s: %d %s; want %d code %d", c.method, c.url, r.status, r.body, c.status, c.code)
			}
			if r.status >= 500 {
				t.Fatal("server error")
			}
			if r.header.Get("X-MBX-USED-WEIGHT-1M") == "" && r.status != 404 && r.status != 405 && r.status != 410 {
				t.Error("no X-MBX-USED-WEIGHT-1M header")
			}
			if strings.Contains(string(r.body), testSecret) {
				t.Error("the reply carries the secret")
			}
		})
	}
}

func TestWeightAndOrderCountHeaders(t *testing.T) {
	s := newTestServer(t, Config{})
	r := s.do("GET", "/api/v3/exchangeInfo", "", "")
	if r.header.Get("X-MBX-USED-WEIGHT-1M") != "20" {
		t.Fatalf("weight after exchangeInfo = %q, want 20", r.header.Get("X-MBX-USED-WEIGHT-1M"))
	}
	r = s.do("GET", "/api/v3/depth?symbol=BTCUSDT&limit=1000", "", "")
	if r.header.Get("X-MBX-USED-WEIGHT-1M") != "70" {
		t.Fatalf("weight after depth limit=1000 = %q, want 70", r.header.Get("X-MBX-USED-WEIGHT-1M"))
	}
	r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001"))
	if r.status != 200 {
		t.Fatalf("order: %d %s", r.status, r.body)
	}
	if r.header.Get("X-MBX-USED-WEIGHT-1M") != "70" {
		t.Errorf("a successful order cost weight: %q", r.header.Get("X-MBX-USED-WEIGHT-1M"))
	}
	if r.header.Get("X-MBX-ORDER-COUNT-10S") != "1" || r.header.Get("X-MBX-ORDER-COUNT-1D") != "1" {
		t.Errorf("order counts %q %q, want 1 1", r.header.Get("X-MBX-ORDER-COUNT-10S"), r.header.Get("X-MBX-ORDER-COUNT-1D"))
	}
	r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "100"))
	if r.status != 400 || r.header.Get("X-MBX-USED-WEIGHT-1M") != "71" {
		t.Errorf("a failed order: %d, weight %q; want 400 and weight 71", r.status, r.header.Get("X-MBX-USED-WEIGHT-1M"))
	}
	if r.header.Get("X-MBX-ORDER-COUNT-10S") != "" {
		t.Error("a rejected order carries order counts")
	}
}

func TestRateLimitsAndBan(t *testing.T) {
	s := newTestServer(t, Config{Limits: true})
	for i := range 300 { // 300 × 20 = 6000, the limit
		if r := s.do("GET", "/api/v3/exchangeInfo", "", ""); r.status != 200 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
	}
	r := s.do("GET", "/api/v3/exchangeInfo", "", "")
	if r.status != 429 || r.code() != -1003 || r.header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %s Retry-After=%q", r.status, r.body, r.header.Get("Retry-After"))
	}
	for range banAfter {
		r = s.do("GET", "/api/v3/time", "", "")
	}
	if r.status != 418 || r.code() != -1003 || r.header.Get("Retry-After") != "120" {
		t.Fatalf("after repeated 429s: %d %s Retry-After=%q; want 418", r.status, r.body, r.header.Get("Retry-After"))
	}
	// The ban outlasts the minute.
	s.clock.Add(time.Minute)
	if r = s.do("GET", "/api/v3/time", "", ""); r.status != 418 {
		t.Fatalf("a minute later: %d, want still banned", r.status)
	}
	s.clock.Add(2 * time.Minute)
	if r = s.do("GET", "/api/v3/time", "", ""); r.status != 200 {
		t.Fatalf("after the ban: %d %s", r.status, r.body)
	}

	// ORDERS: 50 per 10 s per account.
	for i := range 50 {
		r := s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quoteOrderQty", "10"))
		if r.status != 200 {
			t.Fatalf("order %d: %d %s", i, r.status, r.body)
		}
	}
	r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quoteOrderQty", "10"))
	if r.status != 429 || r.code() != -1015 {
		t.Fatalf("51st order in 10 s: %d %s; want 429 -1015", r.status, r.body)
	}
	s.clock.Add(10 * time.Second)
	if r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quoteOrderQty", "10")); r.status != 200 {
		t.Fatalf("order in the next window: %d %s", r.status, r.body)
	}
}

func TestExchangeInfoRoundTrips(t *testing.T) {
	s := newTestServer(t, Config{})
	r := s.do("GET", "/api/v3/exchangeInfo", "", "")
	x, err := market.ParseExchangeInfo(r.body, market.Spot)
	if err != nil {
		t.Fatalf("served exchangeInfo does not parse: %v", err)
	}
	want, _ := market.DefaultSpot()
	if len(x.Instruments()) != len(want.Instruments()) || x.ServerTime != s.clock.Now().UnixMilli() {
		t.Fatalf("%d symbols, serverTime %d", len(x.Instruments()), x.ServerTime)
	}
	in, _ := x.Instrument("BTCUSDT")
	if !in.Filters.Price.TickSize.Equal(num.MustParse("0.01")) {
		t.Errorf("BTCUSDT tick %s", in.Filters.Price.TickSize)
	}
	r = s.do("GET", `/api/v3/exchangeInfo?symbols=["ETHUSDT","SOLUSDT"]`, "", "")
	x, err = market.ParseExchangeInfo(r.body, market.Spot)
	if err != nil || len(x.Instruments()) != 2 {
		t.Fatalf("symbols filter: %v %s", err, r.body)
	}
}

// TestRestingOrderFillsAsMarketMoves places a BUY at the best bid, moves
// the market until it fills as a maker, and checks the balances move by
// exactly the fill and the fee.
func TestRestingOrderFillsAsMarketMoves(t *testing.T) {
	s := newTestServer(t, Config{Seed: 3})
	r := s.do("GET", "/api/v3/ticker/bookTicker?symbol=BTCUSDT", "", "")
	var bt bookTickerJSON
	r.decode(t, &bt)
	r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC",
		"quantity", "0.01", "price", bt.BidPrice, "newOrderRespType", "RESULT"))
	var o orderJSON
	r.decode(t, &o)
	if r.status != 200 || o.Status != "NEW" || o.Fills != nil {
		t.Fatalf("place: %d %s", r.status, r.body)
	}
	price := num.MustParse(bt.BidPrice)
	cost := mustMul(price, num.MustParse("0.01"))
	free, locked := s.balance("USDT")
	if free != dec(mustSub(num.FromInt(10000), cost)) || locked != dec(cost) {
		t.Fatalf("after placing: free %s locked %s", free, locked)
	}
	for i := 0; i < 20000 && o.Status != "FILLED"; i++ {
		s.clock.Add(100 * time.Millisecond)
		s.x.Tick(s.clock.Now())
		if i%50 == 0 {
			r = s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(o.OrderID, 10)))
			r.decode(t, &o)
		}
	}
	r = s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(o.OrderID, 10)))
	r.decode(t, &o)
	if o.Status != "FILLED" || o.ExecutedQty != "0.01000000" {
		t.Fatalf("order never filled: %s", r.body)
	}
	r = s.signed("GET", "/api/v3/myTrades", vals("symbol", "BTCUSDT"))
	var trades []myTradeJSON
	r.decode(t, &trades)
	qty, quote, fee := num.Zero, num.Zero, num.Zero
	for _, tr := range trades {
		if !tr.IsMaker || !tr.IsBuyer || tr.Price != dec(price) || tr.CommissionAsset != "BTC" {
			t.Errorf("trade %+v: want a maker buy at %s paying BTC", tr, price)
		}
		qty = mustAdd(qty, num.MustParse(tr.Qty))
		quote = mustAdd(quote, num.MustParse(tr.QuoteQty))
		fee = mustAdd(fee, num.MustParse(tr.Commission))
	}
	if !qty.Equal(num.MustParse("0.01")) || !quote.Equal(cost) || !fee.Equal(num.MustParse("0.00001")) {
		t.Fatalf("trades sum to qty %s quote %s fee %s", qty, quote, fee)
	}
	free, locked = s.balance("USDT")
	if free != dec(mustSub(num.FromInt(10000), cost)) || locked != "0.00000000" {
		t.Errorf("USDT after the fill: free %s locked %s", free, locked)
	}
	free, _ = s.balance("BTC")
	if free != "1.00999000" {
		t.Errorf("BTC after the fill: %s, want 1.00999000", free)
	}
}

// TestParamsInFormBody sends an order and its cancel with the parameters
// in the form body (DELETE included) and a mixed query and body.
func TestParamsInFormBody(t *testing.T) {
	s := newTestServer(t, Config{})
	ts := strconv.FormatInt(s.clock.Now().UnixMilli(), 10)
	body := "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=20000&newClientOrderId=form-1&timestamp=" + ts
	r := s.do("POST", "/api/v3/order", body+"&signature="+sign(testSecret, body), testKey)
	if r.status != 200 {
		t.Fatalf("form order: %d %s", r.status, r.body)
	}
	q := "symbol=BTCUSDT"
	b := "origClientOrderId=form-1&timestamp=" + ts
	r = s.do("DELETE", "/api/v3/order?"+q, b+"&signature="+sign(testSecret, q+b), testKey)
	if r.status != 200 || !strings.Contains(string(r.body), `"status":"CANCELED"`) || !strings.Contains(string(r.body), `"origClientOrderId":"form-1"`) {
		t.Fatalf("form cancel: %d %s", r.status, r.body)
	}
	// The query string wins over the body.
	q = "symbol=BTCUSDT&origClientOrderId=form-1&timestamp=" + ts
	b = "symbol=ETHUSDT"
	r = s.do("GET", "/api/v3/order?"+q, "", testKey) // GET bodies are ignored
	if r.code() != -1102 {
		t.Fatalf("unsigned GET: %s", r.body)
	}
	r = s.do("POST", "/api/v3/order/test?"+q+"&side=BUY&type=MARKET&quantity=0.001", b+"&signature="+sign(testSecret, q+"&side=BUY&type=MARKET&quantity=0.001"+b), testKey)
	if r.status != 200 || string(r.body) != "{}" {
		t.Fatalf("order/test with a body duplicate: %d %s", r.status, r.body)
	}
}

func TestResponseTypes(t *testing.T) {
	s := newTestServer(t, Config{})
	for _, c := range []struct {
		params url.Values
		fields []string
		absent []string
	}{
		{vals("type", "MARKET", "quantity", "0.001"), []string{`"fills":[{`, `"status":"FILLED"`, `"workingTime":`}, nil},
		{vals("type", "MARKET", "quantity", "0.001", "newOrderRespType", "ACK"), []string{`"transactTime":`}, []string{`"status"`, `"fills"`}},
		{vals("type", "MARKET", "quantity", "0.001", "newOrderRespType", "RESULT"), []string{`"status":"FILLED"`, `"cummulativeQuoteQty"`}, []string{`"fills"`}},
		{vals("type", "LIMIT", "timeInForce", "GTC", "price", "20000", "quantity", "0.001"), []string{`"fills":[]`, `"status":"NEW"`}, nil},
		{vals("type", "STOP_LOSS_LIMIT", "timeInForce", "GTC", "price", "20000", "stopPrice", "20000", "quantity", "0.001"), []string{`"orderId"`}, []string{`"status"`}},
		{vals("type", "LIMIT", "timeInForce", "IOC", "price", "20000", "quantity", "0.001"), []string{`"status":"EXPIRED"`, `"expiryReason":"UNFILLED_IOC_QUANTITY_EXPIRED"`}, nil},
	} {
		p := c.params
		p.Set("symbol", "BTCUSDT")
		p.Set("side", "BUY")
		if p.Get("type") == "STOP_LOSS_LIMIT" {
			p.Set("side", "SELL")
		}
		r := s.signed("POST", "/api/v3/order", p)
		if r.status != 200 {
			t.Fatalf("%v: %d %s", p, r.status, r.body)
		}
		for _, f := range c.fields {
			if !strings.Contains(string(r.body), f) {
				t.Errorf("%v: %s lacks %s", p, r.body, f)
			}
		}
		for _, f := range c.absent {
			if strings.Contains(string(r.body), f) {
				t.Errorf("%v: %s has %s", p, r.body, f)
			}
		}
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cred, err := AddKey(dir, NewKey{Type: KeyHMAC, Balances: map[string]num.Decimal{"USDT": num.FromInt(500)}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	x, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	x.mu.Lock()
	res, aerr := x.place(cred.APIKey, &orderRequest{Symbol: "BTCUSDT", Side: "BUY", Type: "LIMIT", TIF: "GTC", Price: num.MustParse("30000"), Qty: num.MustParse("0.001")}, time.Now().UnixMilli())
	x.mu.Unlock()
	if aerr != nil {
		t.Fatal(aerr)
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	y, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	a := y.accounts[cred.APIKey]
	o := a.Orders[res.Order.ID]
	if o == nil || !o.open() || len(y.open["BTCUSDT"]) != 1 {
		t.Fatalf("order after restart: %+v", o)
	}
	if b := a.Balances["USDT"]; b.Free.String() != "470" || b.Locked.String() != "30" {
		t.Fatalf("balance after restart: %+v", b)
	}
	if y.nextOrderID != x.nextOrderID {
		t.Fatalf("order ids restart at %d, want %d", y.nextOrderID, x.nextOrderID)
	}
}

// TestKeysAddedWhileRunning adds a key file after the exchange started and
// uses it: an unknown key makes the server reread the keys (at most once a
// second).
func TestKeysAddedWhileRunning(t *testing.T) {
	dir := t.TempDir()
	s := newTestServer(t, Config{DataDir: dir})
	cred, err := AddKey(dir, NewKey{Type: KeyHMAC, Balances: map[string]num.Decimal{"USDT": num.FromInt(7)}}, s.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Add(2 * time.Second)
	q := "timestamp=" + strconv.FormatInt(s.clock.Now().UnixMilli(), 10)
	r := s.do("GET", "/api/v3/account?"+q+"&signature="+sign(cred.SecretKey, q), "", cred.APIKey)
	if r.status != 200 || !strings.Contains(string(r.body), `{"asset":"USDT","free":"7.00000000","locked":"0.00000000"}`) {
		t.Fatalf("new key: %d %s", r.status, r.body)
	}
	// The keys known before the reload still work.
	if r := s.signed("GET", "/api/v3/account", nil); r.status != 200 {
		t.Fatalf("earlier key after the reload: %d %s", r.status, r.body)
	}
	// A key file that does not parse is reported without its contents.
	if err := os.WriteFile(filepath.Join(dir, "keys", "bad.json"), []byte(`{"api_key":"x","secret_key":"hunter2"`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = New(Config{DataDir: dir})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad key file: %v", err)
	}
}
