package sim

import (
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/venue"
)

var d = num.MustParse

const minute = int64(60_000)

// btc returns BTCUSDT with Binance's representative spot filters.
func btc() *market.Instrument {
	return &market.Instrument{
		Symbol: "BTCUSDT", Kind: market.Spot, Status: "TRADING", BaseAsset: "BTC", QuoteAsset: "USDT",
		BaseAssetPrecision: 8, QuoteAssetPrecision: 8,
		Types: market.TypeSetOf(order.Market, order.Limit, order.LimitMaker, order.StopLoss,
			order.StopLossLimit, order.TakeProfit, order.TakeProfitLimit),
		QuoteOrderQtyMarketAllowed: true,
		Filters: market.Filters{
			Price:         &market.PriceFilter{MinPrice: d("0.01"), MaxPrice: d("1000000"), TickSize: d("0.01")},
			LotSize:       &market.LotSizeFilter{MinQty: d("0.00001"), MaxQty: d("9000"), StepSize: d("0.00001")},
			MarketLotSize: &market.LotSizeFilter{MinQty: d("0"), MaxQty: d("83.7657243"), StepSize: d("0")},
			Notional:      &market.NotionalFilter{MinNotional: d("5"), ApplyMinToMarket: true, MaxNotional: d("9000000")},
			PercentPriceBySide: &market.PercentPriceBySideFilter{BidMultiplierUp: d("5"), BidMultiplierDown: d("0.2"),
				AskMultiplierUp: d("5"), AskMultiplierDown: d("0.2"), AvgPriceMins: 5},
			MaxNumOrders: 200, MaxNumAlgoOrders: 5,
		},
	}
}

type harness struct {
	t    *testing.T
	v    *Venue
	reps []venue.Report
	now  int64
}

func newHarness(t *testing.T, cfg Config, usdt, btcBal string) *harness {
	t.Helper()
	h := &harness{t: t}
	v, err := New(cfg, []*market.Instrument{btc()}, map[string]num.Decimal{"USDT": d(usdt), "BTC": d(btcBal)},
		func(r *venue.Report) { h.reps = append(h.reps, *r) })
	if err != nil {
		t.Fatal(err)
	}
	h.v = v
	return h
}

// noCost is a venue without fees, slippage, latency or volume cap, so that
// expected prices can be read off the bars.
func noCost() Config {
	c := DefaultConfig()
	c.MakerFee, c.TakerFee = num.Zero, num.Zero
	c.SlippageBps, c.ImpactBps, c.LatencyMs = 0, 0, 0
	c.MaxVolumeShare = num.Zero
	return c
}

func bar(t int64, o, h, l, c, v string) *market.Bar {
	return &market.Bar{Time: t, Open: d(o), High: d(h), Low: d(l), Close: d(c), Volume: d(v)}
}

// step feeds a bar and returns the reports it produced.
func (h *harness) step(b *market.Bar) []venue.Report {
	h.reps = h.reps[:0]
	h.v.OnBar(0, b, minute, nil)
	h.now = b.Time + minute
	return append([]venue.Report(nil), h.reps...)
}

func (h *harness) submit(r order.Request) venue.Report {
	h.t.Helper()
	h.reps = h.reps[:0]
	r.Symbol = "BTCUSDT"
	h.v.Submit(h.now, &r)
	if len(h.reps) != 1 {
		h.t.Fatalf("submit gave %d reports, want 1", len(h.reps))
	}
	return h.reps[0]
}

func (h *harness) balance(asset string) Balance { return h.v.Balances()[asset] }

