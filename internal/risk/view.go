package risk

import (
	"fmt"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Action says whether an intent places a new order or changes a working one.
// Cancels never reach the gate.
type Action uint8

// Actions. The zero Action is invalid, so an intent must say which it is.
const (
	// Submit places a new order.
	Submit Action = iota + 1
	// Modify replaces a working order's price or quantity (cancel-replace or
	// amend); the intent's Order is the order as it will be.
	Modify
)

// String returns "SUBMIT" or "MODIFY".
func (a Action) String() string {
	switch a {
	case Submit:
		return "SUBMIT"
	case Modify:
		return "MODIFY"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Effect says what an intent does to exposure. The zero Effect is invalid.
type Effect uint8

// Effects.
const (
	// Entry opens or increases a position. An entry must carry a protective
	// stop-loss price and passes every exposure rule.
	Entry Effect = iota + 1
	// Reduce shrinks a position without reversing it: the gate checks that
	// the position is on the other side and at least as large.
	Reduce
)

// String returns "ENTRY" or "REDUCE".
func (e Effect) String() string {
	switch e {
	case Entry:
		return "ENTRY"
	case Reduce:
		return "REDUCE"
	}
	return fmt.Sprintf("Effect(%d)", uint8(e))
}

// EffectOf returns the effect of an order of side for qty on a position of
// signed quantity position (positive long, negative short): Reduce when it
// is on the other side of the position and no larger, Entry otherwise (an
// order larger than the position reverses it, which opens exposure).
func EffectOf(side order.Side, qty, position num.Decimal) Effect {
	switch {
	case side == order.Sell && position.IsPos() && !position.Less(qty):
		return Reduce
	case side == order.Buy && position.IsNeg() && !position.Neg().Less(qty):
		return Reduce
	}
	return Entry
}

// Intent is an order the engine wants to send, with what the gate needs
// besides the order itself.
type Intent struct {
	// Order is the order as it would go to the venue.
	Order order.Request
	// Action is Submit or Modify.
	Action Action
	// Effect is Entry or Reduce; the gate verifies a Reduce against the
	// position.
	Effect Effect
	// StopLoss is the price of the entry's protective stop. An entry without
	// one is denied (STOP_REQUIRED); a reducing intent ignores it.
	StopLoss num.Decimal
	// Leverage is the leverage the order trades at (futures); 0 means 1,
	// which is spot.
	Leverage int
	// Protective marks an order that protects capital: a stop-loss for a
	// position, or a close the engine sends because a position lost its
	// stop or the kill-switch asks to flatten. It must reduce; it is allowed
	// with the kill-switch on and in every trading state, and the order-rate
	// and duplicate limits do not count it, so that nothing stops a position
	// from being protected or closed. The exchange filters still apply.
	Protective bool
}

// MarketState is what the view knows of a symbol's market.
type MarketState struct {
	// Last is the last trade price; zero means unknown, which denies.
	Last num.Decimal
	// LastTime is when Last traded, in Unix milliseconds on the clock the
	// gate is given (in a backtest, the close time of the bar it came from).
	LastTime int64
	// Exchange is what the exchange's filters read besides the order: the
	// spot average price, the futures mark price, open order counts and the
	// MAX_POSITION quantity. A zero AvgPrice or MarkPrice is taken as Last.
	Exchange market.Conditions
}

// Position is one symbol's holding as the view sees it.
type Position struct {
	// Symbol is the position's symbol.
	Symbol string
	// Qty is the signed base quantity held: positive long, negative short.
	Qty num.Decimal
	// Working is the base quantity of working orders that would add to the
	// position if they filled (never negative). It counts toward the
	// symbol's value and the number of open positions. For a Modify, leave
	// out the order being replaced.
	Working num.Decimal
	// Mark is the price the position is valued at, normally the last trade.
	// Zero means unknown: the gate then denies entries that need the value.
	Mark num.Decimal
}

// View is what the gate reads of the engine's state during one check. The
// engine implements it; every method is called on the engine's goroutine,
// must not block and should not allocate (the gate's own path does not).
type View interface {
	// Equity returns the account's equity in the quote asset at last prices,
	// and false when it is unknown (balances not loaded, a price missing).
	Equity() (num.Decimal, bool)
	// Instrument returns the exchange rules of symbol, or nil when the
	// symbol is unknown.
	Instrument(symbol string) *market.Instrument
	// Market returns what is known of symbol's market; a zero Last means
	// nothing is.
	Market(symbol string) MarketState
	// Positions returns every symbol that holds a position or a working
	// entry, at most once each. The gate reads the slice during the call
	// only.
	Positions() []Position
	// OpenRisk returns what every open position and working entry would lose
	// if its stop were hit, in the quote asset: the sum of StopRisk over
	// them, counting a position without a stop at its whole value. For a
	// Modify, leave out the order being replaced.
	OpenRisk() num.Decimal
}

// StopRisk returns what a holding of signed qty entered at entry loses if
// its stop is hit: (entry − stop) × qty for a long, (stop − entry) × |qty|
// for a short, and zero when the stop has moved past the entry into profit.
// The engine uses it to sum View.OpenRisk; the gate charges each entry the
// same amount. The error is an arithmetic overflow.
func StopRisk(qty, entry, stop num.Decimal) (num.Decimal, error) {
	diff, err := entry.Sub(stop)
	if err != nil {
		return num.Zero, fmt.Errorf("stop risk: %w", err)
	}
	r, err := diff.Mul(qty)
	if err != nil {
		return num.Zero, fmt.Errorf("stop risk: %w", err)
	}
	if r.IsNeg() {
		return num.Zero, nil
	}
	return r, nil
}
