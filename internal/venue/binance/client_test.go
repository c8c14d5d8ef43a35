package binance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

const accountJSON = `{"makerCommission":15,"takerCommission":15,"commissionRates":{"maker":"0.00150000","taker":"0.00150000","buyer":"0.00000000","seller":"0.00000000"},"canTrade":true,"canWithdraw":true,"canDeposit":true,"updateTime":123456789,"accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},{"asset":"LTC","free":"4763368.68006011","locked":"0.00000000"}],"permissions":["SPOT"],"uid":354937868}`

func TestSignedRequestAcceptedByServer(t *testing.T) {
	f := newFake(t)
	f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, accountJSON) })
	c := newTestClient(t, f, nil)
	a, err := c.Account(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Balances) != 2 || a.Balances[0].Free.String() != "4723846.89208129" {
		t.Fatalf("balances %+v", a.Balances)
	}
	p := f.lastParams("GET /api/v3/account")
	if _, ok := p.Get("signature"); !ok {
		t.Fatal("no signature sent")
	}
	// The signature must be the last parameter.
	if p.kv[len(p.kv)-2] != "signature" {
		t.Fatalf("signature is not last: %v", p.kv)
	}
}

func TestWrongKeyGetsTypedError(t *testing.T) {
	f := newFake(t)
	f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, accountJSON) })
	s, _ := NewHMACSigner(testAPIKey, "wrong-secret")
	c, err := NewClient(Config{BaseURL: f.srv.URL, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Account(testCtx(t))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != CodeInvalidSignature || ae.HTTPStatus != 400 {
		t.Fatalf("err = %v, want APIError -1022 HTTP 400", err)
	}
	if !strings.Contains(err.Error(), "Signature for this request is not valid.") {
		t.Fatalf("error lacks Binance's message: %v", err)
	}
	if f.count("GET /api/v3/account") != 1 {
		t.Fatalf("a rejected request was retried %d times", f.count("GET /api/v3/account"))
	}
	if strings.Contains(err.Error(), "signature=") {
		t.Fatalf("error shows the signed URL: %v", err)
	}
}

func TestAPIErrorDecoding(t *testing.T) {
	cases := []struct {
		status int
		body   string
		code   int
		msg    string
	}{
		{400, `{"code":-1121,"msg":"Invalid symbol."}`, -1121, "Invalid symbol."},
		{403, `<html><body>WAF</body></html>`, 0, "<html><body>WAF</body></html>"},
		{502, ``, 0, "(empty body)"},
		{400, `{"code":-1013,"msg":"Filter failure: LOT_SIZE\u0000\n"}`, -1013, "Filter failure: LOT_SIZE??"},
		{400, `{"code":-1000,"msg":"` + strings.Repeat("x", 500) + `"}`, -1000, strings.Repeat("x", 200) + "…"},
	}
	for _, c := range cases {
		e := parseAPIError(c.status, []byte(c.body))
		if e.HTTPStatus != c.status || e.Code != c.code || e.Msg != c.msg {
			t.Errorf("%d %q: got %+v", c.status, c.body, e)
		}
	}
}

func TestTimeSyncKeepsMinimumRTTSample(t *testing.T) {
	f := newFake(t)
	f.offset = 7 * time.Second
	var n atomic.Int32
	f.handle("GET /api/v3/time", func(w http.ResponseWriter, r *http.Request) {
		// The first samples read the server clock, then stall 150 ms before
		// answering: their midpoint estimate is off by ~75 ms. The last
		// sample is fast and accurate.
		st := f.serverNow().UnixMilli()
		if n.Add(1) < 4 {
			time.Sleep(150 * time.Millisecond)
		}
		fmt.Fprintf(w, `{"serverTime":%d}`, st)
	})
	c := newTestClient(t, f, func(cfg *Config) { cfg.TimeSamples = 4 })
	if err := c.SyncTime(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	off, rtt, ok := c.TimeOffset()
	// A slow sample has a round trip of at least 150 ms; the fast one's
	// midpoint estimate is off by at most half its round trip.
	if !ok || rtt >= 150*time.Millisecond {
		t.Fatalf("kept a sample with rtt %s (ok %v)", rtt, ok)
	}
	if d, tol := (off - 7*time.Second).Abs(), rtt/2+5*time.Millisecond; d > tol {
		t.Fatalf("offset %s, want 7s ± %s", off, tol)
	}
}

func TestResyncAndRetryOnTimestampError(t *testing.T) {
	f := newFake(t)
	f.offset = 30 * time.Second // the local clock is 30 s behind
	f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, accountJSON) })
	var alerts []Alert
	var mu sync.Mutex
	c := newTestClient(t, f, func(cfg *Config) {
		cfg.OnAlert = func(a Alert) { mu.Lock(); alerts = append(alerts, a); mu.Unlock() }
	})
	if _, err := c.Account(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := f.count("GET /api/v3/account"); got != 2 {
		t.Fatalf("account requests %d, want 2 (rejected -1021, then accepted)", got)
	}
	if f.count("GET /api/v3/time") == 0 {
		t.Fatal("no time sync after -1021")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(alerts) == 0 || alerts[0].Kind != AlertTimeSync {
		t.Fatalf("alerts %v, want a TIME_SYNC alert", alerts)
	}
}

func TestPreemptiveWeightThrottle(t *testing.T) {
	f := newFake(t)
	f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-MBX-USED-WEIGHT-1M", "5990")
		fmt.Fprint(w, accountJSON)
	})
	c := newTestClient(t, f, nil)
	if _, err := c.Account(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if u := c.Usage(); u.Weight != 5990 {
		t.Fatalf("usage %+v, want weight 5990 from the header", u)
	}
	// 5990 + 20 > 90% of 6000: the next request must wait for the minute to
	// end; with a short deadline it is refused without being sent.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	now := time.Now()
	if now.Add(time.Second).Truncate(time.Minute) != now.Truncate(time.Minute) {
		t.Skip("too close to a minute boundary")
	}
	_, err := c.Account(ctx)
	if !errors.Is(err, ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
	if got := f.count("GET /api/v3/account"); got != 1 {
		t.Fatalf("throttled request was sent (%d requests)", got)
	}
}

func TestOrderCountThrottle(t *testing.T) {
	l := &limiter{now: time.Now, lim: Limits{Orders10s: 10}.withDefaults()}
	h := http.Header{}
	h.Set("X-MBX-ORDER-COUNT-10S", "9")
	h.Set("X-MBX-ORDER-COUNT-1D", "100")
	l.update(200, h)
	wait, err := l.reserve(1, true)
	if err != nil || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("reserve = %s, %v; want a wait until the 10 s window ends", wait, err)
	}
	if wait, err := l.reserve(1, false); err != nil || wait != 0 {
		t.Fatalf("a non-order request waits %s, %v", wait, err)
	}
	h.Set("X-MBX-ORDER-COUNT-10S", "0")
	h.Set("X-MBX-ORDER-COUNT-1D", "159999")
	l.update(200, h)
	if _, err := l.reserve(1, true); !errors.Is(err, ErrThrottled) {
		t.Fatalf("daily limit: err = %v, want ErrThrottled", err)
	}
}

