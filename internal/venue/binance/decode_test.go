package binance

import (
	"errors"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/order"
)

func spotREST(tb testing.TB, key string) []byte {
	return vectorJSON(tb, "rest_responses", "spot", key)
}

func TestDecodeOrderVectors(t *testing.T) {
	full, err := DecodeOrder(spotREST(t, "POST /api/v3/order FULL"))
	if err != nil {
		t.Fatal(err)
	}
	if full.Status != order.Filled || full.Side != order.Sell || full.Type != order.Market || len(full.Fills) != 5 ||
		full.Fills[1].Commission.String() != "19.995" || full.Fills[4].TradeID != 60 || full.ExecutedQty.String() != "10" {
		t.Fatalf("FULL: %+v", full)
	}
	ack, err := DecodeOrder(spotREST(t, "POST /api/v3/order ACK"))
	if err != nil || ack.Status != 0 || ack.OrderID == 0 {
		t.Fatalf("ACK: %+v %v", ack, err)
	}
	for _, k := range []string{"POST /api/v3/order RESULT", "DELETE /api/v3/order", "GET /api/v3/order",
		"MARKET order that ran out of liquidity (status EXPIRED)"} {
		if _, err := DecodeOrder(spotREST(t, k)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	exp, _ := DecodeOrder(spotREST(t, "MARKET order that ran out of liquidity (status EXPIRED)"))
	if exp.Status != order.Expired {
		t.Errorf("expired order status %s", exp.Status)
	}
	open, err := DecodeOrders(spotREST(t, "GET /api/v3/openOrders"))
	if err != nil || len(open) != 1 {
		t.Fatalf("openOrders: %v %v", open, err)
	}
	all, err := DecodeCancelAll(spotREST(t, "DELETE /api/v3/openOrders"))
	if err != nil || len(all) != 4 || all[2].OrderListID != 1929 || all[0].Status != order.Canceled {
		t.Fatalf("cancel all: %d reports, %v", len(all), err)
	}
}

func TestDecodeOtherRESTVectors(t *testing.T) {
	a, err := DecodeAccount(spotREST(t, "GET /api/v3/account"))
	if err != nil || !a.CanWithdraw || a.MakerRate.String() != "0.0015" || a.Balances[1].Asset != "LTC" {
		t.Fatalf("account %+v %v", a, err)
	}
	tr, err := DecodeMyTrades(spotREST(t, "GET /api/v3/myTrades"))
	if err != nil || len(tr) != 1 || tr[0].ID != 28457 || tr[0].QuoteQty.String() != "48.000012" || !tr[0].IsBuyer {
		t.Fatalf("myTrades %+v %v", tr, err)
	}
	k, err := DecodeKlines(spotREST(t, "GET /api/v3/klines"))
	if err != nil || len(k) != 1 || k[0].Trades != 308 || k[0].High.String() != "0.8" || k[0].CloseTime != 1499644799999 {
		t.Fatalf("klines %+v %v", k, err)
	}
	d, err := DecodeDepth(spotREST(t, "GET /api/v3/depth"))
	if err != nil || d.LastUpdateID != 1027024 || d.Bids[0].Qty.String() != "431" || d.Asks[0].Price.String() != "4.000002" {
		t.Fatalf("depth %+v %v", d, err)
	}
	st, err := DecodeServerTime(spotREST(t, "GET /api/v3/time"))
	if err != nil || st < minTimeMs {
		t.Fatalf("time %d %v", st, err)
	}
	r, err := DecodeAPIRestrictions(vectorJSON(t, "rest_responses", "wallet", "GET /sapi/v1/account/apiRestrictions"))
	if err != nil || r.EnableWithdrawals || r.IPRestrict || !r.EnableReading {
		t.Fatalf("apiRestrictions %+v %v", r, err)
	}
}

func TestDecodersRejectHostileInput(t *testing.T) {
	cases := []struct {
		name string
		dec  func([]byte) error
		in   string
		want string
	}{
		{"order negative qty", func(b []byte) error { _, err := DecodeOrder(b); return err },
			`{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"a","origQty":"-1","status":"NEW","side":"BUY","type":"LIMIT","timeInForce":"GTC"}`, "origQty -1 must not be negative"},
		{"order overfilled", func(b []byte) error { _, err := DecodeOrder(b); return err },
			`{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"a","origQty":"1","executedQty":"2","status":"FILLED","side":"BUY","type":"LIMIT","timeInForce":"GTC"}`, "exceeds origQty"},
		{"order unknown status", func(b []byte) error { _, err := DecodeOrder(b); return err },
			`{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"a","status":"WAT","side":"BUY","type":"LIMIT"}`, "unknown order status"},
		{"order no id", func(b []byte) error { _, err := DecodeOrder(b); return err },
			`{"symbol":"BTCUSDT","clientOrderId":"a"}`, "orderId is missing"},
		{"order float price", func(b []byte) error { _, err := DecodeOrder(b); return err },
			`{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"a","price":"1e400"}`, "invalid decimal"},
		{"fills beyond executed", func(b []byte) error { _, err := DecodeOrder(b); return err },
			`{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"a","origQty":"5","executedQty":"1","status":"FILLED","side":"BUY","type":"MARKET","fills":[{"price":"1","qty":"2","commission":"0","commissionAsset":"BNB","tradeId":1}]}`, "more than executedQty"},
		{"account dup asset", func(b []byte) error { _, err := DecodeAccount(b); return err },
			`{"balances":[{"asset":"BTC","free":"1","locked":"0"},{"asset":"BTC","free":"1","locked":"0"}]}`, "listed twice"},
		{"account no balances", func(b []byte) error { _, err := DecodeAccount(b); return err }, `{}`, "balances is missing"},
		{"klines short row", func(b []byte) error { _, err := DecodeKlines(b); return err }, `[[1499040000000,"1"]]`, "want at least 9"},
		{"klines high below low", func(b []byte) error { _, err := DecodeKlines(b); return err },
			`[[1499040000000,"1","0.5","2","1","1",1499040059999,"1",1]]`, "high 0.5 is below"},
		{"klines out of order", func(b []byte) error { _, err := DecodeKlines(b); return err },
			`[[1499040060000,"1","1","1","1","1",1499040119999,"1",1],[1499040000000,"1","1","1","1","1",1499040059999,"1",1]]`, "not after the previous"},
		{"depth crossed", func(b []byte) error { _, err := DecodeDepth(b); return err },
			`{"lastUpdateId":1,"bids":[["5","1"]],"asks":[["4","1"]]}`, "crossed"},
		{"depth unordered", func(b []byte) error { _, err := DecodeDepth(b); return err },
			`{"lastUpdateId":1,"bids":[["3","1"],["4","1"]],"asks":[]}`, "out of order"},
		{"restrictions missing flag", func(b []byte) error { _, err := DecodeAPIRestrictions(b); return err },
			`{"ipRestrict":true,"enableReading":true}`, "enableWithdrawals is missing"},
		{"time too early", func(b []byte) error { _, err := DecodeServerTime(b); return err }, `{"serverTime":5}`, "plausible"},
		{"not JSON", func(b []byte) error { _, err := DecodeOrder(b); return err }, `<html>`, "invalid JSON"},
		{"huge int", func(b []byte) error { _, err := DecodeOrder(b); return err },
			`{"symbol":"B","orderId":99999999999999999999,"clientOrderId":"a"}`, "bad response"},
	}
	for _, c := range cases {
		err := c.dec([]byte(c.in))
		if err == nil || !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrBadResponse mentioning %q", c.name, err, c.want)
		}
	}
}

func spotWS(tb testing.TB, key string) []byte {
	return vectorJSON(tb, "ws_events", "spot_market", key)
}

func TestDecodeStreamVectors(t *testing.T) {
	var bt BookTicker
	if err := DecodeBookTicker(spotWS(t, "<symbol>@bookTicker"), &bt); err != nil {
		t.Fatal(err)
	}
	if bt.UpdateID != 400900217 || bt.Symbol != "BNBUSDT" || bt.BidPrice.String() != "25.3519" || bt.AskQty.String() != "40.66" {
		t.Fatalf("bookTicker %+v", bt)
	}
	tr, err := DecodeTradeEvent(spotWS(t, "<symbol>@trade"))
	if err != nil || tr.TradeID != 12345 || tr.Qty.String() != "100" || !tr.BuyerIsMaker {
		t.Fatalf("trade %+v %v", tr, err)
	}
	d, err := DecodeDepthUpdate(spotWS(t, "<symbol>@depth (diff)"))
	if err != nil || d.FirstID != 157 || d.LastID != 160 || d.Asks[0].Qty.String() != "100" {
		t.Fatalf("depth %+v %v", d, err)
	}
	// The documentation's kline sample has low 0.0015 above open 0.0010: an
	// impossible candle, which the decoder must refuse.
	if _, err := DecodeKlineEvent(spotWS(t, "<symbol>@kline_<interval>")); err == nil || !strings.Contains(err.Error(), "low 0.0015 is above open") {
		t.Fatalf("doc kline sample: err = %v", err)
	}
	ok := strings.Replace(string(spotWS(t, "<symbol>@kline_<interval>")), `"o":"0.0010"`, `"o":"0.0015"`, 1)
	k, err := DecodeKlineEvent([]byte(ok))
	if err != nil || k.Interval.String() != "1m" || k.Closed || k.Trades != 100 {
		t.Fatalf("kline %+v %v", k, err)
	}
}

func TestDecodeUserDataVectors(t *testing.T) {
	ev, err := DecodeUserEvent(vectorJSON(t, "ws_events", "spot_user_data", "executionReport"))
	if err != nil || ev.Execution == nil {
		t.Fatalf("%+v %v", ev, err)
	}
	e := ev.Execution
	if e.ExecType != "NEW" || e.Status != order.New || e.OrderID != 4293153 || e.TradeID != -1 || e.Price.String() != "0.1026441" || e.CommissionAsset != "" {
		t.Fatalf("executionReport %+v", e)
	}
	ev, err = DecodeUserEvent(vectorJSON(t, "ws_events", "spot_user_data", "outboundAccountPosition"))
	if err != nil || ev.Position == nil || ev.Position.Balances[0].Free.String() != "10000" {
		t.Fatalf("%+v %v", ev, err)
	}
	ev, err = DecodeUserEvent(vectorJSON(t, "ws_events", "spot_user_data", "balanceUpdate"))
	if err != nil || ev.Balance == nil || ev.Balance.Delta.String() != "100" {
		t.Fatalf("%+v %v", ev, err)
	}
	ev, err = DecodeUserEvent(vectorJSON(t, "ws_events", "spot_user_data", "eventStreamTerminated"))
	if err != nil || !ev.Terminated {
		t.Fatalf("%+v %v", ev, err)
	}
	ev, err = DecodeUserEvent(vectorJSON(t, "ws_events", "spot_user_data", "listStatus"))
	if err != nil || ev.Other != "listStatus" {
		t.Fatalf("%+v %v", ev, err)
	}
	seq := vectors(t)["ws_events"].(map[string]any)["spot_user_data"].(map[string]any)["executionReport_sequence_market_order_partially_filled_then_expired"].(map[string]any)["events"].([]any)
	if len(seq) != 5 {
		t.Fatalf("sequence has %d events", len(seq))
	}
}

func TestExecutionReportCaseCollisions(t *testing.T) {
	// "I" (execution id) must not land in "i" (order id): encoding/json
	// matches keys case-insensitively unless both cases are fields.
	msg := `{"e":"executionReport","E":1,"s":"BTCUSDT","c":"x1","S":"BUY","o":"LIMIT","f":"GTC","q":"1","p":"1","x":"NEW","X":"NEW","i":5,"I":99,"t":-1,"T":1499405658657,"l":"0","z":"0","L":"0","n":"0","N":null}`
	e, err := DecodeExecutionReport([]byte(msg))
	if err != nil || e.OrderID != 5 {
		t.Fatalf("%+v %v", e, err)
	}
	bad := strings.Replace(msg, `"x":"NEW"`, `"x":"TRADE"`, 1)
	if _, err := DecodeExecutionReport([]byte(bad)); err == nil {
		t.Fatal("a TRADE without a fill accepted")
	}
	over := strings.Replace(msg, `"z":"0"`, `"z":"2"`, 1)
	if _, err := DecodeExecutionReport([]byte(over)); err == nil || !strings.Contains(err.Error(), "exceeds q") {
		t.Fatalf("overfill: %v", err)
	}
}

func TestBookTickerFastAndSlowAgree(t *testing.T) {
	cases := []string{
		`{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`,
		` { "u" : 1 , "s" : "BTCUSDT" , "b" : "1" , "B" : "2" , "a" : "3" , "A" : "4" } `,
		`{"e":"bookTicker","u":1,"E":1568014460893,"T":1568014460891,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"}`,
		`{"u":1,"s":"BTC\u0055SDT","b":"1","B":"2","a":"3","A":"4"}`, // escape: slow path
		`{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4","x":{"y":[1]}}`,
	}
	for _, c := range cases {
		var fast, slow BookTicker
		errF := DecodeBookTicker([]byte(c), &fast)
		errS := decodeBookTickerSlow([]byte(c), &slow)
		if errF != nil || errS != nil || fast != slow {
			t.Errorf("%s:\nfast %+v %v\nslow %+v %v", c, fast, errF, slow, errS)
		}
	}
	bad := []string{
		`{"u":1,"s":"BTCUSDT","b":"5","B":"2","a":"3","A":"4"}`, // crossed
		`{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3"}`,         // missing A
		`{"u":1,"s":"BTCUSDT","b":"1","B":"-2","a":"3","A":"4"}`,
		`{"u":1,"s":"","b":"1","B":"2","a":"3","A":"4"}`,
		`{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"} x`,
		`{"u":-1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"}`,
	}
	for _, c := range bad {
		var bt BookTicker
		if err := DecodeBookTicker([]byte(c), &bt); err == nil {
			t.Errorf("%s: accepted as %+v", c, bt)
		}
	}
}

func TestBookTickerDecodeDoesNotAllocate(t *testing.T) {
	msg := []byte(`{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`)
	var bt BookTicker
	allocs := testing.AllocsPerRun(100, func() {
		if err := DecodeBookTicker(msg, &bt); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per message", allocs)
	}
}

func TestSplitCombined(t *testing.T) {
	stream, data, err := SplitCombined([]byte(`{"stream":"bnbusdt@bookTicker","data":{"u":1,"s":"BNBUSDT","b":"1","B":"1","a":"2","A":"1"}}`))
	if err != nil || stream != "bnbusdt@bookTicker" || !strings.HasPrefix(string(data), `{"u":1`) {
		t.Fatalf("%q %q %v", stream, data, err)
	}
	raw := []byte(`{"u":1}`)
	if stream, data, err := SplitCombined(raw); err != nil || stream != "" || string(data) != string(raw) {
		t.Fatalf("raw: %q %q %v", stream, data, err)
	}
	stream, data, err = SplitCombined([]byte(`{"data":{"u":1},"stream":"x@bookTicker"}`))
	if err != nil || stream != "x@bookTicker" || string(data) != `{"u":1}` {
		t.Fatalf("reversed keys: %q %q %v", stream, data, err)
	}
	if _, _, err := SplitCombined([]byte(`{"stream":"x"}`)); err == nil {
		t.Fatal("envelope without data accepted")
	}
}

func TestUserEventEnvelopeKeyOrder(t *testing.T) {
	msg := `{"event":{"e":"balanceUpdate","E":1,"a":"BTC","d":"2","T":1573200697068},"subscriptionId":3}`
	ev, err := DecodeUserEvent([]byte(msg))
	if err != nil || ev.Balance == nil || ev.Balance.Delta.String() != "2" {
		t.Fatalf("%+v %v", ev, err)
	}
}
