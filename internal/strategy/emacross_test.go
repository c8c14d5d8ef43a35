package strategy_test

import (
	"context"
	"testing"

	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/engine"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue"
	"github.com/thunes/thunes/internal/venue/sim"
)

var d = num.MustParse

const minute = int64(60_000)

// recorder wraps a strategy and keeps every order it saw finish.
type recorder struct {
	strategy.Strategy
	done []order.Order
}

func (r *recorder) OnOrder(ctx strategy.Context, o *order.Order, f *order.Fill) {
	if o.Status.Terminal() {
		r.done = append(r.done, *o)
	}
	r.Strategy.OnOrder(ctx, o, f)
}

func run(t *testing.T, p strategy.EMACrossParams, closes []string) (*recorder, *engine.Engine) {
	t.Helper()
	info, err := market.DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := info.Instrument("BTCUSDT")
	s, err := strategy.NewEMACross("BTCUSDT", p)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Strategy: s}
	acct, _ := account.New("USDT", d("10000"))
	cfg0 := risk.Defaults()
	mon, err := risk.NewMonitor(cfg0, risk.Discard{})
	if err != nil {
		t.Fatal(err)
	}
	kill, err := risk.OpenKillSwitch(&risk.MemoryStore{}, risk.Discard{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	gate, err := risk.NewGate(cfg0, mon, kill, risk.Discard{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Config{Account: acct, Strategy: rec, Gate: gate, Monitor: mon, Kill: kill, Instruments: []*market.Instrument{in}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.SlippageBps, cfg.ImpactBps = 0, 0
	cfg.MakerFee, cfg.TakerFee = num.Zero, num.Zero
	v, err := sim.New(cfg, []*market.Instrument{in}, map[string]num.Decimal{"USDT": d("10000")}, func(r *venue.Report) { e.Sink(r) })
	if err != nil {
		t.Fatal(err)
	}
	e.SetVenue(v)
	bars := make([]market.Bar, len(closes))
	prev := d(closes[0])
	for i, c := range closes {
		cl := d(c)
		bars[i] = market.Bar{Time: int64(i) * minute, Open: prev, High: num.Max(prev, cl), Low: num.Min(prev, cl), Close: cl, Volume: d("1000")}
		prev = cl
	}
	if _, err := e.RunBacktest(context.Background(), []engine.Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}, v); err != nil {
		t.Fatal(err)
	}
	return rec, e
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestEMACrossEntersWithStopAndExitsOnCrossDown(t *testing.T) {
	p := strategy.EMACrossParams{Fast: 2, Slow: 4, StopPct: 4, RiskPct: 0.8}
	closes := append(repeat("100", 6), "104", "108", "112", "116", "115", "114", "113", "112", "111")
	rec, e := run(t, p, closes)
	var entry, stop, exit *order.Order
	for i := range rec.done {
		o := &rec.done[i]
		switch {
		case o.Side == order.Buy && o.Type == order.Market:
			entry = o
		case o.Type == order.StopLoss:
			stop = o
		case o.Side == order.Sell && o.Type == order.Market:
			exit = o
		}
	}
	if entry == nil || stop == nil || exit == nil {
		t.Fatalf("orders: %+v", rec.done)
	}
	// The stop is 4% under the close of the crossing bar: 104 × 0.96 = 99.84.
	// 0.8% of 10000 at risk over the 4.16 distance: 80 / 4.16 = 19.2307…,
	// rounded down to the 0.00001 step.
	if !entry.FilledQty.Equal(d("19.23076")) || !entry.StopLoss.Equal(d("99.84")) {
		t.Fatalf("entry qty %s stop %s", entry.FilledQty, entry.StopLoss)
	}
	if !stop.StopPrice.Equal(d("99.84")) || stop.Status != order.Canceled {
		t.Fatalf("stop %s %s", stop.StopPrice, stop.Status)
	}
	if exit.Status != order.Filled || !exit.FilledQty.Equal(entry.FilledQty) {
		t.Fatalf("exit %s %s", exit.Status, exit.FilledQty)
	}
	if !e.Position("BTCUSDT").IsZero() {
		t.Fatalf("position left: %s", e.Position("BTCUSDT"))
	}
}

func TestEMACrossStopClosesAPositionOnACrash(t *testing.T) {
	p := strategy.EMACrossParams{Fast: 2, Slow: 4, StopPct: 4, RiskPct: 0.8}
	// Cross up, then one bar gaps far under the stop while the fast EMA is
	// still above the slow one.
	closes := append(repeat("100", 6), "104", "108", "112", "80", "80")
	rec, e := run(t, p, closes)
	var stop *order.Order
	for i := range rec.done {
		if rec.done[i].Type == order.StopLoss {
			stop = &rec.done[i]
		}
	}
	if stop == nil || stop.Status != order.Filled {
		t.Fatalf("orders %+v", rec.done)
	}
	// The bar opened at 112 and fell to 80: the stop fills at its price on the way.
	if avg, _ := stop.FilledQuote.Div(stop.FilledQty, 8); !avg.Equal(stop.StopPrice) {
		t.Fatalf("stop filled at %s, stop price %s", avg, stop.StopPrice)
	}
	if !e.Position("BTCUSDT").IsZero() {
		t.Fatalf("position left: %s", e.Position("BTCUSDT"))
	}
}

func TestEMACrossParamsValidate(t *testing.T) {
	bad := []strategy.EMACrossParams{
		{Fast: 0, Slow: 5, StopPct: 2, RiskPct: 1},
		{Fast: 5, Slow: 5, StopPct: 2, RiskPct: 1},
		{Fast: 2, Slow: 5, StopPct: 0, RiskPct: 1},
		{Fast: 2, Slow: 5, StopPct: 60, RiskPct: 1},
		{Fast: 2, Slow: 5, StopPct: 2, RiskPct: 0},
		{Fast: 2, Slow: 5, StopPct: 2, RiskPct: 11},
	}
	for _, p := range bad {
		if _, err := strategy.NewEMACross("BTCUSDT", p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := strategy.DefaultEMACrossParams().Validate(); err != nil {
		t.Fatal(err)
	}
}
