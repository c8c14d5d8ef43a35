package market

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// vectorsPath is the shared Binance test vectors, beside the repository.
const vectorsPath = "../../../shared/testdata/binance/vectors.json"

// filterVectors is the "filters" part of vectors.json.
type filterVectors struct {
	SpotFilterFormats struct {
		Formats map[string]json.RawMessage `json:"formats"`
	} `json:"spot_filter_formats"`
	SpotBTCUSDT struct {
		Filters []json.RawMessage `json:"filters"`
		Flags   struct {
			BaseAssetPrecision  int      `json:"baseAssetPrecision"`
			QuoteAssetPrecision int      `json:"quoteAssetPrecision"`
			OrderTypes          []string `json:"orderTypes"`
		} `json:"symbol_flags_seen"`
	} `json:"spot_btcusdt_representative"`
	SpotCases struct {
		FiltersRef string       `json:"filters_ref"`
		Cases      []vectorCase `json:"cases"`
	} `json:"spot_validation_cases"`
	FuturesDocSample struct {
		Body json.RawMessage `json:"body"`
	} `json:"futures_exchange_info_doc_sample"`
	FuturesBTCUSDT struct {
		Filters []json.RawMessage `json:"filters"`
	} `json:"futures_btcusdt_representative"`
	FuturesCases struct {
		FiltersRef string       `json:"filters_ref"`
		Cases      []vectorCase `json:"cases"`
	} `json:"futures_validation_cases"`
}

type vectorCase struct {
	Name          string                     `json:"name"`
	Order         map[string]json.RawMessage `json:"order"`
	AvgPrice      string                     `json:"reference_or_avg_price"`
	MarkPrice     string                     `json:"mark_price"`
	Valid         bool                       `json:"valid"`
	ExpectedError *struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"expected_error"`
}

// loadFilterVectors reads vectors.json → filters, skipping the test when the
// shared checkout is not beside the repository.
func loadFilterVectors(tb testing.TB) *filterVectors {
	tb.Helper()
	b, err := os.ReadFile(vectorsPath)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("Binance test vectors not found at %s (the shared reference checkout is not beside the repository)", vectorsPath)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Filters filterVectors `json:"filters"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatalf("decode %s: %v", vectorsPath, err)
	}
	return &doc.Filters
}

// toOrderCheck converts a vector's order object; unknown keys fail the test
// so that a new vector field is never silently ignored.
func toOrderCheck(tb testing.TB, fields map[string]json.RawMessage) OrderCheck {
	tb.Helper()
	var o OrderCheck
	str := func(k string) string {
		var s string
		if err := json.Unmarshal(fields[k], &s); err != nil {
			tb.Fatalf("order.%s: %v", k, err)
		}
		return s
	}
	decimal := func(k string) num.Decimal {
		d, err := num.Parse(str(k))
		if err != nil {
			tb.Fatalf("order.%s: %v", k, err)
		}
		return d
	}
	for k, raw := range fields {
		var err error
		switch k {
		case "type":
			o.Type, err = order.ParseType(str(k))
		case "side":
			o.Side, err = order.ParseSide(str(k))
		case "price":
			o.Price = decimal(k)
		case "stopPrice":
			o.StopPrice = decimal(k)
		case "quantity":
			o.Quantity = decimal(k)
		case "quoteOrderQty":
			o.QuoteOrderQty = decimal(k)
		case "icebergQty":
			o.IcebergQty = decimal(k)
		case "trailingDelta":
			err = json.Unmarshal(raw, &o.TrailingDelta)
		case "reduceOnly":
			err = json.Unmarshal(raw, &o.ReduceOnly)
		case "timeInForce":
			// Check does not model time in force; GTC is what icebergs need.
			if s := str(k); s != "GTC" {
				tb.Fatalf("order.timeInForce %q: only GTC vectors are expected", s)
			}
		default:
			tb.Fatalf("order field %q is not understood by this test", k)
		}
		if err != nil {
			tb.Fatalf("order.%s: %v", k, err)
		}
	}
	return o
}

// symbolDoc builds a one-symbol exchangeInfo document. extra holds more
// symbol fields, written after the defaults so that they override them.
func symbolDoc(kind Kind, extra string, filters []json.RawMessage) []byte {
	base := `"symbol":"TESTUSDT","status":"TRADING","baseAsset":"TEST","quoteAsset":"USDT",` +
		`"baseAssetPrecision":8,"quoteAssetPrecision":8,` +
		`"orderTypes":["LIMIT","LIMIT_MAKER","MARKET","STOP_LOSS","STOP_LOSS_LIMIT","TAKE_PROFIT","TAKE_PROFIT_LIMIT"],` +
		`"icebergAllowed":true,"quoteOrderQtyMarketAllowed":true,"allowTrailingStop":true`
	if kind == FuturesUM {
		base = `"symbol":"TESTUSDT","pair":"TESTUSDT","contractType":"PERPETUAL","status":"TRADING",` +
			`"baseAsset":"TEST","quoteAsset":"USDT","marginAsset":"USDT","baseAssetPrecision":8,"quotePrecision":8,` +
			`"orderTypes":["LIMIT","MARKET","STOP","STOP_MARKET","TAKE_PROFIT","TAKE_PROFIT_MARKET","TRAILING_STOP_MARKET"]`
	}
	if extra != "" {
		base += "," + extra
	}
	fs, _ := json.Marshal(filters)
	return []byte(`{"timezone":"UTC","serverTime":1,"rateLimits":[],"exchangeFilters":[],"symbols":[{` +
		base + `,"filters":` + string(fs) + `}]}`)
}

// testInstrument parses a one-symbol document and returns its instrument.
func testInstrument(tb testing.TB, kind Kind, extra string, filters ...string) *Instrument {
	tb.Helper()
	raws := make([]json.RawMessage, len(filters))
	for i, f := range filters {
		raws[i] = json.RawMessage(f)
	}
	x, err := ParseExchangeInfo(symbolDoc(kind, extra, raws), kind)
	if err != nil {
		tb.Fatalf("parse test symbol: %v", err)
	}
	in, ok := x.Instrument("TESTUSDT")
	if !ok {
		tb.Fatal("TESTUSDT missing")
	}
	return in
}

// dec parses a decimal; "" is zero (not sent).
func dec(s string) num.Decimal {
	if s == "" {
		return num.Zero
	}
	return num.MustParse(s)
}

func lim(side order.Side, price, qty string) OrderCheck {
	return OrderCheck{Side: side, Type: order.Limit, Price: dec(price), Quantity: dec(qty)}
}

func mkt(side order.Side, qty string) OrderCheck {
	return OrderCheck{Side: side, Type: order.Market, Quantity: dec(qty)}
}

func stop(t order.Type, side order.Side, price, stopPrice, qty string, delta int64) OrderCheck {
	return OrderCheck{Side: side, Type: t, Price: dec(price), StopPrice: dec(stopPrice), Quantity: dec(qty), TrailingDelta: delta}
}

func iceberg(price, qty, visible string) OrderCheck {
	o := lim(order.Buy, price, qty)
	o.IcebergQty = dec(visible)
	return o
}

func quoteMkt(side order.Side, quote string) OrderCheck {
	return OrderCheck{Side: side, Type: order.Market, QuoteOrderQty: dec(quote)}
}

