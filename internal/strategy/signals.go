package strategy

import (
	"fmt"

	"github.com/thunes/thunes/internal/indicator"
	"github.com/thunes/thunes/internal/num"
)

// positionParams are the parameters of every long-only signal strategy.
func positionParams() []Param {
	return []Param{stopParam, riskParam, takeProfitParam, trailParam}
}

// RSIReversion buys a dip: when the RSI of closes leaves the oversold zone
// (it was below oversold on the previous bar and is at or above it now), and
// sells when the RSI reaches exit. A hole in the data restarts the RSI.
type RSIReversion struct {
	long
	period           int
	oversold, exitAt float64
	rsi              *indicator.RSI
	prev             float64
	last             num.Decimal
}

func rsiReversionSpec() *Spec {
	return &Spec{
		Name:    "rsi-reversion",
		Summary: "mean reversion: buys when the RSI climbs back out of the oversold zone, sells when it reaches the exit level",
		Params: append([]Param{
			{Name: "period", Default: 14, Min: 2, Max: 500, Integer: true, Unit: "bars", Desc: "RSI length (Wilder)"},
			{Name: "oversold", Default: 30, Min: 1, Max: 50, Desc: "RSI level whose upward crossing is the entry"},
			{Name: "exit", Default: 55, Min: 10, Max: 99, Desc: "RSI level at or above which the position is sold; above oversold"},
		}, positionParams()...),
		build: func(symbol string, v Values) (Strategy, error) {
			if v["exit"] <= v["oversold"] {
				return nil, fmt.Errorf("rsi-reversion: exit=%v must be above oversold=%v", v["exit"], v["oversold"])
			}
			l, err := newLong("rsi-reversion", symbol, v)
			if err != nil {
				return nil, err
			}
			s := &RSIReversion{long: l, period: v.Int("period"), oversold: v["oversold"], exitAt: v["exit"]}
			return s, s.reset()
		},
	}
}

func (s *RSIReversion) reset() (err error) {
	s.rsi, err = indicator.NewRSI(s.period)
	s.prev = 0
	return err
}

// OnGap implements Strategy.
func (s *RSIReversion) OnGap(ctx Context, g Gap) {
	if g.Symbol == s.symbol {
		_ = s.reset()
	}
}

// OnBar implements Strategy.
func (s *RSIReversion) OnBar(ctx Context, ev BarEvent) {
	if ev.Symbol != s.symbol {
		return
	}
	s.last = ev.Bar.Close
	r := s.rsi.Update(ev.Bar.Close.Float64())
	if !s.rsi.Ready() {
		return
	}
	prev := s.prev
	s.prev = r
	entry, exit := prev < s.oversold && r >= s.oversold, r >= s.exitAt
	if s.busy() || prev == 0 || !entry && !exit {
		return
	}
	switch in := s.holding(ctx, s.last); {
	case !in && entry:
		s.buy(ctx, ev.Bar.Close)
	case in && exit:
		s.sell(ctx)
	}
}

// BollingerBreakout follows a breakout: it buys when a close ends above the
// upper Bollinger band after one that did not, and sells when a close ends
// below the middle band.
type BollingerBreakout struct {
	long
	period int
	k      float64
	bb     *indicator.Bollinger
	above  bool
}

func bollingerSpec() *Spec {
	return &Spec{
		Name:    "bollinger-breakout",
		Summary: "breakout: buys a close above the upper Bollinger band, sells a close below the middle band",
		Params: append([]Param{
			{Name: "period", Default: 20, Min: 2, Max: 1000, Integer: true, Unit: "bars", Desc: "length of the moving average and deviation"},
			{Name: "k", Default: 2, Min: 0.1, Max: 10, Unit: "σ", Desc: "band width in standard deviations"},
		}, positionParams()...),
		build: func(symbol string, v Values) (Strategy, error) {
			l, err := newLong("bollinger-breakout", symbol, v)
			if err != nil {
				return nil, err
			}
			s := &BollingerBreakout{long: l, period: v.Int("period"), k: v["k"]}
			return s, s.reset()
		},
	}
}

