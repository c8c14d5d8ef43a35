package engine

import (
	"errors"
	"fmt"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue"
)

// Exit implements strategy.Context: it sells qty of symbol at market, or the
// whole position when qty is zero, after canceling the working sell orders
// that lock the base asset (the engine's protective stop among them). The
// sell is placed at once (it passes the risk gate and is recorded now) but
// goes to the venue only when every cancel is confirmed: on a real exchange
// a sell sent beside the cancels would find the quantity still locked. What
// is left of the position is covered again by a stop at its declared price.
func (e *Engine) Exit(symbol string, qty num.Decimal) (*order.Order, error) {
	st := e.syms[symbol]
	if st == nil {
		return nil, fmt.Errorf("exit: unknown symbol %q", symbol)
	}
	if e.venue == nil {
		return nil, errors.New("exit: engine has no venue")
	}
	if qty.IsNeg() {
		return nil, fmt.Errorf("exit %s: quantity %s is negative", symbol, qty)
	}
	if e.dust(st) {
		return nil, fmt.Errorf("exit %s: no position to sell", symbol)
	}
	if st.exit != nil {
		return nil, fmt.Errorf("exit %s: exit %s is already waiting for its cancels", symbol, st.exit.ClientID)
	}
	return e.exit(st, qty, false)
}

// exit places a market sell of qty (all when zero) of st's position, held
// back until the working sells it cancels are gone.
func (e *Engine) exit(st *symState, qty num.Decimal, protective bool) (*order.Order, error) {
	symbol := st.inst.Symbol
	want := st.pos.Qty
	if qty.IsPos() && qty.Less(want) {
		want = qty
	}
	q, err := st.inst.RoundQty(want, true)
	if err != nil {
		return nil, fmt.Errorf("exit %s: %w", symbol, err)
	}
	if !q.IsPos() {
		return nil, fmt.Errorf("exit %s: %s rounds to nothing at the lot step", symbol, want)
	}
	var working []*order.Order
	for _, o := range e.open {
		if o.Symbol == symbol && o.Side == order.Sell && !o.Status.Terminal() {
			working = append(working, o)
		}
	}
	o, err := e.place(order.Request{Symbol: symbol, Side: order.Sell, Type: order.Market, Quantity: q}, protective, len(working) > 0)
	if err != nil || len(working) == 0 {
		return o, err
	}
	st.exit = o
	for _, w := range working {
		e.venue.Cancel(e.now, w.Symbol, w.ClientID)
	}
	e.changed = true
	return o, nil
}

// releaseExit sends st's held exit once no other sell of the symbol is
// working, sized to what is left to sell; when nothing is left (a stop
// filled before its cancel), the exit ends canceled without reaching the
// venue.
func (e *Engine) releaseExit(st *symState) {
	o := st.exit
	for _, w := range e.open {
		if w != o && w.Symbol == o.Symbol && w.Side == order.Sell && !w.Status.Terminal() {
			return
		}
	}
	st.exit = nil
	q := num.Zero
	if !e.dust(st) {
		q, _ = st.inst.RoundQty(num.Min(o.Quantity, st.pos.Qty), true)
	}
	if !q.IsPos() {
		e.queue = append(e.queue, venue.Report{Symbol: o.Symbol, ClientID: o.ClientID,
			Event: order.Event{Kind: order.Cancel, Time: e.now, Reason: "the position was closed before the exit could be sent"}})
		return
	}
	o.Quantity = q
	e.send(o)
}

// timer returns the strategy's timer, if it has one, and when it first falls
// due after first (Unix ms): the next multiple of its period.
func (e *Engine) timer(first int64) (strategy.Timer, int64, error) {
	t, ok := e.strat.(strategy.Timer)
	if !ok {
		return nil, 0, nil
	}
	every := t.Every()
	if every <= 0 {
		return nil, 0, fmt.Errorf("engine: %s asks for a timer every %d ms; the period must be positive", e.strat.Name(), every)
	}
	return t, (first/every + 1) * every, nil
}

// fire runs the timer due at due, once however many periods the data skipped,
// with the clock at the last close, and returns when it next falls due.
func (e *Engine) fire(t strategy.Timer, due int64) (int64, error) {
	every := t.Every()
	t.OnTimer(e, due+(e.now-due)/every*every)
	e.drain()
	e.protect()
	if e.err != nil {
		return 0, fmt.Errorf("backtest at %d: %w", e.now, e.err)
	}
	return (e.now/every + 1) * every, nil
}

// Positions returns the base quantity held in each traded symbol.
func (e *Engine) Positions() map[string]num.Decimal {
	out := make(map[string]num.Decimal, len(e.symList))
	for _, st := range e.symList {
		out[st.inst.Symbol] = st.pos.Qty
	}
	return out
}

// Monitor returns the risk monitor the engine reports to, or nil.
func (e *Engine) Monitor() RiskMonitor { return e.monitor }

// Kill returns the engine's kill-switch, or nil.
func (e *Engine) Kill() *risk.KillSwitch { return e.kill }