func avg(p string) Conditions { return Conditions{AvgPrice: dec(p)} }

// describe renders a check result for failure messages.
func describe(r *Rejection) string {
	if r == nil {
		return "accepted"
	}
	return fmt.Sprintf("rejected %d %q (filter %q)", r.Code, r.Msg, r.Filter)
}

// checkBoth checks o with the fixed-point and with the decimal
// implementation, fails the test when they disagree, and returns what Check
// returns.
func checkBoth(tb testing.TB, in *Instrument, o *OrderCheck, m *Conditions) *Rejection {
	tb.Helper()
	if m == nil {
		m = &Conditions{}
	}
	slow, _ := in.check(o, m, false)
	fast, _ := in.check(o, m, true)
	if slow != fast {
		tb.Fatalf("fixed-point check gives %s, decimal check gives %s",
			describe(rejectionOf(in, fast)), describe(rejectionOf(in, slow)))
	}
	got := in.Check(o, m)
	if want := rejectionOf(in, fast); (got == nil) != (want == nil) || (got != nil && *got != *want) {
		tb.Fatalf("Check gives %s, its rules give %s", describe(got), describe(want))
	}
	return got
}

func rejectionOf(in *Instrument, k rejection) *Rejection {
	if k == rejFuturesMinNotional {
		return in.futuresMinNotional()
	}
	return reject(k)
}

func TestCheckSpotVectors(t *testing.T) {
	v := loadFilterVectors(t)
	if v.SpotCases.FiltersRef != "spot_btcusdt_representative" {
		t.Fatalf("spot cases refer to %q; this test builds spot_btcusdt_representative", v.SpotCases.FiltersRef)
	}
	if len(v.SpotCases.Cases) == 0 {
		t.Fatal("no spot validation cases in the vectors")
	}
	flags := v.SpotBTCUSDT.Flags
	types, _ := json.Marshal(flags.OrderTypes)
	extra := fmt.Sprintf(`"symbol":"BTCUSDT","baseAsset":"BTC","baseAssetPrecision":%d,"quoteAssetPrecision":%d,"orderTypes":%s`,
		flags.BaseAssetPrecision, flags.QuoteAssetPrecision, types)
	x, err := ParseExchangeInfo(symbolDoc(Spot, extra, v.SpotBTCUSDT.Filters), Spot)
	if err != nil {
		t.Fatalf("parse the representative BTCUSDT filters: %v", err)
	}
	fromVectors, _ := x.Instrument("BTCUSDT")
	snap, err := DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	fromSnapshot, _ := snap.Instrument("BTCUSDT")

	for _, src := range []struct {
		name string
		in   *Instrument
	}{{"vectors", fromVectors}, {"snapshot", fromSnapshot}} {
		for _, c := range v.SpotCases.Cases {
			t.Run(src.name+"/"+c.Name, func(t *testing.T) {
				o := toOrderCheck(t, c.Order)
				m := Conditions{AvgPrice: dec(c.AvgPrice)}
				got := checkBoth(t, src.in, &o, &m)
				if c.Valid {
					if got != nil {
						t.Fatalf("want accepted, got %s", describe(got))
					}
					return
				}
				if c.ExpectedError == nil {
					t.Fatal("invalid case without expected_error")
				}
				if got == nil || got.Code != c.ExpectedError.Code || got.Msg != c.ExpectedError.Msg {
					t.Fatalf("want %d %q, got %s", c.ExpectedError.Code, c.ExpectedError.Msg, describe(got))
				}
				if want := strings.TrimPrefix(c.ExpectedError.Msg, "Filter failure: "); got.Filter != want {
					t.Errorf("Filter = %q, want %q", got.Filter, want)
				}
			})
		}
	}
}

func TestCheckFuturesVectors(t *testing.T) {
	v := loadFilterVectors(t)
	if v.FuturesCases.FiltersRef != "futures_btcusdt_representative" {
		t.Fatalf("futures cases refer to %q; this test builds futures_btcusdt_representative", v.FuturesCases.FiltersRef)
	}
	if len(v.FuturesCases.Cases) == 0 {
		t.Fatal("no futures validation cases in the vectors")
	}
	x, err := ParseExchangeInfo(symbolDoc(FuturesUM, `"symbol":"BTCUSDT","pair":"BTCUSDT","baseAsset":"BTC"`, v.FuturesBTCUSDT.Filters), FuturesUM)
	if err != nil {
		t.Fatalf("parse the representative futures BTCUSDT filters: %v", err)
	}
	fromVectors, _ := x.Instrument("BTCUSDT")
	snap, err := DefaultFuturesUM()
	if err != nil {
		t.Fatal(err)
	}
	fromSnapshot, _ := snap.Instrument("BTCUSDT")

	for _, src := range []struct {
		name string
		in   *Instrument
	}{{"vectors", fromVectors}, {"snapshot", fromSnapshot}} {
		for _, c := range v.FuturesCases.Cases {
			t.Run(src.name+"/"+c.Name, func(t *testing.T) {
				o := toOrderCheck(t, c.Order)
				m := Conditions{MarkPrice: dec(c.MarkPrice)}
				got := checkBoth(t, src.in, &o, &m)
				if c.Valid {
					if got != nil {
						t.Fatalf("want accepted, got %s", describe(got))
					}
					return
				}
				if c.ExpectedError == nil {
					t.Fatal("invalid case without expected_error")
				}
				if got == nil || got.Code != c.ExpectedError.Code || got.Msg != c.ExpectedError.Msg {
					t.Fatalf("want %d %q, got %s", c.ExpectedError.Code, c.ExpectedError.Msg, describe(got))
				}
				if got.Filter == "" {
					t.Error("a futures filter rejection must name its filter")
				}
			})
		}
	}
}

// checkCase is one order against a symbol holding a single filter.
type checkCase struct {
	name   string
	filter string // the symbol's only filter
	order  OrderCheck
	cond   Conditions
	want   string // "" when accepted; else the failing filter's name
}

func runFilterCases(t *testing.T, kind Kind, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := testInstrument(t, kind, "", c.filter)
			got := checkBoth(t, in, &c.order, &c.cond)
			switch {
			case c.want == "" && got != nil:
				t.Fatalf("want accepted, got %s", describe(got))
			case c.want != "" && got == nil:
				t.Fatalf("want %s failure, got accepted", c.want)
			case c.want != "" && got.Filter != c.want:
				t.Fatalf("want %s failure, got %s", c.want, describe(got))
			case kind == Spot && got != nil && got.Code == -1013 && got.Msg != "Filter failure: "+c.want:
				t.Fatalf("message %q does not name %s", got.Msg, c.want)
			}
		})
	}
}

