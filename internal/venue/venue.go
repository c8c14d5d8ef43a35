// Package venue is the port every trading venue adapter implements: the
// simulated venue (venue/sim) and, later, Binance itself.
package venue

import "github.com/thunes/thunes/internal/order"

// Report is what a venue tells the engine about an order: an acknowledgement,
// a fill, a cancel, a rejection or an expiry, in the order they happened.
type Report struct {
	Symbol   string
	ClientID string
	// CancelRejected is set when a cancel request failed (Event.Code and
	// Event.Reason say why); the order itself did not change.
	CancelRejected bool
	order.Event
}

// Sink receives reports. A venue calls it from the engine's goroutine in
// backtests, so it must not call back into the venue; the engine queues them.
type Sink func(*Report)

// Venue accepts orders and cancels. Outcomes are delivered as Reports to the
// Sink the venue was built with, never as return values, so that a venue
// answering later (over a network) fits the same shape.
type Venue interface {
	// Submit sends r, which must carry a ClientID, at time now (Unix ms).
	Submit(now int64, r *order.Request)
	// Cancel asks to cancel the open order clientID on symbol.
	Cancel(now int64, symbol, clientID string)
}

// Binance error codes the engine and venues use.
const (
	CodeUnknownOrder   = -2011 // CANCEL_REJECTED "Unknown order sent."
	CodeNewRejected    = -2010 // NEW_ORDER_REJECTED
	CodeFilterFailure  = -1013
	CodeBadParameter   = -1102
	CodeInvalidSymbol  = -1121
	CodeInternalRefuse = -1000
)
