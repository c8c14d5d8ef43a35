package market

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// ExchangeInfo is a parsed exchangeInfo document: the exchange's rate limits
// and every symbol's rules. It is read-only after parsing and safe for
// concurrent use.
type ExchangeInfo struct {
	// Kind is the market the document describes.
	Kind Kind
	// Timezone is the exchange's time zone ("UTC").
	Timezone string
	// ServerTime is when the document was produced, in Unix milliseconds.
	ServerTime int64
	// RateLimits are the request and order limits the exchange enforces.
	RateLimits []RateLimit
	// ExchangeFilters are the account-wide filters (EXCHANGE_MAX_NUM_ORDERS,
	// ...), kept as sent.
	ExchangeFilters []RawFilter

	instruments []*Instrument
	bySymbol    map[string]*Instrument
}

// Instrument returns the symbol's instrument and whether the document lists
// it. Symbols are matched exactly ("BTCUSDT", not "btcusdt").
func (x *ExchangeInfo) Instrument(symbol string) (*Instrument, bool) {
	in, ok := x.bySymbol[symbol]
	return in, ok
}

// Instruments returns every instrument in document order. The slice is the
// caller's; the instruments are shared and read-only.
func (x *ExchangeInfo) Instruments() []*Instrument {
	return append([]*Instrument(nil), x.instruments...)
}

// Symbols returns every symbol in document order.
func (x *ExchangeInfo) Symbols() []string {
	out := make([]string, len(x.instruments))
	for i, in := range x.instruments {
		out[i] = in.Symbol
	}
	return out
}

// RateLimit is one entry of exchangeInfo's rateLimits: at most Limit units of
// Type per IntervalNum × Interval.
type RateLimit struct {
	// Type is REQUEST_WEIGHT, ORDERS or RAW_REQUESTS.
	Type string
	// Interval is SECOND, MINUTE, HOUR or DAY.
	Interval string
	// IntervalNum is the number of Intervals in the window; positive.
	IntervalNum int64
	// Limit is the most units allowed per window; positive.
	Limit int64
}

// Window returns the length of the limit's window.
func (r RateLimit) Window() time.Duration {
	return time.Duration(r.IntervalNum) * intervalUnit(r.Interval)
}

func intervalUnit(s string) time.Duration {
	switch s {
	case "SECOND":
		return time.Second
	case "MINUTE":
		return time.Minute
	case "HOUR":
		return time.Hour
	case "DAY":
		return 24 * time.Hour
	}
	return 0
}

// ErrExchangeInfo is wrapped by every error ParseExchangeInfo returns.
var ErrExchangeInfo = errors.New("invalid exchangeInfo")

// ParseExchangeInfo reads an exchangeInfo document in Binance's own format:
// GET /api/v3/exchangeInfo for Spot, GET /fapi/v1/exchangeInfo for FuturesUM.
//
// Unknown fields and unknown filter types are accepted (Binance adds them
// over time); unknown filters are kept in Filters.Other. Malformed values of
// known filters are errors that name the symbol, the filter and the field:
// decimals that are not plain decimal strings, negative values, a minimum
// above its maximum, a LOT_SIZE without a step, a zero order limit, a
// PERCENT_PRICE band that is empty. Every problem found is reported, joined,
// and wrapped with ErrExchangeInfo; on error no ExchangeInfo is returned, so
// a bad document never half-replaces a good one.
func ParseExchangeInfo(data []byte, kind Kind) (*ExchangeInfo, error) {
	if kind != Spot && kind != FuturesUM {
		return nil, fmt.Errorf("parse exchangeInfo: unknown market kind %d: %w", kind, ErrExchangeInfo)
	}
	var doc exchangeInfoJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse %s exchangeInfo: %w: %w", kind, ErrExchangeInfo, err)
	}
	x := &ExchangeInfo{
		Kind:       kind,
		Timezone:   doc.Timezone,
		ServerTime: doc.ServerTime,
		bySymbol:   make(map[string]*Instrument, len(doc.Symbols)),
	}
	var errs []error
	for i, rl := range doc.RateLimits {
		r, err := rl.toRateLimit()
		if err != nil {
			errs = append(errs, fmt.Errorf("rateLimits[%d]: %w", i, err))
			continue
		}
		x.RateLimits = append(x.RateLimits, r)
	}
	for i, raw := range doc.ExchangeFilters {
		var f filterJSON
		if err := json.Unmarshal(raw, &f); err != nil || f.FilterType == "" {
			errs = append(errs, fmt.Errorf("exchangeFilters[%d]: not a filter object", i))
			continue
		}
		x.ExchangeFilters = append(x.ExchangeFilters, RawFilter{Type: f.FilterType, JSON: cloneRaw(raw)})
	}
	x.instruments = make([]*Instrument, 0, len(doc.Symbols))
	for i := range doc.Symbols {
		in, err := doc.Symbols[i].toInstrument(i, kind)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := x.bySymbol[in.Symbol]; dup {
			errs = append(errs, fmt.Errorf("symbol %s: listed twice", in.Symbol))
			continue
		}
		x.bySymbol[in.Symbol] = in
		x.instruments = append(x.instruments, in)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("parse %s exchangeInfo: %w: %w", kind, ErrExchangeInfo, errors.Join(errs...))
	}
	return x, nil
}