func (s *BollingerBreakout) reset() (err error) {
	s.bb, err = indicator.NewBollinger(s.period, s.k)
	s.above = true // no breakout until a close was inside the band
	return err
}

// OnGap implements Strategy.
func (s *BollingerBreakout) OnGap(ctx Context, g Gap) {
	if g.Symbol == s.symbol {
		_ = s.reset()
	}
}

// OnBar implements Strategy.
func (s *BollingerBreakout) OnBar(ctx Context, ev BarEvent) {
	if ev.Symbol != s.symbol {
		return
	}
	c := ev.Bar.Close.Float64()
	upper, middle, _ := s.bb.Update(c)
	if !s.bb.Ready() {
		return
	}
	// A breakout is the first close above the band: a refused entry is not
	// chased on the bars after it.
	above := c > upper
	entry := above && !s.above
	s.above = above
	if s.busy() || !entry && !(c < middle) {
		return
	}
	switch in := s.holding(ctx, ev.Bar.Close); {
	case !in && entry:
		s.buy(ctx, ev.Bar.Close)
	case in && c < middle:
		s.sell(ctx)
	}
}

// DonchianBreakout is the turtle rule: it buys when a close ends above the
// highest high of the previous entry bars after one that did not, and sells
// when a close ends below the lowest low of the previous exit bars.
type DonchianBreakout struct {
	long
	entryN, exitN int
	hi            *indicator.Highest
	lo            *indicator.Lowest
	above         bool
}

func donchianSpec() *Spec {
	return &Spec{
		Name:    "donchian-breakout",
		Summary: "breakout: buys a close above the highest high of the previous entry bars, sells a close below the lowest low of the previous exit bars",
		Params: append([]Param{
			{Name: "entry", Default: 20, Min: 2, Max: 5000, Integer: true, Unit: "bars", Desc: "channel length of the entry (highest high)"},
			{Name: "exit", Default: 10, Min: 2, Max: 5000, Integer: true, Unit: "bars", Desc: "channel length of the exit (lowest low)"},
		}, positionParams()...),
		build: func(symbol string, v Values) (Strategy, error) {
			l, err := newLong("donchian-breakout", symbol, v)
			if err != nil {
				return nil, err
			}
			s := &DonchianBreakout{long: l, entryN: v.Int("entry"), exitN: v.Int("exit")}
			return s, s.reset()
		},
	}
}

func (s *DonchianBreakout) reset() (err error) {
	s.above = true // no breakout until a close was inside the channel
	if s.hi, err = indicator.NewHighest(s.entryN); err != nil {
		return err
	}
	s.lo, err = indicator.NewLowest(s.exitN)
	return err
}

// OnGap implements Strategy.
func (s *DonchianBreakout) OnGap(ctx Context, g Gap) {
	if g.Symbol == s.symbol {
		_ = s.reset()
	}
}

// OnBar implements Strategy.
func (s *DonchianBreakout) OnBar(ctx Context, ev BarEvent) {
	if ev.Symbol != s.symbol {
		return
	}
	b := ev.Bar
	c := b.Close.Float64()
	// The channels of the previous bars, read before this bar joins them.
	ready := s.hi.Ready() && s.lo.Ready()
	hi, lo := s.hi.Value(), s.lo.Value()
	s.hi.Update(b.High.Float64())
	s.lo.Update(b.Low.Float64())
	if !ready {
		return
	}
	above := c > hi
	entry := above && !s.above
	s.above = above
	if s.busy() || !entry && !(c < lo) {
		return
	}
	switch in := s.holding(ctx, b.Close); {
	case !in && entry:
		s.buy(ctx, b.Close)
	case in && c < lo:
		s.sell(ctx)
	}
}
