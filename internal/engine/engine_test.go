package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue/sim"
)

var d = num.MustParse

const minute = int64(60_000)

// script is a strategy that logs every callback and runs a hook on bars.
type script struct {
	log     []string
	onBar   func(ctx strategy.Context, ev strategy.BarEvent)
	onOrder func(ctx strategy.Context, o *order.Order)
	orders  []*order.Order
}

func (s *script) Name() string                     { return "script" }
func (s *script) Start(ctx strategy.Context) error { s.log = append(s.log, "start"); return nil }
func (s *script) OnBar(ctx strategy.Context, ev strategy.BarEvent) {
	s.log = append(s.log, fmt.Sprintf("bar %s %d @%d", ev.Symbol, ev.Bar.Time/minute, ctx.Now()/minute))
	if s.onBar != nil {
		s.onBar(ctx, ev)
	}
}
func (s *script) OnOrder(ctx strategy.Context, o *order.Order, f *order.Fill) {
	e := fmt.Sprintf("order %s %s", o.ClientID, o.Status)
	if f != nil {
		e += " fill " + f.Qty.String() + "@" + f.Price.String()
	}
	s.log = append(s.log, e)
	if s.onOrder != nil {
		s.onOrder(ctx, o)
	}
}
func (s *script) OnGap(ctx strategy.Context, g strategy.Gap) {
	s.log = append(s.log, fmt.Sprintf("gap %s %d→%d missing %d", g.Symbol, g.LastBar/minute, g.NextBar/minute, g.Missing))
}

// allowAll is a gate for tests of the engine's mechanics: it allows
// everything. The risk gate itself is tested in internal/risk and wired in
// TestRealRiskGate.
type allowAll struct{}

func (allowAll) Check(*risk.Intent, risk.View, int64) risk.Decision {
	return risk.Decision{Code: risk.CodeAllowed}
}

type denyAll struct{}

func (denyAll) Check(in *risk.Intent, _ risk.View, _ int64) risk.Decision {
	d := risk.Decision{Code: risk.CodeMaxRiskPerTrade, Symbol: in.Order.Symbol}
	d.Vals[0] = risk.Value{Name: "risk", Num: d2("1.8"), Unit: "%"}
	d.Vals[1] = risk.Value{Name: "max", Num: d2("1"), Unit: "%"}
	return d
}

var d2 = num.MustParse

func setup(t *testing.T, s strategy.Strategy, gate RiskGate, symbols ...string) (*Engine, *sim.Venue) {
	t.Helper()
	return setupTB(t, s, gate, symbols...)
}

func setupTB(t testing.TB, s strategy.Strategy, gate RiskGate, symbols ...string) (*Engine, *sim.Venue) {
	t.Helper()
	info, err := market.DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	var insts []*market.Instrument
	for _, sym := range symbols {
		in, ok := info.Instrument(sym)
		if !ok {
			t.Fatalf("no %s", sym)
		}
		insts = append(insts, in)
	}
	acct, err := account.New("USDT", d("10000"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Account: acct, Strategy: s, Gate: gate, Instruments: insts, ClientIDPrefix: "t", LeaveUnprotected: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.SlippageBps, cfg.ImpactBps = 0, 0
	cfg.MakerFee, cfg.TakerFee = num.Zero, num.Zero
	v, err := sim.New(cfg, insts, map[string]num.Decimal{"USDT": d("10000")}, e.Sink)
	if err != nil {
		t.Fatal(err)
	}
	e.SetVenue(v)
	return e, v
}

func flatBars(start, n int64, price string) []market.Bar {
	out := make([]market.Bar, n)
	for i := range out {
		out[i] = market.Bar{Time: (start + int64(i)) * minute, Open: d(price), High: d(price), Low: d(price), Close: d(price), Volume: d("1000")}
	}
	return out
}

func TestEventOrderGapsAndFills(t *testing.T) {
	s := &script{}
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		if ev.Bar.Time == 1*minute {
			o, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("0.1")})
			if err != nil {
				t.Fatal(err)
			}
			s.orders = append(s.orders, o)
		}
	}
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	bars := append(flatBars(0, 2, "100"), flatBars(5, 2, "110")...)
	run, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}, v)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"start",
		"bar BTCUSDT 0 @1",
		"bar BTCUSDT 1 @2",
		"order t-1 NEW",
		"gap BTCUSDT 1→5 missing 3",
		"order t-1 FILLED fill 0.1@110", // the first price after the hole, not one inside it
		"bar BTCUSDT 5 @6",
		"bar BTCUSDT 6 @7",
	}
	if got := strings.Join(s.log, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if run.Bars != 4 || e.Stats.Gaps != 1 || e.Stats.Fills != 1 {
		t.Fatalf("run %+v stats %+v", run, e.Stats)
	}
	if got := e.Position("BTCUSDT"); !got.Equal(d("0.1")) {
		t.Fatalf("position %s", got)
	}
	// The ledger hash is the SHA-256 of the canonical ledger lines.
	// The order rested through the hole, so it fills at the first open after it.
	line := "1,300000,BTCUSDT,t-1,BUY,110,0.1,0,BTC,false\n"
	if sum := sha256.Sum256([]byte(line)); e.LedgerSHA256() != hex.EncodeToString(sum[:]) {
		t.Fatalf("ledger hash %s is not the hash of %q", e.LedgerSHA256(), line)
	}
	last := run.Curve[len(run.Curve)-1]
	if !last.Equity.Equal(d("10000")) { // bought at 110, marked at 110, no fees
		t.Fatalf("final equity %s", last.Equity)
	}
}