type exchangeInfoJSON struct {
	Timezone        string            `json:"timezone"`
	ServerTime      int64             `json:"serverTime"`
	RateLimits      []rateLimitJSON   `json:"rateLimits"`
	ExchangeFilters []json.RawMessage `json:"exchangeFilters"`
	Symbols         []symbolJSON      `json:"symbols"`
}

type rateLimitJSON struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int64  `json:"intervalNum"`
	Limit         int64  `json:"limit"`
}

func (rl rateLimitJSON) toRateLimit() (RateLimit, error) {
	switch {
	case rl.RateLimitType == "":
		return RateLimit{}, errors.New("rateLimitType missing")
	case intervalUnit(rl.Interval) == 0:
		return RateLimit{}, fmt.Errorf("%s: unknown interval %q", rl.RateLimitType, rl.Interval)
	case rl.IntervalNum <= 0:
		return RateLimit{}, fmt.Errorf("%s: intervalNum %d must be positive", rl.RateLimitType, rl.IntervalNum)
	case rl.Limit <= 0:
		return RateLimit{}, fmt.Errorf("%s: limit %d must be positive", rl.RateLimitType, rl.Limit)
	}
	return RateLimit{Type: rl.RateLimitType, Interval: rl.Interval, IntervalNum: rl.IntervalNum, Limit: rl.Limit}, nil
}

// symbolJSON holds the spot and the futures symbol fields; each market fills
// its own.
type symbolJSON struct {
	Symbol                          string            `json:"symbol"`
	Status                          string            `json:"status"`
	BaseAsset                       string            `json:"baseAsset"`
	BaseAssetPrecision              *int              `json:"baseAssetPrecision"`
	QuoteAsset                      string            `json:"quoteAsset"`
	QuotePrecision                  *int              `json:"quotePrecision"`
	QuoteAssetPrecision             *int              `json:"quoteAssetPrecision"`
	BaseCommissionPrecision         int               `json:"baseCommissionPrecision"`
	QuoteCommissionPrecision        int               `json:"quoteCommissionPrecision"`
	OrderTypes                      []string          `json:"orderTypes"`
	OrderTypeOld                    []string          `json:"OrderType"` // futures before 2026-03
	IcebergAllowed                  bool              `json:"icebergAllowed"`
	OCOAllowed                      bool              `json:"ocoAllowed"`
	OTOAllowed                      bool              `json:"otoAllowed"`
	QuoteOrderQtyMarketAllowed      bool              `json:"quoteOrderQtyMarketAllowed"`
	AllowTrailingStop               bool              `json:"allowTrailingStop"`
	CancelReplaceAllowed            bool              `json:"cancelReplaceAllowed"`
	AmendAllowed                    bool              `json:"amendAllowed"`
	IsSpotTradingAllowed            bool              `json:"isSpotTradingAllowed"`
	IsMarginTradingAllowed          bool              `json:"isMarginTradingAllowed"`
	Filters                         []json.RawMessage `json:"filters"`
	Permissions                     []string          `json:"permissions"`
	PermissionSets                  json.RawMessage   `json:"permissionSets"` // [][]string on spot, []string on futures
	DefaultSelfTradePreventionMode  string            `json:"defaultSelfTradePreventionMode"`
	AllowedSelfTradePreventionModes []string          `json:"allowedSelfTradePreventionModes"`

	Pair              string          `json:"pair"`
	ContractType      string          `json:"contractType"`
	MarginAsset       string          `json:"marginAsset"`
	PricePrecision    int             `json:"pricePrecision"`
	QuantityPrecision int             `json:"quantityPrecision"`
	TriggerProtect    json.RawMessage `json:"triggerProtect"`
	LiquidationFee    json.RawMessage `json:"liquidationFee"`
	MarketTakeBound   json.RawMessage `json:"marketTakeBound"`
	TimeInForce       []string        `json:"timeInForce"`
}

