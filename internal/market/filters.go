package market

import (
	"encoding/json"
	"math/bits"
	"strconv"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Binance's filter names, as they appear in exchangeInfo's filterType and in
// "Filter failure: <NAME>" rejections.
const (
	FilterPrice               = "PRICE_FILTER"
	FilterPercentPrice        = "PERCENT_PRICE"
	FilterPercentPriceBySide  = "PERCENT_PRICE_BY_SIDE"
	FilterLotSize             = "LOT_SIZE"
	FilterMarketLotSize       = "MARKET_LOT_SIZE"
	FilterMinNotional         = "MIN_NOTIONAL"
	FilterNotional            = "NOTIONAL"
	FilterIcebergParts        = "ICEBERG_PARTS"
	FilterMaxNumOrders        = "MAX_NUM_ORDERS"
	FilterMaxNumAlgoOrders    = "MAX_NUM_ALGO_ORDERS"
	FilterMaxNumIcebergOrders = "MAX_NUM_ICEBERG_ORDERS"
	FilterMaxNumOrderLists    = "MAX_NUM_ORDER_LISTS"
	FilterMaxNumOrderAmends   = "MAX_NUM_ORDER_AMENDS"
	FilterMaxPosition         = "MAX_POSITION"
	FilterTrailingDelta       = "TRAILING_DELTA"
)

// Filters are a symbol's trading rules. A nil pointer or a zero limit means
// the symbol does not have that filter. Within a filter, a zero bound is "off"
// where Binance says so (PRICE_FILTER's three settings, MARKET_LOT_SIZE's
// minQty and stepSize); ParseExchangeInfo refuses zeros that would make a
// filter meaningless (a LOT_SIZE without a step, a zero order limit).
type Filters struct {
	// Price is PRICE_FILTER: the range and tick of price and stopPrice.
	Price *PriceFilter
	// PercentPrice is PERCENT_PRICE: the price band around the average price
	// on spot, around the mark price on futures.
	PercentPrice *PercentPriceFilter
	// PercentPriceBySide is PERCENT_PRICE_BY_SIDE: one band per side.
	PercentPriceBySide *PercentPriceBySideFilter
	// LotSize is LOT_SIZE: the range and step of quantity and icebergQty.
	LotSize *LotSizeFilter
	// MarketLotSize is MARKET_LOT_SIZE: the range and step of a MARKET
	// order's quantity.
	MarketLotSize *LotSizeFilter
	// MinNotional is MIN_NOTIONAL (spot's older filter; the only notional
	// filter on futures, where reduce-only orders are exempt).
	MinNotional *MinNotionalFilter
	// Notional is spot's NOTIONAL: minimum and maximum price × quantity.
	Notional *NotionalFilter
	// TrailingDelta is TRAILING_DELTA: the allowed trailingDelta range.
	TrailingDelta *TrailingDeltaFilter
	// MaxPosition is MAX_POSITION: the most base asset a BUY may bring the
	// account to.
	MaxPosition *MaxPositionFilter

	// IcebergParts is ICEBERG_PARTS' limit: the most parts, ceil(quantity ÷
	// icebergQty), an iceberg order may have. 0 means no filter.
	IcebergParts int64
	// MaxNumOrders is MAX_NUM_ORDERS: the most open orders (normal and algo)
	// on the symbol. 0 means no filter.
	MaxNumOrders int64
	// MaxNumAlgoOrders is MAX_NUM_ALGO_ORDERS: the most open STOP_LOSS*,
	// TAKE_PROFIT* orders on the symbol. 0 means no filter.
	MaxNumAlgoOrders int64
	// MaxNumIcebergOrders is MAX_NUM_ICEBERG_ORDERS: the most open orders with
	// an icebergQty. 0 means no filter.
	MaxNumIcebergOrders int64
	// MaxNumOrderLists is MAX_NUM_ORDER_LISTS: the most open order lists. It
	// is kept for callers that place lists; Check does not apply it.
	MaxNumOrderLists int64
	// MaxNumOrderAmends is MAX_NUM_ORDER_AMENDS: the most amendments per
	// order. It is kept for callers that amend; Check does not apply it.
	MaxNumOrderAmends int64

	// Other holds filters of types this package does not know, as Binance
	// sent them. Binance adds filter types from time to time; they are kept so
	// nothing is lost, and not enforced.
	Other []RawFilter
}

// PriceFilter is PRICE_FILTER. Each setting is off when zero.
type PriceFilter struct {
	MinPrice num.Decimal // lowest price and stopPrice; 0 is no minimum
	MaxPrice num.Decimal // highest price and stopPrice; 0 is no maximum
	TickSize num.Decimal // prices are whole multiples of it; 0 is any price
}

// PercentPriceFilter is PERCENT_PRICE: a price must lie within
// [ref × MultiplierDown, ref × MultiplierUp], where ref is the average price on
// spot and the mark price on futures.
type PercentPriceFilter struct {
	MultiplierUp   num.Decimal // highest price ÷ reference price; positive
	MultiplierDown num.Decimal // lowest price ÷ reference price; ≤ MultiplierUp
	// AvgPriceMins is the spot averaging window in minutes (0: last price).
	AvgPriceMins int64
	// MultiplierDecimal is the futures multipliers' precision.
	MultiplierDecimal int64
}

// PercentPriceBySideFilter is PERCENT_PRICE_BY_SIDE: a BUY price must lie
// within [avg × BidMultiplierDown, avg × BidMultiplierUp] and a SELL price
// within the Ask band.
type PercentPriceBySideFilter struct {
	BidMultiplierUp   num.Decimal // highest BUY price ÷ average price
	BidMultiplierDown num.Decimal // lowest BUY price ÷ average price
	AskMultiplierUp   num.Decimal // highest SELL price ÷ average price
	AskMultiplierDown num.Decimal // lowest SELL price ÷ average price
	// AvgPriceMins is the averaging window in minutes (0: last price).
	AvgPriceMins int64
}

// LotSizeFilter is LOT_SIZE or MARKET_LOT_SIZE: minQty ≤ q ≤ maxQty and
// q a multiple of StepSize (no minQty offset since 2023-03). In
// MARKET_LOT_SIZE each setting is off when zero.
type LotSizeFilter struct {
	MinQty   num.Decimal // smallest quantity, in the base asset
	MaxQty   num.Decimal // largest quantity; 0 (MARKET_LOT_SIZE only) is no maximum
	StepSize num.Decimal // quantities are whole multiples of it; 0 (MARKET_LOT_SIZE only) is any
}

// MinNotionalFilter is MIN_NOTIONAL: price × quantity ≥ MinNotional. On spot
// it applies to MARKET orders only when ApplyToMarket; on futures (field
// "notional") it applies to every order that is not reduce-only.
type MinNotionalFilter struct {
	MinNotional   num.Decimal // smallest price × quantity, in the quote asset
	ApplyToMarket bool        // whether MARKET orders are held to it
	// AvgPriceMins is the spot averaging window in minutes (0: last price).
	AvgPriceMins int64
}

// NotionalFilter is NOTIONAL: MinNotional ≤ price × quantity ≤ MaxNotional.
// For MARKET orders the minimum applies only when ApplyMinToMarket and the
// maximum only when ApplyMaxToMarket. A zero MaxNotional is no maximum.
type NotionalFilter struct {
	MinNotional      num.Decimal // smallest price × quantity, in the quote asset
	ApplyMinToMarket bool        // whether MARKET orders are held to MinNotional
	MaxNotional      num.Decimal // largest price × quantity; 0 is no maximum
	ApplyMaxToMarket bool        // whether MARKET orders are held to MaxNotional
	// AvgPriceMins is the averaging window in minutes (0: last price).
	AvgPriceMins int64
}

// TrailingDeltaFilter is TRAILING_DELTA, in basis points. The Above pair
// bounds STOP_LOSS(_LIMIT) BUY and TAKE_PROFIT(_LIMIT) SELL, whose stop sits
// above the market; the Below pair bounds the other side. A zero maximum is no
// maximum.
type TrailingDeltaFilter struct {
	MinTrailingAboveDelta int64 // smallest delta of a stop above the market
	MaxTrailingAboveDelta int64 // largest delta of a stop above the market
	MinTrailingBelowDelta int64 // smallest delta of a stop below the market
	MaxTrailingBelowDelta int64 // largest delta of a stop below the market
}

// MaxPositionFilter is MAX_POSITION: a BUY is refused when the account's
// position (free and locked base asset plus all open BUY quantity) plus the
// order's quantity exceeds MaxPosition.
type MaxPositionFilter struct {
	MaxPosition num.Decimal // in the base asset; positive
}

// RawFilter is a filter kept as Binance sent it.
type RawFilter struct {
	// Type is the filterType.
	Type string
	// JSON is the whole filter object.
	JSON json.RawMessage
}

// OrderCheck describes an order to check, in the terms Binance's order
// endpoint takes. A zero decimal or zero TrailingDelta means the parameter is
// not sent.
type OrderCheck struct {
	Side order.Side // BUY or SELL
	Type order.Type // spot: any type; futures: LIMIT or MARKET
	// Price is the limit price, for LIMIT, LIMIT_MAKER and the *_LIMIT types.
	Price num.Decimal
	// StopPrice is the trigger price of STOP_LOSS* and TAKE_PROFIT* orders.
	StopPrice num.Decimal
	// Quantity is in the base asset.
	Quantity num.Decimal
	// QuoteOrderQty is the quote amount of a spot MARKET order sent without a
	// quantity.
	QuoteOrderQty num.Decimal
	// IcebergQty is the visible quantity of an iceberg order.
	IcebergQty num.Decimal
	// TrailingDelta is the trailing stop distance in basis points (100 = 1%).
	TrailingDelta int64
	// ReduceOnly marks a futures order that may only shrink a position; it is
	// exempt from MIN_NOTIONAL.
	ReduceOnly bool
}

// Conditions is what Binance knows besides the order when it checks it: the
// prices the percent and notional rules use, and the account's open orders
// on the symbol.
type Conditions struct {
	// AvgPrice is the spot price PERCENT_PRICE, PERCENT_PRICE_BY_SIDE and the
	// MARKET-order notional rules use: the symbol's reference price when it
	// has one, else the average price over avgPriceMins (the last price when
	// that is 0). Zero means unknown: a check that needs it is refused.
	AvgPrice num.Decimal
	// MarkPrice is the futures mark price, which PERCENT_PRICE and MARKET
	// order notional use. Zero means unknown: a check that needs it is refused.
	MarkPrice num.Decimal
	// OpenOrders counts the account's open orders on the symbol, algo orders
	// included (an OCO counts as 2).
	OpenOrders int
	// OpenAlgoOrders counts the open STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT
	// and TAKE_PROFIT_LIMIT orders on the symbol.
	OpenAlgoOrders int
	// OpenIcebergOrders counts the open orders with an icebergQty.
	OpenIcebergOrders int
	// Position is the account's free plus locked base asset plus the quantity
	// of all its open BUY orders on the symbol, for MAX_POSITION.
	Position num.Decimal
}

// Rejection is Binance's answer to an order it refuses: the error code and
// message exactly as Binance sends them, and the filter that failed.
//
// Rejections returned by Check are shared and must not be modified.
type Rejection struct {
	// Code is Binance's error code: -1013 for spot filter failures, -4xxx for
	// futures filters, -1102/-1106/-1111/... for bad parameters, -2010 for
	// orders the matching engine refuses. 0 marks a refusal thunes makes where
	// Binance would need data the caller did not give (an unknown average or
	// mark price) or where Binance's answer is not documented.
	Code int
	// Msg is Binance's message, such as "Filter failure: LOT_SIZE".
	Msg string
	// Filter names the filter that failed, such as "LOT_SIZE"; it is empty
	// when the order was refused before the filters.
	Filter string
}

// Error returns the code and message, so a Rejection can travel as an error.
func (r *Rejection) Error() string {
	if r.Code == 0 {
		return r.Msg
	}
	return "binance " + strconv.Itoa(r.Code) + ": " + r.Msg
}

// rejection indexes the shared rejections.
type rejection uint8

const (
	rejNone rejection = iota

	// Spot filter failures (-1013).
	rejPriceFilter
	rejPercentPrice
	rejPercentPriceBySide
	rejLotSize
	rejMarketLotSize
	rejMinNotional
	rejNotional
	rejIcebergParts
	rejTrailingDelta
	rejMaxNumOrders
	rejMaxNumAlgoOrders
	rejMaxNumIcebergOrders
	rejMaxPosition

	// Spot refusals before the filters.
	rejMarketClosed
	rejInvalidSide
	rejInvalidType
	rejUnsupportedCombination
	rejMarketUnsupported
	rejStopLossUnsupported
	rejStopLossLimitUnsupported
	rejTakeProfitUnsupported
	rejTakeProfitLimitUnsupported
	rejIcebergUnsupported
	rejQuoteQtyUnsupported
	rejTrailingUnsupported
	rejIcebergExceedsQty
	rejQtyOrQuoteQtyMissing
	rejOptionalCombo

	rejMissingPrice
	rejMissingStopPrice
	rejMissingQuantity
	rejMissingQuoteOrderQty
	rejMissingIcebergQty
	rejMissingTrailingDelta

	rejNotRequiredPrice
	rejNotRequiredStopPrice
	rejNotRequiredQuoteOrderQty
	rejNotRequiredIcebergQty
	rejNotRequiredTrailingDelta

	rejPrecisionPrice
	rejPrecisionStopPrice
	rejPrecisionQuantity
	rejPrecisionQuoteOrderQty
	rejPrecisionIcebergQty

	// Missing market data (thunes' own refusals).
	rejNoAvgPricePercentPrice
	rejNoAvgPricePercentPriceBySide
	rejNoAvgPriceLotSize
	rejNoAvgPriceMinNotional
	rejNoAvgPriceNotional
	rejNoMarkPricePercentPrice
	rejNoMarkPriceMinNotional

	// Futures.
	rejFuturesNotTrading
	rejFuturesPriceNegative
	rejFuturesPriceAboveMax
	rejFuturesQtyNotPositive
	rejFuturesQtyBelowMin
	rejFuturesQtyAboveMax
	rejFuturesMarketQtyBelowMin
	rejFuturesMarketQtyAboveMax
	rejFuturesMarketQtyStep
	rejFuturesPriceBelowMin
	rejFuturesPriceTick
	rejFuturesAboveMultiplierUp
	rejFuturesQtyStep
	rejFuturesBelowMultiplierDown
	rejFuturesMaxOpenOrders
	rejFuturesMinNotional // per instrument: see Instrument.futuresMinNotional

	numRejections
)

// Codes Binance uses.
const (
	codeInvalidMessage     = -1013 // filter failures
	codeMandatoryParam     = -1102
	codeParamNotNeeded     = -1106
	codeBadPrecision       = -1111
	codeInvalidType        = -1116
	codeInvalidSide        = -1117
	codeOptionalCombo      = -1128
	codeNewOrderReject     = -2010
	codeMaxOpenOrders      = -2025
	codeFuturesMinNotional = -4164
)

// rejections holds every rejection Check can return, so the check never
// builds one. It is read-only. Messages are Binance's (spot errors.md and the
// USDⓈ-M error-code page; binance-api.md §4, §9).
var rejections = [numRejections]Rejection{
	rejPriceFilter:         {codeInvalidMessage, "Filter failure: PRICE_FILTER", FilterPrice},
	rejPercentPrice:        {codeInvalidMessage, "Filter failure: PERCENT_PRICE", FilterPercentPrice},
	rejPercentPriceBySide:  {codeInvalidMessage, "Filter failure: PERCENT_PRICE_BY_SIDE", FilterPercentPriceBySide},
	rejLotSize:             {codeInvalidMessage, "Filter failure: LOT_SIZE", FilterLotSize},
	rejMarketLotSize:       {codeInvalidMessage, "Filter failure: MARKET_LOT_SIZE", FilterMarketLotSize},
	rejMinNotional:         {codeInvalidMessage, "Filter failure: MIN_NOTIONAL", FilterMinNotional},
	rejNotional:            {codeInvalidMessage, "Filter failure: NOTIONAL", FilterNotional},
	rejIcebergParts:        {codeInvalidMessage, "Filter failure: ICEBERG_PARTS", FilterIcebergParts},
	rejTrailingDelta:       {codeInvalidMessage, "Filter failure: TRAILING_DELTA", FilterTrailingDelta},
	rejMaxNumOrders:        {codeInvalidMessage, "Filter failure: MAX_NUM_ORDERS", FilterMaxNumOrders},
	rejMaxNumAlgoOrders:    {codeInvalidMessage, "Filter failure: MAX_NUM_ALGO_ORDERS", FilterMaxNumAlgoOrders},
	rejMaxNumIcebergOrders: {codeInvalidMessage, "Filter failure: MAX_NUM_ICEBERG_ORDERS", FilterMaxNumIcebergOrders},
	rejMaxPosition:         {codeInvalidMessage, "Filter failure: MAX_POSITION", FilterMaxPosition},

	rejMarketClosed:               {codeNewOrderReject, "Market is closed.", ""},
	rejInvalidSide:                {codeInvalidSide, "Invalid side.", ""},
	rejInvalidType:                {codeInvalidType, "Invalid orderType.", ""},
	rejUnsupportedCombination:     {codeNewOrderReject, "Unsupported order combination", ""},
	rejMarketUnsupported:          {codeNewOrderReject, "Market orders are not supported for this symbol.", ""},
	rejStopLossUnsupported:        {codeNewOrderReject, "Stop loss orders are not supported for this symbol.", ""},
	rejStopLossLimitUnsupported:   {codeNewOrderReject, "Stop loss limit orders are not supported for this symbol.", ""},
	rejTakeProfitUnsupported:      {codeNewOrderReject, "Take profit orders are not supported for this symbol.", ""},
	rejTakeProfitLimitUnsupported: {codeNewOrderReject, "Take profit limit orders are not supported for this symbol.", ""},
	rejIcebergUnsupported:         {codeNewOrderReject, "Iceberg orders are not supported for this symbol.", ""},
	rejQuoteQtyUnsupported:        {codeNewOrderReject, "Quote order qty market orders are not support for this symbol.", ""},
	rejTrailingUnsupported:        {codeNewOrderReject, "Trailing stop orders are not supported for this symbol.", ""},
	rejIcebergExceedsQty:          {codeNewOrderReject, "IcebergQty exceeds QTY.", ""},
	rejQtyOrQuoteQtyMissing:       {codeMandatoryParam, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!", ""},
	rejOptionalCombo:              {codeOptionalCombo, "Combination of optional parameters invalid.", ""},

	rejMissingPrice:         {codeMandatoryParam, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.", ""},
	rejMissingStopPrice:     {codeMandatoryParam, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.", ""},
	rejMissingQuantity:      {codeMandatoryParam, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.", ""},
	rejMissingQuoteOrderQty: {codeMandatoryParam, "Mandatory parameter 'quoteOrderQty' was not sent, was empty/null, or malformed.", ""},
	rejMissingIcebergQty:    {codeMandatoryParam, "Mandatory parameter 'icebergQty' was not sent, was empty/null, or malformed.", ""},
	rejMissingTrailingDelta: {codeMandatoryParam, "Mandatory parameter 'trailingDelta' was not sent, was empty/null, or malformed.", ""},

	rejNotRequiredPrice:         {codeParamNotNeeded, "Parameter 'price' sent when not required.", ""},
	rejNotRequiredStopPrice:     {codeParamNotNeeded, "Parameter 'stopPrice' sent when not required.", ""},
	rejNotRequiredQuoteOrderQty: {codeParamNotNeeded, "Parameter 'quoteOrderQty' sent when not required.", ""},
	rejNotRequiredIcebergQty:    {codeParamNotNeeded, "Parameter 'icebergQty' sent when not required.", ""},
	rejNotRequiredTrailingDelta: {codeParamNotNeeded, "Parameter 'trailingDelta' sent when not required.", ""},

	rejPrecisionPrice:         {codeBadPrecision, "Parameter 'price' has too much precision.", ""},
	rejPrecisionStopPrice:     {codeBadPrecision, "Parameter 'stopPrice' has too much precision.", ""},
	rejPrecisionQuantity:      {codeBadPrecision, "Parameter 'quantity' has too much precision.", ""},
	rejPrecisionQuoteOrderQty: {codeBadPrecision, "Parameter 'quoteOrderQty' has too much precision.", ""},
	rejPrecisionIcebergQty:    {codeBadPrecision, "Parameter 'icebergQty' has too much precision.", ""},

	rejNoAvgPricePercentPrice:       {0, "No average price is known; PERCENT_PRICE cannot be checked.", FilterPercentPrice},
	rejNoAvgPricePercentPriceBySide: {0, "No average price is known; PERCENT_PRICE_BY_SIDE cannot be checked.", FilterPercentPriceBySide},
	rejNoAvgPriceLotSize:            {0, "No average price is known; the quantity of a quoteOrderQty order cannot be checked.", FilterLotSize},
	rejNoAvgPriceMinNotional:        {0, "No average price is known; MIN_NOTIONAL cannot be checked.", FilterMinNotional},
	rejNoAvgPriceNotional:           {0, "No average price is known; NOTIONAL cannot be checked.", FilterNotional},
	rejNoMarkPricePercentPrice:      {0, "No mark price is known; PERCENT_PRICE cannot be checked.", FilterPercentPrice},
	rejNoMarkPriceMinNotional:       {0, "No mark price is known; MIN_NOTIONAL cannot be checked.", FilterMinNotional},

	rejFuturesNotTrading:          {0, "Symbol is not trading.", ""},
	rejFuturesPriceNegative:       {-4001, "Price less than 0.", FilterPrice},
	rejFuturesPriceAboveMax:       {-4002, "Price greater than max price.", FilterPrice},
	rejFuturesQtyNotPositive:      {-4003, "Quantity less than zero.", FilterLotSize},
	rejFuturesQtyBelowMin:         {-4004, "Quantity less than min quantity.", FilterLotSize},
	rejFuturesQtyAboveMax:         {-4005, "Quantity greater than max quantity.", FilterLotSize},
	rejFuturesMarketQtyBelowMin:   {-4004, "Quantity less than min quantity.", FilterMarketLotSize},
	rejFuturesMarketQtyAboveMax:   {-4005, "Quantity greater than max quantity.", FilterMarketLotSize},
	rejFuturesMarketQtyStep:       {-4023, "Qty not increased by step size.", FilterMarketLotSize},
	rejFuturesPriceBelowMin:       {-4013, "Price less than min price.", FilterPrice},
	rejFuturesPriceTick:           {-4014, "Price not increased by tick size.", FilterPrice},
	rejFuturesAboveMultiplierUp:   {-4016, "Price is higher than mark price multiplier cap.", FilterPercentPrice},
	rejFuturesQtyStep:             {-4023, "Qty not increased by step size.", FilterLotSize},
	rejFuturesBelowMultiplierDown: {-4024, "Price is lower than mark price multiplier floor.", FilterPercentPrice},
	rejFuturesMaxOpenOrders:       {codeMaxOpenOrders, "Reach max open order limit.", FilterMaxNumOrders},
}

// reject returns the shared rejection k, or nil for rejNone.
func reject(k rejection) *Rejection {
	if k == rejNone {
		return nil
	}
	return &rejections[k]
}

// futuresMinNotionalRejection builds the -4164 rejection, whose message
// carries the symbol's minimum as Binance wrote it.
func futuresMinNotionalRejection(min num.Decimal) *Rejection {
	return &Rejection{
		Code:   codeFuturesMinNotional,
		Msg:    "Order's notional must be no smaller than " + min.Format() + " (unless you choose reduce only)",
		Filter: FilterMinNotional,
	}
}

// Check applies the symbol's rules to o the way Binance does and returns nil
// when Binance would accept the order, or the rejection Binance would send.
// m gives the prices and open-order counts the rules need; nil means none are
// known, which refuses any order whose check needs a price.
//
// Spot checks run in this order, and the first failure is returned: symbol
// status; side and type; parameters (mandatory, not required, feature flags,
// precision); PRICE_FILTER; PERCENT_PRICE; PERCENT_PRICE_BY_SIDE; LOT_SIZE;
// MARKET_LOT_SIZE; MIN_NOTIONAL; NOTIONAL; ICEBERG_PARTS; TRAILING_DELTA;
// MAX_NUM_ORDERS; MAX_NUM_ALGO_ORDERS; MAX_NUM_ICEBERG_ORDERS; MAX_POSITION.
// Binance does not document which failure it reports first when several
// apply; this order is fixed so results are deterministic.
//
// Futures checks (LIMIT and MARKET, the types /fapi/v1/order takes) run:
// status; side and type; parameters; PRICE_FILTER (-4013, -4002, -4014);
// LOT_SIZE and, for MARKET, MARKET_LOT_SIZE (-4003, -4004, -4005, -4023);
// PERCENT_PRICE against the mark price (-4016, -4024); MIN_NOTIONAL (-4164,
// waived for reduce-only); MAX_NUM_ORDERS (-2025).
//
// o must not be nil. Check is safe for concurrent use and does not allocate
// (except for the -4164 rejection of a futures instrument built by hand
// rather than parsed).
func (in *Instrument) Check(o *OrderCheck, m *Conditions) *Rejection {
	var none Conditions
	if m == nil {
		m = &none
	}
	k, _ := in.check(o, m, true)
	if k == rejFuturesMinNotional {
		return in.futuresMinNotional()
	}
	return reject(k)
}

// check runs the rules, which exist in two implementations. The decimal one
// is the reference: it reads like Binance's documentation and takes any
// value. The fixed-point one (fixedRules) works on int64 coefficients at one
// scale and decides when every value of the order fits that scale, the usual
// case. Both share the steps that need no arithmetic, and the tests hold them
// to identical results. With fast set, check tries the fixed-point one first;
// fixed reports whether it decided.
func (in *Instrument) check(o *OrderCheck, m *Conditions, fast bool) (k rejection, fixed bool) {
	if in.Kind == FuturesUM {
		if in.Status != "TRADING" {
			return rejFuturesNotTrading, false
		}
		if k := checkFuturesKind(in, o); k != rejNone {
			return k, false
		}
		if fast && in.fixed != nil {
			if k, ok := in.fixed.checkFutures(in, o, m); ok {
				return k, true
			}
		}
		return in.checkFuturesDecimal(o, m), false
	}
	if in.Status != "TRADING" {
		return rejMarketClosed, false
	}
	if k := in.checkSpotKind(o); k != rejNone {
		return k, false
	}
	if fast && in.fixed != nil {
		if k, ok := in.fixed.checkSpot(in, o, m); ok {
			return k, true
		}
	}
	return in.checkSpotDecimal(o, m), false
}

// checkSpotKind checks side, type and the symbol's order types.
func (in *Instrument) checkSpotKind(o *OrderCheck) rejection {
	if o.Side != order.Buy && o.Side != order.Sell {
		return rejInvalidSide
	}
	if o.Type < order.Market || o.Type > order.TakeProfitLimit {
		return rejInvalidType
	}
	if !in.Types.Has(o.Type) {
		switch o.Type {
		case order.Market:
			return rejMarketUnsupported
		case order.StopLoss:
			return rejStopLossUnsupported
		case order.StopLossLimit:
			return rejStopLossLimitUnsupported
		case order.TakeProfit:
			return rejTakeProfitUnsupported
		case order.TakeProfitLimit:
			return rejTakeProfitLimitUnsupported
		}
		return rejUnsupportedCombination
	}
	return rejNone
}

// orderShape is what the parameter checks need to know of an order's numbers.
type orderShape struct {
	price, stop, qty, quote, iceberg int // signs: -1, 0 or +1
	icebergBelowQty                  bool
}

func sign(v int64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// checkSpotParams checks what Binance checks before any filter, precision
// aside: which parameters the type needs or refuses, and the symbol's feature
// flags.
func (in *Instrument) checkSpotParams(o *OrderCheck, s *orderShape) rejection {
	if o.Type.HasLimitPrice() {
		if s.price <= 0 {
			return rejMissingPrice
		}
	} else if s.price != 0 {
		return rejNotRequiredPrice
	}

	if o.Type.IsStop() {
		if s.stop < 0 || (s.stop == 0 && o.TrailingDelta == 0) {
			return rejMissingStopPrice
		}
		if o.TrailingDelta < 0 {
			return rejMissingTrailingDelta
		}
		if o.TrailingDelta != 0 && !in.AllowTrailingStop {
			return rejTrailingUnsupported
		}
	} else {
		if s.stop != 0 {
			return rejNotRequiredStopPrice
		}
		if o.TrailingDelta != 0 {
			return rejNotRequiredTrailingDelta
		}
	}

	if o.Type == order.Market {
		switch {
		case s.qty < 0:
			return rejMissingQuantity
		case s.quote < 0:
			return rejMissingQuoteOrderQty
		case s.qty == 0 && s.quote == 0:
			return rejQtyOrQuoteQtyMissing
		case s.qty != 0 && s.quote != 0:
			return rejOptionalCombo
		case s.quote != 0 && !in.QuoteOrderQtyMarketAllowed:
			return rejQuoteQtyUnsupported
		}
	} else {
		if s.qty <= 0 {
			return rejMissingQuantity
		}
		if s.quote != 0 {
			return rejNotRequiredQuoteOrderQty
		}
	}

	if s.iceberg != 0 {
		switch {
		case s.iceberg < 0:
			return rejMissingIcebergQty
		case !icebergType(o.Type):
			return rejNotRequiredIcebergQty
		case !in.IcebergAllowed:
			return rejIcebergUnsupported
		case !s.icebergBelowQty:
			return rejIcebergExceedsQty
		}
	}
	return rejNone
}

// checkSpotDecimal is the reference spot check, after status, side and type.
func (in *Instrument) checkSpotDecimal(o *OrderCheck, m *Conditions) rejection {
	shape := orderShape{
		price: o.Price.Sign(), stop: o.StopPrice.Sign(), qty: o.Quantity.Sign(),
		quote: o.QuoteOrderQty.Sign(), iceberg: o.IcebergQty.Sign(),
		icebergBelowQty: o.IcebergQty.Less(o.Quantity),
	}
	if k := in.checkSpotParams(o, &shape); k != rejNone {
		return k
	}
	// Too many decimals is -1111. Prices and quote amounts are bounded by the
	// quote asset's precision, quantities by the base asset's [inferred:
	// binance-api.md §4 names the error, not the bound].
	switch {
	case !fitsPrecision(o.Price, in.QuoteAssetPrecision):
		return rejPrecisionPrice
	case !fitsPrecision(o.StopPrice, in.QuoteAssetPrecision):
		return rejPrecisionStopPrice
	case !fitsPrecision(o.Quantity, in.BaseAssetPrecision):
		return rejPrecisionQuantity
	case !fitsPrecision(o.QuoteOrderQty, in.QuoteAssetPrecision):
		return rejPrecisionQuoteOrderQty
	case !fitsPrecision(o.IcebergQty, in.BaseAssetPrecision):
		return rejPrecisionIcebergQty
	}

	f := &in.Filters
	isMarket := o.Type == order.Market
	hasLimit := o.Type.HasLimitPrice()

	if p := f.Price; p != nil {
		if hasLimit && !p.allows(o.Price) {
			return rejPriceFilter
		}
		if !o.StopPrice.IsZero() && !p.allows(o.StopPrice) {
			return rejPriceFilter
		}
	}
	if hasLimit {
		if pp := f.PercentPrice; pp != nil {
			if !m.AvgPrice.IsPos() {
				return rejNoAvgPricePercentPrice
			}
			if !within(o.Price, m.AvgPrice, pp.MultiplierDown, pp.MultiplierUp) {
				return rejPercentPrice
			}
		}
		if pp := f.PercentPriceBySide; pp != nil {
			if !m.AvgPrice.IsPos() {
				return rejNoAvgPricePercentPriceBySide
			}
			down, up := pp.BidMultiplierDown, pp.BidMultiplierUp
			if o.Side == order.Sell {
				down, up = pp.AskMultiplierDown, pp.AskMultiplierUp
			}
			if !within(o.Price, m.AvgPrice, down, up) {
				return rejPercentPriceBySide
			}
		}
	}

	qty, stepped := o.Quantity, true
	if isMarket && o.Quantity.IsZero() {
		// quoteOrderQty: Binance fills as much as the quote amount buys; the
		// quantity it checks is that amount at the average price, down to the
		// step [inferred from binance-api.md §5.1 and the filter rules].
		if !m.AvgPrice.IsPos() {
			return rejNoAvgPriceLotSize
		}
		var ok bool
		if qty, ok = in.quoteQtyToQty(o.QuoteOrderQty, m.AvgPrice); !ok {
			return rejLotSize
		}
		stepped = false
	}
	if l := f.LotSize; l != nil {
		if !l.allows(qty, stepped) {
			return rejLotSize
		}
		if !o.IcebergQty.IsZero() && !l.allows(o.IcebergQty, true) {
			return rejLotSize
		}
	}
	if l := f.MarketLotSize; l != nil && isMarket && !l.allows(qty, stepped) {
		return rejMarketLotSize
	}

	if f.MinNotional != nil || f.Notional != nil {
		if k := in.checkSpotNotional(o, m, qty); k != rejNone {
			return k
		}
	}
	if f.IcebergParts > 0 && !o.IcebergQty.IsZero() {
		// ceil(q ÷ iceberg) ≤ limit  ⇔  q ≤ limit × iceberg, without dividing.
		most, err := num.FromInt(f.IcebergParts).Mul(o.IcebergQty)
		if err != nil || most.Less(qty) {
			return rejIcebergParts
		}
	}
	if k := checkSpotLimits(f, o, m); k != rejNone {
		return k
	}
	if mp := f.MaxPosition; mp != nil && o.Side == order.Buy {
		after, err := m.Position.Add(qty)
		if err != nil || mp.MaxPosition.Less(after) {
			return rejMaxPosition
		}
	}
	return rejNone
}

// checkSpotLimits applies TRAILING_DELTA and the open-order counts, which need
// no decimal arithmetic.
func checkSpotLimits(f *Filters, o *OrderCheck, m *Conditions) rejection {
	if td := f.TrailingDelta; td != nil && o.TrailingDelta != 0 {
		lo, hi := td.MinTrailingBelowDelta, td.MaxTrailingBelowDelta
		if stopAbove(o.Type, o.Side) {
			lo, hi = td.MinTrailingAboveDelta, td.MaxTrailingAboveDelta
		}
		if o.TrailingDelta < lo || (hi > 0 && o.TrailingDelta > hi) {
			return rejTrailingDelta
		}
	}
	if f.MaxNumOrders > 0 && int64(m.OpenOrders) >= f.MaxNumOrders {
		return rejMaxNumOrders
	}
	if f.MaxNumAlgoOrders > 0 && o.Type.IsStop() && int64(m.OpenAlgoOrders) >= f.MaxNumAlgoOrders {
		return rejMaxNumAlgoOrders
	}
	if f.MaxNumIcebergOrders > 0 && !o.IcebergQty.IsZero() && int64(m.OpenIcebergOrders) >= f.MaxNumIcebergOrders {
		return rejMaxNumIcebergOrders
	}
	return rejNone
}

// checkSpotNotional applies MIN_NOTIONAL and NOTIONAL to qty. LIMIT types are
// valued at their limit price; MARKET orders at the average price, and only
// for the bounds their apply*ToMarket flags switch on. STOP_LOSS and
// TAKE_PROFIT, which become MARKET orders, are valued at their stop price, or
// at the average price when they trail without one, and get every bound
// [inferred: the documentation does not say; applying all bounds fails closed].
func (in *Instrument) checkSpotNotional(o *OrderCheck, m *Conditions, qty num.Decimal) rejection {
	mn, nt := spotNotionalFilters(&in.Filters, o.Type)
	if mn == nil && nt == nil {
		return rejNone
	}
	price := o.Price
	switch {
	case o.Type.HasLimitPrice():
	case o.Type != order.Market && !o.StopPrice.IsZero():
		price = o.StopPrice
	default:
		if !m.AvgPrice.IsPos() {
			if mn != nil {
				return rejNoAvgPriceMinNotional
			}
			return rejNoAvgPriceNotional
		}
		price = m.AvgPrice
	}
	notional, err := price.Mul(qty)
	if err != nil {
		// Too large to represent is beyond any maximum; fail closed.
		if nt != nil {
			return rejNotional
		}
		return rejMinNotional
	}
	if mn != nil && notional.Less(mn.MinNotional) {
		return rejMinNotional
	}
	if nt != nil {
		checkMin, checkMax := notionalBounds(nt, o.Type)
		if checkMin && notional.Less(nt.MinNotional) {
			return rejNotional
		}
		if checkMax && nt.MaxNotional.Less(notional) {
			return rejNotional
		}
	}
	return rejNone
}

// spotNotionalFilters returns the notional filters that apply to an order of
// type t: for MARKET, only those whose apply*ToMarket flags switch them on.
func spotNotionalFilters(f *Filters, t order.Type) (*MinNotionalFilter, *NotionalFilter) {
	mn, nt := f.MinNotional, f.Notional
	if t == order.Market {
		if mn != nil && !mn.ApplyToMarket {
			mn = nil
		}
		if nt != nil && !nt.ApplyMinToMarket && !nt.ApplyMaxToMarket {
			nt = nil
		}
	}
	return mn, nt
}

// notionalBounds says which NOTIONAL bounds apply to an order of type t.
func notionalBounds(nt *NotionalFilter, t order.Type) (checkMin, checkMax bool) {
	isMarket := t == order.Market
	return !isMarket || nt.ApplyMinToMarket, nt.MaxNotional.IsPos() && (!isMarket || nt.ApplyMaxToMarket)
}

// quoteQtyToQty turns a quote amount into the base quantity it buys at avg,
// truncated to the base precision and rounded down to the lot steps. ok is
// false when the arithmetic overflows.
func (in *Instrument) quoteQtyToQty(quote, avg num.Decimal) (num.Decimal, bool) {
	prec := in.BaseAssetPrecision
	if prec < 0 || prec > num.MaxScale {
		prec = num.MaxScale
	}
	q, err := quote.Div(avg, uint8(prec))
	if err != nil {
		return num.Zero, false
	}
	q, err = in.RoundQty(q, true)
	return q, err == nil
}

// checkFuturesKind checks side and type: /fapi/v1/order takes LIMIT and
// MARKET; conditional types go to the algo endpoint.
func checkFuturesKind(in *Instrument, o *OrderCheck) rejection {
	if o.Side != order.Buy && o.Side != order.Sell {
		return rejInvalidSide
	}
	if (o.Type != order.Limit && o.Type != order.Market) || !in.Types.Has(o.Type) {
		return rejInvalidType
	}
	return rejNone
}

// checkFuturesParams checks the parameters of a LIMIT or MARKET futures order.
func checkFuturesParams(o *OrderCheck, s *orderShape) rejection {
	isMarket := o.Type == order.Market
	switch {
	case isMarket && s.price != 0:
		return rejNotRequiredPrice
	case !isMarket && s.price == 0:
		return rejMissingPrice
	case !isMarket && s.price < 0:
		return rejFuturesPriceNegative
	case s.stop != 0:
		return rejNotRequiredStopPrice
	case o.TrailingDelta != 0:
		return rejNotRequiredTrailingDelta
	case s.iceberg != 0:
		return rejNotRequiredIcebergQty
	case s.quote != 0:
		return rejNotRequiredQuoteOrderQty
	case s.qty <= 0:
		return rejFuturesQtyNotPositive
	}
	return rejNone
}

// checkFuturesDecimal is the reference futures check, after status, side and
// type.
func (in *Instrument) checkFuturesDecimal(o *OrderCheck, m *Conditions) rejection {
	shape := orderShape{
		price: o.Price.Sign(), stop: o.StopPrice.Sign(), qty: o.Quantity.Sign(),
		quote: o.QuoteOrderQty.Sign(), iceberg: o.IcebergQty.Sign(),
	}
	if k := checkFuturesParams(o, &shape); k != rejNone {
		return k
	}
	f := &in.Filters
	isMarket := o.Type == order.Market
	if p := f.Price; p != nil && !isMarket {
		switch {
		case p.MinPrice.IsPos() && o.Price.Less(p.MinPrice):
			return rejFuturesPriceBelowMin
		case p.MaxPrice.IsPos() && p.MaxPrice.Less(o.Price):
			return rejFuturesPriceAboveMax
		case !multipleOf(o.Price, p.TickSize):
			return rejFuturesPriceTick
		}
	}
	if l := f.LotSize; l != nil {
		switch {
		case o.Quantity.Less(l.MinQty):
			return rejFuturesQtyBelowMin
		case l.MaxQty.IsPos() && l.MaxQty.Less(o.Quantity):
			return rejFuturesQtyAboveMax
		case !multipleOf(o.Quantity, l.StepSize):
			return rejFuturesQtyStep
		}
	}
	if l := f.MarketLotSize; l != nil && isMarket {
		switch {
		case o.Quantity.Less(l.MinQty):
			return rejFuturesMarketQtyBelowMin
		case l.MaxQty.IsPos() && l.MaxQty.Less(o.Quantity):
			return rejFuturesMarketQtyAboveMax
		case !multipleOf(o.Quantity, l.StepSize):
			return rejFuturesMarketQtyStep
		}
	}
	if pp := f.PercentPrice; pp != nil && !isMarket {
		// MARKET orders meet PERCENT_PRICE against the book (-4131), which
		// only the matching engine can judge.
		if !m.MarkPrice.IsPos() {
			return rejNoMarkPricePercentPrice
		}
		up, err := m.MarkPrice.Mul(pp.MultiplierUp)
		if err != nil || up.Less(o.Price) {
			return rejFuturesAboveMultiplierUp
		}
		down, err := m.MarkPrice.Mul(pp.MultiplierDown)
		if err != nil || o.Price.Less(down) {
			return rejFuturesBelowMultiplierDown
		}
	}
	if mn := f.MinNotional; mn != nil && !o.ReduceOnly && mn.MinNotional.IsPos() {
		price := o.Price
		if isMarket {
			// A MARKET order is valued at the mark price [inferred].
			if !m.MarkPrice.IsPos() {
				return rejNoMarkPriceMinNotional
			}
			price = m.MarkPrice
		}
		notional, err := price.Mul(o.Quantity)
		if err == nil && notional.Less(mn.MinNotional) {
			return rejFuturesMinNotional
		}
	}
	if f.MaxNumOrders > 0 && int64(m.OpenOrders) >= f.MaxNumOrders {
		return rejFuturesMaxOpenOrders
	}
	return rejNone
}

// futuresMinNotional returns the instrument's -4164 rejection, building it
// for an instrument that was not parsed.
func (in *Instrument) futuresMinNotional() *Rejection {
	if in.minNotionalRejection != nil {
		return in.minNotionalRejection
	}
	return futuresMinNotionalRejection(in.Filters.MinNotional.MinNotional)
}

// allows reports whether p passes the price filter's enabled rules.
func (f *PriceFilter) allows(p num.Decimal) bool {
	if f.MinPrice.IsPos() && p.Less(f.MinPrice) {
		return false
	}
	if f.MaxPrice.IsPos() && f.MaxPrice.Less(p) {
		return false
	}
	return multipleOf(p, f.TickSize)
}

// allows reports whether q passes the lot filter: minQty ≤ q ≤ maxQty and, when
// checkStep, q a multiple of stepSize. Zero bounds are off.
func (f *LotSizeFilter) allows(q num.Decimal, checkStep bool) bool {
	if q.Less(f.MinQty) {
		return false
	}
	if f.MaxQty.IsPos() && f.MaxQty.Less(q) {
		return false
	}
	return !checkStep || multipleOf(q, f.StepSize)
}

// within reports whether ref × down ≤ p ≤ ref × up. An overflowing product
// fails closed.
func within(p, ref, down, up num.Decimal) bool {
	hi, err := ref.Mul(up)
	if err != nil || hi.Less(p) {
		return false
	}
	lo, err := ref.Mul(down)
	return err == nil && !p.Less(lo)
}

// stopAbove reports whether the order's stop sits above the market:
// STOP_LOSS(_LIMIT) BUY and TAKE_PROFIT(_LIMIT) SELL.
func stopAbove(t order.Type, s order.Side) bool {
	switch t {
	case order.StopLoss, order.StopLossLimit:
		return s == order.Buy
	case order.TakeProfit, order.TakeProfitLimit:
		return s == order.Sell
	}
	return false
}

// icebergType reports whether t may carry an icebergQty.
func icebergType(t order.Type) bool {
	return t == order.Limit || t == order.LimitMaker || t == order.StopLossLimit || t == order.TakeProfitLimit
}

// multipleOf reports whether d is a whole multiple of step (a zero step is
// off).
func multipleOf(d, step num.Decimal) bool {
	return step.IsZero() || d.IsMultipleOf(step)
}

// fitsPrecision reports whether d needs at most prec decimals. A scale beyond
// prec is fine when the extra digits are zeros.
func fitsPrecision(d num.Decimal, prec int) bool {
	if int(d.Scale()) <= prec {
		return true
	}
	if prec < 0 || prec > num.MaxScale {
		return false
	}
	return d.IsMultipleOf(num.MustNew(1, uint8(prec)))
}

// maxFixedScale bounds the scale of fixedRules. At 9 digits a product of two
// values needs at most 18, so the decimal reference computes every product
// exactly too and the two implementations cannot disagree on rounding.
const maxFixedScale = 9

// fixedRules are an instrument's filter values as int64 coefficients at one
// scale (value = coefficient × 10^-scale), built once by ParseExchangeInfo.
// Products of two coefficients are compared in 128 bits.
type fixedRules struct {
	scale uint8
	unit  uint64 // 10^scale
	// basePrecUnit and quotePrecUnit are 10^(scale − precision): a
	// coefficient needs at most that precision when it is a multiple of them.
	basePrecUnit, quotePrecUnit int64

	minPrice, maxPrice, tick            int64
	ppUp, ppDown                        int64
	bidUp, bidDown, askUp, askDown      int64
	minQty, maxQty, step                int64
	marketMinQty, marketMaxQty, mktStep int64
	maxPosition                         int64
	// Notional bounds at twice the scale, the scale of price × quantity.
	minNotional, notionalMin, notionalMax u128
}

// compileFixed builds the instrument's fixedRules, or returns nil when a
// filter value does not fit (the decimal check then runs for every order).
func compileFixed(in *Instrument) *fixedRules {
	f := &in.Filters
	var vals []*num.Decimal
	if p := f.Price; p != nil {
		vals = append(vals, &p.MinPrice, &p.MaxPrice, &p.TickSize)
	}
	if p := f.PercentPrice; p != nil {
		vals = append(vals, &p.MultiplierUp, &p.MultiplierDown)
	}
	if p := f.PercentPriceBySide; p != nil {
		vals = append(vals, &p.BidMultiplierUp, &p.BidMultiplierDown, &p.AskMultiplierUp, &p.AskMultiplierDown)
	}
	if l := f.LotSize; l != nil {
		vals = append(vals, &l.MinQty, &l.MaxQty, &l.StepSize)
	}
	if l := f.MarketLotSize; l != nil {
		vals = append(vals, &l.MinQty, &l.MaxQty, &l.StepSize)
	}
	if n := f.MinNotional; n != nil {
		vals = append(vals, &n.MinNotional)
	}
	if n := f.Notional; n != nil {
		vals = append(vals, &n.MinNotional, &n.MaxNotional)
	}
	if p := f.MaxPosition; p != nil {
		vals = append(vals, &p.MaxPosition)
	}
	// Binance writes spot values with 8 decimals and mark prices with 8; a
	// scale of at least 8 lets those take the fixed path.
	scale := 8
	if in.Kind == Spot {
		scale = max(scale, in.BaseAssetPrecision, in.QuoteAssetPrecision)
	}
	for _, v := range vals {
		if v.IsNeg() {
			return nil
		}
		scale = max(scale, int(v.Scale()))
	}
	if scale > maxFixedScale {
		return nil
	}
	r := &fixedRules{scale: uint8(scale), unit: pow10u[scale]}
	r.basePrecUnit = precUnit(scale, in.BaseAssetPrecision)
	r.quotePrecUnit = precUnit(scale, in.QuoteAssetPrecision)
	ok := true
	co := func(d num.Decimal) int64 {
		c, fits := d.Unscaled(r.scale)
		ok = ok && fits
		return c
	}
	wide := func(d num.Decimal) u128 { return mul64(uint64(co(d)), r.unit) }
	if p := f.Price; p != nil {
		r.minPrice, r.maxPrice, r.tick = co(p.MinPrice), co(p.MaxPrice), co(p.TickSize)
	}
	if p := f.PercentPrice; p != nil {
		r.ppUp, r.ppDown = co(p.MultiplierUp), co(p.MultiplierDown)
	}
	if p := f.PercentPriceBySide; p != nil {
		r.bidUp, r.bidDown = co(p.BidMultiplierUp), co(p.BidMultiplierDown)
		r.askUp, r.askDown = co(p.AskMultiplierUp), co(p.AskMultiplierDown)
	}
	if l := f.LotSize; l != nil {
		r.minQty, r.maxQty, r.step = co(l.MinQty), co(l.MaxQty), co(l.StepSize)
	}
	if l := f.MarketLotSize; l != nil {
		r.marketMinQty, r.marketMaxQty, r.mktStep = co(l.MinQty), co(l.MaxQty), co(l.StepSize)
	}
	if n := f.MinNotional; n != nil {
		r.minNotional = wide(n.MinNotional)
	}
	if n := f.Notional; n != nil {
		r.notionalMin, r.notionalMax = wide(n.MinNotional), wide(n.MaxNotional)
	}
	if p := f.MaxPosition; p != nil {
		r.maxPosition = co(p.MaxPosition)
	}
	if !ok {
		return nil
	}
	return r
}

// precUnit returns 10^(scale − prec), or 1 when prec ≥ scale.
func precUnit(scale, prec int) int64 {
	if prec >= scale || prec < 0 {
		return 1
	}
	return int64(pow10u[scale-prec])
}

var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// fixedOrder holds an order's values as coefficients at the rules' scale.
type fixedOrder struct {
	price, stop, qty, iceberg, avg, mark, position int64
}

// load converts the order's values; ok is false when one does not fit the
// scale or the order uses quoteOrderQty (whose derived quantity the decimal
// check computes).
func (r *fixedRules) load(o *OrderCheck, m *Conditions, kind Kind, withPosition bool) (v fixedOrder, ok bool) {
	if !o.QuoteOrderQty.IsZero() {
		return v, false
	}
	ok = true
	conv := func(d num.Decimal) int64 {
		if d.IsZero() {
			return 0
		}
		c, fits := d.Unscaled(r.scale)
		ok = ok && fits
		return c
	}
	v.price = conv(o.Price)
	v.stop = conv(o.StopPrice)
	v.qty = conv(o.Quantity)
	v.iceberg = conv(o.IcebergQty)
	if kind == Spot {
		v.avg = conv(m.AvgPrice)
	} else {
		v.mark = conv(m.MarkPrice)
	}
	if withPosition {
		v.position = conv(m.Position)
	}
	return v, ok
}

// checkSpot is checkSpotDecimal on coefficients. ok is false when the order
// does not fit the fixed scale.
func (r *fixedRules) checkSpot(in *Instrument, o *OrderCheck, m *Conditions) (rejection, bool) {
	f := &in.Filters
	v, ok := r.load(o, m, Spot, f.MaxPosition != nil && o.Side == order.Buy)
	if !ok {
		return rejNone, false
	}
	shape := orderShape{
		price: sign(v.price), stop: sign(v.stop), qty: sign(v.qty), iceberg: sign(v.iceberg),
		icebergBelowQty: v.iceberg < v.qty,
	}
	if k := in.checkSpotParams(o, &shape); k != rejNone {
		return k, true
	}
	// A unit of 1 (precision ≥ scale, the usual case) passes everything;
	// skipping it saves integer divisions.
	if u := r.quotePrecUnit; u > 1 {
		if v.price%u != 0 {
			return rejPrecisionPrice, true
		}
		if v.stop%u != 0 {
			return rejPrecisionStopPrice, true
		}
	}
	if u := r.basePrecUnit; u > 1 {
		if v.qty%u != 0 {
			return rejPrecisionQuantity, true
		}
		if v.iceberg%u != 0 {
			return rejPrecisionIcebergQty, true
		}
	}

	isMarket := o.Type == order.Market
	hasLimit := o.Type.HasLimitPrice()
	if f.Price != nil {
		if hasLimit && !r.priceAllowed(v.price) {
			return rejPriceFilter, true
		}
		if v.stop != 0 && !r.priceAllowed(v.stop) {
			return rejPriceFilter, true
		}
	}
	if hasLimit && (f.PercentPrice != nil || f.PercentPriceBySide != nil) {
		p := mul64(uint64(v.price), r.unit)
		if f.PercentPrice != nil {
			if v.avg <= 0 {
				return rejNoAvgPricePercentPrice, true
			}
			if !r.within(p, v.avg, r.ppDown, r.ppUp) {
				return rejPercentPrice, true
			}
		}
		if f.PercentPriceBySide != nil {
			if v.avg <= 0 {
				return rejNoAvgPricePercentPriceBySide, true
			}
			down, up := r.bidDown, r.bidUp
			if o.Side == order.Sell {
				down, up = r.askDown, r.askUp
			}
			if !r.within(p, v.avg, down, up) {
				return rejPercentPriceBySide, true
			}
		}
	}
	if f.LotSize != nil {
		if !lotAllowed(v.qty, r.minQty, r.maxQty, r.step) {
			return rejLotSize, true
		}
		if v.iceberg != 0 && !lotAllowed(v.iceberg, r.minQty, r.maxQty, r.step) {
			return rejLotSize, true
		}
	}
	if f.MarketLotSize != nil && isMarket && !lotAllowed(v.qty, r.marketMinQty, r.marketMaxQty, r.mktStep) {
		return rejMarketLotSize, true
	}

	if mn, nt := spotNotionalFilters(f, o.Type); mn != nil || nt != nil {
		price := v.price
		switch {
		case hasLimit:
		case !isMarket && v.stop != 0:
			price = v.stop
		default:
			if v.avg <= 0 {
				if mn != nil {
					return rejNoAvgPriceMinNotional, true
				}
				return rejNoAvgPriceNotional, true
			}
			price = v.avg
		}
		notional := mul64(uint64(price), uint64(v.qty))
		if mn != nil && notional.less(r.minNotional) {
			return rejMinNotional, true
		}
		if nt != nil {
			checkMin, checkMax := notionalBounds(nt, o.Type)
			if checkMin && notional.less(r.notionalMin) {
				return rejNotional, true
			}
			if checkMax && r.notionalMax.less(notional) {
				return rejNotional, true
			}
		}
	}
	if f.IcebergParts > 0 && v.iceberg != 0 && mul64(uint64(f.IcebergParts), uint64(v.iceberg)).less(u128{lo: uint64(v.qty)}) {
		return rejIcebergParts, true
	}
	if k := checkSpotLimits(f, o, m); k != rejNone {
		return k, true
	}
	if f.MaxPosition != nil && o.Side == order.Buy {
		after := v.position + v.qty
		if after < v.position || after > r.maxPosition { // an overflow is beyond any maximum
			return rejMaxPosition, true
		}
	}
	return rejNone, true
}

// checkFutures is checkFuturesDecimal on coefficients. ok is false when the
// order does not fit the fixed scale.
func (r *fixedRules) checkFutures(in *Instrument, o *OrderCheck, m *Conditions) (rejection, bool) {
	v, ok := r.load(o, m, FuturesUM, false)
	if !ok {
		return rejNone, false
	}
	shape := orderShape{price: sign(v.price), stop: sign(v.stop), qty: sign(v.qty), iceberg: sign(v.iceberg)}
	if k := checkFuturesParams(o, &shape); k != rejNone {
		return k, true
	}
	f := &in.Filters
	isMarket := o.Type == order.Market
	if f.Price != nil && !isMarket {
		switch {
		case r.minPrice > 0 && v.price < r.minPrice:
			return rejFuturesPriceBelowMin, true
		case r.maxPrice > 0 && v.price > r.maxPrice:
			return rejFuturesPriceAboveMax, true
		case r.tick > 0 && v.price%r.tick != 0:
			return rejFuturesPriceTick, true
		}
	}
	if f.LotSize != nil {
		switch {
		case v.qty < r.minQty:
			return rejFuturesQtyBelowMin, true
		case r.maxQty > 0 && v.qty > r.maxQty:
			return rejFuturesQtyAboveMax, true
		case r.step > 0 && v.qty%r.step != 0:
			return rejFuturesQtyStep, true
		}
	}
	if f.MarketLotSize != nil && isMarket {
		switch {
		case v.qty < r.marketMinQty:
			return rejFuturesMarketQtyBelowMin, true
		case r.marketMaxQty > 0 && v.qty > r.marketMaxQty:
			return rejFuturesMarketQtyAboveMax, true
		case r.mktStep > 0 && v.qty%r.mktStep != 0:
			return rejFuturesMarketQtyStep, true
		}
	}
	if f.PercentPrice != nil && !isMarket {
		if v.mark <= 0 {
			return rejNoMarkPricePercentPrice, true
		}
		p := mul64(uint64(v.price), r.unit)
		if mul64(uint64(v.mark), uint64(r.ppUp)).less(p) {
			return rejFuturesAboveMultiplierUp, true
		}
		if p.less(mul64(uint64(v.mark), uint64(r.ppDown))) {
			return rejFuturesBelowMultiplierDown, true
		}
	}
	if mn := f.MinNotional; mn != nil && !o.ReduceOnly && mn.MinNotional.IsPos() {
		price := v.price
		if isMarket {
			if v.mark <= 0 {
				return rejNoMarkPriceMinNotional, true
			}
			price = v.mark
		}
		if mul64(uint64(price), uint64(v.qty)).less(r.minNotional) {
			return rejFuturesMinNotional, true
		}
	}
	if f.MaxNumOrders > 0 && int64(m.OpenOrders) >= f.MaxNumOrders {
		return rejFuturesMaxOpenOrders, true
	}
	return rejNone, true
}

// priceAllowed is PriceFilter.allows on coefficients.
func (r *fixedRules) priceAllowed(p int64) bool {
	return (r.minPrice == 0 || p >= r.minPrice) && (r.maxPrice == 0 || p <= r.maxPrice) && (r.tick == 0 || p%r.tick == 0)
}

// lotAllowed is LotSizeFilter.allows on coefficients.
func lotAllowed(q, minQty, maxQty, step int64) bool {
	return q >= minQty && (maxQty == 0 || q <= maxQty) && (step == 0 || q%step == 0)
}

// within reports whether avg × down ≤ p ≤ avg × up, with p already at twice
// the scale.
func (r *fixedRules) within(p u128, avg, down, up int64) bool {
	return !mul64(uint64(avg), uint64(up)).less(p) && !p.less(mul64(uint64(avg), uint64(down)))
}

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

func mul64(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

func (x u128) less(y u128) bool { return x.hi < y.hi || (x.hi == y.hi && x.lo < y.lo) }
