package binance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/venue"
)

// recorder is a venue.Sink that keeps every report.
type recorder struct {
	mu   sync.Mutex
	reps []venue.Report
}

func (r *recorder) sink(rep *venue.Report) {
	r.mu.Lock()
	r.reps = append(r.reps, *rep)
	r.mu.Unlock()
}

func (r *recorder) wait(tb testing.TB, n int) []venue.Report {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		got := append([]venue.Report(nil), r.reps...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			tb.Fatalf("got %d reports, want %d: %+v", len(got), n, got)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func kinds(reps []venue.Report) string {
	var b []string
	for _, r := range reps {
		if r.CancelRejected {
			b = append(b, "CANCEL_REJECTED")
			continue
		}
		b = append(b, r.Kind.String())
	}
	return strings.Join(b, ",")
}

// applyAll runs reports through the order state machine, as the engine does,
// and fails on any illegal transition or duplicate fill.
func applyAll(tb testing.TB, req order.Request, reps []venue.Report) *order.Order {
	tb.Helper()
	o := order.NewOrder(req, 0)
	for _, r := range reps {
		if r.CancelRejected {
			continue
		}
		ev := r.Event
		if err := o.Apply(&ev); err != nil {
			tb.Fatalf("report %+v: %v", r, err)
		}
	}
	return o
}

func newTestVenue(tb testing.TB, f *fakeBinance, mod func(*Config), vcfg VenueConfig) (*Venue, *recorder) {
	tb.Helper()
	c := newTestClient(tb, f, mod)
	rec := &recorder{}
	v, err := NewVenue(c, rec.sink, vcfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(v.Close)
	return v, rec
}

const fullFilledJSON = `{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":%q,"transactTime":1507725176595,"price":"0.00000000","origQty":"3.00000000","executedQty":"3.00000000","cummulativeQuoteQty":"11997.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL","fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},{"price":"3998.50000000","qty":"2.00000000","commission":"7.99700000","commissionAsset":"USDT","tradeId":57}]}`

func marketSell(id string) order.Request {
	return order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.Market, Quantity: num.MustParse("3"), ClientID: id}
}

func execReport(id, x, status string, tradeID int64, last, cum string) UserEvent {
	msg := fmt.Sprintf(`{"e":"executionReport","E":1,"s":"BTCUSDT","c":%q,"S":"SELL","o":"MARKET","f":"GTC","q":"3","p":"0","x":%q,"X":%q,"i":28,"l":%q,"z":%q,"L":"4000","n":"0","N":null,"T":1507725176595,"t":%d,"m":false}`,
		id, x, status, last, cum, tradeID)
	ev, err := DecodeUserEvent([]byte(msg))
	if err != nil {
		panic(err)
	}
	return ev
}

func TestVenueSubmitReportsFillsOnce(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		p, _ := parseQuery(r.URL.RawQuery)
		id, _ := p.Get("newClientOrderId")
		fmt.Fprintf(w, fullFilledJSON, id)
	})
	v, rec := newTestVenue(t, f, nil, VenueConfig{})
	req := marketSell("m-1")
	v.Submit(1, &req)
	reps := rec.wait(t, 3)
	if kinds(reps) != "ACK,TRADE,TRADE" || reps[2].Fill.TradeID != 57 || reps[2].Fill.Price.String() != "3998.5" || !reps[2].Final || reps[1].Final {
		t.Fatalf("reports %s %+v", kinds(reps), reps)
	}
	// The same fills arrive again from the user-data stream.
	v.HandleUserEvent(execReport("m-1", "NEW", "NEW", -1, "0", "0"))
	v.HandleUserEvent(execReport("m-1", "TRADE", "PARTIALLY_FILLED", 56, "1", "1"))
	v.HandleUserEvent(execReport("m-1", "TRADE", "FILLED", 57, "2", "3"))
	time.Sleep(50 * time.Millisecond)
	reps = rec.wait(t, 3)
	if len(reps) != 3 {
		t.Fatalf("duplicates reported: %s", kinds(reps))
	}
	o := applyAll(t, req, reps)
	if o.Status != order.Filled || o.FilledQty.String() != "3" {
		t.Fatalf("order %s filled %s", o.Status, o.FilledQty)
	}
}

