package market

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustInstrument(tb testing.TB, x *ExchangeInfo, symbol string) *Instrument {
	tb.Helper()
	in, ok := x.Instrument(symbol)
	if !ok {
		tb.Fatalf("%s missing from %v", symbol, x.Symbols())
	}
	return in
}

// eq fails unless d is the decimal s, scale included (Binance's text is kept).
func eq(tb testing.TB, what string, d num.Decimal, s string) {
	tb.Helper()
	if d.Format() != s {
		tb.Errorf("%s = %s, want %s", what, d.Format(), s)
	}
}

func TestParseExchangeInfoSpot(t *testing.T) {
	x, err := ParseExchangeInfo(readTestdata(t, "exchangeinfo-spot.json"), Spot)
	if err != nil {
		t.Fatal(err)
	}
	if x.Kind != Spot || x.Timezone != "UTC" || x.ServerTime != 1784592000123 {
		t.Errorf("header = %s %q %d", x.Kind, x.Timezone, x.ServerTime)
	}
	wantLimits := []RateLimit{
		{"REQUEST_WEIGHT", "MINUTE", 1, 6000}, {"ORDERS", "SECOND", 10, 50},
		{"ORDERS", "DAY", 1, 160000}, {"RAW_REQUESTS", "MINUTE", 5, 300000},
	}
	if len(x.RateLimits) != len(wantLimits) {
		t.Fatalf("rate limits = %+v", x.RateLimits)
	}
	for i, want := range wantLimits {
		if x.RateLimits[i] != want {
			t.Errorf("rateLimits[%d] = %+v, want %+v", i, x.RateLimits[i], want)
		}
	}
	if w := x.RateLimits[3].Window(); w != 5*time.Minute {
		t.Errorf("RAW_REQUESTS window = %v", w)
	}
	if len(x.ExchangeFilters) != 2 || x.ExchangeFilters[0].Type != "EXCHANGE_MAX_NUM_ORDERS" ||
		!strings.Contains(string(x.ExchangeFilters[0].JSON), `"maxNumOrders": 1000`) {
		t.Errorf("exchange filters = %+v", x.ExchangeFilters)
	}
	if got := strings.Join(x.Symbols(), ","); got != "ETHBTC,PAUSEDUSDT" {
		t.Errorf("symbols = %s", got)
	}
	if _, ok := x.Instrument("ethbtc"); ok {
		t.Error("lookup is case-insensitive; Binance symbols are exact")
	}

	in := mustInstrument(t, x, "ETHBTC")
	if in.Kind != Spot || in.Status != "TRADING" || in.BaseAsset != "ETH" || in.QuoteAsset != "BTC" ||
		in.BaseAssetPrecision != 8 || in.QuoteAssetPrecision != 8 {
		t.Errorf("ETHBTC header = %+v", in)
	}
	if !in.IcebergAllowed || !in.OCOAllowed || !in.QuoteOrderQtyMarketAllowed || in.AllowTrailingStop || !in.IsSpotTradingAllowed {
		t.Error("ETHBTC feature flags not read")
	}
	for _, typ := range []order.Type{order.Limit, order.LimitMaker, order.Market, order.StopLossLimit, order.TakeProfitLimit} {
		if !in.Types.Has(typ) {
			t.Errorf("ETHBTC does not allow %s", typ)
		}
	}
	if in.Types.Has(order.StopLoss) || in.Types.Has(order.TakeProfit) {
		t.Error("ETHBTC allows STOP_LOSS or TAKE_PROFIT, which it does not list")
	}
	if len(in.PermissionSets) != 2 || in.PermissionSets[1][0] != "TRD_GRP_004" {
		t.Errorf("permission sets = %v", in.PermissionSets)
	}

	f := in.Filters
	eq(t, "minPrice", f.Price.MinPrice, "0.00001000")
	eq(t, "maxPrice", f.Price.MaxPrice, "922327.00000000")
	eq(t, "tickSize", f.Price.TickSize, "0.00001000")
	eq(t, "multiplierUp", f.PercentPrice.MultiplierUp, "5")
	eq(t, "multiplierDown", f.PercentPrice.MultiplierDown, "0.2")
	if f.PercentPrice.AvgPriceMins != 5 {
		t.Errorf("avgPriceMins = %d", f.PercentPrice.AvgPriceMins)
	}
	eq(t, "stepSize", f.LotSize.StepSize, "0.00010000")
	eq(t, "minNotional", f.MinNotional.MinNotional, "0.00010000")
	if !f.MinNotional.ApplyToMarket {
		t.Error("applyToMarket not read")
	}
	eq(t, "market maxQty", f.MarketLotSize.MaxQty, "1183.37428541")
	eq(t, "market stepSize", f.MarketLotSize.StepSize, "0.00000000")
	eq(t, "maxPosition", f.MaxPosition.MaxPosition, "10.00000000")
	if f.IcebergParts != 10 || f.MaxNumOrders != 25 || f.MaxNumAlgoOrders != 5 || f.MaxNumIcebergOrders != 5 {
		t.Errorf("limits = %d %d %d %d", f.IcebergParts, f.MaxNumOrders, f.MaxNumAlgoOrders, f.MaxNumIcebergOrders)
	}
	if *f.TrailingDelta != (TrailingDeltaFilter{10, 2000, 10, 2000}) {
		t.Errorf("trailing delta = %+v", *f.TrailingDelta)
	}
	if len(f.Other) != 1 || f.Other[0].Type != "NEW_FILTER_TYPE" || !json.Valid(f.Other[0].JSON) {
		t.Errorf("unknown filter not kept: %+v", f.Other)
	}

	paused := mustInstrument(t, x, "PAUSEDUSDT")
	eq(t, "zero minPrice", paused.Filters.Price.MinPrice, "0.00000000")
	o := lim(order.Buy, "1", "10")
	if got := paused.Check(&o, nil); got == nil || got.Msg != "Market is closed." {
		t.Errorf("order on a symbol in BREAK: %s", describe(got))
	}
}