func (s *symbolJSON) toInstrument(index int, kind Kind) (*Instrument, error) {
	if s.Symbol == "" {
		return nil, fmt.Errorf("symbols[%d]: symbol missing", index)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("symbol %s: %s", s.Symbol, fmt.Sprintf(format, args...))
	}
	if s.Status == "" {
		return nil, fail("status missing")
	}
	if s.BaseAsset == "" || s.QuoteAsset == "" {
		return nil, fail("baseAsset or quoteAsset missing")
	}
	in := &Instrument{
		Symbol:                          s.Symbol,
		Kind:                            kind,
		Status:                          s.Status,
		BaseAsset:                       s.BaseAsset,
		QuoteAsset:                      s.QuoteAsset,
		BaseCommissionPrecision:         s.BaseCommissionPrecision,
		QuoteCommissionPrecision:        s.QuoteCommissionPrecision,
		OrderTypes:                      s.OrderTypes,
		TimeInForce:                     s.TimeInForce,
		IcebergAllowed:                  s.IcebergAllowed,
		OCOAllowed:                      s.OCOAllowed,
		OTOAllowed:                      s.OTOAllowed,
		QuoteOrderQtyMarketAllowed:      s.QuoteOrderQtyMarketAllowed,
		AllowTrailingStop:               s.AllowTrailingStop,
		CancelReplaceAllowed:            s.CancelReplaceAllowed,
		AmendAllowed:                    s.AmendAllowed,
		IsSpotTradingAllowed:            s.IsSpotTradingAllowed,
		IsMarginTradingAllowed:          s.IsMarginTradingAllowed,
		Permissions:                     s.Permissions,
		DefaultSelfTradePreventionMode:  s.DefaultSelfTradePreventionMode,
		AllowedSelfTradePreventionModes: s.AllowedSelfTradePreventionModes,
		Pair:                            s.Pair,
		ContractType:                    s.ContractType,
		MarginAsset:                     s.MarginAsset,
		PricePrecision:                  s.PricePrecision,
		QuantityPrecision:               s.QuantityPrecision,
	}
	if in.OrderTypes == nil {
		in.OrderTypes = s.OrderTypeOld
	}
	if !isAbsent(s.PermissionSets) {
		var err error
		if kind == Spot {
			err = json.Unmarshal(s.PermissionSets, &in.PermissionSets)
		} else {
			var flat []string
			if err = json.Unmarshal(s.PermissionSets, &flat); err == nil {
				in.Permissions = append(in.Permissions, flat...)
			}
		}
		if err != nil {
			return nil, fail("permissionSets: %v", err)
		}
	}

	quotePrec := s.QuoteAssetPrecision
	if quotePrec == nil {
		quotePrec = s.QuotePrecision
	}
	if s.BaseAssetPrecision != nil {
		in.BaseAssetPrecision = *s.BaseAssetPrecision
	}
	if quotePrec != nil {
		in.QuoteAssetPrecision = *quotePrec
	}
	if kind == Spot && (s.BaseAssetPrecision == nil || quotePrec == nil) {
		// The spot check bounds decimals by these; guessing would reject good
		// orders or pass bad ones.
		return nil, fail("baseAssetPrecision or quoteAssetPrecision missing")
	}
	for _, p := range []struct {
		name string
		v    int
	}{
		{"baseAssetPrecision", in.BaseAssetPrecision}, {"quoteAssetPrecision", in.QuoteAssetPrecision},
		{"pricePrecision", in.PricePrecision}, {"quantityPrecision", in.QuantityPrecision},
	} {
		if p.v < 0 || p.v > num.MaxScale {
			return nil, fail("%s %d outside 0..%d", p.name, p.v, num.MaxScale)
		}
	}

	for _, name := range in.OrderTypes {
		switch {
		case kind == FuturesUM && name == "LIMIT":
			in.Types |= TypeSetOf(order.Limit)
		case kind == FuturesUM && name == "MARKET":
			in.Types |= TypeSetOf(order.Market)
		case kind == Spot:
			if t, err := order.ParseType(name); err == nil {
				in.Types |= TypeSetOf(t)
			}
		}
	}

	var err error
	for _, field := range []struct {
		name string
		raw  json.RawMessage
		dst  *num.Decimal
	}{
		{"triggerProtect", s.TriggerProtect, &in.TriggerProtect},
		{"liquidationFee", s.LiquidationFee, &in.LiquidationFee},
		{"marketTakeBound", s.MarketTakeBound, &in.MarketTakeBound},
	} {
		if isAbsent(field.raw) {
			continue
		}
		if *field.dst, err = parseDecimal(field.raw); err != nil {
			return nil, fail("%s: %v", field.name, err)
		}
	}

	seen := make(map[string]bool, len(s.Filters))
	for i, raw := range s.Filters {
		var f filterJSON
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fail("filters[%d]: %v", i, err)
		}
		if f.FilterType == "" {
			return nil, fail("filters[%d]: filterType missing", i)
		}
		if seen[f.FilterType] {
			return nil, fail("filter %s listed twice", f.FilterType)
		}
		seen[f.FilterType] = true
		r := filterReader{symbol: s.Symbol, filter: f.FilterType}
		if !r.apply(&in.Filters, &f, kind) {
			in.Filters.Other = append(in.Filters.Other, RawFilter{Type: f.FilterType, JSON: cloneRaw(raw)})
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	if mn := in.Filters.MinNotional; kind == FuturesUM && mn != nil {
		in.minNotionalRejection = futuresMinNotionalRejection(mn.MinNotional)
	}
	in.fixed = compileFixed(in)
	return in, nil
}

// filterJSON holds every field of every known filter; each filter type reads
// its own. Fields stay raw so presence, strings and numbers can be told apart.
type filterJSON struct {
	FilterType string `json:"filterType"`

	MinPrice, MaxPrice, TickSize json.RawMessage

	MultiplierUp, MultiplierDown, MultiplierDecimal, AvgPriceMins json.RawMessage

	BidMultiplierUp, BidMultiplierDown, AskMultiplierUp, AskMultiplierDown json.RawMessage

	MinQty, MaxQty, StepSize json.RawMessage

	MinNotional, MaxNotional, Notional                json.RawMessage
	ApplyToMarket, ApplyMinToMarket, ApplyMaxToMarket json.RawMessage

	Limit, MaxNumOrders, MaxNumAlgoOrders, MaxNumIcebergOrders json.RawMessage
	MaxNumOrderLists, MaxNumOrderAmends                        json.RawMessage

	MaxPosition json.RawMessage

	MinTrailingAboveDelta, MaxTrailingAboveDelta json.RawMessage
	MinTrailingBelowDelta, MaxTrailingBelowDelta json.RawMessage
}

// filterReader reads one filter's fields and keeps the first problem, named
// by symbol, filter and field.
type filterReader struct {
	symbol, filter string
	err            error
}

func (r *filterReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("symbol %s filter %s: %s", r.symbol, r.filter, fmt.Sprintf(format, args...))
	}
}

