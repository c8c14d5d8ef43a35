package strategy

import (
	"fmt"
	"math"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// EMACrossParams configures EMACross.
type EMACrossParams struct {
	// Fast and Slow are the EMA lengths in bars; Fast < Slow.
	Fast, Slow int
	// StopPct is the stop-loss distance below the entry price, in percent.
	StopPct float64
	// RiskPct is the share of equity lost if the stop is hit, in percent; it
	// sizes each entry (capped by the free quote).
	RiskPct float64
}

// DefaultEMACrossParams returns fast 50, slow 200, a 4% stop and 0.8% risk
// per trade, which makes entries of a fifth of equity, inside the risk
// gate's default limits. On 1m bars shorter averages cross so often that fees
// decide the result.
func DefaultEMACrossParams() EMACrossParams {
	return EMACrossParams{Fast: 50, Slow: 200, StopPct: 4, RiskPct: 0.8}
}

// Validate reports every problem at once.
func (p EMACrossParams) Validate() error {
	var errs []string
	if p.Fast < 1 {
		errs = append(errs, fmt.Sprintf("fast=%d must be ≥ 1", p.Fast))
	}
	if p.Slow <= p.Fast {
		errs = append(errs, fmt.Sprintf("slow=%d must be greater than fast=%d", p.Slow, p.Fast))
	}
	if !(p.StopPct > 0 && p.StopPct < 50) {
		errs = append(errs, fmt.Sprintf("stop=%v%% must be in (0, 50)", p.StopPct))
	}
	if !(p.RiskPct > 0 && p.RiskPct <= 10) {
		errs = append(errs, fmt.Sprintf("risk=%v%% must be in (0, 10]", p.RiskPct))
	}
	if len(errs) > 0 {
		return fmt.Errorf("ema-cross: %v", errs)
	}
	return nil
}

// EMACross is the reference trend strategy: long-only spot, it buys at market
// when the fast EMA of closes crosses above the slow one, declaring a stop
// StopPct below the close with the entry (the engine places it as a
// STOP_LOSS order once the entry fills), and sells at market when the fast
// EMA crosses back below. A hole in the data resets the averages:
// crossing signals are not computed across prices that never traded.
type EMACross struct {
	p      EMACrossParams
	symbol string
	ready  int
	fast   float64
	slow   float64
	kf, ks float64
	above  bool
	last   num.Decimal
	// stopFactor is 1 − StopPct/100 as an exact decimal.
	stopFactor num.Decimal
	entry      *order.Order
	exit       *order.Order
}

// NewEMACross returns an EMACross trading symbol.
func NewEMACross(symbol string, p EMACrossParams) (*EMACross, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	// The stop sits at entry × (1 − StopPct/100), the factor kept to 6 decimals.
	k, err := num.New(int64(math.Round((100-p.StopPct)*1e4)), 6)
	if err != nil {
		return nil, fmt.Errorf("ema-cross: stop=%v: %w", p.StopPct, err)
	}
	return &EMACross{p: p, symbol: symbol, kf: 2 / float64(p.Fast+1), ks: 2 / float64(p.Slow+1), stopFactor: k}, nil
}

// Name implements Strategy.
func (s *EMACross) Name() string { return "ema-cross" }

// Start implements Strategy.
func (s *EMACross) Start(ctx Context) error {
	if ctx.Instrument(s.symbol) == nil {
		return fmt.Errorf("ema-cross: unknown symbol %s", s.symbol)
	}
	return nil
}

// OnGap implements Strategy: the averages start over after a hole.
func (s *EMACross) OnGap(ctx Context, g Gap) {
	if g.Symbol == s.symbol {
		s.ready = 0
	}
}

// OnBar implements Strategy.
func (s *EMACross) OnBar(ctx Context, ev BarEvent) {
	if ev.Symbol != s.symbol {
		return
	}
	s.last = ev.Bar.Close
	c := ev.Bar.Close.Float64()
	if s.ready == 0 {
		s.fast, s.slow = c, c
	} else {
		s.fast += s.kf * (c - s.fast)
		s.slow += s.ks * (c - s.slow)
	}
	if s.ready < s.p.Slow {
		s.ready++
		s.above = s.fast > s.slow
		return
	}
	above := s.fast > s.slow
	crossUp, crossDown := above && !s.above, !above && s.above
	s.above = above
	switch {
	case crossUp && s.flat(ctx) && s.entry == nil:
		s.enter(ctx, ev.Bar)
	case crossDown && !s.flat(ctx):
		s.leave(ctx)
	}
}

// flat reports whether the position is too small to sell: dust left by
// rounding and fees does not count as a position.
func (s *EMACross) flat(ctx Context) bool {
	in := ctx.Instrument(s.symbol)
	q, err := in.RoundQty(ctx.Position(s.symbol), true)
	if err != nil || !q.IsPos() {
		return true
	}
	least, err := in.MinQtyFor(s.last)
	return err == nil && q.Less(least)
}

// enter sizes the entry so that a stop hit loses RiskPct of equity.
func (s *EMACross) enter(ctx Context, bar *market.Bar) {
	in := ctx.Instrument(s.symbol)
	// The stop sits StopPct under the close, rounded up to the tick so the
	// risk taken is never more than planned.
	stop, err := bar.Close.Mul(s.stopFactor)
	if err == nil {
		stop, err = stop.RoundUp(tick(in))
	}
	if err != nil || !stop.IsPos() || !stop.Less(bar.Close) {
		return
	}
	price := bar.Close.Float64()
	dist := price - stop.Float64()
	// Size so that a stop hit loses RiskPct of equity.
	qty := ctx.Equity().Float64() * s.p.RiskPct / 100 / dist
	// Keep room for the fee and a worse fill than the close.
	if free := ctx.Free().Float64() * 0.98 / price; qty > free {
		qty = free
	}
	// Whole units of 1e-8 base; the exchange step rounds it further down.
	units := math.Floor(qty * 1e8)
	if !(units > 0 && units < math.MaxInt64) {
		return
	}
	q, err := num.New(int64(units), 8)
	if err != nil {
		return
	}
	q, err = in.RoundQty(q, true)
	if err != nil || !q.IsPos() {
		return
	}
	o, err := ctx.Submit(order.Request{Symbol: s.symbol, Side: order.Buy, Type: order.Market, Quantity: q, StopLoss: stop})
	if err == nil {
		s.entry = o
	}
}

// tick is the instrument's price step (0.00000001 when it has none).
func tick(in *market.Instrument) num.Decimal {
	if f := in.Filters.Price; f != nil && f.TickSize.IsPos() {
		return f.TickSize
	}
	return num.MustNew(1, 8)
}

// leave sells the position at market; the engine cancels the protective
// stop first and sends the sell once the cancel is confirmed, so the stop's
// locked quantity is free to sell.
func (s *EMACross) leave(ctx Context) {
	s.sellAll(ctx)
}

func (s *EMACross) sellAll(ctx Context) {
	if s.exit != nil {
		return
	}
	o, err := ctx.Exit(s.symbol, num.Zero)
	if err == nil {
		s.exit = o
	}
}

// OnOrder implements Strategy. The engine places the stop the entry
// declared once it fills, and keeps it covering the position (partial
// fills included); the strategy only follows its own entry and exit.
func (s *EMACross) OnOrder(ctx Context, o *order.Order, fill *order.Fill) {
	switch {
	case o == s.entry && o.Status.Terminal():
		s.entry = nil
	case o == s.exit && o.Status.Terminal():
		s.exit = nil
	}
}
