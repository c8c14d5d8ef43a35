// Package order holds the order vocabulary every venue speaks (sides, types,
// time in force, statuses), orders and fills, and the order state machine.
package order

import "fmt"

// Side is BUY or SELL.
type Side uint8

// Sides.
const (
	Buy Side = iota + 1
	Sell
)

// String returns Binance's name for s.
func (s Side) String() string {
	switch s {
	case Buy:
		return "BUY"
	case Sell:
		return "SELL"
	}
	return fmt.Sprintf("Side(%d)", uint8(s))
}

// Opposite returns the other side.
func (s Side) Opposite() Side {
	if s == Buy {
		return Sell
	}
	return Buy
}

// ParseSide reads Binance's name for a side.
func ParseSide(s string) (Side, error) {
	switch s {
	case "BUY":
		return Buy, nil
	case "SELL":
		return Sell, nil
	}
	return 0, fmt.Errorf("unknown side %q (want BUY or SELL)", s)
}

// Type is a Binance spot order type.
type Type uint8

// Order types, named as on Binance spot.
const (
	Market Type = iota + 1
	Limit
	LimitMaker
	StopLoss
	StopLossLimit
	TakeProfit
	TakeProfitLimit
)

var typeNames = [...]string{"", "MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"}

// String returns Binance's name for t.
func (t Type) String() string {
	if int(t) < len(typeNames) && t != 0 {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType reads Binance's name for an order type.
func ParseType(s string) (Type, error) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i), nil
		}
	}
	return 0, fmt.Errorf("unknown order type %q", s)
}

// IsStop reports whether t waits for a stop price (or trailing delta) to trigger.
func (t Type) IsStop() bool {
	return t == StopLoss || t == StopLossLimit || t == TakeProfit || t == TakeProfitLimit
}

// HasLimitPrice reports whether t carries a limit price.
func (t Type) HasLimitPrice() bool {
	return t == Limit || t == LimitMaker || t == StopLossLimit || t == TakeProfitLimit
}

// TimeInForce says how long an order works: GTC, IOC or FOK.
type TimeInForce uint8

// Time-in-force values.
const (
	GTC TimeInForce = iota + 1
	IOC
	FOK
)

// String returns Binance's name for tif.
func (tif TimeInForce) String() string {
	switch tif {
	case GTC:
		return "GTC"
	case IOC:
		return "IOC"
	case FOK:
		return "FOK"
	}
	return ""
}

// ParseTimeInForce reads Binance's name for a time in force.
func ParseTimeInForce(s string) (TimeInForce, error) {
	switch s {
	case "GTC":
		return GTC, nil
	case "IOC":
		return IOC, nil
	case "FOK":
		return FOK, nil
	}
	return 0, fmt.Errorf("unknown timeInForce %q (want GTC, IOC or FOK)", s)
}

// Status is an order's state, with Binance's names.
type Status uint8

// Order statuses. PendingNew is an order the engine has recorded but no venue
// has acknowledged yet.
const (
	PendingNew Status = iota + 1
	New
	PartiallyFilled
	Filled
	Canceled
	Rejected
	Expired
)

var statusNames = [...]string{"", "PENDING_NEW", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED"}

// String returns Binance's name for s.
func (s Status) String() string {
	if int(s) < len(statusNames) && s != 0 {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// ParseStatus reads Binance's name for a status.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if i > 0 && n == s {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("unknown order status %q", s)
}

// Terminal reports whether no further change can happen to an order in s.
func (s Status) Terminal() bool {
	return s == Filled || s == Canceled || s == Rejected || s == Expired
}

// Open reports whether an order in s is working on the venue.
func (s Status) Open() bool { return s == New || s == PartiallyFilled }
