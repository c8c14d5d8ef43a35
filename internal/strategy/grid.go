package strategy

import (
	"fmt"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Grid trades a range with resting orders: below a center price it keeps a
// LIMIT buy at each of levels prices spacing percent apart; a lot bought at a
// level is sold at market once a close reaches one spacing above it, and the
// level's buy goes back. Every buy declares a stop-loss stop percent under its
// level, so the lowest level's stop guards the whole grid. When the price
// runs a spacing above the center with nothing held, the grid moves up to the
// price; after a stop-out it starts again around the price.
type Grid struct {
	symbol                 string
	levels                 int
	spacing, alloc, stopPc float64
	center                 num.Decimal
	// top is the price a spacing over the center that moves an empty grid
	// up.
	top    num.Decimal
	last   num.Decimal
	buys   []*order.Order
	lots   []num.Decimal
	prices []num.Decimal
	// targets are the prices at which each level's lot is sold; upF is
	// 1 + spacing/100.
	targets   []num.Decimal
	upF       num.Decimal
	exit      *order.Order
	exitLevel int
	recenter  bool
	sellable  heldCache
}

func gridSpec() *Spec {
	return &Spec{
		Name:    "grid",
		Summary: "range: resting LIMIT buys on levels under a center price, each lot sold one level higher",
		Params: []Param{
			{Name: "levels", Default: 5, Min: 1, Max: 50, Integer: true, Desc: "number of buy levels under the center"},
			{Name: "spacing", Default: 0.5, Min: 0.05, Max: 10, Unit: "%", Desc: "distance between levels, and the profit target of each lot"},
			{Name: "alloc", Default: 20, Min: 1, Max: 100, Unit: "%", Desc: "share of equity the whole grid buys when every level fills"},
			{Name: "stop", Default: 3, Min: 0.1, Max: 50, Unit: "%", Desc: "stop-loss distance under each level; the lowest level's stop guards the grid"},
		},
		build: func(symbol string, v Values) (Strategy, error) {
			if v["levels"]*v["spacing"] >= 90 {
				return nil, fmt.Errorf("grid: levels=%v × spacing=%v%% reaches below 10%% of the center price", v["levels"], v["spacing"])
			}
			n := v.Int("levels")
			up, err := factor(v["spacing"])
			if err != nil {
				return nil, fmt.Errorf("grid: spacing=%v: %w", v["spacing"], err)
			}
			return &Grid{symbol: symbol, levels: n, spacing: v["spacing"], alloc: v["alloc"], stopPc: v["stop"], upF: up,
				buys: make([]*order.Order, n), lots: make([]num.Decimal, n), prices: make([]num.Decimal, n),
				targets: make([]num.Decimal, n), exitLevel: -1}, nil
		},
	}
}

// Name implements Strategy.
func (s *Grid) Name() string { return "grid" }

// Start implements Strategy.
func (s *Grid) Start(ctx Context) error {
	if ctx.Instrument(s.symbol) == nil {
		return fmt.Errorf("grid: unknown symbol %s", s.symbol)
	}
	return nil
}

// OnGap implements Strategy: resting orders stay; the grid does not depend
// on history.
func (s *Grid) OnGap(ctx Context, g Gap) {}

// OnBar implements Strategy.
func (s *Grid) OnBar(ctx Context, ev BarEvent) {
	if ev.Symbol != s.symbol {
		return
	}
	s.last = ev.Bar.Close
	held := s.held()
	switch {
	case s.center.IsZero():
		s.place(ctx, ev.Bar.Close)
		return
	case held && !s.sellable.check(ctx, s.symbol, s.last) && s.exit == nil:
		// The engine's stop closed the position: start again around the
		// price once the resting buys are gone.
		clear(s.lots)
		s.cancelAll(ctx)
		return
	case s.recenter || s.exit != nil:
		return
	}
	if !held {
		if s.top.Less(ev.Bar.Close) {
			s.cancelAll(ctx)
		}
		return
	}
	// Sell the highest lot whose target the close reached.
	for i, q := range s.lots {
		if !q.IsPos() || ev.Bar.Close.Less(s.targets[i]) {
			continue
		}
		if o, err := ctx.Exit(s.symbol, q); err == nil {
			s.exit, s.exitLevel = o, i
		}
		return
	}
}

func (s *Grid) held() bool {
	for _, q := range s.lots {
		if q.IsPos() {
			return true
		}
	}
	return false
}

// cancelAll cancels the resting buys; the grid is placed again around the
// price once they are all done.
func (s *Grid) cancelAll(ctx Context) {
	s.recenter = true
	for _, o := range s.buys {
		if o != nil && !o.Status.Terminal() {
			_ = ctx.Cancel(o)
		}
	}
	s.maybeRecenter(ctx)
}

func (s *Grid) maybeRecenter(ctx Context) {
	if !s.recenter {
		return
	}
	for _, o := range s.buys {
		if o != nil {
			return
		}
	}
	s.recenter = false
	s.place(ctx, s.last)
}

// place centers the grid on price and puts a buy on every level.
func (s *Grid) place(ctx Context, price num.Decimal) {
	in := ctx.Instrument(s.symbol)
	s.center = price
	s.top, _ = price.Mul(s.upF)
	for i := range s.prices {
		p, err := price.Mul(mustFactor(-s.spacing * float64(i+1)))
		if err == nil {
			p, err = p.RoundDown(tick(in))
		}
		if err == nil {
			s.targets[i], err = p.Mul(s.upF)
		}
		if err != nil || !p.IsPos() {
			// A level that cannot be priced holds no order.
			s.prices[i] = num.Zero
			continue
		}
		s.prices[i] = p
	}
	for i := range s.prices {
		s.buy(ctx, i)
	}
}

// buy rests a LIMIT buy at level i.
func (s *Grid) buy(ctx Context, i int) {
	p := s.prices[i]
	if !p.IsPos() || s.buys[i] != nil || s.lots[i].IsPos() {
		return
	}
	in := ctx.Instrument(s.symbol)
	stop, err := p.Mul(mustFactor(-s.stopPc))
	if err == nil {
		stop, err = stop.RoundUp(tick(in))
	}
	if err != nil || !stop.IsPos() || !stop.Less(p) {
		return
	}
	q := units(in, ctx.Equity().Float64()*s.alloc/100/float64(s.levels)/p.Float64())
	if !q.IsPos() {
		return
	}
	o, err := ctx.Submit(order.Request{Symbol: s.symbol, Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Price: p, Quantity: q, StopLoss: stop})
	if err == nil {
		s.buys[i] = o
	}
}

// OnOrder implements Strategy.
func (s *Grid) OnOrder(ctx Context, o *order.Order, f *order.Fill) {
	if o == s.exit {
		if o.Status.Terminal() {
			i := s.exitLevel
			if left, err := s.lots[i].Sub(o.FilledQty); err == nil && left.IsPos() {
				s.lots[i] = left
			} else {
				s.lots[i] = num.Zero
			}
			s.exit, s.exitLevel = nil, -1
			if !s.recenter && s.prices[i].Less(s.last) {
				s.buy(ctx, i)
			}
		}
		return
	}
	for i, b := range s.buys {
		if b != o {
			continue
		}
		if f != nil {
			if q, err := s.lots[i].Add(f.Qty); err == nil {
				s.lots[i] = q
			}
		}
		if o.Status.Terminal() {
			s.buys[i] = nil
			s.maybeRecenter(ctx)
		}
		return
	}
}

// mustFactor is factor for percentages the parameter ranges keep valid.
func mustFactor(pct float64) num.Decimal {
	f, err := factor(pct)
	if err != nil {
		panic(err)
	}
	return f
}
