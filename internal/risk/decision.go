package risk

import (
	"errors"
	"strconv"

	"github.com/thunes/thunes/internal/num"
)

// Code is the reason of a gate decision: CodeAllowed, or the rule that denied
// the intent. Its String is the stable name journals, logs and alerts use.
// The zero Code is not a decision, so a zero Decision is never allowed.
type Code uint8

// Decision codes. The gate applies its rules in the order listed from
// CodeKillSwitch on and reports the first that fails; CodeInternal, and
// CodeUnknownPrice for a held symbol without a mark, come where the value
// that cannot be had is needed.
const (
	// CodeAllowed means every rule passed.
	CodeAllowed Code = iota + 1
	// CodeKillSwitch: the kill-switch is tripped; every order is denied.
	CodeKillSwitch
	// CodeInvalidIntent: the intent is malformed (no effect or action, a
	// request that fails order.Request.Valid). Detail says why.
	CodeInvalidIntent
	// CodeHalted: the trading state is HALTED; every order is denied.
	CodeHalted
	// CodeReduceOnly: the trading state is REDUCING and the intent is an
	// entry.
	CodeReduceOnly
	// CodeCoolDown: a cool-down after consecutive losses is running and the
	// intent is an entry.
	CodeCoolDown
	// CodeUnknownInstrument: the view has no instrument for the symbol.
	CodeUnknownInstrument
	// CodeNotTrading: the instrument's status is not TRADING; Detail is the
	// status.
	CodeNotTrading
	// CodeUnknownPrice: no positive last price is known for the symbol (or
	// for a symbol held whose value the limits need).
	CodeUnknownPrice
	// CodeStaleMarketData: the last price is older than Config.MaxDataAge (or
	// that far in the future of the clock).
	CodeStaleMarketData
	// CodeUnknownEquity: equity is unknown or not positive.
	CodeUnknownEquity
	// CodeExchangeFilter: the exchange would refuse the order; Detail is its
	// message, such as "Filter failure: LOT_SIZE".
	CodeExchangeFilter
	// CodePriceBand: a limit price lies beyond Config.PriceBandPct of the
	// last trade.
	CodePriceBand
	// CodeOrderRate: Config.OrderRateMax orders were already allowed within
	// the sliding Config.OrderRateWindow.
	CodeOrderRate
	// CodeDuplicateOrder: an identical order was allowed within
	// Config.DuplicateWindow.
	CodeDuplicateOrder
	// CodeNotReducing: an intent said it reduces exposure but the position
	// is flat or on the intent's side.
	CodeNotReducing
	// CodeWouldFlip: a reducing intent is larger than the position, so it
	// would open the other side.
	CodeWouldFlip
	// CodeMaxLeverage: the intent asks for more leverage than
	// Config.MaxLeverage.
	CodeMaxLeverage
	// CodeStopRequired: an entry carries no protective stop-loss price.
	CodeStopRequired
	// CodeStopWrongSide: the stop is not on the losing side of the entry
	// (below it for a buy, above it for a sell).
	CodeStopWrongSide
	// CodeStopTooClose: the stop is nearer the entry than Config.StopMinPct.
	CodeStopTooClose
	// CodeStopTooFar: the stop is farther from the entry than
	// Config.StopMaxPct.
	CodeStopTooFar
	// CodeMaxRiskPerTrade: the loss at the stop exceeds
	// Config.RiskPerTradePct of equity.
	CodeMaxRiskPerTrade
	// CodeMaxOpenRisk: open risk plus this entry's exceeds
	// Config.OpenRiskPct of equity.
	CodeMaxOpenRisk
	// CodeMaxPositionValue: the symbol's position value would exceed
	// Config.MaxPositionPct of equity.
	CodeMaxPositionValue
	// CodeMaxOpenPositions: the entry would hold more than
	// Config.MaxOpenPositions symbols.
	CodeMaxOpenPositions
	// CodeMaxExposure: all positions together would exceed
	// Config.MaxExposurePct of equity.
	CodeMaxExposure
	// CodeMaxCorrelatedExposure: the symbols correlated with the intent's
	// would together exceed Config.MaxCorrelatedPct of equity.
	CodeMaxCorrelatedExposure
	// CodeInternal: arithmetic overflowed or the view reported an impossible
	// value; Detail says what. The gate denies rather than guess.
	CodeInternal

	numCodes // not a code: one past the last
)

