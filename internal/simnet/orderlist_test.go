package simnet

import (
	"strconv"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// ocoAround places a SELL OCO with its limit leg off ticks above and its stop
// off ticks below the last price.
func (s *testServer) ocoAround(qty string, offset string) reply {
	s.tb.Helper()
	var p struct {
		Price string `json:"price"`
	}
	s.do("GET", "/api/v3/ticker/price?symbol=BTCUSDT", "", "").decode(s.tb, &p)
	last := num.MustParse(p.Price)
	off := num.MustParse(offset)
	above, below := mustAdd(last, off), mustSub(last, off)
	return s.signed("POST", "/api/v3/orderList/oco", vals("symbol", "BTCUSDT", "side", "SELL", "quantity", qty,
		"aboveType", "LIMIT_MAKER", "abovePrice", above.String(),
		"belowType", "STOP_LOSS_LIMIT", "belowStopPrice", below.String(), "belowPrice", below.String(), "belowTimeInForce", "GTC",
		"listClientOrderId", "oco-"+offset))
}

func TestOCO(t *testing.T) {
	s := newTestServer(t, Config{Seed: 9})
	r := s.ocoAround("0.01", "5")
	if r.status != 200 {
		t.Fatalf("oco: %d %s", r.status, r.body)
	}
	var l listJSON
	r.decode(t, &l)
	if l.ContingencyType != "OCO" || l.ListOrderStatus != "EXECUTING" || len(l.Orders) != 2 || len(l.OrderReports) != 2 {
		t.Fatalf("oco reply %s", r.body)
	}
	if free, locked := s.balance("BTC"); free != "0.99000000" || locked != "0.01000000" {
		t.Fatalf("BTC after the OCO: free %s locked %s (one lock for both legs)", free, locked)
	}
	if r := s.signed("GET", "/api/v3/openOrders", vals("symbol", "BTCUSDT")); len(r.body) < 10 {
		t.Fatalf("open orders %s", r.body)
	}
	// Let the market move until one leg fires.
	var legs [2]orderJSON
	for i := 0; i < 50000; i++ {
		s.clock.Add(100 * time.Millisecond)
		s.x.Tick(s.clock.Now())
		s.x.mu.Lock()
		done := s.x.accounts[testKey].Lists[l.OrderListID].Status == "ALL_DONE"
		s.x.mu.Unlock()
		if done {
			break
		}
	}
	for i, o := range l.Orders {
		s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(o.OrderID, 10))).decode(t, &legs[i])
	}
	var fired, expired orderJSON
	switch {
	case legs[0].Status == "EXPIRED":
		expired, fired = legs[0], legs[1]
	case legs[1].Status == "EXPIRED":
		expired, fired = legs[1], legs[0]
	default:
		t.Fatalf("no leg expired: %+v", legs)
	}
	if expired.ExpiryReason != "OCO_TRIGGER" {
		t.Errorf("expired leg reason %q", expired.ExpiryReason)
	}
	for i := 0; i < 50000 && fired.Status != "FILLED"; i++ {
		s.clock.Add(100 * time.Millisecond)
		s.x.Tick(s.clock.Now())
		if i%20 == 0 {
			s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(fired.OrderID, 10))).decode(t, &fired)
		}
	}
	s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(fired.OrderID, 10))).decode(t, &fired)
	if fired.Status != "FILLED" {
		t.Fatalf("fired leg %+v", fired)
	}
	if free, locked := s.balance("BTC"); free != "0.99000000" || locked != "0.00000000" {
		t.Fatalf("BTC after the fill: free %s locked %s", free, locked)
	}
	var trades []myTradeJSON
	s.signed("GET", "/api/v3/myTrades", vals("symbol", "BTCUSDT")).decode(t, &trades)
	proceeds := num.FromInt(10000)
	for _, tr := range trades {
		if tr.OrderListID != l.OrderListID {
			t.Errorf("trade %+v not on list %d", tr, l.OrderListID)
		}
		proceeds = mustAdd(proceeds, mustSub(num.MustParse(tr.QuoteQty), num.MustParse(tr.Commission)))
	}
	if free, _ := s.balance("USDT"); free != dec(proceeds) {
		t.Fatalf("USDT %s, want %s", free, dec(proceeds))
	}
	var got listJSON
	s.signed("GET", "/api/v3/orderList", vals("orderListId", strconv.FormatInt(l.OrderListID, 10))).decode(t, &got)
	if got.ListOrderStatus != "ALL_DONE" {
		t.Fatalf("list after firing %+v", got)
	}
}