func TestCheckPriceFilter(t *testing.T) {
	const pf = `{"filterType":"PRICE_FILTER","minPrice":"0.10","maxPrice":"1000","tickSize":"0.05"}`
	runFilterCases(t, Spot, []checkCase{
		{"at min", pf, lim(order.Buy, "0.10", "1"), Conditions{}, ""},
		{"one tick below min", pf, lim(order.Buy, "0.05", "1"), Conditions{}, FilterPrice},
		{"at max", pf, lim(order.Sell, "1000", "1"), Conditions{}, ""},
		{"one tick above max", pf, lim(order.Sell, "1000.05", "1"), Conditions{}, FilterPrice},
		{"off tick", pf, lim(order.Buy, "10.12", "1"), Conditions{}, FilterPrice},
		{"on tick with trailing zeros", pf, lim(order.Buy, "10.1500000", "1"), Conditions{}, ""},
		{"zero tick is off", `{"filterType":"PRICE_FILTER","minPrice":"0.10","maxPrice":"1000","tickSize":"0"}`,
			lim(order.Buy, "10.123", "1"), Conditions{}, ""},
		{"zero min is off", `{"filterType":"PRICE_FILTER","minPrice":"0","maxPrice":"1000","tickSize":"0.00001"}`,
			lim(order.Buy, "0.00001", "1"), Conditions{}, ""},
		{"zero max is off", `{"filterType":"PRICE_FILTER","minPrice":"0.10","maxPrice":"0","tickSize":"0.05"}`,
			lim(order.Buy, "99999999.95", "1"), Conditions{}, ""},
		{"stop price off tick", pf, stop(order.StopLossLimit, order.Sell, "10.00", "10.02", "1", 0), Conditions{}, FilterPrice},
		{"stop price below min", pf, stop(order.StopLoss, order.Sell, "", "0.05", "1", 0), Conditions{}, FilterPrice},
		{"stop and limit price on tick", pf, stop(order.TakeProfitLimit, order.Sell, "10.05", "10.10", "1", 0), Conditions{}, ""},
		{"market order has no price", pf, mkt(order.Buy, "1"), Conditions{}, ""},
	})
}

func TestCheckPercentPrice(t *testing.T) {
	const pp = `{"filterType":"PERCENT_PRICE","multiplierUp":"1.3","multiplierDown":"0.7","avgPriceMins":5}`
	const bySide = `{"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"1.2","bidMultiplierDown":"0.2",` +
		`"askMultiplierUp":"5","askMultiplierDown":"0.8","avgPriceMins":1}`
	runFilterCases(t, Spot, []checkCase{
		{"at up bound", pp, lim(order.Buy, "130", "1"), avg("100"), ""},
		{"above up bound", pp, lim(order.Buy, "130.01", "1"), avg("100"), FilterPercentPrice},
		{"at down bound", pp, lim(order.Sell, "70", "1"), avg("100"), ""},
		{"below down bound", pp, lim(order.Sell, "69.99", "1"), avg("100"), FilterPercentPrice},
		{"stop limit uses the limit price", pp, stop(order.StopLossLimit, order.Sell, "131", "100", "1", 0), avg("100"), FilterPercentPrice},
		{"stop price is not banded", pp, stop(order.StopLossLimit, order.Buy, "100", "200", "1", 0), avg("100"), ""},
		{"market order skips it", pp, mkt(order.Buy, "1"), Conditions{}, ""},
		{"stop market order skips it", pp, stop(order.StopLoss, order.Buy, "", "500", "1", 0), Conditions{}, ""},
		{"unknown average refused", pp, lim(order.Buy, "100", "1"), Conditions{}, FilterPercentPrice},

		{"bid at up bound", bySide, lim(order.Buy, "120", "1"), avg("100"), ""},
		{"bid above up bound", bySide, lim(order.Buy, "120.01", "1"), avg("100"), FilterPercentPriceBySide},
		{"bid at down bound", bySide, lim(order.Buy, "20", "1"), avg("100"), ""},
		{"bid below down bound", bySide, lim(order.Buy, "19.99", "1"), avg("100"), FilterPercentPriceBySide},
		{"ask uses its own band", bySide, lim(order.Sell, "120.01", "1"), avg("100"), ""},
		{"ask at up bound", bySide, lim(order.Sell, "500", "1"), avg("100"), ""},
		{"ask above up bound", bySide, lim(order.Sell, "500.01", "1"), avg("100"), FilterPercentPriceBySide},
		{"ask at down bound", bySide, lim(order.Sell, "80", "1"), avg("100"), ""},
		{"ask below down bound", bySide, lim(order.Sell, "79.99", "1"), avg("100"), FilterPercentPriceBySide},
		{"market order skips by side", bySide, mkt(order.Sell, "1"), Conditions{}, ""},
		{"unknown average refused by side", bySide, lim(order.Sell, "100", "1"), Conditions{}, FilterPercentPriceBySide},
	})
}

func TestCheckLotSize(t *testing.T) {
	const ls = `{"filterType":"LOT_SIZE","minQty":"0.010","maxQty":"100","stepSize":"0.005"}`
	const mls = `{"filterType":"MARKET_LOT_SIZE","minQty":"0.02","maxQty":"50","stepSize":"0.01"}`
	runFilterCases(t, Spot, []checkCase{
		{"at min", ls, lim(order.Buy, "1", "0.010"), Conditions{}, ""},
		{"one step below min", ls, lim(order.Buy, "1", "0.005"), Conditions{}, FilterLotSize},
		{"at max", ls, lim(order.Buy, "1", "100"), Conditions{}, ""},
		{"one step above max", ls, lim(order.Buy, "1", "100.005"), Conditions{}, FilterLotSize},
		{"off step", ls, lim(order.Buy, "1", "0.012"), Conditions{}, FilterLotSize},
		// 0.008 − 0.003 is a multiple of 0.005, 0.008 is not: the step
		// check no longer subtracts minQty.
		{"no minQty offset", `{"filterType":"LOT_SIZE","minQty":"0.003","maxQty":"100","stepSize":"0.005"}`,
			lim(order.Buy, "1", "0.008"), Conditions{}, FilterLotSize},
		{"multiple of step above odd min", `{"filterType":"LOT_SIZE","minQty":"0.003","maxQty":"100","stepSize":"0.005"}`,
			lim(order.Buy, "1", "0.010"), Conditions{}, ""},
		{"iceberg quantity below min", ls, iceberg("1", "1", "0.005"), Conditions{}, FilterLotSize},
		{"iceberg quantity off step", ls, iceberg("1", "1", "0.012"), Conditions{}, FilterLotSize},
		{"iceberg quantity on step", ls, iceberg("1", "1", "0.015"), Conditions{}, ""},
		{"market order obeys lot step", ls, mkt(order.Buy, "0.012"), Conditions{}, FilterLotSize},
		{"quote amount buys min", ls, quoteMkt(order.Buy, "1.00"), avg("100"), ""},
		{"quote amount below min after rounding", ls, quoteMkt(order.Buy, "0.99"), avg("100"), FilterLotSize},
		{"quote amount without average", ls, quoteMkt(order.Buy, "1.00"), Conditions{}, FilterLotSize},

		{"market at min", mls, mkt(order.Sell, "0.02"), Conditions{}, ""},
		{"market one step below min", mls, mkt(order.Sell, "0.01"), Conditions{}, FilterMarketLotSize},
		{"market at max", mls, mkt(order.Sell, "50"), Conditions{}, ""},
		{"market one step above max", mls, mkt(order.Sell, "50.01"), Conditions{}, FilterMarketLotSize},
		{"market off step", mls, mkt(order.Sell, "0.025"), Conditions{}, FilterMarketLotSize},
		{"limit ignores market lot", mls, lim(order.Sell, "1", "0.001"), Conditions{}, ""},
		{"market zero min and step are off", `{"filterType":"MARKET_LOT_SIZE","minQty":"0","maxQty":"83.7","stepSize":"0"}`,
			mkt(order.Buy, "0.00000001"), Conditions{}, ""},
		{"market zero min and step keep max", `{"filterType":"MARKET_LOT_SIZE","minQty":"0","maxQty":"83.7","stepSize":"0"}`,
			mkt(order.Buy, "83.71"), Conditions{}, FilterMarketLotSize},
	})
}

