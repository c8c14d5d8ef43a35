package binance

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/thunes/thunes/internal/num"
)

// Every decoder of exchange input is fuzzed: none may panic, and whatever a
// decoder accepts must satisfy the invariants it promises.

func seed(f *testing.F, tb testing.TB, paths ...[]string) {
	for _, p := range paths {
		f.Add(vectorJSON(tb, p...))
	}
}

func FuzzDecodeBookTicker(f *testing.F) {
	f.Add([]byte(`{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`))
	f.Add([]byte(`{"e":"bookTicker","u":1,"E":2,"T":3,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"}`))
	f.Add([]byte(`{"u":1,"s":"BTC\u0055SDT","b":"1","B":"2","a":"3","A":"4"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, slow BookTicker
		errF := DecodeBookTicker(data, &fast)
		errS := decodeBookTickerSlow(data, &slow)
		if (errF == nil) != (errS == nil) {
			t.Fatalf("fast err %v, slow err %v", errF, errS)
		}
		if errF != nil {
			return
		}
		if fast != slow {
			t.Fatalf("fast %+v != slow %+v", fast, slow)
		}
		if fast.BidPrice.IsNeg() || fast.AskQty.IsNeg() || fast.Symbol == "" {
			t.Fatalf("accepted invalid ticker %+v", fast)
		}
	})
}

func FuzzDecodeRESTBookTicker(f *testing.F) {
	f.Add([]byte(`{"symbol":"LTCBTC","bidPrice":"4.00000000","bidQty":"431.00000000","askPrice":"4.00000200","askQty":"9.00000000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bt, err := DecodeRESTBookTicker(data)
		if err == nil && (bt.BidPrice.IsNeg() || bt.AskPrice.IsNeg()) {
			t.Fatalf("accepted %+v", bt)
		}
	})
}

func FuzzDecodeOrder(f *testing.F) {
	for _, k := range []string{"POST /api/v3/order ACK", "POST /api/v3/order RESULT", "POST /api/v3/order FULL",
		"DELETE /api/v3/order", "GET /api/v3/order", "MARKET order that ran out of liquidity (status EXPIRED)"} {
		seed(f, f, []string{"rest_responses", "spot", k})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeOrder(data)
		if err != nil {
			return
		}
		if r.OrderID < 0 || r.ExecutedQty.IsNeg() || r.OrigQty.IsPos() && r.OrigQty.Less(r.ExecutedQty) {
			t.Fatalf("accepted %+v", r)
		}
		for _, fl := range r.Fills {
			if !fl.Qty.IsPos() || !fl.Price.IsPos() {
				t.Fatalf("accepted fill %+v", fl)
			}
		}
	})
}

func FuzzDecodeOrders(f *testing.F) {
	seed(f, f, []string{"rest_responses", "spot", "GET /api/v3/openOrders"})
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := DecodeOrders(data)
		if err == nil {
			for _, r := range rs {
				if r == nil || r.Symbol == "" {
					t.Fatal("accepted an order without a symbol")
				}
			}
		}
	})
}

func FuzzDecodeCancelAll(f *testing.F) {
	seed(f, f, []string{"rest_responses", "spot", "DELETE /api/v3/openOrders"})
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := DecodeCancelAll(data)
		if err == nil {
			for _, r := range rs {
				if r == nil || r.ClientOrderID == "" {
					t.Fatal("accepted a report without a client order id")
				}
			}
		}
	})
}

func FuzzDecodeAccount(f *testing.F) {
	seed(f, f, []string{"rest_responses", "spot", "GET /api/v3/account"})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAccount(data)
		if err == nil {
			for _, b := range a.Balances {
				if b.Free.IsNeg() || b.Locked.IsNeg() || b.Asset == "" {
					t.Fatalf("accepted %+v", b)
				}
			}
		}
	})
}

func FuzzDecodeMyTrades(f *testing.F) {
	seed(f, f, []string{"rest_responses", "spot", "GET /api/v3/myTrades"})
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := DecodeMyTrades(data)
		if err == nil {
			for _, tr := range ts {
				if !tr.Qty.IsPos() || !tr.Price.IsPos() {
					t.Fatalf("accepted %+v", tr)
				}
			}
		}
	})
}

func FuzzDecodeKlines(f *testing.F) {
	seed(f, f, []string{"rest_responses", "spot", "GET /api/v3/klines"})
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := DecodeKlines(data)
		if err == nil {
			for i, k := range ks {
				if k.Validate() != nil || k.CloseTime <= k.Time || i > 0 && k.Time <= ks[i-1].Time {
					t.Fatalf("accepted %+v", k)
				}
			}
		}
	})
}

func FuzzDecodeDepth(f *testing.F) {
	seed(f, f, []string{"rest_responses", "spot", "GET /api/v3/depth"})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeDepth(data)
		if err == nil {
			for i := 1; i < len(d.Bids); i++ {
				if d.Bids[i].Price.Cmp(d.Bids[i-1].Price) >= 0 {
					t.Fatalf("accepted unordered bids %+v", d.Bids)
				}
			}
		}
	})
}

func FuzzDecodeAPIRestrictions(f *testing.F) {
	seed(f, f, []string{"rest_responses", "wallet", "GET /sapi/v1/account/apiRestrictions"})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeAPIRestrictions(data)
	})
}

