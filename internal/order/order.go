package order

import (
	"errors"
	"fmt"

	"github.com/thunes/thunes/internal/num"
)

// Request is an order intent: what a strategy asks for, before any venue has
// seen it. Exactly one of Quantity and QuoteOrderQty is set (QuoteOrderQty only
// for MARKET). Price is set for types with a limit price, StopPrice for stop
// types.
type Request struct {
	Symbol        string
	Side          Side
	Type          Type
	TimeInForce   TimeInForce
	Quantity      num.Decimal
	QuoteOrderQty num.Decimal
	Price         num.Decimal
	StopPrice     num.Decimal
	// ClientID is the client order id; the engine assigns a deterministic one
	// when it is empty.
	ClientID string
	// StopLoss is, for an order that opens or adds to a position, the price
	// of the stop-loss that will protect it. It is not sent to the venue: the
	// risk gate requires it of every entry and sizes the entry's risk by it.
	StopLoss num.Decimal
	// TakeProfit is, for an entry, the price at or above which the engine
	// closes the position at market; zero is none. Like StopLoss it is not
	// sent to the venue.
	TakeProfit num.Decimal
	// TrailingPct is, for an entry, the distance in percent (1.5 is 1.5%)
	// below the highest price since the position opened at which the engine
	// keeps the protective stop; the stop only ever moves up. Zero is none;
	// it must be less than 50. It is not sent to the venue.
	TrailingPct num.Decimal
}

// maxTrailingPct bounds TrailingPct: a wider trail is no protection.
var maxTrailingPct = num.FromInt(50)

// ValidClientID reports whether id is a client order id every Binance API
// accepts: 1 to 36 characters of [A-Za-z0-9_-].
func ValidClientID(id string) bool {
	if len(id) == 0 || len(id) > 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Valid checks the request's shape (not the exchange filters): the fields its
// type needs are present and positive, and fields it must not carry are absent.
// It returns nil or an error naming every problem's field.
func (r *Request) Valid() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.Symbol == "" {
		bad("symbol is missing")
	}
	if r.Side != Buy && r.Side != Sell {
		bad("side is missing or invalid")
	}
	if r.Type < Market || r.Type > TakeProfitLimit {
		bad("type is missing or invalid")
	}
	if r.ClientID != "" && !ValidClientID(r.ClientID) {
		bad("clientOrderId %q must be 1-36 characters of [A-Za-z0-9_-]", r.ClientID)
	}
	switch {
	case r.Type == Market && !r.QuoteOrderQty.IsZero():
		if !r.Quantity.IsZero() {
			bad("quantity and quoteOrderQty are both set")
		}
		if !r.QuoteOrderQty.IsPos() {
			bad("quoteOrderQty %s must be positive", r.QuoteOrderQty)
		}
	case !r.Quantity.IsPos():
		bad("quantity %s must be positive", r.Quantity)
	case !r.QuoteOrderQty.IsZero():
		bad("quoteOrderQty is only allowed on MARKET orders")
	}
	if r.StopLoss.IsNeg() {
		bad("stopLoss %s must not be negative", r.StopLoss)
	}
	if r.TakeProfit.IsNeg() {
		bad("takeProfit %s must not be negative", r.TakeProfit)
	}
	if r.TrailingPct.IsNeg() || !r.TrailingPct.Less(maxTrailingPct) {
		bad("trailingPct %s must be at least 0 and less than 50", r.TrailingPct)
	}
	if r.Type.HasLimitPrice() {
		if !r.Price.IsPos() {
			bad("price %s must be positive for %s", r.Price, r.Type)
		}
	} else if !r.Price.IsZero() {
		bad("price is not allowed on %s", r.Type)
	}
	if r.Type.IsStop() {
		if !r.StopPrice.IsPos() {
			bad("stopPrice %s must be positive for %s", r.StopPrice, r.Type)
		}
	} else if !r.StopPrice.IsZero() {
		bad("stopPrice is not allowed on %s", r.Type)
	}
	switch r.Type {
	case Limit, StopLossLimit, TakeProfitLimit:
		if r.TimeInForce == 0 {
			bad("timeInForce is required for %s", r.Type)
		}
	default:
		if r.TimeInForce != 0 {
			bad("timeInForce is not allowed on %s", r.Type)
		}
	}
	return errors.Join(errs...)
}

// Fill is one execution of an order. Commission is charged in
// CommissionAsset. TradeID is unique per symbol on the venue.
type Fill struct {
	Symbol          string
	ClientID        string
	TradeID         int64
	Side            Side
	Price           num.Decimal
	Qty             num.Decimal
	Commission      num.Decimal
	CommissionAsset string
	Maker           bool
	Time            int64
}

// Order is an order's whole state as the engine knows it. Mutate it only with
// Apply.
type Order struct {
	Request
	// ID is the venue's order id, 0 until acknowledged.
	ID          int64
	Status      Status
	FilledQty   num.Decimal
	FilledQuote num.Decimal
	Created     int64
	Updated     int64
	// RejectCode and RejectReason are the venue's error code and message for a
	// rejected order, or the reason an order expired.
	RejectCode   int
	RejectReason string
	tradeIDs     []int64
}

// NewOrder returns a PENDING_NEW order for r created at time now (Unix ms).
func NewOrder(r Request, now int64) *Order {
	return &Order{Request: r, Status: PendingNew, Created: now, Updated: now}
}

// EventKind says what happened to an order.
type EventKind uint8