func TestSameCloseTimeOrderedBySymbol(t *testing.T) {
	s := &script{}
	e, v := setup(t, s, allowAll{}, "ETHUSDT", "BTCUSDT")
	_, err := e.RunBacktest(context.Background(), []Series{
		{Symbol: "ETHUSDT", Interval: market.Minute1, Bars: flatBars(0, 2, "2000")},
		{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: flatBars(0, 2, "100")},
	}, v)
	if err != nil {
		t.Fatal(err)
	}
	want := "start|bar BTCUSDT 0 @1|bar ETHUSDT 0 @1|bar BTCUSDT 1 @2|bar ETHUSDT 1 @2"
	if got := strings.Join(s.log, "|"); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestRiskGateDeniesBeforeTheVenue(t *testing.T) {
	var subErr error
	s := &script{}
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		_, subErr = ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("0.01")})
	}
	e, v := setup(t, s, denyAll{}, "BTCUSDT")
	if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: flatBars(0, 3, "100")}}, v); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(subErr, ErrDenied) || !strings.Contains(subErr.Error(), "MAX_RISK_PER_TRADE") {
		t.Fatalf("submit error %v", subErr)
	}
	if e.Stats.Denied != 3 || e.Stats.Orders != 0 || v.OpenOrders("BTCUSDT") != 0 {
		t.Fatalf("stats %+v", e.Stats)
	}
}

func TestSubmitRefusals(t *testing.T) {
	s := &script{}
	e, _ := setup(t, s, allowAll{}, "BTCUSDT")
	for _, r := range []order.Request{
		{Symbol: "DOGEBTC", Side: order.Buy, Type: order.Market, Quantity: d("1")},
		{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, Quantity: d("1")},
		{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), TakeProfit: d("-1")},
		{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), TrailingPct: d("-1")},
		{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), TrailingPct: d("50")},
	} {
		if _, err := e.Submit(r); err == nil {
			t.Fatalf("%+v accepted", r)
		}
	}
	if _, err := e.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), ClientID: "mine"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), ClientID: "mine"}); err == nil {
		t.Fatal("duplicate client id accepted")
	}
	if err := e.Cancel(&order.Order{}); err == nil {
		t.Fatal("cancel of a foreign order accepted")
	}
	if _, err := New(Config{Strategy: s, Gate: allowAll{}}); err == nil {
		t.Fatal("engine without account")
	}
	acct, _ := account.New("USDT", d("1"))
	if _, err := New(Config{Account: acct, Strategy: s, Gate: allowAll{}, ClientIDPrefix: "bad prefix"}); err == nil {
		t.Fatal("bad prefix accepted")
	}
}

func TestEquityCurveAndDrawdown(t *testing.T) {
	s := &script{}
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		if ev.Bar.Time == 0 {
			if _, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("50")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	closes := []string{"100", "100", "90", "120", "60"}
	bars := make([]market.Bar, len(closes))
	prev := d("100")
	for i, c := range closes {
		cl := d(c)
		// Bars a day apart, so the daily curve has a point for each.
		bars[i] = market.Bar{Time: int64(i) * 86_400_000, Open: prev, High: num.Max(prev, cl), Low: num.Min(prev, cl), Close: cl, Volume: d("1000")}
		prev = cl
	}
	run, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Day1, Bars: bars}}, v)
	if err != nil {
		t.Fatal(err)
	}
	// Equity at the closes: 10000, 10000, 9500, 11000, 8000. Peak 11000,
	// trough 8000: 27.27…%.
	if got, want := run.MaxDrawdownPct, 3000.0/11000*100; got < want-1e-9 || got > want+1e-9 {
		t.Fatalf("max drawdown %v%%, want %v%%", got, want)
	}
	var eqs []string
	for _, p := range run.Curve {
		eqs = append(eqs, p.Equity.String())
	}
	if got := strings.Join(eqs, " "); got != "10000 10000 10000 9500 11000 8000" {
		t.Fatalf("curve %s", got)
	}
}