func FuzzDecodeServerTime(f *testing.F) {
	f.Add([]byte(`{"serverTime":1499827319559}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := DecodeServerTime(data)
		if err == nil && (st < minTimeMs || st > maxTimeMs) {
			t.Fatalf("accepted %d", st)
		}
	})
}

func FuzzParseAPIError(f *testing.F) {
	f.Add(400, []byte(`{"code":-1121,"msg":"Invalid symbol."}`))
	f.Add(403, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, data []byte) {
		e := parseAPIError(status, data)
		if len(e.Msg) > 210 {
			t.Fatalf("message of %d bytes", len(e.Msg))
		}
		for _, r := range e.Msg {
			if r < ' ' {
				t.Fatalf("control character in %q", e.Msg)
			}
		}
	})
}

func FuzzSplitCombined(f *testing.F) {
	f.Add([]byte(`{"stream":"bnbusdt@bookTicker","data":{"u":1}}`))
	f.Add([]byte(`{"u":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = SplitCombined(data)
	})
}

func FuzzDecodeKlineEvent(f *testing.F) {
	f.Add([]byte(`{"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC","i":"1m","f":100,"L":200,"o":"0.0015","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := DecodeKlineEvent(data)
		if err == nil && (k.Validate() != nil || k.CloseTime <= k.Time) {
			t.Fatalf("accepted %+v", k)
		}
	})
}

func FuzzDecodeTradeEvent(f *testing.F) {
	f.Add([]byte(`{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := DecodeTradeEvent(data)
		if err == nil && (!tr.Price.IsPos() || !tr.Qty.IsPos()) {
			t.Fatalf("accepted %+v", tr)
		}
	})
}

func FuzzDecodeDepthUpdate(f *testing.F) {
	f.Add([]byte(`{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeDepthUpdate(data)
		if err == nil && d.LastID < d.FirstID {
			t.Fatalf("accepted %+v", d)
		}
	})
}

func FuzzDecodeUserEvent(f *testing.F) {
	for _, k := range []string{"executionReport", "outboundAccountPosition", "balanceUpdate", "listStatus", "eventStreamTerminated"} {
		seed(f, f, []string{"ws_events", "spot_user_data", k})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeUserEvent(data)
		if err != nil {
			return
		}
		if e := ev.Execution; e != nil {
			if e.ExecType == "TRADE" && (!e.LastQty.IsPos() || !e.LastPrice.IsPos() || e.TradeID < 0) {
				t.Fatalf("accepted a trade without a fill: %+v", e)
			}
			if e.Quantity.IsPos() && e.Quantity.Less(e.CumQty) {
				t.Fatalf("accepted an overfill: %+v", e)
			}
		}
	})
}

func FuzzDecodeExchangeInfo(f *testing.F) {
	f.Add([]byte(`{"timezone":"UTC","serverTime":1565246363776,"rateLimits":[],"exchangeFilters":[],"symbols":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeExchangeInfo(data)
	})
}

// FuzzSplitCombinedAgrees checks the fast envelope split against
// encoding/json whenever the data it returns is itself valid JSON.
func FuzzSplitCombinedAgrees(f *testing.F) {
	f.Add([]byte(`{"stream":"bnbusdt@bookTicker","data":{"u":1}}`))
	f.Add([]byte(`{"stream":"a","data":{"u":1},"x":2}`))
	f.Add([]byte(`{"stream":"a","data":[1,2]} `))
	f.Fuzz(func(t *testing.T, data []byte) {
		stream, d, err := SplitCombined(data)
		if err != nil || stream == "" || !json.Valid(d) {
			return
		}
		var j struct {
			Stream string          `json:"stream"`
			Data   json.RawMessage `json:"data"`
		}
		if json.Unmarshal(data, &j) != nil {
			t.Fatalf("split %q into %q / %q but the message is not valid JSON", data, stream, d)
		}
		if j.Stream != stream || !bytes.Equal(bytes.TrimSpace(j.Data), bytes.TrimSpace(d)) {
			t.Fatalf("split %q / %q, encoding/json %q / %q", stream, d, j.Stream, j.Data)
		}
	})
}

func FuzzDecodeExecutionReport(f *testing.F) {
	var seq []json.RawMessage
	if err := json.Unmarshal(vectorJSON(f, "ws_events", "spot_user_data", "executionReport_sequence_market_order_partially_filled_then_expired", "events"), &seq); err != nil {
		f.Fatal(err)
	}
	for _, m := range seq[:4] {
		f.Add([]byte(m))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := DecodeExecutionReport(data)
		if err != nil {
			return
		}
		if e.ClientOrderID == "" || e.OrderID < 0 || e.CumQty.Less(e.LastQty) || e.Commission.IsNeg() {
			t.Fatalf("accepted %+v", e)
		}
	})
}

func FuzzDecodeAccountPosition(f *testing.F) {
	seed(f, f, []string{"ws_events", "spot_user_data", "outboundAccountPosition", "event"})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeAccountPosition(data)
		if err == nil {
			for _, b := range p.Balances {
				if b.Free.IsNeg() || b.Locked.IsNeg() {
					t.Fatalf("accepted %+v", b)
				}
			}
		}
	})
}

func FuzzDecodeBalanceUpdate(f *testing.F) {
	seed(f, f, []string{"ws_events", "spot_user_data", "balanceUpdate", "event"})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeBalanceUpdate(data)
	})
}

// FuzzParseDecimal checks the fast decimal path against num.Parse: same
// value, same scale, same acceptance.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"25.35190000", "0", "0.0", "007.50", "-1", "1.", ".5", "123456789012345678", "1234567890123456789", "1e5", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err1 := parseDecimal(b)
		want, err2 := num.ParseBytes(b)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: fast err %v, num err %v", b, err1, err2)
		}
		if err1 == nil && (got != want || got.Scale() != want.Scale()) {
			t.Fatalf("%q: fast %s (scale %d), num %s (scale %d)", b, got, got.Scale(), want, want.Scale())
		}
	})
}
