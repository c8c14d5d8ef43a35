package risk

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// gateCase is one row of the gate's rule table: a change to the defaults, a
// change to the flat 10000 USDT account of baseView, an intent, and the code
// wanted.
type gateCase struct {
	name   string
	cfg    func(*Config)
	setup  func(*testGate, *fakeView)
	intent Intent
	edit   func(*Intent)
	want   Code
}

func runGateCases(t *testing.T, cases []gateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			g := newTestGate(t, cfg)
			v := baseView(t)
			if tc.setup != nil {
				tc.setup(g, v)
			}
			in := tc.intent
			if tc.edit != nil {
				tc.edit(&in)
			}
			got := g.Check(&in, v, t0)
			if got.Code != tc.want {
				t.Fatalf("Check = %v, want %v", got, tc.want)
			}
			if got.Symbol != in.Order.Symbol {
				t.Errorf("Symbol = %q, want %q", got.Symbol, in.Order.Symbol)
			}
			// Every decision is journaled, allowed or not.
			last, ok := g.journal.Last()
			if !ok || last.Kind != EventDecision || last.Decision.Code != tc.want || last.Time != t0 {
				t.Errorf("journal's last event = %+v, want the decision", last)
			}
		})
	}
}

// The base entry: BUY 0.04 BTCUSDT at 50000, stop 49000. Distance 2%, risk 40
// (0.4% of 10000), value 2000 (20%).
var baseEntry = buyEntry("0.04", "50000", "49000")