func TestRetryAfterBacksOff(t *testing.T) {
	for _, status := range []int{429, 418} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFake(t)
			f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "30")
				writeErr(w, status, -1003, "Too many requests.")
			})
			var alerts atomic.Int32
			c := newTestClient(t, f, func(cfg *Config) {
				cfg.OnAlert = func(a Alert) {
					if a.Kind == AlertRateLimit {
						alerts.Add(1)
					}
				}
			})
			_, err := c.Account(testCtx(t))
			var ae *APIError
			if !errors.As(err, &ae) || ae.HTTPStatus != status || ae.RetryAfter != 30*time.Second {
				t.Fatalf("err = %v, want HTTP %d with Retry-After 30s", err, status)
			}
			_, err = c.Account(testCtx(t))
			if !errors.Is(err, ErrBanned) {
				t.Fatalf("second call: err = %v, want ErrBanned", err)
			}
			if got := f.count("GET /api/v3/account"); got != 1 {
				t.Fatalf("%d requests sent during the ban, want 1", got)
			}
			if alerts.Load() != 1 {
				t.Fatalf("rate-limit alerts %d", alerts.Load())
			}
			if u := c.Usage(); time.Until(u.BannedUntil) < 20*time.Second {
				t.Fatalf("banned until %s", u.BannedUntil)
			}
		})
	}
}

func TestIdempotentRequestsRetried(t *testing.T) {
	f := newFake(t)
	var n atomic.Int32
	f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			writeErr(w, 502, 0, "bad gateway")
			return
		}
		fmt.Fprint(w, accountJSON)
	})
	c := newTestClient(t, f, nil)
	if _, err := c.Account(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := f.count("GET /api/v3/account"); got != 3 {
		t.Fatalf("requests %d, want 3", got)
	}
}

