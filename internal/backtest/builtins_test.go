package backtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/strategy"
)

// Every built-in trades on the synthetic market with its defaults, its books
// reconcile (Run proves it) and two runs give the same ledger.
func TestBuiltinsTrade(t *testing.T) {
	bars := synthetic(t, 120_000, 7)
	for _, name := range strategy.Names() {
		t.Run(name, func(t *testing.T) {
			cfg := config(t)
			cfg.Strategy = name
			a, err := Run(context.Background(), cfg, bars)
			if err != nil {
				t.Fatal(err)
			}
			if a.Orders == 0 || a.Fills == 0 || a.Metrics.Trades == 0 {
				t.Fatalf("no trading: %d orders, %d fills, %d trades", a.Orders, a.Fills, a.Metrics.Trades)
			}
			if a.Rejected > a.Orders/10 {
				t.Errorf("the venue rejected %d of %d orders", a.Rejected, a.Orders)
			}
			b, err := Run(context.Background(), cfg, bars)
			if err != nil {
				t.Fatal(err)
			}
			if a.LedgerSHA256 != b.LedgerSHA256 || a.FinalEquity != b.FinalEquity {
				t.Fatalf("two runs differ: %s %s, %s %s", a.LedgerSHA256, a.FinalEquity, b.LedgerSHA256, b.FinalEquity)
			}
		})
	}
}

// On real BTCUSDT minutes every built-in trades and reconciles.
func TestBuiltinsOnRealData(t *testing.T) {
	bars := realBars(t)
	if len(bars) > 90_000 {
		bars = bars[:90_000]
	}
	for _, name := range strategy.Names() {
		t.Run(name, func(t *testing.T) {
			cfg := config(t)
			cfg.Strategy = name
			res, err := Run(context.Background(), cfg, bars)
			if err != nil {
				t.Fatal(err)
			}
			if res.Fills == 0 {
				t.Fatalf("no fills in %d bars", res.Bars)
			}
			t.Logf("%s: %d orders, %d fills, %d trades, return %.2f%%", name, res.Orders, res.Fills, res.Metrics.Trades, res.ReturnPct)
		})
	}
}

// Nothing crashes on one bar or two, and no bars is a clear error.
func TestBuiltinsOnTinyData(t *testing.T) {
	bars := synthetic(t, 2, 1)
	for _, name := range strategy.Names() {
		cfg := config(t)
		cfg.Strategy = name
		for n := 1; n <= 2; n++ {
			res, err := Run(context.Background(), cfg, bars[:n])
			if err != nil {
				t.Fatalf("%s on %d bars: %v", name, n, err)
			}
			if res.Bars != n || res.FinalEquity != res.InitialEquity {
				t.Fatalf("%s on %d bars: %+v", name, n, res)
			}
		}
		if _, err := Run(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "no bars") {
			t.Fatalf("%s on no bars: %v", name, err)
		}
	}
}

// decision is one thing a strategy asked of the engine.
type decision struct {
	at   int64
	what string
}

// recorder wraps a strategy and logs every request it makes of the engine.
type recorder struct {
	strategy.Strategy
	log []decision
}

type recCtx struct {
	strategy.Context
	r *recorder
}

func (c recCtx) Submit(r order.Request) (*order.Order, error) {
	o, err := c.Context.Submit(r)
	c.r.log = append(c.r.log, decision{c.Now(), fmt.Sprintf("submit %s %s %s q=%s p=%s sp=%s sl=%s tp=%s tr=%s err=%v",
		r.Symbol, r.Side, r.Type, r.Quantity, r.Price, r.StopPrice, r.StopLoss, r.TakeProfit, r.TrailingPct, err)})
	return o, err
}

func (c recCtx) Cancel(o *order.Order) error {
	err := c.Context.Cancel(o)
	c.r.log = append(c.r.log, decision{c.Now(), fmt.Sprintf("cancel %s err=%v", o.ClientID, err)})
	return err
}