func TestCheckNotional(t *testing.T) {
	const mn = `{"filterType":"MIN_NOTIONAL","minNotional":"10","applyToMarket":true,"avgPriceMins":5}`
	const mnLimitOnly = `{"filterType":"MIN_NOTIONAL","minNotional":"10","applyToMarket":false,"avgPriceMins":5}`
	const nt = `{"filterType":"NOTIONAL","minNotional":"5","applyMinToMarket":false,"maxNotional":"1000","applyMaxToMarket":true,"avgPriceMins":5}`
	const ntMin = `{"filterType":"NOTIONAL","minNotional":"5","applyMinToMarket":true,"maxNotional":"0","applyMaxToMarket":true,"avgPriceMins":5}`
	const lot = `{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1000","stepSize":"0.001"}`
	runFilterCases(t, Spot, []checkCase{
		{"min notional exactly", mn, lim(order.Buy, "10", "1"), Conditions{}, ""},
		{"min notional just below", mn, lim(order.Buy, "10", "0.99"), Conditions{}, FilterMinNotional},
		{"market valued at average", mn, mkt(order.Buy, "0.1"), avg("100"), ""},
		{"market valued at average, below", mn, mkt(order.Buy, "0.1"), avg("99.99"), FilterMinNotional},
		{"market without average refused", mn, mkt(order.Buy, "0.1"), Conditions{}, FilterMinNotional},
		{"applyToMarket false skips market", mnLimitOnly, mkt(order.Buy, "0.0001"), Conditions{}, ""},
		{"applyToMarket false still checks limit", mnLimitOnly, lim(order.Buy, "1", "9.99"), Conditions{}, FilterMinNotional},

		{"notional at min", nt, lim(order.Buy, "5", "1"), Conditions{}, ""},
		{"notional below min", nt, lim(order.Buy, "4.99", "1"), Conditions{}, FilterNotional},
		{"notional at max", nt, lim(order.Sell, "1000", "1"), Conditions{}, ""},
		{"notional above max", nt, lim(order.Sell, "1000.01", "1"), Conditions{}, FilterNotional},
		{"market min not applied", nt, mkt(order.Buy, "0.01"), avg("100"), ""},
		{"market max applied", nt, mkt(order.Buy, "10.01"), avg("100"), FilterNotional},
		{"zero max is no max", ntMin, lim(order.Buy, "1000000", "1000"), Conditions{}, ""},
		{"market min applied", ntMin, mkt(order.Buy, "0.049"), avg("100"), FilterNotional},
		{"stop market valued at stop price", ntMin, stop(order.StopLoss, order.Sell, "", "4", "1", 0), Conditions{}, FilterNotional},
		{"stop market at min via stop price", ntMin, stop(order.StopLoss, order.Sell, "", "5", "1", 0), Conditions{}, ""},
		{"trailing stop valued at average", ntMin, stop(order.StopLoss, order.Sell, "", "", "1", 100), avg("5"), ""},
		{"trailing stop below min at average", ntMin, stop(order.StopLoss, order.Sell, "", "", "1", 100), avg("4.99"), FilterNotional},
		{"trailing stop without average refused", ntMin, stop(order.StopLoss, order.Sell, "", "", "1", 100), Conditions{}, FilterNotional},
	})

	// A quoteOrderQty order is checked with the quantity it buys: 5.0005
	// quote at 3 buys 1.666 after the lot step, worth 4.998.
	in := testInstrument(t, Spot, "", lot, ntMin)
	for _, c := range []struct {
		quote string
		want  string
	}{{"5.0005", FilterNotional}, {"5.001", ""}, {"6", ""}} {
		o, m := quoteMkt(order.Buy, c.quote), avg("3")
		got := checkBoth(t, in, &o, &m)
		if (c.want == "") != (got == nil) || (got != nil && got.Filter != c.want) {
			t.Errorf("quoteOrderQty %s at 3: got %s, want %q", c.quote, describe(got), c.want)
		}
	}
}

func TestCheckIcebergParts(t *testing.T) {
	const ip = `{"filterType":"ICEBERG_PARTS","limit":10}`
	const maxIce = `{"filterType":"MAX_NUM_ICEBERG_ORDERS","maxNumIcebergOrders":1}`
	runFilterCases(t, Spot, []checkCase{
		{"exactly limit parts", ip, iceberg("1", "1", "0.1"), Conditions{}, ""},
		{"partial last part counts", ip, iceberg("1", "0.95", "0.1"), Conditions{}, ""},
		{"one part too many", ip, iceberg("1", "1.001", "0.1"), Conditions{}, FilterIcebergParts},
		{"no iceberg", ip, lim(order.Buy, "1", "1000"), Conditions{}, ""},
		{"open iceberg orders below limit", maxIce, iceberg("1", "1", "0.1"), Conditions{OpenIcebergOrders: 0}, ""},
		{"open iceberg orders at limit", maxIce, iceberg("1", "1", "0.1"), Conditions{OpenIcebergOrders: 1}, FilterMaxNumIcebergOrders},
		{"plain order ignores iceberg count", maxIce, lim(order.Buy, "1", "1"), Conditions{OpenIcebergOrders: 5}, ""},
	})
}

func TestCheckTrailingDelta(t *testing.T) {
	const td = `{"filterType":"TRAILING_DELTA","minTrailingAboveDelta":10,"maxTrailingAboveDelta":500,` +
		`"minTrailingBelowDelta":20,"maxTrailingBelowDelta":1000}`
	runFilterCases(t, Spot, []checkCase{
		{"stop loss buy at above min", td, stop(order.StopLoss, order.Buy, "", "", "1", 10), avg("1"), ""},
		{"stop loss buy below above min", td, stop(order.StopLoss, order.Buy, "", "", "1", 9), avg("1"), FilterTrailingDelta},
		{"stop loss buy at above max", td, stop(order.StopLoss, order.Buy, "", "", "1", 500), avg("1"), ""},
		{"stop loss buy over above max", td, stop(order.StopLoss, order.Buy, "", "", "1", 501), avg("1"), FilterTrailingDelta},
		{"stop loss sell at below min", td, stop(order.StopLoss, order.Sell, "", "", "1", 20), avg("1"), ""},
		{"stop loss sell under below min", td, stop(order.StopLoss, order.Sell, "", "", "1", 19), avg("1"), FilterTrailingDelta},
		{"stop loss sell at below max", td, stop(order.StopLoss, order.Sell, "", "", "1", 1000), avg("1"), ""},
		{"stop loss sell over below max", td, stop(order.StopLoss, order.Sell, "", "", "1", 1001), avg("1"), FilterTrailingDelta},
		{"take profit sell uses above pair", td, stop(order.TakeProfit, order.Sell, "", "", "1", 501), avg("1"), FilterTrailingDelta},
		{"take profit buy uses below pair", td, stop(order.TakeProfit, order.Buy, "", "", "1", 501), avg("1"), ""},
		{"stop loss limit buy uses above pair", td, stop(order.StopLossLimit, order.Buy, "1", "", "1", 501), avg("1"), FilterTrailingDelta},
		{"take profit limit buy uses below pair", td, stop(order.TakeProfitLimit, order.Buy, "1", "", "1", 1000), avg("1"), ""},
		{"stop price without delta", td, stop(order.StopLoss, order.Buy, "", "2", "1", 0), Conditions{}, ""},
	})
}