func TestParseExchangeInfoFutures(t *testing.T) {
	x, err := ParseExchangeInfo(readTestdata(t, "exchangeinfo-futures-um.json"), FuturesUM)
	if err != nil {
		t.Fatal(err)
	}
	if x.Kind != FuturesUM || len(x.RateLimits) != 3 || x.RateLimits[2].Window() != 10*time.Second {
		t.Errorf("header = %s %+v", x.Kind, x.RateLimits)
	}
	in := mustInstrument(t, x, "ETHUSDT")
	if in.ContractType != "PERPETUAL" || in.MarginAsset != "USDT" || in.PricePrecision != 2 || in.QuantityPrecision != 3 {
		t.Errorf("contract fields = %+v", in)
	}
	eq(t, "triggerProtect", in.TriggerProtect, "0.0500")
	eq(t, "liquidationFee", in.LiquidationFee, "0.012500")
	eq(t, "marketTakeBound", in.MarketTakeBound, "0.05")
	// The pre-2026-03 key "OrderType" is read; only LIMIT and MARKET are
	// order types /fapi/v1/order takes.
	if len(in.OrderTypes) != 7 || in.Types != TypeSetOf(order.Limit, order.Market) {
		t.Errorf("order types = %v, set %b", in.OrderTypes, in.Types)
	}
	if strings.Join(in.Permissions, ",") != "GRID,COPY" {
		t.Errorf("permissions = %v", in.Permissions)
	}
	f := in.Filters
	eq(t, "MIN_NOTIONAL notional", f.MinNotional.MinNotional, "20")
	if !f.MinNotional.ApplyToMarket {
		t.Error("futures MIN_NOTIONAL applies to MARKET orders")
	}
	if f.MaxNumOrders != 200 || f.MaxNumAlgoOrders != 10 || f.PercentPrice.MultiplierDecimal != 4 {
		t.Errorf("limits = %d %d %d", f.MaxNumOrders, f.MaxNumAlgoOrders, f.PercentPrice.MultiplierDecimal)
	}
	if len(f.Other) != 1 || f.Other[0].Type != "POSITION_RISK_CONTROL" {
		t.Errorf("unknown filter not kept: %+v", f.Other)
	}
	if in.fixed == nil {
		t.Error("parsed futures instrument has no fixed-point rules")
	}
}