func wantDec(t *testing.T, what string, got num.Decimal, want string) {
	t.Helper()
	if !got.Equal(d(want)) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

func TestMarketOrderFillsAtNextOpenWithFeesAndSlippage(t *testing.T) {
	cfg := DefaultConfig() // 0.1% fees, 1 bp + impact, 50 ms latency, 10% cap
	h := newHarness(t, cfg, "10000", "0")
	h.step(bar(0, "100", "101", "99", "100", "1000"))
	ack := h.submit(order.Request{Side: order.Buy, Type: order.Market, Quantity: d("10"), ClientID: "m1"})
	if ack.Kind != order.Ack {
		t.Fatalf("got %s %d %s", ack.Kind, ack.Code, ack.Reason)
	}
	reps := h.step(bar(minute, "102", "103", "101", "102", "1000"))
	if len(reps) != 1 || reps[0].Kind != order.Trade {
		t.Fatalf("reports %+v", reps)
	}
	f := reps[0].Fill
	// 10 of 1000 volume = 1% → 1 bp + 1 bp impact = 2 bp over the open 102,
	// 102.0204 rounded up to the tick.
	wantDec(t, "price", f.Price, "102.03")
	wantDec(t, "qty", f.Qty, "10")
	wantDec(t, "commission", f.Commission, "0.01")
	if f.CommissionAsset != "BTC" || f.Maker {
		t.Fatalf("commission asset %s maker %v", f.CommissionAsset, f.Maker)
	}
	wantDec(t, "usdt", h.balance("USDT").Free, "8979.7")
	wantDec(t, "btc", h.balance("BTC").Free, "9.99")
	if f.Time <= minute {
		t.Fatalf("fill at %d, before the order could reach the venue", f.Time)
	}
}

func TestLimitOrderNeedsTradeThroughAndPaysMaker(t *testing.T) {
	cfg := noCost()
	cfg.MakerFee = d("0.0005")
	h := newHarness(t, cfg, "1000", "0")
	h.step(bar(0, "100", "100", "100", "100", "10"))
	if r := h.submit(order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("2"), Price: d("95"), ClientID: "l1"}); r.Kind != order.Ack {
		t.Fatalf("%+v", r)
	}
	wantDec(t, "locked", h.balance("USDT").Locked, "190")
	wantDec(t, "free", h.balance("USDT").Free, "810")
	if reps := h.step(bar(minute, "100", "100", "95", "99", "10")); len(reps) != 0 {
		t.Fatalf("touch filled: %+v", reps)
	}
	reps := h.step(bar(2*minute, "99", "99", "94.5", "98", "10"))
	if len(reps) != 1 || reps[0].Kind != order.Trade || !reps[0].Fill.Price.Equal(d("95")) || !reps[0].Fill.Maker {
		t.Fatalf("reports %+v", reps)
	}
	wantDec(t, "commission", reps[0].Fill.Commission, "0.001")
	b := h.balance("USDT")
	wantDec(t, "locked after", b.Locked, "0")
	wantDec(t, "free after", b.Free, "810")
	wantDec(t, "btc", h.balance("BTC").Free, "1.999")
}

func TestStopLossTriggersInsideTheBar(t *testing.T) {
	h := newHarness(t, noCost(), "0", "2")
	h.step(bar(0, "100", "100", "100", "100", "10"))
	for _, id := range []string{"s1", "s2"} {
		if r := h.submit(order.Request{Side: order.Sell, Type: order.StopLoss, Quantity: d("1"), StopPrice: d("95"), ClientID: id}); r.Kind != order.Ack {
			t.Fatalf("%+v", r)
		}
	}
	// Falls through the stop inside the bar: fills at the stop.
	reps := h.step(bar(minute, "99", "99", "90", "92", "100"))
	if len(reps) != 2 || !reps[0].Fill.Price.Equal(d("95")) || reps[0].Fill.Maker {
		t.Fatalf("intrabar stop: %+v", reps)
	}
	wantDec(t, "usdt", h.balance("USDT").Free, "190")
	wantDec(t, "btc", h.balance("BTC").Total(), "0")
}

func TestGapThroughStopFillsAtOpen(t *testing.T) {
	h := newHarness(t, noCost(), "0", "1")
	h.step(bar(0, "100", "100", "100", "100", "10"))
	h.submit(order.Request{Side: order.Sell, Type: order.StopLoss, Quantity: d("1"), StopPrice: d("95"), ClientID: "s"})
	// A hole in the data, then the market reopens at 80.
	reps := h.step(bar(10*minute, "80", "85", "79", "84", "10"))
	if len(reps) != 1 || !reps[0].Fill.Price.Equal(d("80")) {
		t.Fatalf("gap stop: %+v", reps)
	}
	wantDec(t, "usdt", h.balance("USDT").Free, "80")
}