func TestCheckOrderCounts(t *testing.T) {
	const maxOrders = `{"filterType":"MAX_NUM_ORDERS","maxNumOrders":3}`
	const maxAlgo = `{"filterType":"MAX_NUM_ALGO_ORDERS","maxNumAlgoOrders":2}`
	const maxPos = `{"filterType":"MAX_POSITION","maxPosition":"10"}`
	runFilterCases(t, Spot, []checkCase{
		{"one slot left", maxOrders, lim(order.Buy, "1", "1"), Conditions{OpenOrders: 2}, ""},
		{"no slot left", maxOrders, lim(order.Buy, "1", "1"), Conditions{OpenOrders: 3}, FilterMaxNumOrders},
		{"algo slot left", maxAlgo, stop(order.StopLoss, order.Sell, "", "1", "1", 0), Conditions{OpenAlgoOrders: 1}, ""},
		{"no algo slot left", maxAlgo, stop(order.TakeProfitLimit, order.Sell, "1", "1", "1", 0), Conditions{OpenAlgoOrders: 2}, FilterMaxNumAlgoOrders},
		{"limit ignores algo count", maxAlgo, lim(order.Buy, "1", "1"), Conditions{OpenAlgoOrders: 2}, ""},
		{"position reaches max", maxPos, lim(order.Buy, "1", "1"), Conditions{Position: dec("9")}, ""},
		{"position over max", maxPos, lim(order.Buy, "1", "1"), Conditions{Position: dec("9.01")}, FilterMaxPosition},
		{"sell ignores max position", maxPos, lim(order.Sell, "1", "1"), Conditions{Position: dec("100")}, ""},
	})
}