func TestParseExchangeInfoVectors(t *testing.T) {
	v := loadFilterVectors(t)

	t.Run("spot filter formats", func(t *testing.T) {
		if len(v.SpotFilterFormats.Formats) == 0 {
			t.Fatal("no formats in the vectors")
		}
		account := map[string]bool{"MAX_ASSET": true}
		for name, raw := range v.SpotFilterFormats.Formats {
			t.Run(name, func(t *testing.T) {
				if strings.HasPrefix(name, "EXCHANGE_") || account[name] {
					doc := `{"timezone":"UTC","serverTime":1,"rateLimits":[],"symbols":[],"exchangeFilters":[` + string(raw) + `]}`
					x, err := ParseExchangeInfo([]byte(doc), Spot)
					if err != nil {
						t.Fatal(err)
					}
					if len(x.ExchangeFilters) != 1 || x.ExchangeFilters[0].Type != name {
						t.Fatalf("exchange filters = %+v", x.ExchangeFilters)
					}
					return
				}
				in := testInstrument(t, Spot, "", string(raw))
				if len(in.Filters.Other) != 0 {
					t.Fatalf("symbol filter %s parsed as unknown", name)
				}
				assertFormatRead(t, name, raw, &in.Filters)
			})
		}
	})

	t.Run("futures doc sample", func(t *testing.T) {
		x, err := ParseExchangeInfo(v.FuturesDocSample.Body, FuturesUM)
		if err != nil {
			t.Fatal(err)
		}
		in := mustInstrument(t, x, "BLZUSDT")
		eq(t, "notional", in.Filters.MinNotional.MinNotional, "5.0")
		eq(t, "tickSize", in.Filters.Price.TickSize, "0.0001")
		if in.Filters.MaxNumOrders != 200 || in.Filters.MaxNumAlgoOrders != 10 {
			t.Errorf("limits = %d %d", in.Filters.MaxNumOrders, in.Filters.MaxNumAlgoOrders)
		}
		if !in.Types.Has(order.Limit) || !in.Types.Has(order.Market) {
			t.Errorf("types = %b from %v", in.Types, in.OrderTypes)
		}
		o := lim(order.Buy, "0.0100", "100")
		if got := in.Check(&o, &Conditions{MarkPrice: dec("0.01")}); got == nil || got.Code != -4164 ||
			got.Msg != "Order's notional must be no smaller than 5.0 (unless you choose reduce only)" {
			t.Errorf("1.00 notional on BLZUSDT: %s", describe(got))
		}
	})
}

// assertFormatRead checks that every numeric field of a documented filter
// format reached the parsed filters, by comparing it to the value read.
func assertFormatRead(t *testing.T, name string, raw json.RawMessage, f *Filters) {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	put := func(k string, d num.Decimal) { got[k] = d.Format() }
	puti := func(k string, v int64) { got[k] = strconv.FormatInt(v, 10) }
	switch name {
	case FilterPrice:
		put("minPrice", f.Price.MinPrice)
		put("maxPrice", f.Price.MaxPrice)
		put("tickSize", f.Price.TickSize)
	case FilterPercentPrice:
		put("multiplierUp", f.PercentPrice.MultiplierUp)
		put("multiplierDown", f.PercentPrice.MultiplierDown)
		puti("avgPriceMins", f.PercentPrice.AvgPriceMins)
	case FilterPercentPriceBySide:
		p := f.PercentPriceBySide
		put("bidMultiplierUp", p.BidMultiplierUp)
		put("bidMultiplierDown", p.BidMultiplierDown)
		put("askMultiplierUp", p.AskMultiplierUp)
		put("askMultiplierDown", p.AskMultiplierDown)
		puti("avgPriceMins", p.AvgPriceMins)
	case FilterLotSize, FilterMarketLotSize:
		l := f.LotSize
		if name == FilterMarketLotSize {
			l = f.MarketLotSize
		}
		put("minQty", l.MinQty)
		put("maxQty", l.MaxQty)
		put("stepSize", l.StepSize)
	case FilterMinNotional:
		put("minNotional", f.MinNotional.MinNotional)
		puti("avgPriceMins", f.MinNotional.AvgPriceMins)
		if f.MinNotional.ApplyToMarket != fields["applyToMarket"] {
			t.Error("applyToMarket not read")
		}
	case FilterNotional:
		put("minNotional", f.Notional.MinNotional)
		put("maxNotional", f.Notional.MaxNotional)
		puti("avgPriceMins", f.Notional.AvgPriceMins)
		if f.Notional.ApplyMinToMarket != fields["applyMinToMarket"] || f.Notional.ApplyMaxToMarket != fields["applyMaxToMarket"] {
			t.Error("apply*ToMarket not read")
		}
	case FilterIcebergParts:
		puti("limit", f.IcebergParts)
	case FilterMaxNumOrders:
		puti("maxNumOrders", f.MaxNumOrders)
	case FilterMaxNumAlgoOrders:
		puti("maxNumAlgoOrders", f.MaxNumAlgoOrders)
	case FilterMaxNumIcebergOrders:
		puti("maxNumIcebergOrders", f.MaxNumIcebergOrders)
	case FilterMaxNumOrderLists:
		puti("maxNumOrderLists", f.MaxNumOrderLists)
	case FilterMaxNumOrderAmends:
		puti("maxNumOrderAmends", f.MaxNumOrderAmends)
	case FilterMaxPosition:
		put("maxPosition", f.MaxPosition.MaxPosition)
	case FilterTrailingDelta:
		td := f.TrailingDelta
		puti("minTrailingAboveDelta", td.MinTrailingAboveDelta)
		puti("maxTrailingAboveDelta", td.MaxTrailingAboveDelta)
		puti("minTrailingBelowDelta", td.MinTrailingBelowDelta)
		puti("maxTrailingBelowDelta", td.MaxTrailingBelowDelta)
	default:
		t.Fatalf("format %s has no check here", name)
	}
	for k, v := range fields {
		var want string
		switch v := v.(type) {
		case string:
			want = v
		case float64:
			want = strconv.FormatInt(int64(v), 10)
		default:
			continue // booleans are checked above; filterType is the name
		}
		if k == "filterType" {
			continue
		}
		if got[k] != want {
			t.Errorf("%s.%s = %q, want %q", name, k, got[k], want)
		}
	}
}

