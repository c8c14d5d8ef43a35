package strategy

import (
	"fmt"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// DCA accumulates on a schedule: every few hours it buys a fixed share of the
// starting equity at market, up to a number of buys, each declaring a stop
// stop percent under the price; it sells everything once a close reaches
// take_profit percent above the average cost, then starts over. A stop-out
// also starts it over.
type DCA struct {
	symbol   string
	every    int64
	amount   float64
	maxBuys  int
	stopF    num.Decimal
	tpF      float64
	base     float64 // starting equity
	buys     int
	cost     float64 // quote spent by the current cycle's buys
	qty      float64 // base bought by them
	last     num.Decimal
	pending  *order.Order
	exiting  bool
	hasPrice bool
	held     heldCache
}

func dcaSpec() *Spec {
	return &Spec{
		Name:    "dca",
		Summary: "accumulation: buys a fixed amount on a schedule, sells all at a profit target over the average cost",
		Params: []Param{
			{Name: "every", Default: 24, Min: 1, Max: 24 * 90, Integer: true, Unit: "hours", Desc: "time between buys"},
			{Name: "amount", Default: 2, Min: 0.1, Max: 25, Unit: "%", Desc: "each buy, as a share of the starting equity"},
			{Name: "max_buys", Default: 10, Min: 1, Max: 1000, Integer: true, Desc: "most buys in a cycle"},
			{Name: "stop", Default: 5, Min: 0.1, Max: 50, Unit: "%", Desc: "stop-loss distance under the price of each buy"},
			{Name: "take_profit", Default: 3, Min: 0.1, Max: 1000, Unit: "%", Desc: "sell all when a close is this far above the average cost"},
		},
		build: func(symbol string, v Values) (Strategy, error) {
			f, err := factor(-v["stop"])
			if err != nil {
				return nil, fmt.Errorf("dca: stop=%v: %w", v["stop"], err)
			}
			return &DCA{symbol: symbol, every: int64(v.Int("every")) * 3_600_000, amount: v["amount"],
				maxBuys: v.Int("max_buys"), stopF: f, tpF: 1 + v["take_profit"]/100}, nil
		},
	}
}

// Name implements Strategy.
func (s *DCA) Name() string { return "dca" }

// Every implements Timer.
func (s *DCA) Every() int64 { return s.every }

// Start implements Strategy.
func (s *DCA) Start(ctx Context) error {
	if ctx.Instrument(s.symbol) == nil {
		return fmt.Errorf("dca: unknown symbol %s", s.symbol)
	}
	s.base = ctx.Equity().Float64()
	return nil
}

// OnGap implements Strategy.
func (s *DCA) OnGap(ctx Context, g Gap) {}

// OnTimer implements Timer: the scheduled buy.
func (s *DCA) OnTimer(ctx Context, at int64) {
	if !s.hasPrice || s.pending != nil || s.exiting || s.buys >= s.maxBuys {
		return
	}
	in := ctx.Instrument(s.symbol)
	stop, err := s.last.Mul(s.stopF)
	if err == nil {
		stop, err = stop.RoundUp(tick(in))
	}
	if err != nil || !stop.IsPos() || !stop.Less(s.last) {
		return
	}
	spend := min(s.base*s.amount/100, ctx.Free().Float64()*0.98)
	q := units(in, spend/s.last.Float64())
	if !q.IsPos() {
		return
	}
	if o, err := ctx.Submit(order.Request{Symbol: s.symbol, Side: order.Buy, Type: order.Market, Quantity: q, StopLoss: stop}); err == nil {
		s.pending = o
		s.buys++
	}
}

// OnBar implements Strategy.
func (s *DCA) OnBar(ctx Context, ev BarEvent) {
	if ev.Symbol != s.symbol {
		return
	}
	s.last, s.hasPrice = ev.Bar.Close, true
	if s.pending != nil || s.qty == 0 {
		return
	}
	if !s.held.check(ctx, s.symbol, s.last) {
		// Stopped out, or what is left is dust: a new cycle.
		s.restart()
		return
	}
	if ev.Bar.Close.Float64() >= s.cost/s.qty*s.tpF {
		if o, err := ctx.Exit(s.symbol, num.Zero); err == nil {
			s.pending, s.exiting = o, true
		}
	}
}

func (s *DCA) restart() { s.buys, s.cost, s.qty, s.exiting = 0, 0, 0, false }

// OnOrder implements Strategy.
func (s *DCA) OnOrder(ctx Context, o *order.Order, f *order.Fill) {
	if o != s.pending {
		return
	}
	if f != nil && o.Side == order.Buy {
		s.cost += f.Qty.Float64() * f.Price.Float64()
		s.qty += f.Qty.Float64()
	}
	if o.Status.Terminal() {
		s.pending = nil
		if s.exiting {
			s.restart()
		}
	}
}