func (c recCtx) Exit(symbol string, q num.Decimal) (*order.Order, error) {
	o, err := c.Context.Exit(symbol, q)
	c.r.log = append(c.r.log, decision{c.Now(), fmt.Sprintf("exit %s q=%s err=%v", symbol, q, err)})
	return o, err
}

func (r *recorder) Start(ctx strategy.Context) error { return r.Strategy.Start(recCtx{ctx, r}) }
func (r *recorder) OnBar(ctx strategy.Context, ev strategy.BarEvent) {
	r.Strategy.OnBar(recCtx{ctx, r}, ev)
}
func (r *recorder) OnOrder(ctx strategy.Context, o *order.Order, f *order.Fill) {
	r.Strategy.OnOrder(recCtx{ctx, r}, o, f)
}
func (r *recorder) OnGap(ctx strategy.Context, g strategy.Gap) { r.Strategy.OnGap(recCtx{ctx, r}, g) }

// timedRecorder is a recorder of a strategy with a timer.
type timedRecorder struct{ *recorder }

func (r timedRecorder) Every() int64 { return r.Strategy.(strategy.Timer).Every() }
func (r timedRecorder) OnTimer(ctx strategy.Context, at int64) {
	r.Strategy.(strategy.Timer).OnTimer(recCtx{ctx, r.recorder}, at)
}

// decisions runs the strategy name with params over bars and returns what
// it asked of the engine.
func decisions(t *testing.T, name string, params map[string]float64, bars []market.Bar) []decision {
	t.Helper()
	s, err := NewStrategy(name, "BTCUSDT", params)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Strategy: s}
	cfg := config(t)
	cfg.Custom = rec
	if _, ok := s.(strategy.Timer); ok {
		cfg.Custom = timedRecorder{rec}
	}
	if _, err := Run(context.Background(), cfg, bars); err != nil {
		t.Fatal(err)
	}
	return rec.log
}

// lookAhead proves that a strategy cannot see the future: run on the data
// cut after bar k and on all of it, it must decide the same things up to the
// close of bar k.
func lookAhead(t *testing.T, name string, params map[string]float64, bars []market.Bar, cuts []int) {
	t.Helper()
	full := decisions(t, name, params, bars)
	if len(full) == 0 {
		t.Fatalf("%s decided nothing on %d bars: the check would prove nothing", name, len(bars))
	}
	for _, k := range cuts {
		end := bars[k].Time + int64(market.Minute1)
		cut := decisions(t, name, params, bars[:k+1])
		want := slices.DeleteFunc(slices.Clone(full), func(d decision) bool { return d.at > end })
		if !slices.Equal(cut, want) {
			n := 0
			for n < min(len(cut), len(want)) && cut[n] == want[n] {
				n++
			}
			t.Fatalf("%s cut after bar %d: %d decisions, full run %d up to then; first difference at %d:\ncut  %v\nfull %v",
				name, k, len(cut), len(want), n, at(cut, n), at(want, n))
		}
	}
}

func at(d []decision, i int) any {
	if i < len(d) {
		return d[i]
	}
	return "(none)"
}

// Every built-in decides the same on data cut at a point as on the whole
// data up to that point.
func TestBuiltinsCannotSeeTheFuture(t *testing.T) {
	bars := synthetic(t, 60_000, 11)
	cuts := []int{1_000, 13_337, 29_999, 45_678, 59_000}
	for _, name := range strategy.Names() {
		t.Run(name, func(t *testing.T) { lookAhead(t, name, nil, bars, cuts) })
	}
}

func TestLookAheadHarnessCatchesAPeek(t *testing.T) {
	// A strategy that reads the data source itself and trades on the next
	// bar's close: the harness must see different decisions when the future
	// is cut off. It is run through the same comparison the built-ins pass.
	bars := synthetic(t, 20_000, 3)
	run := func(data []market.Bar) []decision {
		p := &peekBuyer{all: data}
		rec := &recorder{Strategy: p}
		cfg := config(t)
		cfg.Custom = rec
		if _, err := Run(context.Background(), cfg, data); err != nil {
			t.Fatal(err)
		}
		return rec.log
	}
	full := run(bars)
	k := 10_000
	end := bars[k].Time + int64(market.Minute1)
	cut := run(bars[:k+1])
	want := slices.DeleteFunc(slices.Clone(full), func(d decision) bool { return d.at > end })
	if slices.Equal(cut, want) {
		t.Fatal("a strategy reading the next bar passed the look-ahead check")
	}
}

