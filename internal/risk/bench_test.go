package risk

import (
	"testing"
	"time"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// benchView is a View shaped like the engine's: fields and a small slice, no
// maps, its clock moved by the benchmark.
type benchView struct {
	equity    num.Decimal
	inst      *market.Instrument
	market    MarketState
	positions []Position
	openRisk  num.Decimal
}

func (v *benchView) Equity() (num.Decimal, bool) { return v.equity, true }
func (v *benchView) Instrument(symbol string) *market.Instrument {
	if symbol == v.inst.Symbol {
		return v.inst
	}
	return nil
}
func (v *benchView) Market(string) MarketState { return v.market }
func (v *benchView) Positions() []Position     { return v.positions }
func (v *benchView) OpenRisk() num.Decimal     { return v.openRisk }

// benchGate is a gate whose rate and duplicate windows are 1 ms, so that an
// intent repeated every millisecond is allowed each time, with correlations
// fed and three other symbols held.
func benchGate(b testing.TB) (*Gate, *benchView) {
	cfg := Defaults()
	cfg.OrderRateMax, cfg.OrderRateWindow, cfg.DuplicateWindow = 1, time.Millisecond, time.Millisecond
	g, err := NewGate(cfg, &fakeState{st: Status{State: Active}}, &fakeSwitch{}, NewMemoryJournal(1024))
	if err != nil {
		b.Fatal(err)
	}
	feedCorrelated(g)
	v := &benchView{
		equity: d("10000.00000000"),
		inst:   spotInstruments(b)["BTCUSDT"],
		market: MarketState{Last: d("50000.00000000"), LastTime: t0},
		positions: []Position{
			{Symbol: "ETHUSDT", Qty: d("0.40000000"), Working: num.Zero, Mark: d("2500.00000000")},
			{Symbol: "SOLUSDT", Qty: d("5.00000000"), Working: num.Zero, Mark: d("100.00000000")},
			{Symbol: "BNBUSDT", Qty: d("1.00000000"), Working: d("0.50000000"), Mark: d("500.00000000")},
		},
		openRisk: d("45.00000000"),
	}
	return g, v
}

func BenchmarkGateCheck(b *testing.B) {
	b.Run("allowed-entry", func(b *testing.B) {
		g, v := benchGate(b)
		in := buyEntry("0.04000000", "50000.00000000", "49000.00000000")
		now := t0
		if dec := g.Check(&in, v, now); !dec.Allowed() {
			b.Fatal(dec)
		}
		b.ReportAllocs()
		for b.Loop() {
			now++
			v.market.LastTime = now
			if dec := g.Check(&in, v, now); dec.Code != CodeAllowed {
				b.Fatal(dec)
			}
		}
	})
	b.Run("allowed-reduce", func(b *testing.B) {
		g, v := benchGate(b)
		v.positions = append(v.positions, Position{Symbol: "BTCUSDT", Qty: d("0.10000000"), Working: num.Zero, Mark: d("50000")})
		in := sellReduce("0.05000000", "50000.00000000")
		now := t0
		b.ReportAllocs()
		for b.Loop() {
			now++
			v.market.LastTime = now
			if dec := g.Check(&in, v, now); dec.Code != CodeAllowed {
				b.Fatal(dec)
			}
		}
	})
	b.Run("denied-risk", func(b *testing.B) {
		// A denial builds its values but not its text.
		g, v := benchGate(b)
		in := buyEntry("0.20000000", "50000.00000000", "49000.00000000")
		b.ReportAllocs()
		for b.Loop() {
			if dec := g.Check(&in, v, t0); dec.Code != CodeMaxRiskPerTrade {
				b.Fatal(dec)
			}
		}
	})
}

func BenchmarkOnPrice(b *testing.B) {
	g, _ := benchGate(b)
	p := d("50000.00000000")
	b.Run("same-interval", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g.OnPrice("BTCUSDT", t0, p)
		}
	})
	b.Run("feed-same-interval", func(b *testing.B) {
		f := g.PriceFeed("BTCUSDT")
		b.ReportAllocs()
		for b.Loop() {
			f.OnPrice(t0, p)
		}
	})
	b.Run("three-symbols-each-a-new-interval", func(b *testing.B) {
		// The worst case, per op three prices: each closes an interval and
		// recomputes its symbol's row of correlations against the two others
		// (a 30-return lookback).
		g, _ := benchGate(b)
		prices := [3]num.Decimal{d("50000"), d("50500"), d("49800")}
		now := t0
		for i := range 40 { // fill the rings
			now += 3_600_000
			g.OnPrice("ETHUSDT", now, prices[i%3])
			g.OnPrice("SOLUSDT", now, prices[(i+1)%3])
			g.OnPrice("BTCUSDT", now, prices[(i+2)%3])
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			now += 3_600_000
			i++
			g.OnPrice("BTCUSDT", now, prices[i%3])
			g.OnPrice("ETHUSDT", now, prices[(i+1)%3])
			g.OnPrice("SOLUSDT", now, prices[(i+2)%3])
		}
	})
}