func TestPathVisitsNearerExtremeFirst(t *testing.T) {
	// High is nearer the open: a take-profit at 104 triggers before a stop at
	// 96 can, so the take-profit fills and the stop has nothing left... both
	// are separate orders here, each selling 1 of 2, and the first fill must
	// be the take-profit.
	h := newHarness(t, noCost(), "0", "2")
	h.step(bar(0, "100", "100", "100", "100", "10"))
	h.submit(order.Request{Side: order.Sell, Type: order.StopLoss, Quantity: d("1"), StopPrice: d("96"), ClientID: "sl"})
	h.submit(order.Request{Side: order.Sell, Type: order.TakeProfit, Quantity: d("1"), StopPrice: d("104"), ClientID: "tp"})
	reps := h.step(bar(minute, "100", "105", "90", "95", "100"))
	if len(reps) != 2 || reps[0].ClientID != "tp" || reps[1].ClientID != "sl" {
		t.Fatalf("order of fills: %+v", reps)
	}
	if reps[0].Time >= reps[1].Time {
		t.Fatalf("times %d %d", reps[0].Time, reps[1].Time)
	}
	p := Path(bar(0, "100", "101", "90", "95", "1"), minute)
	if !p[1].price.Equal(d("101")) || !p[2].price.Equal(d("90")) {
		t.Fatalf("path %v", p)
	}
	p = Path(bar(0, "100", "110", "99", "105", "1"), minute)
	if !p[1].price.Equal(d("99")) {
		t.Fatalf("path %v", p)
	}
}

func TestVolumeCapGivesPartialFills(t *testing.T) {
	cfg := noCost()
	cfg.MaxVolumeShare = d("0.1")
	h := newHarness(t, cfg, "10000", "0")
	h.step(bar(0, "100", "100", "100", "100", "10"))
	h.submit(order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("3"), Price: d("99"), ClientID: "l"})
	total := num.Zero
	for i := int64(1); i <= 3; i++ {
		reps := h.step(bar(i*minute, "100", "100", "98", "99", "10"))
		if len(reps) != 1 || !reps[0].Fill.Qty.Equal(d("1")) {
			t.Fatalf("bar %d: %+v", i, reps)
		}
		total, _ = total.Add(reps[0].Fill.Qty)
	}
	wantDec(t, "filled", total, "3")
	if h.v.OpenOrders("BTCUSDT") != 0 {
		t.Fatal("order still open")
	}
	// A market order bigger than the cap fills the cap and expires the rest.
	h.submit(order.Request{Side: order.Buy, Type: order.Market, Quantity: d("2"), ClientID: "m"})
	reps := h.step(bar(5*minute, "100", "100", "100", "100", "10"))
	if len(reps) != 2 || reps[0].Kind != order.Trade || !reps[0].Fill.Qty.Equal(d("1")) || reps[1].Kind != order.Expire {
		t.Fatalf("capped market: %+v", reps)
	}
	// Zero volume: nothing trades.
	h.submit(order.Request{Side: order.Buy, Type: order.Market, Quantity: d("1"), ClientID: "z"})
	reps = h.step(bar(6*minute, "100", "100", "100", "100", "0"))
	if len(reps) != 1 || reps[0].Kind != order.Expire {
		t.Fatalf("zero volume: %+v", reps)
	}
}

func TestTimeInForce(t *testing.T) {
	cfg := noCost()
	cfg.MaxVolumeShare = d("0.1")
	h := newHarness(t, cfg, "10000", "0")
	h.step(bar(0, "100", "100", "100", "100", "10"))
	// IOC that is not marketable on arrival expires without resting.
	h.submit(order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.IOC, Quantity: d("1"), Price: d("90"), ClientID: "ioc"})
	reps := h.step(bar(minute, "100", "100", "80", "85", "10"))
	if len(reps) != 1 || reps[0].Kind != order.Expire {
		t.Fatalf("ioc: %+v", reps)
	}
	// FOK larger than the cap expires with no fill.
	h.submit(order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.FOK, Quantity: d("2"), Price: d("101"), ClientID: "fok"})
	reps = h.step(bar(2*minute, "100", "100", "100", "100", "10"))
	if len(reps) != 1 || reps[0].Kind != order.Expire {
		t.Fatalf("fok: %+v", reps)
	}
	// Marketable IOC fills at the current price, not its limit.
	h.submit(order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.IOC, Quantity: d("0.5"), Price: d("101"), ClientID: "ioc2"})
	reps = h.step(bar(3*minute, "100", "100", "100", "100", "10"))
	if len(reps) != 1 || reps[0].Kind != order.Trade || !reps[0].Fill.Price.Equal(d("100")) {
		t.Fatalf("ioc2: %+v", reps)
	}
	b := h.balance("USDT")
	wantDec(t, "usdt after", b.Total(), "9950")
	wantDec(t, "locked after", b.Locked, "0")
}