// dec reads a required non-negative decimal.
func (r *filterReader) dec(name string, raw json.RawMessage) num.Decimal {
	if isAbsent(raw) {
		r.fail("%s missing", name)
		return num.Zero
	}
	d, err := parseDecimal(raw)
	switch {
	case err != nil:
		r.fail("%s: %v", name, err)
	case d.IsNeg():
		r.fail("%s %s is negative", name, d)
	}
	return d
}

// integer reads a required non-negative integer, sent as a JSON number or a
// decimal string.
func (r *filterReader) integer(name string, raw json.RawMessage) int64 {
	if isAbsent(raw) {
		r.fail("%s missing", name)
		return 0
	}
	s := string(unquote(raw))
	v, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		r.fail("%s %q is not an integer", name, s)
	case v < 0:
		r.fail("%s %d is negative", name, v)
	}
	return v
}

// optInteger reads an optional non-negative integer (0 when absent).
func (r *filterReader) optInteger(name string, raw json.RawMessage) int64 {
	if isAbsent(raw) {
		return 0
	}
	return r.integer(name, raw)
}

// limit reads a required positive count limit.
func (r *filterReader) limit(name string, raw json.RawMessage) int64 {
	v := r.integer(name, raw)
	if r.err == nil && v == 0 {
		r.fail("%s must be positive", name)
	}
	return v
}

