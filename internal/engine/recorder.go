package engine

import (
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/venue"
)

// Recorder is told everything the engine does to orders, in order, so that
// a durable store can record it: decide, record, then act. Its methods run
// on the engine's goroutine; an error stops the run (Err), and an order
// whose OnSubmit failed is never sent.
type Recorder interface {
	// OnSubmit is called with a new order the risk gate allowed, before the
	// venue sees it; the order is sent only when it returns nil.
	OnSubmit(o *order.Order) error
	// OnSent is called once the venue has been handed o.
	OnSent(o *order.Order) error
	// OnReport is called after a venue report was applied to its order
	// and, for a fill, to the account.
	OnReport(o *order.Order, rep *venue.Report) error
	// OnBar is called after each bar was fully processed: matched, marked,
	// seen by the strategy and protected. closeAt is its close (Unix ms).
	OnBar(symbol string, closeAt int64) error
}