// peekBuyer buys when the next bar (read from all, as a leaky data source
// would hand it over) closes higher, and sells when it closes lower.
type peekBuyer struct {
	all []market.Bar
	i   int
}

func (p *peekBuyer) Name() string                                        { return "peek" }
func (p *peekBuyer) Start(strategy.Context) error                        { return nil }
func (p *peekBuyer) OnGap(strategy.Context, strategy.Gap)                {}
func (p *peekBuyer) OnOrder(strategy.Context, *order.Order, *order.Fill) {}
func (p *peekBuyer) OnBar(ctx strategy.Context, ev strategy.BarEvent) {
	i := p.i
	p.i++
	if i+1 >= len(p.all) || i%500 != 0 {
		return
	}
	if ev.Bar.Close.Less(p.all[i+1].Close) {
		stop, _ := ev.Bar.Close.Mul(num.MustNew(96, 2))
		stop, _ = stop.RoundUp(num.MustNew(1, 2))
		ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: num.MustNew(1, 3), StopLoss: stop})
	} else {
		ctx.Exit("BTCUSDT", num.Zero)
	}
}

// BenchmarkBuiltins runs every built-in end to end on a single core: on
// 200 000 synthetic minutes, and on all of real spot BTCUSDT-1m.
func BenchmarkBuiltins(b *testing.B) {
	b.Run("synthetic", func(b *testing.B) { benchBuiltins(b, synthetic(b, 200_000, 5)) })
	b.Run("BTCUSDT-1m", func(b *testing.B) { benchBuiltins(b, realBars(b)) })
}

func benchBuiltins(b *testing.B, bars []market.Bar) {
	for _, name := range strategy.Names() {
		b.Run(name, func(b *testing.B) {
			cfg := config(b)
			cfg.Strategy = name
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(context.Background(), cfg, bars); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(bars))*float64(b.N)/b.Elapsed().Seconds(), "bars/s")
		})
	}
}

// Every built-in trades several symbols in one account: one instance per
// symbol, the books reconcile, and each symbol's trades are its own.
func TestBuiltinsOnSeveralSymbols(t *testing.T) {
	info, err := market.DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	eth, _ := info.Instrument("ETHUSDT")
	ethBars := synthetic(t, 80_000, 12)
	// ETH trades near a tenth of the synthetic BTC price: scale it.
	for i := range ethBars {
		b := &ethBars[i]
		for _, p := range []*num.Decimal{&b.Open, &b.High, &b.Low, &b.Close} {
			*p, _ = p.Div(num.FromInt(10), 2)
		}
	}
	btcBars := synthetic(t, 80_000, 13)
	for _, name := range strategy.Names() {
		t.Run(name, func(t *testing.T) {
			cfg := config(t)
			cfg.Strategy = name
			cfg.More = []Series{{Symbol: "ETHUSDT", Instrument: eth, Bars: ethBars}}
			res, err := Run(context.Background(), cfg, btcBars)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, tr := range res.Trades {
				seen[tr.Symbol]++
			}
			if res.Symbol != "BTCUSDT,ETHUSDT" || res.Bars != 160_000 || seen["BTCUSDT"] == 0 || seen["ETHUSDT"] == 0 {
				t.Fatalf("%s: %d bars, trades by symbol %v", res.Symbol, res.Bars, seen)
			}
		})
	}
	cfg := config(t)
	cfg.More = []Series{{Symbol: "BTCUSDT", Instrument: cfg.Instrument, Bars: btcBars}}
	if _, err := Run(context.Background(), cfg, btcBars); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("a symbol twice: %v", err)
	}
}
