package market

import (
	"errors"
	"fmt"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Kind says which Binance market an instrument trades on. The two markets
// publish the same filter names with different fields and enforce them with
// different error codes.
type Kind uint8

// Markets.
const (
	// Spot is Binance spot (/api/v3).
	Spot Kind = iota + 1
	// FuturesUM is Binance USDⓈ-M futures (/fapi/v1).
	FuturesUM
)

// String returns "spot" or "futures-um".
func (k Kind) String() string {
	switch k {
	case Spot:
		return "spot"
	case FuturesUM:
		return "futures-um"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// TypeSet is a set of order types, one bit per order.Type.
type TypeSet uint16

// TypeSetOf returns the set holding types.
func TypeSetOf(types ...order.Type) TypeSet {
	var s TypeSet
	for _, t := range types {
		if t < 16 {
			s |= 1 << t
		}
	}
	return s
}

// Has reports whether t is in s.
func (s TypeSet) Has(t order.Type) bool { return t < 16 && s&(1<<t) != 0 }

// Instrument is one symbol with the rules its exchange enforces on orders.
//
// Instruments come from ParseExchangeInfo (or DefaultSpot) and are read-only
// afterwards: every method is safe for concurrent use as long as nobody
// modifies the fields. An instrument built by hand must set Types (or Check
// refuses every order type) and, on spot, the asset precisions (0 means whole
// units); its orders take the slower decimal check.
type Instrument struct {
	// Symbol is the exchange's name for the pair, such as "BTCUSDT".
	Symbol string
	// Kind is the market the symbol trades on.
	Kind Kind
	// Status is Binance's symbol status: TRADING, HALT, BREAK, END_OF_DAY,
	// CANCEL_ONLY on spot; TRADING, PENDING_TRADING, SETTLING, CLOSE, ... on
	// futures. Check accepts orders only when it is "TRADING".
	Status string

	// BaseAsset is what is bought and sold ("BTC"); QuoteAsset is what prices
	// are in ("USDT").
	BaseAsset  string
	QuoteAsset string
	// BaseAssetPrecision is the most decimals a quantity may carry and
	// QuoteAssetPrecision the most a price or quote amount may carry (spot).
	BaseAssetPrecision  int
	QuoteAssetPrecision int
	// BaseCommissionPrecision and QuoteCommissionPrecision are the decimals
	// commissions are charged with (spot).
	BaseCommissionPrecision  int
	QuoteCommissionPrecision int

	// OrderTypes lists the order type names the symbol accepts, as Binance
	// sent them (futures names included).
	OrderTypes []string
	// Types is the part of OrderTypes that Check can submit: every spot type
	// on spot, LIMIT and MARKET on futures.
	Types TypeSet
	// TimeInForce lists the accepted time-in-force names (futures only; spot
	// accepts GTC, IOC and FOK everywhere).
	TimeInForce []string

	// Spot order features. Check refuses an order that needs a feature the
	// symbol does not allow.
	IcebergAllowed             bool
	OCOAllowed                 bool
	OTOAllowed                 bool
	QuoteOrderQtyMarketAllowed bool
	AllowTrailingStop          bool
	CancelReplaceAllowed       bool
	AmendAllowed               bool
	IsSpotTradingAllowed       bool
	IsMarginTradingAllowed     bool
	// Permissions and PermissionSets say which account types may trade the
	// symbol; an account needs every permission of at least one set. Futures
	// send a flat permissionSets list, which lands in Permissions.
	Permissions    []string
	PermissionSets [][]string
	// DefaultSelfTradePreventionMode and AllowedSelfTradePreventionModes are
	// the symbol's self-trade prevention settings.
	DefaultSelfTradePreventionMode  string
	AllowedSelfTradePreventionModes []string

	// Futures contract fields; empty or zero on spot. PricePrecision and
	// QuantityPrecision are display precisions: round with the filters'
	// tick and step instead (binance-api.md §11).
	Pair              string // the underlying pair, such as "BTCUSDT"
	ContractType      string // PERPETUAL, CURRENT_QUARTER, ...
	MarginAsset       string // the asset margin is held in
	PricePrecision    int
	QuantityPrecision int
	// TriggerProtect is the largest mark/last price gap (a fraction) at which a
	// price-protected conditional order still triggers.
	TriggerProtect num.Decimal
	// LiquidationFee is the clearance fee rate charged on liquidation.
	LiquidationFee num.Decimal
	// MarketTakeBound is how far from the mark price, as a fraction, a
	// MARKET order may take liquidity.
	MarketTakeBound num.Decimal

	// Filters are the symbol's trading rules.
	Filters Filters

	// minNotionalRejection is the futures -4164 rejection, whose message names
	// this symbol's minimum; ParseExchangeInfo builds it once.
	minNotionalRejection *Rejection
	// fixed holds the filters as integers for the fast check; nil (a
	// hand-built instrument, or values beyond its scale) means the decimal
	// check runs.
	fixed *fixedRules
}

// Errors returned by the sizing helpers; they are wrapped with the values
// involved, so test with errors.Is.
var (
	// ErrNoQuantity means no quantity satisfies the symbol's rules at the
	// given price.
	ErrNoQuantity = errors.New("no quantity satisfies the symbol's rules")
	// ErrBadPrice means a price given to a sizing helper is not positive.
	ErrBadPrice = errors.New("price must be positive")
)

// RoundPrice returns p rounded down to the symbol's tick size, the price to
// send so that PRICE_FILTER's tick rule holds. Without a PRICE_FILTER or with
// a zero tick it returns p unchanged. It does not clamp to minPrice or
// maxPrice; Check reports those. The error is an arithmetic overflow.
func (in *Instrument) RoundPrice(p num.Decimal) (num.Decimal, error) {
	if in.Filters.Price == nil {
		return p, nil
	}
	r, err := p.RoundDown(in.Filters.Price.TickSize)
	if err != nil {
		return num.Zero, fmt.Errorf("round price %s for %s: %w", p, in.Symbol, err)
	}
	return r, nil
}

// RoundQty returns q rounded down to the symbol's LOT_SIZE step and, for a
// MARKET order (market true), also to the MARKET_LOT_SIZE step when that is
// not zero. Binance's market step is a multiple of its lot step, so the result
// satisfies both. It does not clamp to minQty or maxQty; Check reports those.
// The error is an arithmetic overflow.
func (in *Instrument) RoundQty(q num.Decimal, market bool) (num.Decimal, error) {
	r := q
	var err error
	if f := in.Filters.LotSize; f != nil {
		if r, err = r.RoundDown(f.StepSize); err != nil {
			return num.Zero, fmt.Errorf("round quantity %s for %s: %w", q, in.Symbol, err)
		}
	}
	if f := in.Filters.MarketLotSize; market && f != nil {
		if r, err = r.RoundDown(f.StepSize); err != nil {
			return num.Zero, fmt.Errorf("round market quantity %s for %s: %w", q, in.Symbol, err)
		}
	}
	return r, nil
}

// MinQtyFor returns the smallest quantity an order at price p may carry: at
// least LOT_SIZE's minQty, a multiple of its stepSize, and large enough that
// p × quantity meets every minimum notional (MIN_NOTIONAL and NOTIONAL on spot,
// MIN_NOTIONAL on futures). For a MARKET order pass the price Binance values
// it at (the average price on spot, the mark price on futures).
//
// It returns ErrBadPrice when p is not positive and ErrNoQuantity when that
// quantity would exceed LOT_SIZE's maxQty.
func (in *Instrument) MinQtyFor(p num.Decimal) (num.Decimal, error) {
	if !p.IsPos() {
		return num.Zero, fmt.Errorf("minimum quantity for %s at %s: %w", in.Symbol, p, ErrBadPrice)
	}
	f := &in.Filters
	step := in.qtyStep()
	q := num.Zero
	if f.LotSize != nil {
		q = f.LotSize.MinQty
	}
	need := num.Zero
	if f.MinNotional != nil {
		need = num.Max(need, f.MinNotional.MinNotional)
	}
	if f.Notional != nil {
		need = num.Max(need, f.Notional.MinNotional)
	}
	if need.IsPos() {
		nq, err := qtyForNotional(need, p, step)
		if err != nil {
			return num.Zero, fmt.Errorf("minimum quantity for %s at %s: %w", in.Symbol, p, err)
		}
		q = num.Max(q, nq)
	}
	q, err := q.RoundUp(step)
	if err != nil {
		return num.Zero, fmt.Errorf("minimum quantity for %s at %s: %w", in.Symbol, p, err)
	}
	if f.LotSize != nil && f.LotSize.MaxQty.IsPos() && f.LotSize.MaxQty.Less(q) {
		return num.Zero, fmt.Errorf("minimum quantity for %s at %s is %s, above maxQty %s: %w",
			in.Symbol, p, q, f.LotSize.MaxQty, ErrNoQuantity)
	}
	return q, nil
}

// qtyStep is the step quantities move by: LOT_SIZE's stepSize, or one unit
// of the base asset's last decimal when there is none.
func (in *Instrument) qtyStep() num.Decimal {
	if f := in.Filters.LotSize; f != nil && f.StepSize.IsPos() {
		return f.StepSize
	}
	prec := in.BaseAssetPrecision
	if prec < 0 || prec > num.MaxScale {
		prec = num.MaxScale
	}
	return num.MustNew(1, uint8(prec))
}

// qtyForNotional returns the smallest multiple of step whose value at price p
// is at least notional.
func qtyForNotional(notional, p, step num.Decimal) (num.Decimal, error) {
	q, err := notional.Div(p, num.MaxScale)
	if err != nil {
		return num.Zero, err
	}
	if q, err = q.RoundUp(step); err != nil {
		return num.Zero, err
	}
	// Div truncates, so the rounded quantity can still fall a hair short.
	for range 2 {
		v, err := q.Mul(p)
		if err != nil {
			return num.Zero, err
		}
		if !v.Less(notional) {
			return q, nil
		}
		if q, err = q.Add(step); err != nil {
			return num.Zero, err
		}
	}
	return q, nil
}