func TestBreakerOpensPerGroup(t *testing.T) {
	f := newFake(t)
	f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 500, 0, "down") })
	var alerts []string
	var mu sync.Mutex
	c := newTestClient(t, f, func(cfg *Config) {
		cfg.MaxRetries = -1
		cfg.BreakerFailures = 3
		cfg.BreakerOpenFor = time.Hour
		cfg.OnAlert = func(a Alert) {
			mu.Lock()
			alerts = append(alerts, a.Kind.String()+" "+a.Msg)
			mu.Unlock()
		}
	})
	for i := 0; i < 3; i++ {
		if _, err := c.Account(testCtx(t)); err == nil {
			t.Fatal("no error from a 500")
		}
	}
	_, err := c.Account(testCtx(t))
	if !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("err = %v, want ErrCircuitOpen", err)
	}
	if got := f.count("GET /api/v3/account"); got != 3 {
		t.Fatalf("%d requests reached the server, want 3", got)
	}
	if c.BreakerState(GroupAccount) != "open" || c.BreakerState(GroupMarket) != "closed" {
		t.Fatalf("states account=%s market=%s", c.BreakerState(GroupAccount), c.BreakerState(GroupMarket))
	}
	// Market data still flows.
	if _, err := c.ServerTime(testCtx(t)); err != nil {
		t.Fatalf("market group affected: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(alerts) != 1 || !strings.Contains(alerts[0], "account endpoints: circuit breaker closed -> open") {
		t.Fatalf("alerts %q", alerts)
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	s, _ := NewHMACSigner(testAPIKey, testSecret)
	c, err := NewClient(Config{BaseURL: "http://127.0.0.1:1", Signer: s, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ServerTime(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want connection refused", err)
	}
	// An order that cannot even connect was certainly not placed: that is a
	// plain error, not an unknown outcome.
	_, _, err = c.PlaceOrder(testCtx(t), limitBuy("u1"), RespFull)
	if err == nil || errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("err = %v, want a definite failure", err)
	}
	if strings.Contains(err.Error(), "signature") || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("error leaks request details: %v", err)
	}
	if _, err := NewClient(Config{BaseURL: "ftp://x"}); err == nil {
		t.Fatal("bad base URL accepted")
	}
}

func limitBuy(id string) *order.Request {
	return &order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC,
		Quantity: num.MustParse("0.01"), Price: num.MustParse("50000"), ClientID: id}
}

const orderNewJSON = `{"symbol":"BTCUSDT","orderId":%d,"orderListId":-1,"clientOrderId":%q,"transactTime":1507725176595,"price":"50000.00","origQty":"0.01","executedQty":"0.00","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1507725176595,"selfTradePreventionMode":"NONE","fills":[]}`

func TestPlaceOrderSendsExactParameters(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		p, _ := parseQuery(r.URL.RawQuery)
		id, _ := p.Get("newClientOrderId")
		fmt.Fprintf(w, orderNewJSON, 7, id)
	})
	c := newTestClient(t, f, nil)
	rep, resolved, err := c.PlaceOrder(testCtx(t), limitBuy("abc-1"), RespFull)
	if err != nil || resolved || rep.OrderID != 7 || rep.Status != order.New {
		t.Fatalf("rep %+v resolved %v err %v", rep, resolved, err)
	}
	p := f.lastParams("POST /api/v3/order")
	want := "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000&newClientOrderId=abc-1&newOrderRespType=FULL&recvWindow=5000"
	if got := strings.Join(p.kv[:len(p.kv)-4], ","); !strings.HasPrefix(p.Encode(), want) {
		t.Fatalf("sent %s\nwant prefix %s", got, want)
	}
	// Without a client order id an unknown outcome could not be looked up.
	r := limitBuy("")
	if _, _, err := c.PlaceOrder(testCtx(t), r, RespFull); err == nil || !strings.Contains(err.Error(), "client order id") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownOutcomeResolvedByQuery(t *testing.T) {
	f := newFake(t)
	var placed sync.Map
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		p, _ := parseQuery(r.URL.RawQuery)
		id, _ := p.Get("newClientOrderId")
		placed.Store(id, true)
		time.Sleep(400 * time.Millisecond) // the order is placed, the answer is late
		fmt.Fprintf(w, orderNewJSON, 9, id)
	})
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		p, _ := parseQuery(r.URL.RawQuery)
		id, _ := p.Get("origClientOrderId")
		if _, ok := placed.Load(id); !ok {
			writeErr(w, 400, -2013, "Order does not exist.")
			return
		}
		fmt.Fprintf(w, orderNewJSON, 9, id)
	})
	var alerts atomic.Int32
	c := newTestClient(t, f, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
		cfg.OnAlert = func(a Alert) {
			if a.Kind == AlertUnknownOutcome {
				alerts.Add(1)
			}
		}
	})
	rep, resolved, err := c.PlaceOrder(testCtx(t), limitBuy("slow-1"), RespFull)
	if err != nil || !resolved || rep.OrderID != 9 {
		t.Fatalf("rep %+v resolved %v err %v", rep, resolved, err)
	}
	if got := f.count("POST /api/v3/order"); got != 1 {
		t.Fatalf("order sent %d times", got)
	}
	if alerts.Load() != 1 {
		t.Fatalf("unknown-outcome alerts %d", alerts.Load())
	}
}