func TestRejections(t *testing.T) {
	h := newHarness(t, noCost(), "100", "1")
	r := h.submit(order.Request{Side: order.Buy, Type: order.Market, Quantity: d("0.001"), ClientID: "early"})
	if r.Kind != order.Reject || r.Reason != msgMarketClosed {
		t.Fatalf("before any price: %+v", r)
	}
	h.step(bar(0, "100", "100", "100", "100", "10"))
	tests := []struct {
		name string
		req  order.Request
		code int
		msg  string
	}{
		{"unknown symbol", order.Request{Symbol: "NOPE", Side: order.Buy, Type: order.Market, Quantity: d("1"), ClientID: "a"}, -1121, msgInvalidSymbol},
		{"missing qty", order.Request{Side: order.Buy, Type: order.Market, ClientID: "a"}, -1102, ""},
		{"price off tick", order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("0.1"), Price: d("100.001"), ClientID: "a"}, -1013, "Filter failure: PRICE_FILTER"},
		{"below min notional", order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("0.01"), Price: d("100"), ClientID: "a"}, -1013, "Filter failure: NOTIONAL"},
		{"insufficient", order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("2"), Price: d("100"), ClientID: "a"}, -2010, msgInsufficient},
		{"insufficient market", order.Request{Side: order.Buy, Type: order.Market, Quantity: d("2"), ClientID: "a"}, -2010, msgInsufficient},
		{"sell too much", order.Request{Side: order.Sell, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("1.5"), Price: d("100"), ClientID: "a"}, -2010, msgInsufficient},
		{"maker would take", order.Request{Side: order.Buy, Type: order.LimitMaker, Quantity: d("0.5"), Price: d("100"), ClientID: "a"}, -2010, msgWouldTake},
		{"stop would trigger", order.Request{Side: order.Sell, Type: order.StopLoss, Quantity: d("0.5"), StopPrice: d("101"), ClientID: "a"}, -2010, msgWouldTrigger},
		{"take profit would trigger", order.Request{Side: order.Sell, Type: order.TakeProfit, Quantity: d("0.5"), StopPrice: d("99"), ClientID: "a"}, -2010, msgWouldTrigger},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.reps = h.reps[:0]
			r := tt.req
			if r.Symbol == "" {
				r.Symbol = "BTCUSDT"
			}
			h.v.Submit(h.now, &r)
			if len(h.reps) != 1 || h.reps[0].Kind != order.Reject || h.reps[0].Code != tt.code {
				t.Fatalf("reports %+v, want reject %d", h.reps, tt.code)
			}
			if tt.msg != "" && h.reps[0].Reason != tt.msg {
				t.Fatalf("reason %q, want %q", h.reps[0].Reason, tt.msg)
			}
		})
	}
	if b := h.balance("USDT"); !b.Free.Equal(d("100")) || !b.Locked.IsZero() {
		t.Fatalf("rejections moved the balance: %+v", b)
	}
	// Duplicate client order id among open orders.
	h.submit(order.Request{Side: order.Sell, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("0.1"), Price: d("200"), ClientID: "dup"})
	if r := h.submit(order.Request{Side: order.Sell, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("0.1"), Price: d("200"), ClientID: "dup"}); r.Code != -2010 || r.Reason != msgDuplicate {
		t.Fatalf("duplicate: %+v", r)
	}
}

func TestCancelReleasesLockAndUnknownIsRejected(t *testing.T) {
	h := newHarness(t, noCost(), "1000", "0")
	h.step(bar(0, "100", "100", "100", "100", "10"))
	h.submit(order.Request{Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("1"), Price: d("90"), ClientID: "c"})
	h.reps = h.reps[:0]
	h.v.Cancel(h.now, "BTCUSDT", "c")
	if len(h.reps) != 1 || h.reps[0].Kind != order.Cancel {
		t.Fatalf("%+v", h.reps)
	}
	if b := h.balance("USDT"); !b.Free.Equal(d("1000")) || !b.Locked.IsZero() {
		t.Fatalf("balance after cancel %+v", b)
	}
	h.reps = h.reps[:0]
	h.v.Cancel(h.now, "BTCUSDT", "c")
	if len(h.reps) != 1 || !h.reps[0].CancelRejected || h.reps[0].Code != -2011 {
		t.Fatalf("second cancel %+v", h.reps)
	}
}