// A stop placed when an entry fills works for the rest of the same bar: a
// crash inside the bar after the fill is stopped out at the stop.
func TestReactionInsideTheBar(t *testing.T) {
	s := &script{}
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		if ev.Bar.Time == 0 {
			ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1")})
		}
	}
	s.onOrder = func(ctx strategy.Context, o *order.Order) {
		if o.Side == order.Buy && o.Status == order.Filled {
			if _, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.StopLoss, Quantity: d("1"), StopPrice: d("95")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	bars := []market.Bar{
		{Time: 0, Open: d("100"), High: d("100"), Low: d("100"), Close: d("100"), Volume: d("1000")},
		{Time: minute, Open: d("100"), High: d("100"), Low: d("80"), Close: d("85"), Volume: d("1000")},
	}
	if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}, v); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"start",
		"bar BTCUSDT 0 @1",
		"order t-1 NEW",
		"order t-1 FILLED fill 1@100",
		"order t-2 NEW",
		"order t-2 FILLED fill 1@95",
		"bar BTCUSDT 1 @2",
	}
	if got := strings.Join(s.log, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if !e.Position("BTCUSDT").IsZero() {
		t.Fatalf("position %s", e.Position("BTCUSDT"))
	}
}

// The engine wired to the real risk stack: entries need a stop, a tripped
// kill-switch cancels what is working and denies what comes next, and the
// monitor sees every closed trade.
func TestRealRiskGate(t *testing.T) {
	cfg := risk.Defaults()
	j := risk.NewMemoryJournal(256)
	kill, err := risk.OpenKillSwitch(&risk.MemoryStore{}, j, 0)
	if err != nil {
		t.Fatal(err)
	}
	mon, err := risk.NewMonitor(cfg, j)
	if err != nil {
		t.Fatal(err)
	}
	gate, err := risk.NewGate(cfg, mon, kill, j)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	s := &script{}
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		switch ev.Bar.Time / minute {
		case 0: // no stop: denied
			_, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("10")})
			errs = append(errs, err)
		case 1: // with a 3% stop, 10 × 100 = 10% of equity: allowed
			_, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("10"), StopLoss: d("97")})
			errs = append(errs, err)
		case 3: // sell half: allowed, reduces
			_, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.Limit, TimeInForce: order.GTC, Quantity: d("5"), Price: d("104")})
			errs = append(errs, err)
			if err := kill.Trip("tester", "test the kill-switch", ctx.Now()); err != nil {
				t.Fatal(err)
			}
		case 5:
			_, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.Market, Quantity: d("5")})
			errs = append(errs, err)
		}
	}
	acct, _ := account.New("USDT", d("10000"))
	info, _ := market.DefaultSpot()
	in, _ := info.Instrument("BTCUSDT")
	e, err := New(Config{Account: acct, Strategy: s, Gate: gate, Monitor: mon, Kill: kill, Instruments: []*market.Instrument{in}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := sim.New(sim.DefaultConfig(), []*market.Instrument{in}, map[string]num.Decimal{"USDT": d("10000")}, e.Sink)
	e.SetVenue(v)
	if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: flatBars(0, 7, "100")}}, v); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 4 {
		t.Fatalf("errors %v", errs)
	}
	if !errors.Is(errs[0], ErrDenied) || !strings.Contains(errs[0].Error(), "STOP_REQUIRED") {
		t.Fatalf("entry without a stop: %v", errs[0])
	}
	if errs[1] != nil || errs[2] != nil {
		t.Fatalf("allowed orders: %v %v", errs[1], errs[2])
	}
	if !errors.Is(errs[3], ErrDenied) || !strings.Contains(errs[3].Error(), "KILL_SWITCH") {
		t.Fatalf("order after the trip: %v", errs[3])
	}
	// The trip canceled the working sell; what is left working is the stop
	// the engine placed at the declared 97, since no position stays bare.
	open := e.Open()
	if e.Stats.Canceled != 1 || len(open) != 1 || open[0].Type != order.StopLoss || !open[0].StopPrice.Equal(d("97")) {
		t.Fatalf("after the trip: %d canceled, open %+v", e.Stats.Canceled, open)
	}
	if e.Stats.Unprotected == 0 || e.Stats.EngineStops == 0 {
		t.Fatalf("stats %+v", e.Stats)
	}
	if got := e.Position("BTCUSDT"); !got.Equal(d("9.99")) {
		t.Fatalf("position %s", got)
	}
}