// TestCheckSpotParameters covers what Binance refuses before the filters.
func TestCheckSpotParameters(t *testing.T) {
	const lot = `{"filterType":"LOT_SIZE","minQty":"0.00000001","maxQty":"1000","stepSize":"0.00000001"}`
	withIceberg := func(o OrderCheck, visible string) OrderCheck { o.IcebergQty = dec(visible); return o }
	withQuote := func(o OrderCheck, quote string) OrderCheck { o.QuoteOrderQty = dec(quote); return o }
	tests := []struct {
		name  string
		extra string // symbol fields
		order OrderCheck
		code  int
		msg   string
	}{
		{"valid limit", "", lim(order.Buy, "1", "1"), 0, ""},
		{"symbol on break", `"status":"BREAK"`, lim(order.Buy, "1", "1"), -2010, "Market is closed."},
		{"cancel only", `"status":"CANCEL_ONLY"`, lim(order.Buy, "1", "1"), -2010, "Market is closed."},
		{"no side", "", OrderCheck{Type: order.Limit, Price: dec("1"), Quantity: dec("1")}, -1117, "Invalid side."},
		{"no type", "", OrderCheck{Side: order.Buy, Price: dec("1"), Quantity: dec("1")}, -1116, "Invalid orderType."},
		{"unknown type", "", OrderCheck{Side: order.Buy, Type: 99, Quantity: dec("1")}, -1116, "Invalid orderType."},
		{"market not offered", `"orderTypes":["LIMIT"]`, mkt(order.Buy, "1"), -2010, "Market orders are not supported for this symbol."},
		{"stop loss not offered", `"orderTypes":["LIMIT"]`, stop(order.StopLoss, order.Buy, "", "1", "1", 0), -2010, "Stop loss orders are not supported for this symbol."},
		{"take profit limit not offered", `"orderTypes":["LIMIT"]`, stop(order.TakeProfitLimit, order.Buy, "1", "1", "1", 0), -2010, "Take profit limit orders are not supported for this symbol."},
		{"limit maker not offered", `"orderTypes":["LIMIT"]`, OrderCheck{Side: order.Buy, Type: order.LimitMaker, Price: dec("1"), Quantity: dec("1")}, -2010, "Unsupported order combination"},
		{"limit without price", "", lim(order.Buy, "", "1"), -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"negative price", "", lim(order.Buy, "-1", "1"), -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"limit without quantity", "", lim(order.Buy, "1", ""), -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."},
		{"market with price", "", OrderCheck{Side: order.Buy, Type: order.Market, Price: dec("1"), Quantity: dec("1")}, -1106, "Parameter 'price' sent when not required."},
		{"limit with stop price", "", stop(order.Limit, order.Buy, "1", "1", "1", 0), -1106, "Parameter 'stopPrice' sent when not required."},
		{"limit with trailing delta", "", stop(order.Limit, order.Buy, "1", "", "1", 100), -1106, "Parameter 'trailingDelta' sent when not required."},
		{"stop without trigger", "", stop(order.StopLoss, order.Buy, "", "", "1", 0), -1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed."},
		{"negative trailing delta", "", stop(order.StopLoss, order.Buy, "", "1", "1", -5), -1102, "Mandatory parameter 'trailingDelta' was not sent, was empty/null, or malformed."},
		{"trailing not allowed", `"allowTrailingStop":false`, stop(order.StopLoss, order.Buy, "", "", "1", 100), -2010, "Trailing stop orders are not supported for this symbol."},
		{"market without any quantity", "", mkt(order.Buy, ""), -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"},
		{"market with both quantities", "", withQuote(mkt(order.Buy, "1"), "10"), -1128, "Combination of optional parameters invalid."},
		{"quote quantity not allowed", `"quoteOrderQtyMarketAllowed":false`, quoteMkt(order.Buy, "10"), -2010, "Quote order qty market orders are not support for this symbol."},
		{"quote quantity on limit", "", withQuote(lim(order.Buy, "1", "1"), "10"), -1106, "Parameter 'quoteOrderQty' sent when not required."},
		{"iceberg on market", "", withIceberg(mkt(order.Buy, "1"), "0.1"), -1106, "Parameter 'icebergQty' sent when not required."},
		{"iceberg not allowed", `"icebergAllowed":false`, iceberg("1", "1", "0.1"), -2010, "Iceberg orders are not supported for this symbol."},
		{"iceberg equal to quantity", "", iceberg("1", "1", "1"), -2010, "IcebergQty exceeds QTY."},
		{"iceberg on stop limit", "", withIceberg(stop(order.StopLossLimit, order.Buy, "1", "1", "1", 0), "0.5"), 0, ""},
		{"quantity too precise", "", lim(order.Buy, "1", "0.000000001"), -1111, "Parameter 'quantity' has too much precision."},
		{"zeros beyond precision are fine", "", lim(order.Buy, "1.0000000000", "1.0000000000"), 0, ""},
		{"price too precise", "", lim(order.Buy, "1.000000001", "1"), -1111, "Parameter 'price' has too much precision."},
		{"stop price too precise", "", stop(order.StopLoss, order.Buy, "", "1.000000001", "1", 0), -1111, "Parameter 'stopPrice' has too much precision."},
		{"quote quantity too precise", `"quoteAssetPrecision":2`, quoteMkt(order.Buy, "10.001"), -1111, "Parameter 'quoteOrderQty' has too much precision."},
		{"iceberg too precise", `"baseAssetPrecision":2`, iceberg("1", "1", "0.001"), -1111, "Parameter 'icebergQty' has too much precision."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := testInstrument(t, Spot, tc.extra, lot)
			m := avg("1")
			got := checkBoth(t, in, &tc.order, &m)
			if tc.code == 0 && tc.msg == "" {
				if got != nil {
					t.Fatalf("want accepted, got %s", describe(got))
				}
				return
			}
			if got == nil || got.Code != tc.code || got.Msg != tc.msg {
				t.Fatalf("want %d %q, got %s", tc.code, tc.msg, describe(got))
			}
			if got.Filter != "" {
				t.Errorf("parameter rejection names filter %q", got.Filter)
			}
		})
	}
}

func TestCheckNilConditions(t *testing.T) {
	in := testInstrument(t, Spot, "", `{"filterType":"PERCENT_PRICE","multiplierUp":"2","multiplierDown":"0.5"}`)
	o := lim(order.Buy, "1", "1")
	if got := in.Check(&o, nil); got == nil || got.Code != 0 || got.Filter != FilterPercentPrice {
		t.Fatalf("LIMIT with PERCENT_PRICE and no conditions: got %s, want a refusal for the unknown average", describe(got))
	}
	plain := testInstrument(t, Spot, "")
	if got := plain.Check(&o, nil); got != nil {
		t.Fatalf("LIMIT without price rules and no conditions: got %s", describe(got))
	}
}

// refused stands in a test table for a refusal thunes makes itself (Code 0)
// because a price is unknown; no Binance code is positive.
const refused = 1

func TestCheckFutures(t *testing.T) {
	const pf = `{"filterType":"PRICE_FILTER","minPrice":"100.0","maxPrice":"1000","tickSize":"0.1"}`
	const ls = `{"filterType":"LOT_SIZE","minQty":"0.01","maxQty":"10","stepSize":"0.01"}`
	const mls = `{"filterType":"MARKET_LOT_SIZE","minQty":"0.1","maxQty":"5","stepSize":"0.1"}`
	const pp = `{"filterType":"PERCENT_PRICE","multiplierUp":"1.0500","multiplierDown":"0.9500","multiplierDecimal":"4"}`
	const mn = `{"filterType":"MIN_NOTIONAL","notional":"5.0"}`
	const mo = `{"filterType":"MAX_NUM_ORDERS","limit":2}`
	mark := func(p string) Conditions { return Conditions{MarkPrice: dec(p)} }
	reduce := func(o OrderCheck) OrderCheck { o.ReduceOnly = true; return o }
	tests := []struct {
		name   string
		filter string
		order  OrderCheck
		cond   Conditions
		code   int // 0: accepted; refused: thunes' own refusal for missing data
	}{
		{"price at min", pf, lim(order.Buy, "100.0", "1"), Conditions{}, 0},
		{"price one tick below min", pf, lim(order.Buy, "99.9", "1"), Conditions{}, -4013},
		{"price at max", pf, lim(order.Buy, "1000", "1"), Conditions{}, 0},
		{"price above max", pf, lim(order.Buy, "1000.1", "1"), Conditions{}, -4002},
		{"price off tick", pf, lim(order.Buy, "500.05", "1"), Conditions{}, -4014},
		{"negative price", pf, lim(order.Buy, "-1", "1"), Conditions{}, -4001},
		{"missing price", pf, lim(order.Buy, "", "1"), Conditions{}, -1102},
		{"quantity at min", ls, lim(order.Buy, "1", "0.01"), Conditions{}, 0},
		{"quantity zero", ls, lim(order.Buy, "1", ""), Conditions{}, -4003},
		{"quantity below min", ls, lim(order.Buy, "1", "0.009"), Conditions{}, -4004},
		{"quantity above max", ls, lim(order.Buy, "1", "10.01"), Conditions{}, -4005},
		{"quantity off step", ls, lim(order.Buy, "1", "0.015"), Conditions{}, -4023},
		{"market quantity below market min", mls, mkt(order.Sell, "0.05"), Conditions{}, -4004},
		{"market quantity above market max", mls, mkt(order.Sell, "5.1"), Conditions{}, -4005},
		{"market quantity off market step", mls, mkt(order.Sell, "0.15"), Conditions{}, -4023},
		{"limit ignores market lot", mls, lim(order.Sell, "1", "6"), Conditions{}, 0},
		{"at mark cap", pp, lim(order.Buy, "105", "1"), mark("100"), 0},
		{"above mark cap", pp, lim(order.Buy, "105.01", "1"), mark("100"), -4016},
		{"at mark floor", pp, lim(order.Sell, "95", "1"), mark("100"), 0},
		{"below mark floor", pp, lim(order.Sell, "94.99", "1"), mark("100"), -4024},
		{"no mark price refused", pp, lim(order.Sell, "95", "1"), Conditions{}, refused},
		{"market skips percent price", pp, mkt(order.Sell, "1"), Conditions{}, 0},
		{"notional exactly min", mn, lim(order.Buy, "5", "1"), Conditions{}, 0},
		{"notional below min", mn, lim(order.Buy, "4.99", "1"), Conditions{}, -4164},
		{"reduce only waives min notional", mn, reduce(lim(order.Buy, "4.99", "1")), Conditions{}, 0},
		{"market notional at mark", mn, mkt(order.Buy, "0.05"), mark("100"), 0},
		{"market notional below at mark", mn, mkt(order.Buy, "0.04"), mark("100"), -4164},
		{"open orders below limit", mo, lim(order.Buy, "1", "1"), Conditions{OpenOrders: 1}, 0},
		{"open orders at limit", mo, lim(order.Buy, "1", "1"), Conditions{OpenOrders: 2}, -2025},
		{"stop types go to the algo endpoint", pf, stop(order.StopLoss, order.Buy, "", "500", "1", 0), Conditions{}, -1116},
		{"stop price on a limit", pf, stop(order.Limit, order.Buy, "500", "500", "1", 0), Conditions{}, -1106},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := testInstrument(t, FuturesUM, "", tc.filter)
			got := checkBoth(t, in, &tc.order, &tc.cond)
			if tc.code == refused {
				if got == nil || got.Code != 0 || got.Filter != FilterPercentPrice {
					t.Fatalf("want a refusal for the unknown mark price, got %s", describe(got))
				}
				return
			}
			if tc.code == 0 {
				if got != nil {
					t.Fatalf("want accepted, got %s", describe(got))
				}
				return
			}
			if got == nil || got.Code != tc.code {
				t.Fatalf("want code %d, got %s", tc.code, describe(got))
			}
		})
	}

	t.Run("min notional message keeps Binance's figure", func(t *testing.T) {
		in := testInstrument(t, FuturesUM, "", mn)
		o := lim(order.Buy, "1", "1")
		got := in.Check(&o, nil)
		const want = "Order's notional must be no smaller than 5.0 (unless you choose reduce only)"
		if got == nil || got.Msg != want || got.Filter != FilterMinNotional {
			t.Fatalf("got %s, want %q", describe(got), want)
		}
		hand := &Instrument{Symbol: "X", Kind: FuturesUM, Status: "TRADING", Types: TypeSetOf(order.Limit),
			Filters: Filters{MinNotional: &MinNotionalFilter{MinNotional: dec("5.0")}}}
		if got := hand.Check(&o, nil); got == nil || got.Msg != want {
			t.Fatalf("hand-built instrument: got %s, want %q", describe(got), want)
		}
	})
	t.Run("not trading", func(t *testing.T) {
		in := testInstrument(t, FuturesUM, `"status":"SETTLING"`, ls)
		o := lim(order.Buy, "1", "1")
		if got := in.Check(&o, nil); got == nil || got.Code != 0 || got.Msg != "Symbol is not trading." {
			t.Fatalf("got %s", describe(got))
		}
	})
}