func TestStopLimitAndQuoteOrder(t *testing.T) {
	h := newHarness(t, noCost(), "1000", "1")
	h.step(bar(0, "100", "100", "100", "100", "100"))
	// Stop-limit sell: triggers at 95, limit 94: fills at the trigger price.
	h.submit(order.Request{Side: order.Sell, Type: order.StopLossLimit, TimeInForce: order.GTC, Quantity: d("1"), StopPrice: d("95"), Price: d("94"), ClientID: "sll"})
	reps := h.step(bar(minute, "99", "99", "90", "91", "100"))
	if len(reps) != 1 || !reps[0].Fill.Price.Equal(d("95")) {
		t.Fatalf("stop-limit: %+v", reps)
	}
	// Quote-sized market buy spends at most its quote.
	h.submit(order.Request{Side: order.Buy, Type: order.Market, QuoteOrderQty: d("100"), ClientID: "q"})
	reps = h.step(bar(2*minute, "91", "91", "91", "91", "100"))
	if len(reps) != 1 || reps[0].Kind != order.Trade || !reps[0].Final {
		t.Fatalf("quote order: %+v", reps)
	}
	f := reps[0].Fill
	wantDec(t, "qty", f.Qty, "1.09890")
	n, _ := f.Price.Mul(f.Qty)
	if n.Cmp(d("100")) > 0 {
		t.Fatalf("spent %s of 100", n)
	}
}

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	c.TakerFee = d("-0.1")
	c.LatencyMs = -1
	c.MaxVolumeShare = d("2")
	if err := c.Validate(); err == nil {
		t.Fatal("bad config accepted")
	}
	if _, err := New(c, nil, nil, func(*venue.Report) {}); err == nil {
		t.Fatal("New accepted a bad config")
	}
	if _, err := New(DefaultConfig(), []*market.Instrument{btc()}, map[string]num.Decimal{"USDT": d("-1")}, func(*venue.Report) {}); err == nil {
		t.Fatal("negative balance accepted")
	}
}

func TestBNBDiscount(t *testing.T) {
	info, err := market.DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	bnb, _ := info.Instrument("BNBUSDT")
	cfg := noCost()
	cfg.TakerFee = d("0.001")
	cfg.BNBDiscount = d("0.25")
	var reps []venue.Report
	v, err := New(cfg, []*market.Instrument{btc(), bnb},
		map[string]num.Decimal{"USDT": d("10000"), "BNB": d("1")}, func(r *venue.Report) { reps = append(reps, *r) })
	if err != nil {
		t.Fatal(err)
	}
	v.OnBar(1, bar(0, "600", "600", "600", "600", "100"), minute, nil)
	v.OnBar(0, bar(0, "20000", "20000", "20000", "20000", "100"), minute, nil)
	v.Submit(minute, &order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("0.1"), ClientID: "b"})
	v.OnBar(0, bar(minute, "20000", "20000", "20000", "20000", "100"), minute, nil)
	f := reps[len(reps)-1].Fill
	if f.CommissionAsset != "BNB" || !f.Commission.Equal(d("0.0025")) {
		t.Fatalf("commission %s %s, want 0.0025 BNB", f.Commission, f.CommissionAsset)
	}
	bal := v.Balances()
	if !bal["BNB"].Free.Equal(d("0.9975")) || !bal["BTC"].Free.Equal(d("0.1")) {
		t.Fatalf("balances %+v", bal)
	}
	// Without enough BNB the full rate is paid in the asset received.
	v.Submit(2*minute, &order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.Market, Quantity: d("0.1"), ClientID: "s"})
	v.bnb.Free = d("0.0001")
	v.OnBar(0, bar(2*minute, "20000", "20000", "20000", "20000", "100"), minute, nil)
	f = reps[len(reps)-1].Fill
	if f.CommissionAsset != "USDT" || !f.Commission.Equal(d("2")) {
		t.Fatalf("fallback commission %s %s", f.Commission, f.CommissionAsset)
	}
}