// A position the strategy leaves without a stop gets the stop its entry
// declared, placed by the engine; one without a declared stop is closed.
func TestEngineProtectsBarePositions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stopLoss  string
		wantStops int
		wantClose int
	}{
		{"declared stop", "95", 1, 0},
		{"no stop", "0", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{}
			s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
				if ev.Bar.Time == 0 {
					ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), StopLoss: d(tc.stopLoss)})
				}
			}
			acct, _ := account.New("USDT", d("10000"))
			info, _ := market.DefaultSpot()
			in, _ := info.Instrument("BTCUSDT")
			e, err := New(Config{Account: acct, Strategy: s, Gate: allowAll{}, Instruments: []*market.Instrument{in}})
			if err != nil {
				t.Fatal(err)
			}
			v, _ := sim.New(sim.DefaultConfig(), []*market.Instrument{in}, map[string]num.Decimal{"USDT": d("10000")}, e.Sink)
			e.SetVenue(v)
			if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: flatBars(0, 4, "100")}}, v); err != nil {
				t.Fatal(err)
			}
			if e.Stats.EngineStops != tc.wantStops || e.Stats.Closes != tc.wantClose || e.Stats.Unprotected == 0 {
				t.Fatalf("stats %+v", e.Stats)
			}
			if tc.wantClose > 0 && !e.Position("BTCUSDT").Less(d("0.001")) {
				t.Fatalf("bare position not closed: %s", e.Position("BTCUSDT"))
			}
			if tc.wantStops > 0 && (len(e.Open()) != 1 || !e.Open()[0].StopPrice.Equal(d("95"))) {
				t.Fatalf("open %+v", e.Open())
			}
		})
	}
}

// setupProtected is setupTB with the engine protecting positions, as it does
// for money: bare positions get their declared stop.
func setupProtected(tb testing.TB, s strategy.Strategy) (*Engine, *sim.Venue) {
	tb.Helper()
	info, err := market.DefaultSpot()
	if err != nil {
		tb.Fatal(err)
	}
	in, _ := info.Instrument("BTCUSDT")
	acct, err := account.New("USDT", d("10000"))
	if err != nil {
		tb.Fatal(err)
	}
	e, err := New(Config{Account: acct, Strategy: s, Gate: allowAll{}, Instruments: []*market.Instrument{in}, ClientIDPrefix: "t"})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.SlippageBps, cfg.ImpactBps = 0, 0
	cfg.MakerFee, cfg.TakerFee = num.Zero, num.Zero
	v, err := sim.New(cfg, []*market.Instrument{in}, map[string]num.Decimal{"USDT": d("10000")}, e.Sink)
	if err != nil {
		tb.Fatal(err)
	}
	e.SetVenue(v)
	return e, v
}

// ohlc is a one-minute bar at minute i.
func ohlc(i int64, o, h, l, c string) market.Bar {
	return market.Bar{Time: i * minute, Open: d(o), High: d(h), Low: d(l), Close: d(c), Volume: d("1000")}
}