func TestRejectionError(t *testing.T) {
	r := &Rejection{Code: -1013, Msg: "Filter failure: LOT_SIZE", Filter: FilterLotSize}
	if got, want := r.Error(), "binance -1013: Filter failure: LOT_SIZE"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	local := &Rejection{Msg: "No mark price is known; PERCENT_PRICE cannot be checked."}
	if got := local.Error(); got != local.Msg {
		t.Errorf("Error() = %q, want the bare message", got)
	}
	var err error = r
	var target *Rejection
	if !errors.As(fmt.Errorf("submit: %w", err), &target) || target.Code != -1013 {
		t.Error("a wrapped Rejection is not found by errors.As")
	}
}

// benchOrders are valid orders against the snapshot's BTCUSDT.
func benchInstruments(tb testing.TB) (spot, futures *Instrument) {
	tb.Helper()
	s, err := DefaultSpot()
	if err != nil {
		tb.Fatal(err)
	}
	f, err := DefaultFuturesUM()
	if err != nil {
		tb.Fatal(err)
	}
	spot, _ = s.Instrument("BTCUSDT")
	futures, _ = f.Instrument("BTCUSDT")
	return spot, futures
}

func TestCheckDoesNotAllocate(t *testing.T) {
	spot, futures := benchInstruments(t)
	cases := []struct {
		name string
		in   *Instrument
		o    OrderCheck
		m    Conditions
	}{
		{"spot limit", spot, lim(order.Buy, "60000.01", "0.00100"), avg("60000.00")},
		{"spot market", spot, mkt(order.Sell, "0.01"), avg("60000.00")},
		{"spot rejected", spot, lim(order.Buy, "60000.005", "0.001"), avg("60000.00")},
		{"futures limit", futures, lim(order.Buy, "60000.10", "0.002"), Conditions{MarkPrice: dec("60000")}},
		{"futures rejected", futures, lim(order.Buy, "60000", "0.001"), Conditions{MarkPrice: dec("60000")}},
	}
	for _, c := range cases {
		allocs := testing.AllocsPerRun(200, func() { _ = c.in.Check(&c.o, &c.m) })
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per check, want 0", c.name, allocs)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	spot, futures := benchInstruments(b)
	cases := []struct {
		name  string
		in    *Instrument
		o     OrderCheck
		m     Conditions
		valid bool
	}{
		{"spot/limit", spot, lim(order.Buy, "60000.01", "0.00100"), avg("60000.00"), true},
		{"spot/market", spot, mkt(order.Sell, "0.01"), avg("60000.00"), true},
		{"spot/market-quote", spot, quoteMkt(order.Buy, "100"), avg("60000.00"), true},
		{"spot/rejected-tick", spot, lim(order.Buy, "60000.005", "0.001"), avg("60000.00"), false},
		{"futures/limit", futures, lim(order.Buy, "60000.10", "0.002"), Conditions{MarkPrice: dec("60000")}, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if got := c.in.Check(&c.o, &c.m); (got == nil) != c.valid {
				b.Fatalf("benchmark order: got %s, valid=%v", describe(got), c.valid)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = c.in.Check(&c.o, &c.m)
			}
		})
	}
}