func TestGateStateAndInputs(t *testing.T) {
	held := func(qty string) func(*testGate, *fakeView) {
		return func(_ *testGate, v *fakeView) { v.hold("BTCUSDT", qty) }
	}
	runGateCases(t, []gateCase{
		{name: "base entry allowed", intent: baseEntry, want: CodeAllowed},
		{name: "kill-switch denies an entry", setup: func(g *testGate, _ *fakeView) { g.kill.on = true }, intent: baseEntry, want: CodeKillSwitch},
		{name: "kill-switch denies a reduce", setup: func(g *testGate, v *fakeView) { g.kill.on = true; v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.05", "50000"), want: CodeKillSwitch},

		{name: "no action", intent: baseEntry, edit: func(in *Intent) { in.Action = 0 }, want: CodeInvalidIntent},
		{name: "no effect", intent: baseEntry, edit: func(in *Intent) { in.Effect = 0 }, want: CodeInvalidIntent},
		{name: "negative leverage", intent: baseEntry, edit: func(in *Intent) { in.Leverage = -1 }, want: CodeInvalidIntent},
		{name: "negative stop", intent: baseEntry, edit: func(in *Intent) { in.StopLoss = d("-1") }, want: CodeInvalidIntent},
		{name: "zero quantity", intent: baseEntry, edit: func(in *Intent) { in.Order.Quantity = num.Zero }, want: CodeInvalidIntent},
		{name: "no side", intent: baseEntry, edit: func(in *Intent) { in.Order.Side = 0 }, want: CodeInvalidIntent},

		{name: "halted denies an entry", setup: func(g *testGate, _ *fakeView) { g.state.st.State = Halted }, intent: baseEntry, want: CodeHalted},
		{name: "halted denies a reduce", setup: func(g *testGate, v *fakeView) { g.state.st.State = Halted; v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.05", "50000"), want: CodeHalted},
		{name: "unknown state counts as halted", setup: func(g *testGate, _ *fakeView) { g.state.st.State = 0 }, intent: baseEntry, want: CodeHalted},
		{name: "reducing denies an entry", setup: func(g *testGate, _ *fakeView) { g.state.st.State = Reducing }, intent: baseEntry, want: CodeReduceOnly},
		{name: "reducing allows a reduce", setup: func(g *testGate, v *fakeView) { g.state.st.State = Reducing; v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.05", "50000"), want: CodeAllowed},
		{name: "reducing allows closing the whole position", setup: func(g *testGate, v *fakeView) { g.state.st.State = Reducing; v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.1", "50000"), want: CodeAllowed},
		{name: "reducing denies a flip", setup: func(g *testGate, v *fakeView) { g.state.st.State = Reducing; v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.10001", "50000"), want: CodeWouldFlip},
		{name: "cool-down denies an entry until its end", setup: func(g *testGate, _ *fakeView) { g.state.st.CoolDownUntil = t0 + 1 },
			intent: baseEntry, want: CodeCoolDown},
		{name: "cool-down over at its end", setup: func(g *testGate, _ *fakeView) { g.state.st.CoolDownUntil = t0 },
			intent: baseEntry, want: CodeAllowed},
		{name: "cool-down allows a reduce", setup: func(g *testGate, v *fakeView) { g.state.st.CoolDownUntil = t0 + 1; v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.05", "50000"), want: CodeAllowed},

		{name: "unknown instrument", intent: baseEntry, edit: func(in *Intent) { in.Order.Symbol = "FOOUSDT" }, want: CodeUnknownInstrument},
		{name: "instrument not trading", setup: func(_ *testGate, v *fakeView) {
			in := *v.insts["BTCUSDT"]
			in.Status = "BREAK"
			v.insts["BTCUSDT"] = &in
		}, intent: baseEntry, want: CodeNotTrading},
		{name: "unknown price", setup: func(_ *testGate, v *fakeView) { v.markets["BTCUSDT"] = MarketState{LastTime: t0} }, intent: baseEntry, want: CodeUnknownPrice},
		{name: "price exactly max age old", setup: func(_ *testGate, v *fakeView) { setLastTime(v, "BTCUSDT", t0-120_000) }, intent: baseEntry, want: CodeAllowed},
		{name: "price 1 ms too old", setup: func(_ *testGate, v *fakeView) { setLastTime(v, "BTCUSDT", t0-120_001) }, intent: baseEntry, want: CodeStaleMarketData},
		{name: "stale price denies a reduce", setup: func(_ *testGate, v *fakeView) { setLastTime(v, "BTCUSDT", t0-120_001); v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.05", "50000"), want: CodeStaleMarketData},
		{name: "price from the future", setup: func(_ *testGate, v *fakeView) { setLastTime(v, "BTCUSDT", t0+120_001) }, intent: baseEntry, want: CodeStaleMarketData},
		{name: "stale check off", cfg: func(c *Config) { c.DisableStaleCheck = true },
			setup: func(_ *testGate, v *fakeView) { setLastTime(v, "BTCUSDT", t0-86_400_000) }, intent: baseEntry, want: CodeAllowed},
		{name: "unknown equity", setup: func(_ *testGate, v *fakeView) { v.equityOK = false }, intent: baseEntry, want: CodeUnknownEquity},
		{name: "zero equity", setup: func(_ *testGate, v *fakeView) { v.equity = num.Zero }, intent: baseEntry, want: CodeUnknownEquity},
		{name: "unknown equity denies a reduce", setup: func(_ *testGate, v *fakeView) { v.equityOK = false; v.hold("BTCUSDT", "0.1") },
			intent: sellReduce("0.05", "50000"), want: CodeUnknownEquity},
		{name: "equity with 16 decimals", setup: func(_ *testGate, v *fakeView) { v.equity = d("10000.1234567812345678") }, intent: baseEntry, want: CodeAllowed},

		{name: "exchange: quantity below LOT_SIZE", intent: baseEntry, edit: func(in *Intent) { in.Order.Quantity = d("0.000001") }, want: CodeExchangeFilter},
		{name: "exchange: price off tick", intent: buyEntry("0.04", "50000.001", "49000"), want: CodeExchangeFilter},

		{name: "reduce without a position", intent: sellReduce("0.05", "50000"), want: CodeNotReducing},
		{name: "reduce on the position's side", setup: held("0.1"), intent: sellReduce("0.05", "50000"),
			edit: func(in *Intent) { in.Order.Side = order.Buy }, want: CodeNotReducing},
		{name: "reduce larger than the position", setup: held("0.1"), intent: sellReduce("0.10001", "50000"), want: CodeWouldFlip},
		{name: "reduce needs no stop", setup: held("0.1"), intent: sellReduce("0.1", "50000"), want: CodeAllowed},
		{name: "reduce of a short", setup: held("-0.1"), intent: sellReduce("0.1", "50000"),
			edit: func(in *Intent) { in.Order.Side = order.Buy }, want: CodeAllowed},
	})
}

func setLastTime(v *fakeView, symbol string, at int64) {
	m := v.markets[symbol]
	m.LastTime = at
	v.markets[symbol] = m
}

func TestGatePriceBand(t *testing.T) {
	// Reduces, so that only the band applies: last 50000, band 5% = 2500.
	held := func(_ *testGate, v *fakeView) { v.hold("BTCUSDT", "0.1") }
	runGateCases(t, []gateCase{
		{name: "at the upper band", setup: held, intent: sellReduce("0.05", "52500"), want: CodeAllowed},
		{name: "a tick above the band", setup: held, intent: sellReduce("0.05", "52500.01"), want: CodePriceBand},
		{name: "at the lower band", setup: held, intent: sellReduce("0.05", "47500"), want: CodeAllowed},
		{name: "a tick below the band", setup: held, intent: sellReduce("0.05", "47499.99"), want: CodePriceBand},
		{name: "a wider band", cfg: func(c *Config) { c.PriceBandPct = d("10") }, setup: held, intent: sellReduce("0.05", "55000"), want: CodeAllowed},
		{name: "market orders have no limit price", setup: held, intent: sellReduce("0.05", "50000"), edit: func(in *Intent) {
			in.Order.Type, in.Order.Price, in.Order.TimeInForce = order.Market, num.Zero, 0
		}, want: CodeAllowed},
		{name: "an entry beyond the band", intent: buyEntry("0.04", "47499.99", "46000"), want: CodePriceBand},
		{name: "a protective stop-limit is measured from its stop", setup: held, intent: stopLimitReduce("47500", "45125"), want: CodeAllowed},
		{name: "a stop-limit's limit a tick beyond the band", setup: held, intent: stopLimitReduce("47500", "45124.99"), want: CodePriceBand},
	})
}

func TestGateEntryRules(t *testing.T) {
	wide := func(c *Config) { c.MaxPositionPct, c.MaxCorrelatedPct = d("100"), d("100") }
	runGateCases(t, []gateCase{
		{name: "leverage at the limit", intent: baseEntry, edit: func(in *Intent) { in.Leverage = 3 }, want: CodeAllowed},
		{name: "leverage over the limit", intent: baseEntry, edit: func(in *Intent) { in.Leverage = 4 }, want: CodeMaxLeverage},
		{name: "leverage 0 means 1", cfg: func(c *Config) { c.MaxLeverage = 1; c.MaxExposurePct = d("100") }, intent: baseEntry, want: CodeAllowed},

		{name: "no stop", intent: baseEntry, edit: func(in *Intent) { in.StopLoss = num.Zero }, want: CodeStopRequired},
		{name: "buy stop above entry", intent: buyEntry("0.04", "50000", "50000.01"), want: CodeStopWrongSide},
		{name: "stop at the entry", intent: buyEntry("0.04", "50000", "50000"), want: CodeStopTooClose},
		{name: "sell stop below entry", intent: baseEntry, edit: func(in *Intent) { in.Order.Side = order.Sell }, want: CodeStopWrongSide},
		{name: "sell entry, stop 2% above", intent: buyEntry("0.04", "50000", "51000"), edit: func(in *Intent) { in.Order.Side = order.Sell }, want: CodeAllowed},

		{name: "stop exactly at the minimum distance", intent: buyEntry("0.04", "50000", "49000"), want: CodeAllowed},
		{name: "stop a tick too close", intent: buyEntry("0.04", "50000", "49000.01"), want: CodeStopTooClose},
		{name: "stop exactly at the maximum distance", intent: buyEntry("0.04", "50000", "47500"), want: CodeAllowed},
		{name: "stop a tick too far", intent: buyEntry("0.04", "50000", "47499.99"), want: CodeStopTooFar},

		{name: "risk exactly 1%", cfg: wide, intent: buyEntry("0.1", "50000", "49000"), want: CodeAllowed},
		{name: "risk a step over 1%", cfg: wide, intent: buyEntry("0.10001", "50000", "49000"), want: CodeMaxRiskPerTrade},
		{name: "risk limit follows the config", cfg: func(c *Config) { wide(c); c.RiskPerTradePct = d("2") }, intent: buyEntry("0.2", "50000", "49000"), want: CodeAllowed},

		{name: "open risk exactly 6%", setup: func(_ *testGate, v *fakeView) { v.openRisk = d("560") }, intent: baseEntry, want: CodeAllowed},
		{name: "open risk a cent over 6%", setup: func(_ *testGate, v *fakeView) { v.openRisk = d("560.01") }, intent: baseEntry, want: CodeMaxOpenRisk},
		{name: "negative open risk", setup: func(_ *testGate, v *fakeView) { v.openRisk = d("-1") }, intent: baseEntry, want: CodeInternal},

		{name: "position value exactly 25%", intent: buyEntry("0.05", "50000", "49000"), want: CodeAllowed},
		{name: "position value a step over 25%", intent: buyEntry("0.05001", "50000", "49000"), want: CodeMaxPositionValue},
		{name: "held plus working plus new exactly 25%", setup: func(_ *testGate, v *fakeView) {
			v.positions = []Position{{Symbol: "BTCUSDT", Qty: d("0.01"), Working: d("0.01"), Mark: d("50000")}}
		}, intent: buyEntry("0.03", "50000", "49000"), want: CodeAllowed},
		{name: "held plus working plus new a step over", setup: func(_ *testGate, v *fakeView) {
			v.positions = []Position{{Symbol: "BTCUSDT", Qty: d("0.01"), Working: d("0.01"), Mark: d("50000")}}
		}, intent: buyEntry("0.03001", "50000", "49000"), want: CodeMaxPositionValue},
		{name: "held symbol without a mark is valued at last", setup: func(_ *testGate, v *fakeView) {
			v.positions = []Position{{Symbol: "BTCUSDT", Qty: d("0.02")}}
		}, intent: buyEntry("0.03001", "50000", "49000"), want: CodeMaxPositionValue},

		{name: "five open positions", setup: holdSmall("ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"), intent: baseEntry, want: CodeAllowed},
		{name: "six open positions", setup: holdSmall("ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "ADAUSDT"), intent: baseEntry, want: CodeMaxOpenPositions},
		{name: "adding to one of five", setup: holdSmall("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"), intent: baseEntry, want: CodeAllowed},
		{name: "a working entry is an open position", setup: func(g *testGate, v *fakeView) {
			holdSmall("ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT")(g, v)
			v.positions = append(v.positions, Position{Symbol: "ADAUSDT", Qty: num.Zero, Working: d("10"), Mark: d("0.4")})
		}, intent: baseEntry, want: CodeMaxOpenPositions},
		{name: "a flat row is not a position", setup: func(g *testGate, v *fakeView) {
			holdSmall("ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT")(g, v)
			v.positions = append(v.positions, Position{Symbol: "ADAUSDT", Qty: num.Zero, Working: num.Zero, Mark: d("0.4")})
		}, intent: baseEntry, want: CodeAllowed},

		{name: "exposure exactly 100%", cfg: func(c *Config) { c.MaxCorrelatedPct = d("100") },
			setup: func(_ *testGate, v *fakeView) { v.hold("ETHUSDT", "3.2") }, intent: baseEntry, want: CodeAllowed},
		{name: "exposure a step over 100%", cfg: func(c *Config) { c.MaxCorrelatedPct = d("100") },
			setup: func(_ *testGate, v *fakeView) { v.hold("ETHUSDT", "3.2") }, intent: buyEntry("0.04001", "50000", "49000"), want: CodeMaxExposure},
		{name: "a short counts by its size", cfg: func(c *Config) { c.MaxCorrelatedPct = d("100") },
			setup: func(_ *testGate, v *fakeView) { v.hold("ETHUSDT", "-3.2") }, intent: buyEntry("0.04001", "50000", "49000"), want: CodeMaxExposure},
		{name: "held symbol without a price", setup: func(_ *testGate, v *fakeView) {
			v.positions = []Position{{Symbol: "ETHUSDT", Qty: d("1")}}
		}, intent: baseEntry, want: CodeUnknownPrice},
		{name: "negative working quantity", setup: func(_ *testGate, v *fakeView) {
			v.positions = []Position{{Symbol: "ETHUSDT", Qty: d("1"), Working: d("-1"), Mark: d("2500")}}
		}, intent: baseEntry, want: CodeInternal},

		{name: "market entry at the last price", intent: marketEntry("0.04", "", "49000"), want: CodeAllowed},
		{name: "market entry sized in quote", intent: marketEntry("", "2500", "49000"), want: CodeAllowed},
		{name: "market entry sized in quote over the position cap", intent: marketEntry("", "2500.5", "49000"), want: CodeMaxPositionValue},
		// 2500.0000001 ÷ 50000 = 0.050000000002 rounds up to 0.05000001, worth 2500.0005.
		{name: "quote sizing rounds the quantity up", intent: marketEntry("", "2500.0000001", "49000"), want: CodeMaxPositionValue},
		{name: "stop-loss-limit entry priced at its limit", intent: Intent{
			Order: order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.StopLossLimit, TimeInForce: order.GTC,
				Quantity: d("0.04"), Price: d("51000"), StopPrice: d("50900")},
			Action: Submit, Effect: Entry, StopLoss: d("49980")}, want: CodeAllowed},
		{name: "stop-loss-limit entry: stop measured from the limit", intent: Intent{
			Order: order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.StopLossLimit, TimeInForce: order.GTC,
				Quantity: d("0.04"), Price: d("51000"), StopPrice: d("50900")},
			Action: Submit, Effect: Entry, StopLoss: d("49980.01")}, want: CodeStopTooClose},
	})
}

// holdSmall holds one unit's worth (10 quote or less) of each symbol.
func holdSmall(symbols ...string) func(*testGate, *fakeView) {
	return func(_ *testGate, v *fakeView) {
		qty := map[string]string{"BTCUSDT": "0.0002", "ETHUSDT": "0.004", "SOLUSDT": "0.1", "BNBUSDT": "0.02",
			"XRPUSDT": "20", "ADAUSDT": "25", "DOGEUSDT": "100", "LTCUSDT": "0.125"}
		for _, s := range symbols {
			v.hold(s, qty[s])
		}
	}
}

// stopLimitReduce is a protective SELL STOP_LOSS_LIMIT of 0.05 BTCUSDT.
func stopLimitReduce(stop, limit string) Intent {
	return Intent{
		Order: order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.StopLossLimit, TimeInForce: order.GTC,
			Quantity: d("0.05"), Price: d(limit), StopPrice: d(stop)},
		Action: Submit,
		Effect: Reduce,
	}
}

func marketEntry(qty, quoteQty, stop string) Intent {
	r := order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market}
	if qty != "" {
		r.Quantity = d(qty)
	}
	if quoteQty != "" {
		r.QuoteOrderQty = d(quoteQty)
	}
	return Intent{Order: r, Action: Submit, Effect: Entry, StopLoss: d(stop)}
}

// feedCorrelated gives the gate 40 hours of prices: ETHUSDT moves with
// BTCUSDT, SOLUSDT against it. LTCUSDT gets no prices.
func feedCorrelated(g *Gate) {
	btc, eth, sol := 50000.0, 2500.0, 100.0
	for k := range 41 {
		t := t0 - int64(41-k)*3_600_000
		r := 0.01 * float64((k*7)%5-2)
		btc, eth, sol = btc*(1+r), eth*(1+r), sol*(1-r)
		for _, p := range []struct {
			s string
			v float64
		}{{"BTCUSDT", btc}, {"ETHUSDT", eth}, {"SOLUSDT", sol}} {
			dv, err := num.FromFloat64(p.v, 8)
			if err != nil {
				panic(err)
			}
			g.OnPrice(p.s, t, dv)
		}
	}
}

func TestGateCorrelationLimit(t *testing.T) {
	feed := func(extra func(*fakeView)) func(*testGate, *fakeView) {
		return func(g *testGate, v *fakeView) {
			feedCorrelated(g.Gate)
			extra(v)
		}
	}
	runGateCases(t, []gateCase{
		// BTC 2000 + ETH 3000 = 5000, exactly the 50% cap.
		{name: "correlated group exactly at the cap", setup: feed(func(v *fakeView) { v.hold("ETHUSDT", "1.2") }),
			intent: baseEntry, want: CodeAllowed},
		{name: "correlated group a step over", setup: feed(func(v *fakeView) { v.hold("ETHUSDT", "1.2") }),
			intent: buyEntry("0.04001", "50000", "49000"), want: CodeMaxCorrelatedExposure},
		{name: "anti-correlated symbol does not count", setup: feed(func(v *fakeView) { v.hold("SOLUSDT", "30") }),
			intent: buyEntry("0.04001", "50000", "49000"), want: CodeAllowed},
		{name: "symbol without prices counts as correlated", setup: feed(func(v *fakeView) { v.hold("LTCUSDT", "37.5") }),
			intent: buyEntry("0.04001", "50000", "49000"), want: CodeMaxCorrelatedExposure},
		{name: "no prices at all: everything counts", setup: func(_ *testGate, v *fakeView) { v.hold("SOLUSDT", "30") },
			intent: buyEntry("0.04001", "50000", "49000"), want: CodeMaxCorrelatedExposure},
	})
}

func TestGateCorrelationValues(t *testing.T) {
	g := newTestGate(t, Defaults())
	feedCorrelated(g.Gate)
	if r, ok := g.Correlation("BTCUSDT", "ETHUSDT"); !ok || math.Abs(r-1) > 1e-9 {
		t.Errorf("corr(BTC, ETH) = %v, %v; want 1", r, ok)
	}
	if r, ok := g.Correlation("BTCUSDT", "SOLUSDT"); !ok || r > -0.99 {
		t.Errorf("corr(BTC, SOL) = %v, %v; want about -1", r, ok)
	}
	if _, ok := g.Correlation("BTCUSDT", "LTCUSDT"); ok {
		t.Error("corr(BTC, LTC) known without LTC prices")
	}
}

func TestGateOrderRate(t *testing.T) {
	cfg := Defaults() // 10 orders per 60 s
	g := newTestGate(t, cfg)
	v := baseView(t)
	v.hold("BTCUSDT", "1")
	// Distinct quantities so that the duplicate guard stays out of the way.
	qtys := []string{"0.01", "0.02", "0.03", "0.04", "0.05", "0.06", "0.07", "0.08", "0.09", "0.1", "0.11", "0.12"}
	check := func(i int, at int64) Decision {
		in := sellReduce(qtys[i], "50000")
		setLastTime(v, "BTCUSDT", at)
		return g.Check(&in, v, at)
	}
	for i := range 10 {
		if dec := check(i, t0+int64(i)); !dec.Allowed() {
			t.Fatalf("order %d: %v", i+1, dec)
		}
	}
	if dec := check(10, t0+59_999); dec.Code != CodeOrderRate {
		t.Fatalf("11th order inside the window: %v, want ORDER_RATE", dec)
	} else if got := dec.String(); got != "ORDER_RATE: recent=10 max=10 window=60s (BTCUSDT)" {
		t.Errorf("text = %q", got)
	}
	// The first order leaves the window 60 s after it was sent.
	if dec := check(10, t0+60_000); !dec.Allowed() {
		t.Fatalf("order once the first left the window: %v", dec)
	}
	// The second left at t0+60001; the window holds orders 3..11 now.
	if dec := check(11, t0+60_000); dec.Code != CodeOrderRate {
		t.Fatalf("12th order: %v, want ORDER_RATE", dec)
	}
	if dec := check(11, t0+60_001); !dec.Allowed() {
		t.Fatalf("12th order after the second left: %v", dec)
	}
	// Denials do not use up the rate.
	if n := g.journal.CountCode(CodeAllowed); n != 12 {
		t.Errorf("allowed = %d, want 12", n)
	}
}

func TestGateDuplicateGuard(t *testing.T) {
	g := newTestGate(t, Defaults()) // window 10 s
	v := baseView(t)
	v.hold("BTCUSDT", "1")
	at := func(ts int64, in Intent) Decision {
		setLastTime(v, "BTCUSDT", ts)
		return g.Check(&in, v, ts)
	}
	if dec := at(t0, sellReduce("0.1", "50000")); !dec.Allowed() {
		t.Fatal(dec)
	}
	tests := []struct {
		name string
		at   int64
		in   Intent
		want Code
	}{
		{"same order inside the window", t0 + 9_999, sellReduce("0.1", "50000"), CodeDuplicateOrder},
		{"other price", t0 + 1, sellReduce("0.1", "50000.01"), CodeAllowed},
		{"other quantity", t0 + 2, sellReduce("0.10001", "50000"), CodeAllowed},
		{"same value at another scale", t0 + 3, sellReduce("0.10000", "50000.00"), CodeDuplicateOrder},
		{"other type", t0 + 4, func() Intent {
			in := sellReduce("0.1", "50000")
			in.Order.Type = order.LimitMaker
			in.Order.TimeInForce = 0
			return in
		}(), CodeAllowed},
		{"a modify is not a duplicate", t0 + 5, func() Intent { in := sellReduce("0.1", "50000"); in.Action = Modify; return in }(), CodeAllowed},
		{"same order when the window has passed", t0 + 10_000, sellReduce("0.1", "50000"), CodeAllowed},
	}
	for _, tt := range tests {
		dec := at(tt.at, tt.in)
		if dec.Code != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, dec, tt.want)
		}
	}
}

func TestDecisionText(t *testing.T) {
	cfg := Defaults()
	cfg.MaxPositionPct, cfg.MaxCorrelatedPct = d("100"), d("100")
	g := newTestGate(t, cfg)
	v := baseView(t)
	tests := []struct {
		in   Intent
		want string
	}{
		{buyEntry("0.10001", "50000", "49000"), "MAX_RISK_PER_TRADE: risk=1.0001% max=1% amount=100.01 limit=100 (BTCUSDT)"},
		{buyEntry("0.04", "50000", "49500"), "STOP_TOO_CLOSE: distance=1% min=2% entry=50000 stop=49500 (BTCUSDT)"},
		{buyEntry("0.04", "50000", "47000"), "STOP_TOO_FAR: distance=6% max=5% entry=50000 stop=47000 (BTCUSDT)"},
		{buyEntry("0.04", "53000", "52000"), "PRICE_BAND: deviation=6% max=5% price=53000 last=50000 (BTCUSDT)"},
		{buyEntry("0.04", "50000", "0"), "STOP_REQUIRED (BTCUSDT)"},
		{buyEntry("0.000001", "50000", "49000"), "EXCHANGE_FILTER: binance -1013: Filter failure: LOT_SIZE (BTCUSDT)"},
		{buyEntry("0.04", "50000", "49000"), "ALLOWED (BTCUSDT)"},
	}
	for i, tt := range tests {
		in := tt.in
		dec := g.Check(&in, v, t0+int64(i)*20_000)
		setLastTime(v, "BTCUSDT", t0+int64(i+1)*20_000)
		if got := dec.String(); got != tt.want {
			t.Errorf("String() = %q\nwant       %q", got, tt.want)
		}
	}
}

func TestDecisionErr(t *testing.T) {
	ok := Decision{Code: CodeAllowed, Symbol: "BTCUSDT"}
	if err := ok.Err(); err != nil {
		t.Errorf("allowed Err() = %v", err)
	}
	no := deny(CodeMaxExposure, "BTCUSDT").with("exposure", d("101"), "%")
	err := no.Err()
	var de *DeniedError
	if !errors.Is(err, ErrDenied) || !errors.As(err, &de) || de.Decision.Code != CodeMaxExposure {
		t.Fatalf("Err() = %#v", err)
	}
	if !strings.HasPrefix(err.Error(), "MAX_EXPOSURE: exposure=101%") {
		t.Errorf("Error() = %q", err)
	}
	var zero Decision
	if zero.Allowed() || zero.Err() == nil {
		t.Error("the zero Decision allows")
	}
}

func TestCodeNames(t *testing.T) {
	seen := map[string]Code{}
	for c := CodeAllowed; c < numCodes; c++ {
		s := c.String()
		if s == "" || strings.HasPrefix(s, "Code(") {
			t.Errorf("code %d has no name", c)
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("codes %d and %d share the name %s", prev, c, s)
		}
		seen[s] = c
	}
	if got := Code(200).String(); got != "Code(200)" {
		t.Errorf("Code(200).String() = %q", got)
	}
}

func TestNewGateRefusesMissingParts(t *testing.T) {
	st, ks, j := &fakeState{}, &fakeSwitch{}, Discard{}
	bad := Defaults()
	bad.DailyLossPct = num.Zero
	for name, f := range map[string]func() (*Gate, error){
		"bad config": func() (*Gate, error) { return NewGate(bad, st, ks, j) },
		"no state":   func() (*Gate, error) { return NewGate(Defaults(), nil, ks, j) },
		"no switch":  func() (*Gate, error) { return NewGate(Defaults(), st, nil, j) },
		"no journal": func() (*Gate, error) { return NewGate(Defaults(), st, ks, nil) },
	} {
		if g, err := f(); err == nil || g != nil {
			t.Errorf("%s: NewGate = %v, %v; want an error", name, g, err)
		}
	}
}

func TestGateNilInputs(t *testing.T) {
	g := newTestGate(t, Defaults())
	if dec := g.Check(nil, baseView(t), t0); dec.Code != CodeInvalidIntent {
		t.Errorf("nil intent: %v", dec)
	}
	in := baseEntry
	if dec := g.Check(&in, nil, t0); dec.Code != CodeInternal {
		t.Errorf("nil view: %v", dec)
	}
}

func TestEffectOf(t *testing.T) {
	tests := []struct {
		side     order.Side
		qty, pos string
		want     Effect
	}{
		{order.Buy, "1", "0", Entry},
		{order.Buy, "1", "2", Entry},
		{order.Sell, "1", "2", Reduce},
		{order.Sell, "2", "2", Reduce},
		{order.Sell, "2.00000001", "2", Entry},
		{order.Sell, "1", "0", Entry},
		{order.Buy, "1", "-2", Reduce},
		{order.Buy, "2", "-2", Reduce},
		{order.Buy, "3", "-2", Entry},
		{order.Sell, "1", "-2", Entry},
	}
	for _, tt := range tests {
		if got := EffectOf(tt.side, d(tt.qty), d(tt.pos)); got != tt.want {
			t.Errorf("EffectOf(%v, %s, %s) = %v, want %v", tt.side, tt.qty, tt.pos, got, tt.want)
		}
	}
}

func TestStopRisk(t *testing.T) {
	tests := []struct{ qty, entry, stop, want string }{
		{"0.1", "50000", "49000", "100"},
		{"-0.1", "50000", "51000", "100"},
		{"0.1", "50000", "50500", "0"}, // stop in profit
		{"-0.1", "50000", "49000", "0"},
		{"0", "50000", "49000", "0"},
	}
	for _, tt := range tests {
		got, err := StopRisk(d(tt.qty), d(tt.entry), d(tt.stop))
		if err != nil || !got.Equal(d(tt.want)) {
			t.Errorf("StopRisk(%s, %s, %s) = %s, %v; want %s", tt.qty, tt.entry, tt.stop, got, err, tt.want)
		}
	}
}

func TestGateDeniesWhatItCannotCompute(t *testing.T) {
	// A hand-built instrument without filters lets absurd sizes through the
	// exchange check; the products then overflow and the gate denies.
	big := &market.Instrument{Symbol: "BIGUSDT", Kind: market.Spot, Status: "TRADING",
		Types: market.TypeSetOf(order.Limit, order.Market), BaseAssetPrecision: 8, QuoteAssetPrecision: 8}
	g := newTestGate(t, Defaults())
	v := baseView(t)
	v.insts["BIGUSDT"] = big
	v.markets["BIGUSDT"] = MarketState{Last: d("1000000000000"), LastTime: t0}
	in := Intent{Order: order.Request{Symbol: "BIGUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC,
		Quantity: d("1000000000000000000000000000000"), Price: d("1000000000000")},
		Action: Submit, Effect: Entry, StopLoss: d("980000000000")}
	dec := g.Check(&in, v, t0)
	if dec.Code != CodeInternal || !strings.Contains(dec.Detail, "overflow") {
		t.Fatalf("Check = %v, want INTERNAL with an overflow", dec)
	}
}

func TestEnumNames(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Active.String(), "ACTIVE"}, {Reducing.String(), "REDUCING"}, {Halted.String(), "HALTED"}, {State(9).String(), "State(9)"},
		{Submit.String(), "SUBMIT"}, {Modify.String(), "MODIFY"}, {Action(9).String(), "Action(9)"},
		{Entry.String(), "ENTRY"}, {Reduce.String(), "REDUCE"}, {Effect(9).String(), "Effect(9)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// A protective order passes where any other order is stopped, but only when
// it truly reduces.
func TestProtectiveIntent(t *testing.T) {
	v := baseView(t)
	v.hold("BTCUSDT", "0.1")
	sw := &fakeSwitch{}
	state := &fakeState{st: Status{State: Active}}
	g, err := NewGate(Defaults(), state, sw, Discard{})
	if err != nil {
		t.Fatal(err)
	}
	sell := Intent{Order: order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.StopLoss,
		Quantity: d("0.1"), StopPrice: d("45000")}, Action: Submit, Effect: Reduce}
	if dec := g.Check(&sell, v, t0); !dec.Allowed() {
		t.Fatalf("a reducing stop while active: %s", dec)
	}
	sw.on = true
	state.st.State = Halted
	if dec := g.Check(&sell, v, t0); dec.Code != CodeKillSwitch {
		t.Fatalf("with the kill-switch on, a plain order: %s", dec)
	}
	sell.Protective = true
	if dec := g.Check(&sell, v, t0); !dec.Allowed() {
		t.Fatalf("with the kill-switch on and halted, a protective order: %s", dec)
	}
	// Neither the order rate nor the duplicate guard hold it back.
	for i := 0; i < 50; i++ {
		if dec := g.Check(&sell, v, t0); !dec.Allowed() {
			t.Fatalf("repeat %d: %s", i, dec)
		}
	}
	flip := sell
	flip.Order.Quantity = d("0.2")
	if dec := g.Check(&flip, v, t0); dec.Code != CodeWouldFlip {
		t.Fatalf("a protective order larger than the position: %s", dec)
	}
	entry := sell
	entry.Effect = Entry
	if dec := g.Check(&entry, v, t0); dec.Code != CodeInvalidIntent {
		t.Fatalf("a protective entry: %s", dec)
	}
	bad := sell
	bad.Order.Quantity = d("0.000001")
	if dec := g.Check(&bad, v, t0); dec.Code != CodeExchangeFilter {
		t.Fatalf("exchange filters still apply: %s", dec)
	}
}