// An entry's take-profit closes the position at market once the price
// reaches it; its trailing stop follows the highest price up, never down,
// and stops the position out where it got to. Both end with the position:
// a later entry without them keeps its own stop. Without either nothing
// changes.
func TestTakeProfitAndTrailingStop(t *testing.T) {
	bars := []market.Bar{
		ohlc(0, "100", "100", "100", "100"), // entry submitted
		ohlc(1, "100", "100", "100", "100"), // filled at 100, stop 95 placed
		ohlc(2, "100", "110", "100", "110"),
		ohlc(3, "110", "120", "110", "118"),
		ohlc(4, "118", "119", "115", "116"), // a lower high: the trail stays
		ohlc(5, "116", "116", "100", "101"), // falls back
		ohlc(6, "101", "101", "101", "101"), // re-entry when flat, stop 90 only
		ohlc(7, "101", "130", "101", "130"),
		ohlc(8, "130", "130", "130", "130"),
	}
	for _, tc := range []struct {
		name, tp, trail string
		// book is the position and live stop the strategy sees at each bar.
		book  string
		fills string
		tps   int
		moves int
		// entries is the count of entries, each left bare for the engine
		// to cover: the only alarms there should be.
		entries int
	}{
		{
			name: "none", tp: "0", trail: "0",
			book:  "0/- 1/95 1/95 1/95 1/95 1/95 1/95 1/95 1/95",
			fills: "1@100", entries: 1,
		},
		{
			name: "trailing 5%", tp: "0", trail: "5",
			// 110 × 0.95 = 104.5, 120 × 0.95 = 114; the high of 119 leaves it.
			book:  "0/- 1/95 1/104.5 1/114 1/114 0/- 0/- 1/90 1/90",
			fills: "1@100 1@114 1@101",
			moves: 2, entries: 2,
		},
		{
			// Bar 3 is the first to reach 115: the close goes out at its end
			// and fills at the next open.
			name: "take-profit 115", tp: "115", trail: "0",
			book:  "0/- 1/95 1/95 1/- 0/- 0/- 0/- 1/90 1/90",
			fills: "1@100 1@118 1@101",
			tps:   1, entries: 2,
		},
		{
			name: "take-profit 150", tp: "150", trail: "0",
			book:  "0/- 1/95 1/95 1/95 1/95 1/95 1/95 1/95 1/95",
			fills: "1@100", entries: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *Engine
			var book, fills []string
			s := &script{}
			s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
				stop := "-"
				for _, o := range e.Open() {
					if o.Type == order.StopLoss {
						stop = o.StopPrice.String()
					}
				}
				book = append(book, ctx.Position("BTCUSDT").String()+"/"+stop)
				switch ev.Bar.Time / minute {
				case 0:
					if _, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"),
						StopLoss: d("95"), TakeProfit: d(tc.tp), TrailingPct: d(tc.trail)}); err != nil {
						t.Fatal(err)
					}
				case 6:
					if ctx.Position("BTCUSDT").IsZero() {
						if _, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), StopLoss: d("90")}); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			var v *sim.Venue
			e, v = setupProtected(t, s)
			if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}, v); err != nil {
				t.Fatal(err)
			}
			for _, l := range s.log {
				if _, f, ok := strings.Cut(l, " fill "); ok {
					fills = append(fills, f)
				}
			}
			if got := strings.Join(book, " "); got != tc.book {
				t.Errorf("book\n got %s\nwant %s", got, tc.book)
			}
			if got := strings.Join(fills, " "); got != tc.fills {
				t.Errorf("fills\n got %s\nwant %s", got, tc.fills)
			}
			if e.Stats.TakeProfits != tc.tps || e.Stats.TrailMoves != tc.moves || e.Stats.Unprotected != tc.entries || e.Stats.Closes != 0 {
				t.Errorf("stats %+v", e.Stats)
			}
		})
	}
}

// A trail raised by a bar whose close is already below the new stop closes
// the position at market: the stop would trigger at once.
func TestTrailingStopBelowTheClose(t *testing.T) {
	s := &script{}
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		if ev.Bar.Time == 0 {
			ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), StopLoss: d("90"), TrailingPct: d("2")})
		}
	}
	e, v := setupProtected(t, s)
	bars := []market.Bar{
		ohlc(0, "100", "100", "100", "100"),
		ohlc(1, "100", "100", "100", "100"),
		ohlc(2, "100", "120", "100", "110"), // stop 117.6, above the close
		ohlc(3, "111", "111", "111", "111"),
	}
	if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}, v); err != nil {
		t.Fatal(err)
	}
	if !e.Position("BTCUSDT").IsZero() || e.Stats.TrailMoves != 1 || e.Stats.Closes != 1 || len(e.Open()) != 0 {
		t.Fatalf("position %s stats %+v open %v", e.Position("BTCUSDT"), e.Stats, e.Open())
	}
	if st := e.syms["BTCUSDT"]; !st.trail.IsZero() || !st.trailStop.IsZero() || !st.high.IsZero() {
		t.Fatalf("exits outlive the position: %+v", st)
	}
}

// Progress is reported every 65 536 bars and once at the end, with the bars
// of every series as the total.
func TestBacktestProgress(t *testing.T) {
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 3, Bars: 140_000})
	if err != nil {
		t.Fatal(err)
	}
	e, v := setup(t, &idle{}, allowAll{}, "BTCUSDT", "ETHUSDT")
	type call struct{ done, total int }
	var calls []call
	e.progress = func(done, total int) { calls = append(calls, call{done, total}) }
	series := []Series{
		{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars[:100_000]},
		{Symbol: "ETHUSDT", Interval: market.Minute1, Bars: bars[100_000:]},
	}
	if _, err := e.RunBacktest(context.Background(), series, v); err != nil {
		t.Fatal(err)
	}
	want := []call{{65_536, 140_000}, {131_072, 140_000}, {140_000, 140_000}}
	if !slices.Equal(calls, want) {
		t.Fatalf("progress calls %v, want %v", calls, want)
	}
}