func TestVenueExecutionReportSequence(t *testing.T) {
	f := newFake(t)
	v, rec := newTestVenue(t, f, nil, VenueConfig{})
	var seq []json.RawMessage
	if err := json.Unmarshal(vectorJSON(t, "ws_events", "spot_user_data", "executionReport_sequence_market_order_partially_filled_then_expired", "events"), &seq); err != nil {
		t.Fatal(err)
	}
	var evs []UserEvent
	for _, m := range seq {
		ev, err := DecodeUserEvent(m)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	// Out of order: the expiry comes before the second fill, then everything
	// is delivered again.
	for _, i := range []int{0, 1, 3, 2, 4, 0, 1, 2, 3} {
		v.HandleUserEvent(evs[i])
	}
	reps := rec.wait(t, 4)
	time.Sleep(30 * time.Millisecond)
	reps = rec.wait(t, 4)
	if kinds(reps) != "ACK,TRADE,TRADE,EXPIRE" || len(reps) != 4 {
		t.Fatalf("reports %s", kinds(reps))
	}
	req := order.Request{Symbol: "LTCBNB", Side: order.Buy, Type: order.Market, Quantity: num.MustParse("6"), ClientID: "8LGC97RRgNPVQk979VIhjt"}
	o := applyAll(t, req, reps)
	if o.Status != order.Expired || o.FilledQty.String() != "4" {
		t.Fatalf("order %s filled %s", o.Status, o.FilledQty)
	}
}

func TestVenueRejects(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, 400, -2010, "Account has insufficient balance for requested action.")
	})
	v, rec := newTestVenue(t, f, nil, VenueConfig{})
	req := marketSell("poor-1")
	v.Submit(1, &req)
	reps := rec.wait(t, 1)
	if reps[0].Kind != order.Reject || reps[0].Code != -2010 || reps[0].Reason != "Account has insufficient balance for requested action." {
		t.Fatalf("%+v", reps[0])
	}
	applyAll(t, req, reps)
}

func TestVenueNeverSendsAnOrderTwice(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 500, 0, "boom") })
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 500, 0, "boom") })
	var unknown atomic.Int32
	v, rec := newTestVenue(t, f, func(cfg *Config) {
		cfg.OnAlert = func(a Alert) {
			if a.Kind == AlertUnknownOutcome {
				unknown.Add(1)
			}
		}
	}, VenueConfig{ResolveTimeout: 300 * time.Millisecond})
	req := marketSell("once-1")
	v.Submit(1, &req)
	v.Submit(2, &req) // the engine (or a bug) sends the same id again
	reps := rec.wait(t, 1)
	if reps[0].Kind != order.Reject || !strings.Contains(reps[0].Reason, "already submitted") {
		t.Fatalf("%+v", reps[0])
	}
	// One alert when the outcome went unknown, one when it stayed so.
	waitFor(t, "two unknown-outcome alerts", func() bool { return unknown.Load() >= 2 })
	if got := f.count("POST /api/v3/order"); got != 1 {
		t.Fatalf("order sent %d times", got)
	}
	if reps := rec.wait(t, 1); len(reps) != 1 {
		t.Fatalf("an order of unknown outcome was reported: %s", kinds(reps))
	}
}

func TestVenueCancel(t *testing.T) {
	f := newFake(t)
	f.handle("DELETE /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		p, _ := parseQuery(r.URL.RawQuery)
		if id, _ := p.Get("origClientOrderId"); id == "gone" {
			writeErr(w, 400, -2011, "Unknown order sent.")
			return
		}
		fmt.Fprint(w, strings.Replace(fmt.Sprintf(orderNewJSON, 4, "c-1"), `"NEW"`, `"CANCELED"`, 1))
	})
	v, rec := newTestVenue(t, f, nil, VenueConfig{})
	v.Cancel(1, "BTCUSDT", "c-1")
	reps := rec.wait(t, 2)
	if kinds(reps) != "ACK,CANCEL" {
		t.Fatalf("reports %s", kinds(reps))
	}
	v.Cancel(2, "BTCUSDT", "gone")
	reps = rec.wait(t, 3)
	if !reps[2].CancelRejected || reps[2].Code != -2011 || reps[2].ClientID != "gone" {
		t.Fatalf("%+v", reps[2])
	}
}