var codeNames = [numCodes]string{
	"", "ALLOWED", "KILL_SWITCH", "INVALID_INTENT", "HALTED", "REDUCE_ONLY", "COOL_DOWN",
	"UNKNOWN_INSTRUMENT", "NOT_TRADING", "UNKNOWN_PRICE", "STALE_MARKET_DATA", "UNKNOWN_EQUITY",
	"EXCHANGE_FILTER", "PRICE_BAND", "ORDER_RATE", "DUPLICATE_ORDER", "NOT_REDUCING", "WOULD_FLIP",
	"MAX_LEVERAGE", "STOP_REQUIRED", "STOP_WRONG_SIDE", "STOP_TOO_CLOSE", "STOP_TOO_FAR",
	"MAX_RISK_PER_TRADE", "MAX_OPEN_RISK", "MAX_POSITION_VALUE", "MAX_OPEN_POSITIONS", "MAX_EXPOSURE",
	"MAX_CORRELATED_EXPOSURE", "INTERNAL",
}

// String returns the code's stable name, such as "MAX_RISK_PER_TRADE".
func (c Code) String() string {
	if c > 0 && c < numCodes {
		return codeNames[c]
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// MaxValues is how many values a Decision carries at most.
const MaxValues = 4

// Value is one figure a rule compared, such as risk=1.8%.
type Value struct {
	// Name is the figure's name ("risk", "max"); empty marks an unused slot.
	Name string
	// Num is the figure, exact.
	Num num.Decimal
	// Unit follows the number when printed: "%", "s" or "".
	Unit string
}

// Decision is the gate's answer to an intent. Only Code == CodeAllowed allows
// it; the zero Decision denies. A denial carries the values its rule
// compared so that the text can be built when someone reads it: building it
// costs allocations the allow path must not pay.
type Decision struct {
	// Code is CodeAllowed or the reason for the denial.
	Code Code
	// Symbol is the intent's symbol.
	Symbol string
	// Detail is free text some codes carry: the exchange's message, the
	// instrument status, what was malformed.
	Detail string
	// Vals are the values the rule compared, in print order; unused slots
	// have an empty Name.
	Vals [MaxValues]Value
}

// Allowed reports whether the intent may go to the venue.
func (d *Decision) Allowed() bool { return d.Code == CodeAllowed }

// String formats the decision as CODE: name=value… (detail), such as
// "MAX_RISK_PER_TRADE: risk=1.8% max=1% amount=180 limit=100 (BTCUSDT)".
// An allowed decision prints "ALLOWED (SYMBOL)".
func (d Decision) String() string {
	b := make([]byte, 0, 128)
	b = append(b, d.Code.String()...)
	sep := ": "
	for i := range d.Vals {
		v := &d.Vals[i]
		if v.Name == "" {
			continue
		}
		b = append(b, sep...)
		sep = " "
		b = append(b, v.Name...)
		b = append(b, '=')
		b, _ = v.Num.AppendText(b)
		b = append(b, v.Unit...)
	}
	if d.Detail != "" {
		b = append(b, sep...)
		b = append(b, d.Detail...)
	}
	if d.Symbol != "" {
		b = append(b, " ("...)
		b = append(b, d.Symbol...)
		b = append(b, ')')
	}
	return string(b)
}

// ErrDenied is wrapped by every error Err returns, so callers can test
// errors.Is(err, risk.ErrDenied).
var ErrDenied = errors.New("denied by risk gate")

// DeniedError is the error form of a denial.
type DeniedError struct {
	// Decision is the denial.
	Decision Decision
}

// Error returns the decision's text.
func (e *DeniedError) Error() string { return e.Decision.String() }

// Unwrap returns ErrDenied.
func (e *DeniedError) Unwrap() error { return ErrDenied }

// Err returns nil for an allowed decision and a *DeniedError otherwise, the
// shape engine.RiskGate expects.
func (d *Decision) Err() error {
	if d.Allowed() {
		return nil
	}
	return &DeniedError{Decision: *d}
}

// deny returns a denial of code for symbol.
func deny(code Code, symbol string) Decision {
	return Decision{Code: code, Symbol: symbol}
}

// with sets the next free value slot.
func (d Decision) with(name string, v num.Decimal, unit string) Decision {
	for i := range d.Vals {
		if d.Vals[i].Name == "" {
			d.Vals[i] = Value{Name: name, Num: v, Unit: unit}
			return d
		}
	}
	return d
}

// withDetail sets Detail.
func (d Decision) withDetail(s string) Decision {
	d.Detail = s
	return d
}

// percentOf returns part ÷ whole in percent, truncated to 4 decimals, for a
// denial's text. A failed division (whole zero) returns 0; the exact amounts
// travel next to it.
func percentOf(part, whole num.Decimal) num.Decimal {
	p, err := part.Mul(num.FromInt(100))
	if err != nil {
		return num.Zero
	}
	q, err := p.Div(whole, 4)
	if err != nil {
		return num.Zero
	}
	return q
}

// seconds returns a millisecond count as seconds with 3 decimals.
func seconds(ms int64) num.Decimal {
	return num.MustNew(ms, 3)
}
