package simnet

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseParams checks that any query string and body parse or give a
// Binance error, never a panic, and that the signed payload never carries
// the signature.
func FuzzParseParams(f *testing.F) {
	f.Add("symbol=BTCUSDT&side=BUY&timestamp=1&signature=abc", "quantity=1")
	f.Add("symbol=%EF%BC%91&x=", "signature=a&signature=b")
	f.Add("&&=&a=%zz", "")
	f.Add("a=1&a=2", "a=3")
	f.Fuzz(func(t *testing.T, query, body string) {
		p, aerr := parseParams(query, body)
		if aerr != nil {
			if aerr.Code >= 0 || aerr.Status != http.StatusBadRequest {
				t.Fatalf("error %+v is not a Binance 400", aerr)
			}
			return
		}
		for _, piece := range strings.Split(p.payload, "&") {
			if strings.HasPrefix(piece, "signature=") {
				t.Fatalf("payload %q keeps the signature", p.payload)
			}
		}
		if len(p.payload) > len(query)+len(body) {
			t.Fatalf("payload %q longer than the request", p.payload)
		}
		if !p.hasSig && p.payload != query+body {
			t.Fatalf("payload %q is not the unsigned request %q", p.payload, query+body)
		}
	})
}

// FuzzServe sends arbitrary requests, signed with a valid key so that they
// reach the handlers, and checks that every reply is JSON with a Binance
// error code or a success, never a 5xx.
func FuzzServe(f *testing.F) {
	clock := &testClock{t: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)}
	x, err := New(Config{Now: clock.Now})
	if err != nil {
		f.Fatal(err)
	}
	if err := x.AddAccount(Key{APIKey: testKey, Type: KeyHMAC, Secret: testSecret, Balances: map[string]string{"USDT": "100000", "BTC": "10"}}); err != nil {
		f.Fatal(err)
	}
	h := x.Handler()
	f.Add("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000", "", true)
	f.Add("POST", "/api/v3/order", "symbol=BTCUSDT&side=SELL&type=MARKET&quoteOrderQty=100", "", true)
	f.Add("DELETE", "/api/v3/order", "symbol=BTCUSDT", "orderId=1", true)
	f.Add("GET", "/api/v3/klines", "symbol=BTCUSDT&interval=1M&limit=99999&startTime=-5", "", false)
	f.Add("GET", "/api/v3/depth", "symbol=ETHUSDT&limit=0", "", false)
	f.Add("GET", "/api/v3/ticker/24hr", `symbols=["BTCUSDT"]`, "", false)
	f.Add("GET", "/api/v3/myTrades", "symbol=BTCUSDT&startTime=1&endTime=99999999999", "", true)
	f.Add("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=STOP_LOSS&quantity=0.001&stopPrice=99999", "", true)
	f.Add("POST", "/api/v3/orderList/oco", "symbol=BTCUSDT&side=SELL&quantity=0.01&aboveType=LIMIT_MAKER&abovePrice=70000&belowType=STOP_LOSS&belowStopPrice=60000", "", true)
	f.Add("DELETE", "/api/v3/openOrders", "symbol=BTCUSDT", "", true)
	f.Fuzz(func(t *testing.T, method, path, query, body string, signIt bool) {
		if signIt {
			query += "&timestamp=" + strconv.FormatInt(clock.Now().UnixMilli(), 10)
			query += "&signature=" + sign(testSecret, query+body)
		}
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", strings.NewReader(body))
		req.Method = method
		req.URL.Path = path
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-MBX-APIKEY", testKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !x.mu.TryLock() {
			t.Fatal("the exchange's lock is still held after the reply")
		}
		x.mu.Unlock()
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s [%s]: %d %s", method, path, query, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("reply is not JSON: %q", rec.Body)
		}
		if rec.Code >= 400 {
			var e apiError
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Code >= 0 || e.Msg == "" {
				t.Fatalf("error reply %q is not {code,msg}", rec.Body)
			}
		}
		if strings.Contains(rec.Body.String(), testSecret) {
			t.Fatal("the reply carries the secret")
		}
	})
}