// boolean reads a required JSON boolean.
func (r *filterReader) boolean(name string, raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true
	case "false":
		return false
	case "", "null":
		r.fail("%s missing", name)
	default:
		r.fail("%s %s is not a boolean", name, raw)
	}
	return false
}

// notAbove fails when both bounds are set and min > max.
func (r *filterReader) notAbove(minName string, min num.Decimal, maxName string, max num.Decimal) {
	if r.err == nil && min.IsPos() && max.IsPos() && max.Less(min) {
		r.fail("%s %s is above %s %s", minName, min, maxName, max)
	}
}

// band checks a multiplier pair: up > 0 and down ≤ up.
func (r *filterReader) band(downName string, down num.Decimal, upName string, up num.Decimal) {
	switch {
	case r.err != nil:
	case !up.IsPos():
		r.fail("%s must be positive", upName)
	case up.Less(down):
		r.fail("%s %s is above %s %s", downName, down, upName, up)
	}
}

// apply reads f into fs when its type is known and reports whether it was.
func (r *filterReader) apply(fs *Filters, f *filterJSON, kind Kind) bool {
	switch f.FilterType {
	case FilterPrice:
		p := &PriceFilter{
			MinPrice: r.dec("minPrice", f.MinPrice),
			MaxPrice: r.dec("maxPrice", f.MaxPrice),
			TickSize: r.dec("tickSize", f.TickSize),
		}
		r.notAbove("minPrice", p.MinPrice, "maxPrice", p.MaxPrice)
		fs.Price = p
	case FilterPercentPrice:
		p := &PercentPriceFilter{
			MultiplierUp:      r.dec("multiplierUp", f.MultiplierUp),
			MultiplierDown:    r.dec("multiplierDown", f.MultiplierDown),
			AvgPriceMins:      r.optInteger("avgPriceMins", f.AvgPriceMins),
			MultiplierDecimal: r.optInteger("multiplierDecimal", f.MultiplierDecimal),
		}
		r.band("multiplierDown", p.MultiplierDown, "multiplierUp", p.MultiplierUp)
		fs.PercentPrice = p
	case FilterPercentPriceBySide:
		p := &PercentPriceBySideFilter{
			BidMultiplierUp:   r.dec("bidMultiplierUp", f.BidMultiplierUp),
			BidMultiplierDown: r.dec("bidMultiplierDown", f.BidMultiplierDown),
			AskMultiplierUp:   r.dec("askMultiplierUp", f.AskMultiplierUp),
			AskMultiplierDown: r.dec("askMultiplierDown", f.AskMultiplierDown),
			AvgPriceMins:      r.optInteger("avgPriceMins", f.AvgPriceMins),
		}
		r.band("bidMultiplierDown", p.BidMultiplierDown, "bidMultiplierUp", p.BidMultiplierUp)
		r.band("askMultiplierDown", p.AskMultiplierDown, "askMultiplierUp", p.AskMultiplierUp)
		fs.PercentPriceBySide = p
	case FilterLotSize:
		l := r.lot(f)
		switch {
		case r.err != nil:
		case !l.StepSize.IsPos():
			r.fail("stepSize must be positive")
		case !l.MaxQty.IsPos():
			r.fail("maxQty must be positive")
		}
		fs.LotSize = l
	case FilterMarketLotSize:
		// Zero minQty and stepSize are "not enforced" (live BTCUSDT).
		fs.MarketLotSize = r.lot(f)
	case FilterMinNotional:
		if kind == FuturesUM {
			fs.MinNotional = &MinNotionalFilter{MinNotional: r.dec("notional", f.Notional), ApplyToMarket: true}
			break
		}
		fs.MinNotional = &MinNotionalFilter{
			MinNotional:   r.dec("minNotional", f.MinNotional),
			ApplyToMarket: r.boolean("applyToMarket", f.ApplyToMarket),
			AvgPriceMins:  r.optInteger("avgPriceMins", f.AvgPriceMins),
		}
	case FilterNotional:
		n := &NotionalFilter{
			MinNotional:      r.dec("minNotional", f.MinNotional),
			ApplyMinToMarket: r.boolean("applyMinToMarket", f.ApplyMinToMarket),
			MaxNotional:      r.dec("maxNotional", f.MaxNotional),
			ApplyMaxToMarket: r.boolean("applyMaxToMarket", f.ApplyMaxToMarket),
			AvgPriceMins:     r.optInteger("avgPriceMins", f.AvgPriceMins),
		}
		r.notAbove("minNotional", n.MinNotional, "maxNotional", n.MaxNotional)
		fs.Notional = n
	case FilterIcebergParts:
		fs.IcebergParts = r.limit("limit", f.Limit)
	case FilterMaxNumOrders:
		if kind == FuturesUM {
			fs.MaxNumOrders = r.limit("limit", f.Limit)
		} else {
			fs.MaxNumOrders = r.limit("maxNumOrders", f.MaxNumOrders)
		}
	case FilterMaxNumAlgoOrders:
		if kind == FuturesUM {
			fs.MaxNumAlgoOrders = r.limit("limit", f.Limit)
		} else {
			fs.MaxNumAlgoOrders = r.limit("maxNumAlgoOrders", f.MaxNumAlgoOrders)
		}
	case FilterMaxNumIcebergOrders:
		fs.MaxNumIcebergOrders = r.limit("maxNumIcebergOrders", f.MaxNumIcebergOrders)
	case FilterMaxNumOrderLists:
		fs.MaxNumOrderLists = r.limit("maxNumOrderLists", f.MaxNumOrderLists)
	case FilterMaxNumOrderAmends:
		fs.MaxNumOrderAmends = r.limit("maxNumOrderAmends", f.MaxNumOrderAmends)
	case FilterMaxPosition:
		mp := &MaxPositionFilter{MaxPosition: r.dec("maxPosition", f.MaxPosition)}
		if r.err == nil && !mp.MaxPosition.IsPos() {
			r.fail("maxPosition must be positive")
		}
		fs.MaxPosition = mp
	case FilterTrailingDelta:
		td := &TrailingDeltaFilter{
			MinTrailingAboveDelta: r.integer("minTrailingAboveDelta", f.MinTrailingAboveDelta),
			MaxTrailingAboveDelta: r.integer("maxTrailingAboveDelta", f.MaxTrailingAboveDelta),
			MinTrailingBelowDelta: r.integer("minTrailingBelowDelta", f.MinTrailingBelowDelta),
			MaxTrailingBelowDelta: r.integer("maxTrailingBelowDelta", f.MaxTrailingBelowDelta),
		}
		switch {
		case r.err != nil:
		case td.MaxTrailingAboveDelta > 0 && td.MinTrailingAboveDelta > td.MaxTrailingAboveDelta:
			r.fail("minTrailingAboveDelta %d is above maxTrailingAboveDelta %d", td.MinTrailingAboveDelta, td.MaxTrailingAboveDelta)
		case td.MaxTrailingBelowDelta > 0 && td.MinTrailingBelowDelta > td.MaxTrailingBelowDelta:
			r.fail("minTrailingBelowDelta %d is above maxTrailingBelowDelta %d", td.MinTrailingBelowDelta, td.MaxTrailingBelowDelta)
		}
		fs.TrailingDelta = td
	default:
		return false
	}
	return true
}

func (r *filterReader) lot(f *filterJSON) *LotSizeFilter {
	l := &LotSizeFilter{
		MinQty:   r.dec("minQty", f.MinQty),
		MaxQty:   r.dec("maxQty", f.MaxQty),
		StepSize: r.dec("stepSize", f.StepSize),
	}
	r.notAbove("minQty", l.MinQty, "maxQty", l.MaxQty)
	return l
}

// isAbsent reports whether a field was missing or null.
func isAbsent(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

// unquote strips the quotes of a JSON string; other values come back as they
// are. Binance's decimals never contain escapes, so none are decoded.
func unquote(raw json.RawMessage) []byte {
	s := bytes.TrimSpace(raw)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// parseDecimal reads a decimal sent as a JSON string (Binance's way) or a
// JSON number.
func parseDecimal(raw json.RawMessage) (num.Decimal, error) {
	b := unquote(raw)
	if len(b) == 0 {
		return num.Zero, fmt.Errorf("%w: empty", num.ErrSyntax)
	}
	return num.Parse(string(b))
}

func cloneRaw(raw json.RawMessage) json.RawMessage {
	return append(json.RawMessage(nil), raw...)
}