func TestOCOCancelAndRules(t *testing.T) {
	s := newTestServer(t, Config{})
	// Limit leg below the market: the price relationship is wrong.
	r := s.ocoAround("0.01", "-5")
	if r.status != 400 || r.code() != -2010 {
		t.Fatalf("inverted OCO: %d %s", r.status, r.body)
	}
	r = s.signed("POST", "/api/v3/orderList/oco", vals("symbol", "BTCUSDT", "side", "SELL", "quantity", "0.01",
		"aboveType", "LIMIT_MAKER", "abovePrice", "90000", "belowType", "LIMIT_MAKER", "belowPrice", "1000"))
	if r.code() != -1116 {
		t.Fatalf("LIMIT_MAKER below: %s", r.body)
	}
	if r = s.ocoAround("0.01", "50"); r.status != 200 {
		t.Fatalf("oco: %s", r.body)
	}
	var l listJSON
	r.decode(t, &l)
	r = s.signed("DELETE", "/api/v3/orderList", vals("symbol", "BTCUSDT", "listClientOrderId", "oco-50"))
	if r.status != 200 {
		t.Fatalf("cancel list: %s", r.body)
	}
	var c listJSON
	r.decode(t, &c)
	if c.ListOrderStatus != "ALL_DONE" || len(c.OrderReports) != 2 || c.OrderReports[0].Status != "CANCELED" || c.OrderReports[1].Status != "CANCELED" {
		t.Fatalf("cancel reply %s", r.body)
	}
	if free, locked := s.balance("BTC"); free != "1.00000000" || locked != "0.00000000" {
		t.Fatalf("BTC after cancel: %s %s", free, locked)
	}
	// Canceling one leg cancels the list.
	if r = s.ocoAround("0.01", "60"); r.status != 200 {
		t.Fatalf("oco: %s", r.body)
	}
	r.decode(t, &l)
	r = s.signed("DELETE", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(l.Orders[1].OrderID, 10)))
	if r.status != 200 {
		t.Fatalf("cancel leg: %s", r.body)
	}
	var other orderJSON
	s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(l.Orders[0].OrderID, 10))).decode(t, &other)
	if other.Status != "CANCELED" {
		t.Fatalf("other leg %+v", other)
	}
	if free, locked := s.balance("BTC"); free != "1.00000000" || locked != "0.00000000" {
		t.Fatalf("BTC after canceling a leg: %s %s", free, locked)
	}
	var open []listJSON
	s.signed("GET", "/api/v3/openOrderList", nil).decode(t, &open)
	if len(open) != 0 {
		t.Fatalf("open lists %+v", open)
	}
}

// eventKind names a user-data event by its type and, for execution reports
// and list statuses, their execution or list status: "executionReport NEW",
// "outboundAccountPosition ".
func eventKind(ev map[string]any) string {
	kind := ev["e"].(string) + " "
	switch ev["e"] {
	case "executionReport":
		kind += ev["x"].(string)
	case "listStatus":
		kind += ev["l"].(string)
	}
	return kind
}

// TestOCOListStatusEvents checks the user-data events of an OCO placed and
// canceled: two NEW execution reports, listStatus EXEC_STARTED, the locked
// balance; then two CANCELED reports and listStatus ALL_DONE.
func TestOCOListStatusEvents(t *testing.T) {
	s := newTestServer(t, Config{})
	t.Cleanup(s.x.Close)
	w := subscribeUserData(t, s)
	if r := s.ocoAround("0.01", "40"); r.status != 200 {
		t.Fatalf("oco: %s", r.body)
	}
	want := []string{"executionReport NEW", "executionReport NEW", "listStatus EXEC_STARTED", "outboundAccountPosition "}
	for _, wnt := range want {
		ev := w.event()
		if ev["e"] == "listStatus" && (ev["C"] != "oco-40" || len(ev["O"].([]any)) != 2) {
			t.Fatalf("listStatus %v", ev)
		}
		if got := eventKind(ev); got != wnt {
			t.Fatalf("event %q, want %q", got, wnt)
		}
	}
	if r := s.signed("DELETE", "/api/v3/orderList", vals("symbol", "BTCUSDT", "listClientOrderId", "oco-40")); r.status != 200 {
		t.Fatalf("cancel: %s", r.body)
	}
	for _, wnt := range []string{"executionReport CANCELED", "executionReport CANCELED", "outboundAccountPosition ", "listStatus ALL_DONE"} {
		if got := eventKind(w.event()); got != wnt {
			t.Fatalf("event %q, want %q", got, wnt)
		}
	}
}
