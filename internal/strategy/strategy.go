// Package strategy defines what a trading strategy is and holds the built-in
// strategies. A strategy cannot tell a backtest from live trading: it sees
// bars, order updates and holes in the data through the same Context in every
// mode.
package strategy

import (
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Context is what a strategy can see and do. Its methods are called from the
// engine's goroutine only, during a callback.
type Context interface {
	// Now returns the engine clock in Unix milliseconds (virtual in backtests).
	Now() int64
	// Instrument returns the exchange rules of symbol, or nil.
	Instrument(symbol string) *market.Instrument
	// Position returns the base quantity held in symbol.
	Position(symbol string) num.Decimal
	// Free returns the quote balance not committed to open orders, as the
	// engine knows it.
	Free() num.Decimal
	// Equity returns the account's equity in the quote asset at last prices.
	Equity() num.Decimal
	// Submit sends an order through the risk gate to the venue. It returns the
	// engine's order (status PENDING_NEW; updates arrive in OnOrder) or an
	// error when the engine or the risk gate refuses it before any venue sees it.
	Submit(r order.Request) (*order.Order, error)
	// Cancel asks the venue to cancel o; the outcome arrives in OnOrder.
	Cancel(o *order.Order) error
	// Exit sells qty of symbol at market, the whole position when qty is
	// zero, after canceling the working sells that lock it (the engine's
	// protective stop among them). The engine covers what is left with a
	// stop at the price the entry declared.
	Exit(symbol string, qty num.Decimal) (*order.Order, error)
}

// BarEvent is a closed bar of one symbol.
type BarEvent struct {
	Symbol   string
	Interval market.Interval
	Bar      *market.Bar
}

// Gap tells a strategy that the data of Symbol has a hole: no bars exist
// between the bar that opened at LastBar and the bar that opens at NextBar. It
// arrives before the bar after the hole.
type Gap struct {
	Symbol  string
	LastBar int64
	NextBar int64
	Missing int64
}

// Strategy is a trading strategy. Callbacks run on the engine's goroutine; a
// strategy keeps its own state and must not start goroutines or read clocks
// other than ctx.Now.
type Strategy interface {
	// Name returns the strategy's registered name, such as "ema-cross".
	Name() string
	// Start runs once before the first event.
	Start(ctx Context) error
	// OnBar runs when a bar closes.
	OnBar(ctx Context, ev BarEvent)
	// OnOrder runs when one of the strategy's orders changes; fill is the
	// execution that changed it, or nil.
	OnOrder(ctx Context, o *order.Order, fill *order.Fill)
	// OnGap runs when the data has a hole, before the first bar after it.
	OnGap(ctx Context, g Gap)
}

// Timer is a strategy that also acts on the clock. OnTimer runs at each
// multiple of Every milliseconds since the Unix epoch, once every bar closing
// at or before that instant has been seen; in a backtest it runs at the first
// bar close at or after it, with at the last multiple reached. A hole in the
// data makes it run once, not once per missed period.
type Timer interface {
	Every() int64
	OnTimer(ctx Context, at int64)
}