// randomCheck builds a random instrument, order and conditions from rng. Values
// are small multiples of a few units so that bounds are hit exactly, signs and
// zeros vary, and some values carry more decimals than the fixed scale.
func randomCheck(rng *rand.Rand) (*Instrument, OrderCheck, Conditions) {
	unit := uint8(rng.IntN(8)) // values are mostly whole multiples of 10^-unit
	d := func() num.Decimal {
		k := rng.Int64N(60)
		switch rng.IntN(30) {
		case 0, 1, 2, 3, 4: // a finer value, often between two units
			return num.MustNew(k*10+rng.Int64N(10), unit+1)
		case 5: // beyond the fixed scale
			return num.MustNew(k*10_000+rng.Int64N(3), unit+4)
		}
		return num.MustNew(k, unit)
	}
	step := func() num.Decimal { return num.MustNew([]int64{0, 1, 1, 1, 2, 5}[rng.IntN(6)], unit) }
	mult := func() num.Decimal {
		return num.MustParse([]string{"0", "0.5", "0.8", "0.95", "1", "1.05", "1.2", "2", "5"}[rng.IntN(9)])
	}
	maybe := func() bool { return rng.IntN(2) == 0 }
	sometimes := func() bool { return rng.IntN(3) == 0 }
	low := func() num.Decimal { return num.MustNew(rng.Int64N(15), unit) }
	high := func() num.Decimal {
		if rng.IntN(6) == 0 {
			return num.Zero // no maximum
		}
		return num.MustNew(20+rng.Int64N(45), unit)
	}
	orderValue := func() num.Decimal {
		switch rng.IntN(20) {
		case 0, 1:
			return num.Zero
		case 2:
			return d().Neg()
		}
		return d()
	}

	in := &Instrument{
		Symbol: "RANDUSDT", Kind: Spot, Status: "TRADING",
		BaseAssetPrecision: rng.IntN(10), QuoteAssetPrecision: rng.IntN(10),
		Types:                      TypeSetOf(order.Market, order.Limit, order.LimitMaker, order.StopLoss, order.StopLossLimit, order.TakeProfit, order.TakeProfitLimit),
		IcebergAllowed:             rng.IntN(5) > 0,
		QuoteOrderQtyMarketAllowed: rng.IntN(5) > 0,
		AllowTrailingStop:          rng.IntN(5) > 0,
	}
	if rng.IntN(8) == 0 {
		in.Types &= TypeSet(rng.Uint32()) // some types not offered
	}
	if rng.IntN(4) == 0 {
		in.Kind = FuturesUM
	}
	if rng.IntN(30) == 0 {
		in.Status = "HALT"
	}
	f := &in.Filters
	if sometimes() {
		f.Price = &PriceFilter{MinPrice: low(), MaxPrice: high(), TickSize: step()}
	}
	if sometimes() {
		f.PercentPrice = &PercentPriceFilter{MultiplierUp: mult(), MultiplierDown: mult()}
	}
	if in.Kind == Spot && sometimes() {
		f.PercentPriceBySide = &PercentPriceBySideFilter{
			BidMultiplierUp: mult(), BidMultiplierDown: mult(), AskMultiplierUp: mult(), AskMultiplierDown: mult()}
	}
	if sometimes() {
		f.LotSize = &LotSizeFilter{MinQty: low(), MaxQty: high(), StepSize: step()}
	}
	if sometimes() {
		f.MarketLotSize = &LotSizeFilter{MinQty: low(), MaxQty: high(), StepSize: step()}
	}
	if sometimes() {
		f.MinNotional = &MinNotionalFilter{MinNotional: num.MustNew(rng.Int64N(100), 2*unit), ApplyToMarket: maybe()}
	}
	if in.Kind == Spot && sometimes() {
		f.Notional = &NotionalFilter{MinNotional: num.MustNew(rng.Int64N(100), 2*unit), ApplyMinToMarket: maybe(),
			MaxNotional: num.MustNew(rng.Int64N(3000), 2*unit), ApplyMaxToMarket: maybe()}
	}
	if in.Kind == Spot && sometimes() {
		f.TrailingDelta = &TrailingDeltaFilter{rng.Int64N(30), rng.Int64N(30), rng.Int64N(30), rng.Int64N(30)}
	}
	if in.Kind == Spot && sometimes() {
		f.MaxPosition = &MaxPositionFilter{MaxPosition: num.MustNew(rng.Int64N(100), unit)}
	}
	f.IcebergParts = rng.Int64N(4)
	f.MaxNumOrders = rng.Int64N(4)
	f.MaxNumAlgoOrders = rng.Int64N(4)
	f.MaxNumIcebergOrders = rng.Int64N(4)
	in.fixed = compileFixed(in)

	o := OrderCheck{Side: order.Side(1 + rng.IntN(2)), Type: order.Type(1 + rng.IntN(7)), ReduceOnly: maybe()}
	if in.Kind == FuturesUM && rng.IntN(4) > 0 {
		o.Type = []order.Type{order.Limit, order.Market}[rng.IntN(2)]
	}
	if rng.IntN(30) == 0 {
		o.Side, o.Type = order.Side(rng.IntN(4)), order.Type(rng.IntN(10))
	}
	// Mostly the parameters the type takes; now and then one it refuses.
	if o.Type.HasLimitPrice() || rng.IntN(15) == 0 {
		o.Price = orderValue()
	}
	if o.Type.IsStop() || rng.IntN(15) == 0 {
		if maybe() {
			o.StopPrice = orderValue()
		}
		if maybe() {
			o.TrailingDelta = rng.Int64N(40) - 3
		}
	}
	o.Quantity = orderValue()
	if o.Type == order.Market && rng.IntN(5) == 0 {
		o.Quantity, o.QuoteOrderQty = num.Zero, orderValue()
	}
	if rng.IntN(6) == 0 {
		o.IcebergQty = orderValue()
	}
	m := Conditions{OpenOrders: rng.IntN(5), OpenAlgoOrders: rng.IntN(5), OpenIcebergOrders: rng.IntN(5)}
	if rng.IntN(10) > 0 {
		m.AvgPrice, m.MarkPrice = d(), d()
	}
	if maybe() {
		m.Position = d()
	}
	return in, o, m
}

// TestCheckFixedMatchesDecimal holds the fixed-point check to the decimal
// reference on random instruments and orders.
func TestCheckFixedMatchesDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260721, 1))
	n := 40000
	if testing.Short() {
		n = 4000
	}
	fixedRuns := 0
	outcomes := map[rejection]int{}
	for i := range n {
		in, o, m := randomCheck(rng)
		slow, _ := in.check(&o, &m, false)
		fast, fixed := in.check(&o, &m, true)
		if slow != fast {
			t.Fatalf("case %d: fixed %s, decimal %s\n%s precisions %d/%d types %b\nfilters %s\norder %+v\nconditions %+v",
				i, describe(rejectionOf(in, fast)), describe(rejectionOf(in, slow)), in.Kind, in.BaseAssetPrecision,
				in.QuoteAssetPrecision, in.Types, dumpFilters(&in.Filters), o, m)
		}
		if fixed {
			fixedRuns++
			outcomes[fast]++
		}
	}
	// The comparison means something only if the fixed path ran often and
	// reached many different verdicts.
	if fixedRuns < n/2 {
		t.Errorf("the fixed-point check decided only %d of %d cases", fixedRuns, n)
	}
	if outcomes[rejNone] < n/50 {
		t.Errorf("the fixed-point check accepted only %d of %d cases", outcomes[rejNone], n)
	}
	if len(outcomes) < 45 {
		t.Errorf("the fixed-point check reached only %d distinct verdicts: %v", len(outcomes), outcomes)
	}
}

func FuzzCheckFixedMatchesDecimal(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed, seed*7919)
	}
	f.Fuzz(func(t *testing.T, s1, s2 uint64) {
		in, o, m := randomCheck(rand.New(rand.NewPCG(s1, s2)))
		slow, _ := in.check(&o, &m, false)
		fast, _ := in.check(&o, &m, true)
		if slow != fast {
			t.Fatalf("fixed %s, decimal %s\nfilters %s\norder %+v\nconditions %+v",
				describe(rejectionOf(in, fast)), describe(rejectionOf(in, slow)), dumpFilters(&in.Filters), o, m)
		}
	})
}

// dumpFilters renders the filters with their values, for failure messages.
func dumpFilters(f *Filters) string {
	var b strings.Builder
	if p := f.Price; p != nil {
		fmt.Fprintf(&b, "PRICE %s..%s/%s ", p.MinPrice, p.MaxPrice, p.TickSize)
	}
	if p := f.PercentPrice; p != nil {
		fmt.Fprintf(&b, "PP %s..%s ", p.MultiplierDown, p.MultiplierUp)
	}
	if p := f.PercentPriceBySide; p != nil {
		fmt.Fprintf(&b, "PPBS bid %s..%s ask %s..%s ", p.BidMultiplierDown, p.BidMultiplierUp, p.AskMultiplierDown, p.AskMultiplierUp)
	}
	if l := f.LotSize; l != nil {
		fmt.Fprintf(&b, "LOT %s..%s/%s ", l.MinQty, l.MaxQty, l.StepSize)
	}
	if l := f.MarketLotSize; l != nil {
		fmt.Fprintf(&b, "MLOT %s..%s/%s ", l.MinQty, l.MaxQty, l.StepSize)
	}
	if n := f.MinNotional; n != nil {
		fmt.Fprintf(&b, "MIN_NOTIONAL %s market=%v ", n.MinNotional, n.ApplyToMarket)
	}
	if n := f.Notional; n != nil {
		fmt.Fprintf(&b, "NOTIONAL %s(%v)..%s(%v) ", n.MinNotional, n.ApplyMinToMarket, n.MaxNotional, n.ApplyMaxToMarket)
	}
	if p := f.MaxPosition; p != nil {
		fmt.Fprintf(&b, "MAX_POSITION %s ", p.MaxPosition)
	}
	fmt.Fprintf(&b, "TD %+v parts %d orders %d/%d/%d", f.TrailingDelta, f.IcebergParts, f.MaxNumOrders, f.MaxNumAlgoOrders, f.MaxNumIcebergOrders)
	return b.String()
}