func TestParseExchangeInfoRejectsBadFilters(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		filter string
		want   []string // all must appear in the error
	}{
		{"non-decimal tick", Spot, `{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100","tickSize":"abc"}`, []string{"PRICE_FILTER", "tickSize"}},
		{"exponent tick", Spot, `{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100","tickSize":"1e-2"}`, []string{"PRICE_FILTER", "tickSize"}},
		{"negative min price", Spot, `{"filterType":"PRICE_FILTER","minPrice":"-0.01","maxPrice":"100","tickSize":"0.01"}`, []string{"PRICE_FILTER", "minPrice", "negative"}},
		{"min price above max", Spot, `{"filterType":"PRICE_FILTER","minPrice":"10","maxPrice":"1","tickSize":"0.01"}`, []string{"PRICE_FILTER", "minPrice 10 is above maxPrice 1"}},
		{"missing tick", Spot, `{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100"}`, []string{"PRICE_FILTER", "tickSize missing"}},
		{"null tick", Spot, `{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100","tickSize":null}`, []string{"PRICE_FILTER", "tickSize missing"}},
		{"empty tick", Spot, `{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100","tickSize":""}`, []string{"PRICE_FILTER", "tickSize"}},
		{"zero step", Spot, `{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"100","stepSize":"0"}`, []string{"LOT_SIZE", "stepSize must be positive"}},
		{"zero max quantity", Spot, `{"filterType":"LOT_SIZE","minQty":"0","maxQty":"0","stepSize":"0.001"}`, []string{"LOT_SIZE", "maxQty must be positive"}},
		{"min quantity above max", Spot, `{"filterType":"LOT_SIZE","minQty":"5","maxQty":"1","stepSize":"0.001"}`, []string{"LOT_SIZE", "minQty"}},
		{"market min above max", Spot, `{"filterType":"MARKET_LOT_SIZE","minQty":"5","maxQty":"1","stepSize":"0"}`, []string{"MARKET_LOT_SIZE", "minQty"}},
		{"zero up multiplier", Spot, `{"filterType":"PERCENT_PRICE","multiplierUp":"0","multiplierDown":"0","avgPriceMins":5}`, []string{"PERCENT_PRICE", "multiplierUp must be positive"}},
		{"empty band", Spot, `{"filterType":"PERCENT_PRICE","multiplierUp":"0.9","multiplierDown":"1.1","avgPriceMins":5}`, []string{"PERCENT_PRICE", "multiplierDown 1.1 is above multiplierUp 0.9"}},
		{"fractional avgPriceMins", Spot, `{"filterType":"PERCENT_PRICE","multiplierUp":"1.1","multiplierDown":"0.9","avgPriceMins":1.5}`, []string{"PERCENT_PRICE", "avgPriceMins"}},
		{"empty ask band", Spot, `{"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5","bidMultiplierDown":"0.2","askMultiplierUp":"0.5","askMultiplierDown":"0.8"}`, []string{"PERCENT_PRICE_BY_SIDE", "askMultiplierDown"}},
		{"bad boolean", Spot, `{"filterType":"NOTIONAL","minNotional":"5","applyMinToMarket":"yes","maxNotional":"100","applyMaxToMarket":false}`, []string{"NOTIONAL", "applyMinToMarket"}},
		{"notional min above max", Spot, `{"filterType":"NOTIONAL","minNotional":"500","applyMinToMarket":true,"maxNotional":"100","applyMaxToMarket":false}`, []string{"NOTIONAL", "minNotional"}},
		{"spot min notional missing", Spot, `{"filterType":"MIN_NOTIONAL","notional":"5","applyToMarket":true}`, []string{"MIN_NOTIONAL", "minNotional missing"}},
		{"futures notional not decimal", FuturesUM, `{"filterType":"MIN_NOTIONAL","notional":"five"}`, []string{"MIN_NOTIONAL", "notional"}},
		{"zero iceberg parts", Spot, `{"filterType":"ICEBERG_PARTS","limit":0}`, []string{"ICEBERG_PARTS", "limit must be positive"}},
		{"negative iceberg parts", Spot, `{"filterType":"ICEBERG_PARTS","limit":-1}`, []string{"ICEBERG_PARTS", "limit -1 is negative"}},
		{"word iceberg parts", Spot, `{"filterType":"ICEBERG_PARTS","limit":"ten"}`, []string{"ICEBERG_PARTS", "limit"}},
		{"zero max orders", Spot, `{"filterType":"MAX_NUM_ORDERS","maxNumOrders":0}`, []string{"MAX_NUM_ORDERS", "maxNumOrders must be positive"}},
		{"futures max orders in spot form", FuturesUM, `{"filterType":"MAX_NUM_ORDERS","maxNumOrders":200}`, []string{"MAX_NUM_ORDERS", "limit missing"}},
		{"spot max algo in futures form", Spot, `{"filterType":"MAX_NUM_ALGO_ORDERS","limit":5}`, []string{"MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders missing"}},
		{"trailing min above max", Spot, `{"filterType":"TRAILING_DELTA","minTrailingAboveDelta":300,"maxTrailingAboveDelta":200,"minTrailingBelowDelta":10,"maxTrailingBelowDelta":2000}`, []string{"TRAILING_DELTA", "minTrailingAboveDelta 300"}},
		{"negative trailing", Spot, `{"filterType":"TRAILING_DELTA","minTrailingAboveDelta":10,"maxTrailingAboveDelta":200,"minTrailingBelowDelta":-10,"maxTrailingBelowDelta":2000}`, []string{"TRAILING_DELTA", "minTrailingBelowDelta"}},
		{"zero max position", Spot, `{"filterType":"MAX_POSITION","maxPosition":"0"}`, []string{"MAX_POSITION", "maxPosition must be positive"}},
		{"no filter type", Spot, `{"minPrice":"1"}`, []string{"filterType missing"}},
		{"filter not an object", Spot, `"PRICE_FILTER"`, []string{"filters[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := symbolDoc(tc.kind, `"symbol":"BADUSDT"`, []json.RawMessage{json.RawMessage(tc.filter)})
			x, err := ParseExchangeInfo(doc, tc.kind)
			if err == nil {
				t.Fatalf("accepted; filters %+v", mustInstrument(t, x, "BADUSDT").Filters)
			}
			if x != nil {
				t.Error("an ExchangeInfo came back with the error")
			}
			if !errors.Is(err, ErrExchangeInfo) {
				t.Errorf("error does not wrap ErrExchangeInfo: %v", err)
			}
			for _, w := range append([]string{"symbol BADUSDT"}, tc.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseExchangeInfoRejectsBadDocuments(t *testing.T) {
	lot := `{"filterType":"LOT_SIZE","minQty":"1","maxQty":"10","stepSize":"1"}`
	sym := func(extra string) string {
		return `{"symbol":"AUSDT","status":"TRADING","baseAsset":"A","quoteAsset":"USDT","baseAssetPrecision":8,"quoteAssetPrecision":8,` +
			`"filters":[` + lot + `]` + extra + `}`
	}
	doc := func(symbols, limits string) []byte {
		return []byte(`{"timezone":"UTC","serverTime":1,"rateLimits":[` + limits + `],"exchangeFilters":[],"symbols":[` + symbols + `]}`)
	}
	tests := []struct {
		name string
		data []byte
		kind Kind
		want []string
	}{
		{"not JSON", []byte(`{"symbols":[`), Spot, []string{"invalid exchangeInfo"}},
		{"wrong shape", []byte(`{"symbols":{}}`), Spot, []string{"invalid exchangeInfo"}},
		{"unknown kind", doc(sym(""), ""), Kind(9), []string{"unknown market kind"}},
		{"duplicate symbol", doc(sym("")+","+sym(""), ""), Spot, []string{"symbol AUSDT: listed twice"}},
		{"nameless symbol", doc(`{"status":"TRADING"}`, ""), Spot, []string{"symbols[0]: symbol missing"}},
		{"no status", doc(`{"symbol":"AUSDT","baseAsset":"A","quoteAsset":"USDT"}`, ""), Spot, []string{"symbol AUSDT: status missing"}},
		{"spot without precision", doc(`{"symbol":"AUSDT","status":"TRADING","baseAsset":"A","quoteAsset":"USDT"}`, ""), Spot,
			[]string{"symbol AUSDT", "baseAssetPrecision or quoteAssetPrecision missing"}},
		{"precision out of range", doc(sym(`,"baseAssetPrecision":20`), ""), Spot, []string{"symbol AUSDT", "baseAssetPrecision 20"}},
		{"duplicate filter", doc(`{"symbol":"AUSDT","status":"TRADING","baseAsset":"A","quoteAsset":"USDT","baseAssetPrecision":8,"quoteAssetPrecision":8,"filters":[`+lot+`,`+lot+`]}`, ""), Spot,
			[]string{"symbol AUSDT", "filter LOT_SIZE listed twice"}},
		{"bad futures decimal field", doc(sym(`,"liquidationFee":"1%"`), ""), FuturesUM, []string{"symbol AUSDT", "liquidationFee"}},
		{"bad rate limit interval", doc(sym(""), `{"rateLimitType":"ORDERS","interval":"WEEK","intervalNum":1,"limit":5}`), Spot, []string{"rateLimits[0]", "WEEK"}},
		{"zero rate limit", doc(sym(""), `{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":0}`), Spot, []string{"rateLimits[0]", "limit 0"}},
		{"every problem reported", doc(sym(`,"symbol":"BUSDT","quoteAssetPrecision":-1`)+","+sym(`,"symbol":"CUSDT","status":""`), ""), Spot,
			[]string{"symbol BUSDT", "symbol CUSDT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ParseExchangeInfo(tc.data, tc.kind)
			if err == nil {
				t.Fatalf("accepted: %v", x.Symbols())
			}
			if !errors.Is(err, ErrExchangeInfo) {
				t.Errorf("error does not wrap ErrExchangeInfo: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseExchangeInfoKeepsUnknownFilters(t *testing.T) {
	in := testInstrument(t, Spot, "",
		`{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100","tickSize":"0.01","addedLater":[1,2]}`,
		`{"filterType":"SOMETHING_NEW","value":"x"}`)
	if in.Filters.Price == nil {
		t.Fatal("a known filter with an extra field was dropped")
	}
	if len(in.Filters.Other) != 1 || in.Filters.Other[0].Type != "SOMETHING_NEW" ||
		string(in.Filters.Other[0].JSON) != `{"filterType":"SOMETHING_NEW","value":"x"}` {
		t.Fatalf("Other = %+v", in.Filters.Other)
	}
}

func TestExchangeInfoAccessorsCopy(t *testing.T) {
	x, err := DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	all := x.Instruments()
	all[0] = nil
	if x.Instruments()[0] == nil {
		t.Error("Instruments returned the internal slice")
	}
	syms := x.Symbols()
	syms[0] = "X"
	if x.Symbols()[0] != "BTCUSDT" {
		t.Error("Symbols returned the internal slice")
	}
}

func FuzzParseExchangeInfo(f *testing.F) {
	for _, name := range []string{"exchangeinfo-spot.json", "exchangeinfo-futures-um.json"} {
		f.Add(readTestdata(f, name), false)
		f.Add(readTestdata(f, name), true)
	}
	f.Add([]byte(spotSnapshot), false)
	f.Add([]byte(futuresUMSnapshot), true)
	f.Add([]byte(`{"symbols":[{"symbol":"A","status":"TRADING","baseAsset":"A","quoteAsset":"B","baseAssetPrecision":2,"quoteAssetPrecision":2,"filters":[{"filterType":"PRICE_FILTER","minPrice":"0","maxPrice":"0","tickSize":"0.5"}]}]}`), false)
	f.Add([]byte(`{"symbols":[{"symbol":"A","status":"TRADING","baseAsset":"A","quoteAsset":"B","filters":[{"filterType":"MIN_NOTIONAL","notional":"1"},{"filterType":"PERCENT_PRICE","multiplierUp":"1.1","multiplierDown":"0.9","multiplierDecimal":"4"}],"orderTypes":["LIMIT","MARKET"]}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, futures bool) {
		kind := Spot
		if futures {
			kind = FuturesUM
		}
		x, err := ParseExchangeInfo(data, kind)
		if err != nil {
			if x != nil || !errors.Is(err, ErrExchangeInfo) {
				t.Fatalf("error %v with result %v", err, x)
			}
			return
		}
		for _, in := range x.Instruments() {
			if got, ok := x.Instrument(in.Symbol); !ok || got != in {
				t.Fatalf("%s not found by its symbol", in.Symbol)
			}
			assertFiltersValid(t, in)
			// Whatever was accepted must be checkable without panicking,
			// and both implementations must agree on it.
			for _, o := range []OrderCheck{
				lim(order.Buy, "1.5", "2"), lim(order.Sell, "0.00000001", "123456789"),
				mkt(order.Buy, "1"), quoteMkt(order.Sell, "10"),
				stop(order.StopLossLimit, order.Buy, "3", "2", "1", 50), iceberg("1", "5", "1"),
			} {
				m := Conditions{AvgPrice: dec("1.25"), MarkPrice: dec("1.25"), OpenOrders: 1}
				slow, _ := in.check(&o, &m, false)
				fast, _ := in.check(&o, &m, true)
				if slow != fast {
					t.Fatalf("%s %+v: fixed %s, decimal %s", in.Symbol, o,
						describe(rejectionOf(in, fast)), describe(rejectionOf(in, slow)))
				}
				_ = in.Check(&o, &m)
			}
		}
	})
}

// assertFiltersValid checks what ParseExchangeInfo promises of accepted
// filters.
func assertFiltersValid(t *testing.T, in *Instrument) {
	t.Helper()
	f := &in.Filters
	neg := func(ds ...num.Decimal) bool {
		for _, d := range ds {
			if d.IsNeg() {
				return true
			}
		}
		return false
	}
	bad := func(what string) { t.Fatalf("%s accepted with %s", in.Symbol, what) }
	if p := f.Price; p != nil && (neg(p.MinPrice, p.MaxPrice, p.TickSize) ||
		(p.MaxPrice.IsPos() && p.MaxPrice.Less(p.MinPrice))) {
		bad("a bad PRICE_FILTER")
	}
	if l := f.LotSize; l != nil && (neg(l.MinQty) || !l.MaxQty.IsPos() || !l.StepSize.IsPos() || l.MaxQty.Less(l.MinQty)) {
		bad("a bad LOT_SIZE")
	}
	if p := f.PercentPrice; p != nil && (!p.MultiplierUp.IsPos() || neg(p.MultiplierDown) || p.MultiplierUp.Less(p.MultiplierDown)) {
		bad("a bad PERCENT_PRICE")
	}
	if n := f.Notional; n != nil && (neg(n.MinNotional, n.MaxNotional) || (n.MaxNotional.IsPos() && n.MaxNotional.Less(n.MinNotional))) {
		bad("a bad NOTIONAL")
	}
	if f.IcebergParts < 0 || f.MaxNumOrders < 0 || f.MaxNumAlgoOrders < 0 {
		bad("a negative limit")
	}
}

func BenchmarkParseExchangeInfo(b *testing.B) {
	data := []byte(spotSnapshot)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExchangeInfo(data, Spot); err != nil {
			b.Fatal(err)
		}
	}
}