// Event kinds.
const (
	// Ack: the venue acknowledged the order (status NEW).
	Ack EventKind = iota + 1
	// Trade: part or all of the order executed; Event.Fill says how much.
	Trade
	// Cancel: the order was canceled.
	Cancel
	// Reject: the venue refused the order; Code and Reason say why.
	Reject
	// Expire: the venue ended the order (IOC/FOK remainder, no liquidity).
	Expire
)

var kindNames = [...]string{"", "ACK", "TRADE", "CANCEL", "REJECT", "EXPIRE"}

// String names k.
func (k EventKind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one change reported for an order.
type Event struct {
	Kind    EventKind
	Time    int64
	OrderID int64
	// Fill is set for Trade.
	Fill Fill
	// Final is set on a Trade event for an order sized by QuoteOrderQty (whose
	// final quantity only the venue knows) when this fill completes it.
	Final  bool
	Code   int
	Reason string
}

// Errors returned by Apply.
var (
	ErrIllegalTransition = errors.New("illegal order transition")
	ErrDuplicateFill     = errors.New("duplicate fill")
	ErrOverfill          = errors.New("fill exceeds order quantity")
)

// Apply is the order state machine: the one place an order changes. An
// illegal transition, a fill seen before (same trade id) or a fill beyond the
// order quantity returns an error and changes nothing.
func (o *Order) Apply(ev *Event) error {
	from := o.Status
	switch ev.Kind {
	case Ack:
		if from != PendingNew {
			return o.illegal(ev)
		}
		o.Status = New
		if ev.OrderID != 0 {
			o.ID = ev.OrderID
		}
	case Trade:
		if from != PendingNew && from != New && from != PartiallyFilled {
			if o.seen(ev.Fill.TradeID) {
				return fmt.Errorf("order %s trade %d: %w", o.ClientID, ev.Fill.TradeID, ErrDuplicateFill)
			}
			return o.illegal(ev)
		}
		if o.seen(ev.Fill.TradeID) {
			return fmt.Errorf("order %s trade %d: %w", o.ClientID, ev.Fill.TradeID, ErrDuplicateFill)
		}
		f := &ev.Fill
		// A fill names its order's symbol, side and client id, or leaves
		// them to the order; one naming another order's is refused.
		if f.Symbol == "" {
			f.Symbol = o.Symbol
		}
		if f.ClientID == "" {
			f.ClientID = o.ClientID
		}
		if f.Side == 0 {
			f.Side = o.Side
		}
		if f.Symbol != o.Symbol || f.ClientID != o.ClientID || f.Side != o.Side {
			return fmt.Errorf("order %s (%s %s): trade %d is for %s %s %s: %w", o.ClientID, o.Symbol, o.Side, f.TradeID, f.ClientID, f.Symbol, f.Side, ErrIllegalTransition)
		}
		if !f.Qty.IsPos() || !f.Price.IsPos() {
			return fmt.Errorf("order %s trade %d: qty %s price %s must be positive: %w", o.ClientID, f.TradeID, f.Qty, f.Price, ErrIllegalTransition)
		}
		qty, err := o.FilledQty.Add(f.Qty)
		if err != nil {
			return fmt.Errorf("order %s: %w", o.ClientID, err)
		}
		notional, err := f.Price.Mul(f.Qty)
		if err != nil {
			return fmt.Errorf("order %s: %w", o.ClientID, err)
		}
		quote, err := o.FilledQuote.Add(notional)
		if err != nil {
			return fmt.Errorf("order %s: %w", o.ClientID, err)
		}
		status := PartiallyFilled
		if o.Quantity.IsPos() {
			switch qty.Cmp(o.Quantity) {
			case 1:
				return fmt.Errorf("order %s: filled %s of %s: %w", o.ClientID, qty, o.Quantity, ErrOverfill)
			case 0:
				status = Filled
			}
		} else {
			if quote.Cmp(o.QuoteOrderQty) > 0 {
				return fmt.Errorf("order %s: filled quote %s of %s: %w", o.ClientID, quote, o.QuoteOrderQty, ErrOverfill)
			}
			if ev.Final {
				status = Filled
			}
		}
		o.FilledQty, o.FilledQuote, o.Status = qty, quote, status
		o.tradeIDs = append(o.tradeIDs, f.TradeID)
		if ev.OrderID != 0 {
			o.ID = ev.OrderID
		}
	case Cancel, Expire:
		if from.Terminal() {
			return o.illegal(ev)
		}
		if ev.Kind == Cancel {
			o.Status = Canceled
		} else {
			o.Status = Expired
		}
		o.RejectCode, o.RejectReason = ev.Code, ev.Reason
	case Reject:
		if from != PendingNew {
			return o.illegal(ev)
		}
		o.Status = Rejected
		o.RejectCode, o.RejectReason = ev.Code, ev.Reason
	default:
		return o.illegal(ev)
	}
	o.Updated = ev.Time
	return nil
}

func (o *Order) illegal(ev *Event) error {
	return fmt.Errorf("order %s: %s in status %s: %w", o.ClientID, ev.Kind, o.Status, ErrIllegalTransition)
}

func (o *Order) seen(tradeID int64) bool {
	for _, id := range o.tradeIDs {
		if id == tradeID {
			return true
		}
	}
	return false
}

// Remaining returns the quantity still to fill (0 for quote-sized orders).
func (o *Order) Remaining() num.Decimal {
	if !o.Quantity.IsPos() {
		return num.Zero
	}
	r, _ := o.Quantity.Sub(o.FilledQty)
	return r
}