func TestUnknownOutcomeProvedNotPlaced(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, 503, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
	})
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, 400, -2013, "Order does not exist.")
	})
	c := newTestClient(t, f, func(cfg *Config) { cfg.RecvWindow = 100 * time.Millisecond })
	start := time.Now()
	_, _, err := c.PlaceOrder(testCtx(t), limitBuy("gone-1"), RespFull)
	if !errors.Is(err, ErrNotPlaced) {
		t.Fatalf("err = %v, want ErrNotPlaced", err)
	}
	if d := time.Since(start); d < 1100*time.Millisecond {
		t.Fatalf("concluded after %s, before recvWindow + 1 s had passed", d)
	}
	if got := f.count("POST /api/v3/order"); got != 1 {
		t.Fatalf("order sent %d times", got)
	}
	if f.count("GET /api/v3/order") < 2 {
		t.Fatalf("queried %d times", f.count("GET /api/v3/order"))
	}
}

func TestUnknownOutcomeUnresolvedStaysUnknown(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 500, 0, "boom") })
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 500, 0, "boom") })
	c := newTestClient(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, _, err := c.PlaceOrder(ctx, limitBuy("dark-1"), RespFull)
	if !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("err = %v, want ErrUnknownOutcome", err)
	}
	if got := f.count("POST /api/v3/order"); got != 1 {
		t.Fatalf("order sent %d times", got)
	}
}

func TestDuplicateClientIDResolvedByQuery(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, 400, -2010, "Duplicate order sent.")
	})
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, orderNewJSON, 4, "dup-1")
	})
	c := newTestClient(t, f, nil)
	rep, resolved, err := c.PlaceOrder(testCtx(t), limitBuy("dup-1"), RespFull)
	if err != nil || !resolved || rep.OrderID != 4 {
		t.Fatalf("rep %+v resolved %v err %v", rep, resolved, err)
	}
}

func TestRejectedOrderIsDefinite(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, 400, -2010, "Account has insufficient balance for requested action.")
	})
	c := newTestClient(t, f, nil)
	_, _, err := c.PlaceOrder(testCtx(t), limitBuy("poor-1"), RespFull)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != -2010 || errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("err = %v", err)
	}
	if f.count("GET /api/v3/order") != 0 || f.count("POST /api/v3/order") != 1 {
		t.Fatal("a definite rejection was queried or resent")
	}
}

func TestCancelUnknownOutcomeQueries(t *testing.T) {
	f := newFake(t)
	f.handle("DELETE /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 504, 0, "gateway timeout") })
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(fmt.Sprintf(orderNewJSON, 4, "c-1"), `"NEW"`, `"CANCELED"`, 1))
	})
	c := newTestClient(t, f, nil)
	rep, resolved, err := c.CancelOrder(testCtx(t), "BTCUSDT", "c-1")
	if err != nil || !resolved || rep.Status != order.Canceled {
		t.Fatalf("rep %+v resolved %v err %v", rep, resolved, err)
	}
	if f.count("DELETE /api/v3/order") != 1 {
		t.Fatal("cancel resent")
	}
}