func TestVenueRejectsAnOrderProvedNotPlaced(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 502, 0, "bad gateway") })
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeErr(w, 400, -2013, "Order does not exist.") })
	v, rec := newTestVenue(t, f, func(cfg *Config) { cfg.RecvWindow = 50 * time.Millisecond }, VenueConfig{})
	req := marketSell("np-1")
	v.Submit(1, &req)
	reps := rec.wait(t, 1)
	if reps[0].Kind != order.Reject || !strings.Contains(reps[0].Reason, "not placed") {
		t.Fatalf("%+v", reps[0])
	}
	if f.count("POST /api/v3/order") != 1 {
		t.Fatal("resent")
	}
	applyAll(t, req, reps)
}

func TestVenueResyncReportsMissedFills(t *testing.T) {
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"rs-1","transactTime":1507725176595}`)
	})
	f.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"rs-1","price":"0","origQty":"3","executedQty":"3","cummulativeQuoteQty":"12000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL","time":1507725176595,"updateTime":1507725176600}`)
	})
	f.handle("GET /api/v3/myTrades", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"symbol":"BTCUSDT","id":56,"orderId":28,"price":"4000","qty":"1","quoteQty":"4000","commission":"4","commissionAsset":"USDT","time":1507725176596,"isBuyer":false,"isMaker":false},
			{"symbol":"BTCUSDT","id":57,"orderId":28,"price":"4000","qty":"2","quoteQty":"8000","commission":"8","commissionAsset":"USDT","time":1507725176597,"isBuyer":false,"isMaker":false}]`)
	})
	v, rec := newTestVenue(t, f, nil, VenueConfig{RespType: RespACK})
	req := marketSell("rs-1")
	v.Submit(1, &req)
	rec.wait(t, 1)
	// The stream reported the first fill before it went down.
	v.HandleUserEvent(execReport("rs-1", "TRADE", "PARTIALLY_FILLED", 56, "1", "1"))
	if err := v.Resync(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := v.Resync(testCtx(t)); err != nil { // nothing left to do
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	reps := rec.wait(t, 3)
	if kinds(reps) != "ACK,TRADE,TRADE" || reps[2].Fill.TradeID != 57 || !reps[2].Final {
		t.Fatalf("reports %s %+v", kinds(reps), reps)
	}
	o := applyAll(t, req, reps)
	if o.Status != order.Filled {
		t.Fatalf("order %s", o.Status)
	}
	if f.count("GET /api/v3/order") != 1 {
		t.Fatalf("a finished order was queried again (%d)", f.count("GET /api/v3/order"))
	}
}

func TestVenueIgnoresCallsAfterClose(t *testing.T) {
	f := newFake(t)
	c := newTestClient(t, f, nil)
	rec := &recorder{}
	v, err := NewVenue(c, rec.sink, VenueConfig{OnAccount: func(*AccountPosition) {}})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	req := marketSell("late-1")
	v.Submit(1, &req)
	v.Cancel(1, "BTCUSDT", "late-1")
	v.HandleUserEvent(execReport("late-1", "NEW", "NEW", -1, "0", "0"))
	v.HandleUserEvent(UserEvent{Position: &AccountPosition{}})
	time.Sleep(20 * time.Millisecond)
	if f.count("POST /api/v3/order")+f.count("DELETE /api/v3/order") != 0 || len(rec.reps) != 0 {
		t.Fatal("a closed venue acted")
	}
}

func TestVenueCancelAllReportsEachOrder(t *testing.T) {
	f := newFake(t)
	f.handle("DELETE /api/v3/openOrders", func(w http.ResponseWriter, r *http.Request) {
		w.Write(vectorJSON(t, "rest_responses", "spot", "DELETE /api/v3/openOrders"))
	})
	v, rec := newTestVenue(t, f, nil, VenueConfig{})
	if err := v.CancelAll(testCtx(t), "BTCUSDT"); err != nil {
		t.Fatal(err)
	}
	reps := rec.wait(t, 8)
	var ids []string
	for _, r := range reps {
		if r.Kind == order.Cancel {
			ids = append(ids, r.ClientID)
		}
	}
	// Reports name the canceled orders (origClientOrderId), not the cancel
	// request's own id.
	if strings.Join(ids, ",") != "E6APeyTJvkMvLMYMqu1KQ4,A3EF2HCwxgZPFMrfwbgrhv,CwOOIPHSmYywx6jZX77TdL,461cPg51vQjV3zIMOXNz39" {
		t.Fatalf("canceled %v (%s)", ids, kinds(reps))
	}
}