func TestOrderParamsPerType(t *testing.T) {
	d := num.MustParse
	cases := []struct {
		req  order.Request
		want string
	}{
		{order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("0.001")},
			"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001"},
		{order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, QuoteOrderQty: d("25.5")},
			"symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=25.5"},
		{order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.Limit, TimeInForce: order.FOK, Quantity: d("1"), Price: d("60000.10")},
			"symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=FOK&quantity=1&price=60000.1"},
		{order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.LimitMaker, Quantity: d("1"), Price: d("60000")},
			"symbol=BTCUSDT&side=SELL&type=LIMIT_MAKER&quantity=1&price=60000"},
		{order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.StopLoss, Quantity: d("1"), StopPrice: d("50000")},
			"symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=1&stopPrice=50000"},
		{order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.StopLossLimit, TimeInForce: order.GTC, Quantity: d("1"), Price: d("49900"), StopPrice: d("50000")},
			"symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&timeInForce=GTC&quantity=1&price=49900&stopPrice=50000"},
		{order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.TakeProfit, Quantity: d("1"), StopPrice: d("70000")},
			"symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT&quantity=1&stopPrice=70000"},
		{order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.TakeProfitLimit, TimeInForce: order.IOC, Quantity: d("1"), Price: d("70100"), StopPrice: d("70000")},
			"symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT_LIMIT&timeInForce=IOC&quantity=1&price=70100&stopPrice=70000"},
	}
	for _, c := range cases {
		c.req.ClientID = "id-1"
		p, err := orderParams(&c.req, RespResult)
		if err != nil {
			t.Fatalf("%s: %v", c.req.Type, err)
		}
		if got, want := p.Encode(), c.want+"&newClientOrderId=id-1&newOrderRespType=RESULT"; got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.req.Type, got, want)
		}
	}
	bad := order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, Quantity: d("1"), ClientID: "x"}
	if _, err := orderParams(&bad, RespFull); err == nil || !strings.Contains(err.Error(), "price") {
		t.Fatalf("limit without price: %v", err)
	}
}

func TestAccountQueries(t *testing.T) {
	f := newFake(t)
	f.handle("DELETE /api/v3/openOrders", func(w http.ResponseWriter, r *http.Request) {
		w.Write(vectorJSON(t, "rest_responses", "spot", "DELETE /api/v3/openOrders"))
	})
	f.handle("GET /api/v3/openOrders", func(w http.ResponseWriter, r *http.Request) {
		w.Write(vectorJSON(t, "rest_responses", "spot", "GET /api/v3/openOrders"))
	})
	f.handle("GET /api/v3/myTrades", func(w http.ResponseWriter, r *http.Request) {
		w.Write(vectorJSON(t, "rest_responses", "spot", "GET /api/v3/myTrades"))
	})
	c := newTestClient(t, f, nil)
	ctx := testCtx(t)
	all, err := c.CancelAll(ctx, "BTCUSDT")
	if err != nil || len(all) != 4 {
		t.Fatalf("cancel all: %d %v", len(all), err)
	}
	if s, _ := f.lastParams("DELETE /api/v3/openOrders").Get("symbol"); s != "BTCUSDT" {
		t.Fatalf("cancel all sent symbol %q", s)
	}
	open, err := c.OpenOrders(ctx, "LTCBTC")
	if err != nil || len(open) != 1 || open[0].Symbol != "LTCBTC" {
		t.Fatalf("open orders: %v %v", open, err)
	}
	trades, err := c.MyTrades(ctx, "BNBBTC", 28000, 500)
	if err != nil || len(trades) != 1 {
		t.Fatalf("myTrades: %v %v", trades, err)
	}
	if from, _ := f.lastParams("GET /api/v3/myTrades").Get("fromId"); from != "28000" {
		t.Fatalf("fromId %q", from)
	}
	if _, err := c.MyTrades(ctx, "BNBBTC", -1, 5000); err == nil {
		t.Fatal("limit 5000 accepted")
	}
}

func TestGETRetriedAfterHTTPClientTimeout(t *testing.T) {
	f := newFake(t)
	var n atomic.Int32
	f.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}
		fmt.Fprint(w, accountJSON)
	})
	c := newTestClient(t, f, func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 500 * time.Millisecond} })
	if _, err := c.Account(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := f.count("GET /api/v3/account"); got != 2 {
		t.Fatalf("requests %d, want 2", got)
	}
	// The caller's own deadline is not retried.
	n.Store(0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Account(ctx); err == nil {
		t.Fatal("no error past the caller's deadline")
	}
	if got := f.count("GET /api/v3/account"); got != 3 {
		t.Fatalf("requests %d, want 3", got)
	}
}
