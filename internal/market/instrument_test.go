package market

import (
	"errors"
	"testing"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Spot: "spot", FuturesUM: "futures-um", 0: "Kind(0)", 7: "Kind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}

func TestTypeSet(t *testing.T) {
	s := TypeSetOf(order.Limit, order.StopLoss)
	for typ := order.Type(0); typ < 20; typ++ {
		want := typ == order.Limit || typ == order.StopLoss
		if s.Has(typ) != want {
			t.Errorf("Has(%s) = %v, want %v", typ, !want, want)
		}
	}
	if TypeSetOf(order.Type(200)) != 0 {
		t.Error("an out-of-range type entered the set")
	}
}

func TestRoundPrice(t *testing.T) {
	in := testInstrument(t, Spot, "", `{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000000","tickSize":"0.01000000"}`)
	zeroTick := testInstrument(t, Spot, "", `{"filterType":"PRICE_FILTER","minPrice":"0","maxPrice":"0","tickSize":"0"}`)
	none := testInstrument(t, Spot, "")
	tests := []struct {
		in   *Instrument
		p    string
		want string
	}{
		{in, "60000.019", "60000.01000000"},
		{in, "60000.01", "60000.01000000"},
		{in, "0.009", "0.00000000"}, // below minPrice: Check reports it, rounding does not clamp
		{zeroTick, "60000.019", "60000.019"},
		{none, "1.23456789", "1.23456789"},
	}
	for _, tc := range tests {
		got, err := tc.in.RoundPrice(dec(tc.p))
		if err != nil {
			t.Fatal(err)
		}
		if got.Format() != tc.want {
			t.Errorf("RoundPrice(%s) = %s, want %s", tc.p, got.Format(), tc.want)
		}
		if tc.in == in && got.IsPos() {
			o := lim(order.Buy, got.String(), "1")
			if r := checkBoth(t, in, &o, nil); r != nil {
				t.Errorf("rounded price %s fails: %s", got, describe(r))
			}
		}
	}
}

func TestRoundQty(t *testing.T) {
	in := testInstrument(t, Spot, "",
		`{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1000","stepSize":"0.001"}`,
		`{"filterType":"MARKET_LOT_SIZE","minQty":"0.01","maxQty":"100","stepSize":"0.01"}`)
	offMarket := testInstrument(t, Spot, "",
		`{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1000","stepSize":"0.001"}`,
		`{"filterType":"MARKET_LOT_SIZE","minQty":"0","maxQty":"100","stepSize":"0"}`)
	tests := []struct {
		in     *Instrument
		q      string
		market bool
		want   string
	}{
		{in, "1.2345", false, "1.234"},
		{in, "1.2345", true, "1.23"},
		{in, "1.234", false, "1.234"},
		{offMarket, "1.2345", true, "1.234"},
		{testInstrument(t, Spot, ""), "1.2345", true, "1.2345"},
	}
	for _, tc := range tests {
		got, err := tc.in.RoundQty(dec(tc.q), tc.market)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(dec(tc.want)) {
			t.Errorf("RoundQty(%s, %v) = %s, want %s", tc.q, tc.market, got, tc.want)
		}
	}
}

func TestMinQtyFor(t *testing.T) {
	spot, err := DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	futures, err := DefaultFuturesUM()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		x      *ExchangeInfo
		symbol string
		price  string
		want   string
	}{
		{spot, "BTCUSDT", "60000", "0.00009"},   // 5 / 60000 = 0.0000833…
		{spot, "BTCUSDT", "50000", "0.0001"},    // exactly 5
		{spot, "BTCUSDT", "1000000", "0.00001"}, // minQty dominates
		{spot, "DOGEUSDT", "0.15", "34"},        // 33.33… → whole coins
		{spot, "XRPUSDT", "2.5", "2"},           // exactly 5
		{futures, "BTCUSDT", "60000", "0.002"},  // 100 / 60000 = 0.00166…
		{futures, "ETHUSDT", "3000", "0.007"},   // 20 / 3000 = 0.00666…
		{futures, "SOLUSDT", "150", "1"},        // minQty 1
	}
	for _, tc := range tests {
		in := mustInstrument(t, tc.x, tc.symbol)
		got, err := in.MinQtyFor(dec(tc.price))
		if err != nil {
			t.Fatalf("%s %s at %s: %v", tc.x.Kind, tc.symbol, tc.price, err)
		}
		if !got.Equal(dec(tc.want)) {
			t.Errorf("%s %s at %s: MinQtyFor = %s, want %s", tc.x.Kind, tc.symbol, tc.price, got, tc.want)
		}
	}

	nothing := testInstrument(t, Spot, "")
	if _, err := nothing.MinQtyFor(num.Zero); !errors.Is(err, ErrBadPrice) {
		t.Errorf("price 0: err = %v, want ErrBadPrice", err)
	}
	if _, err := nothing.MinQtyFor(dec("-1")); !errors.Is(err, ErrBadPrice) {
		t.Errorf("price -1: err = %v, want ErrBadPrice", err)
	}
	tight := testInstrument(t, Spot, "",
		`{"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1","stepSize":"0.001"}`,
		`{"filterType":"NOTIONAL","minNotional":"100","applyMinToMarket":true,"maxNotional":"0","applyMaxToMarket":false}`)
	if _, err := tight.MinQtyFor(dec("10")); !errors.Is(err, ErrNoQuantity) {
		t.Errorf("minimum above maxQty: err = %v, want ErrNoQuantity", err)
	}
}

// TestMinQtyForIsTheMinimum checks MinQtyFor against Check on every snapshot
// symbol at many prices: the quantity passes, and one step less does not.
func TestMinQtyForIsTheMinimum(t *testing.T) {
	spot, err := DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	futures, err := DefaultFuturesUM()
	if err != nil {
		t.Fatal(err)
	}
	prices := []string{"0.0001", "0.0123", "0.33333", "1", "7.77", "99.99", "1234.56", "60000.01", "99999.99"}
	for _, x := range []*ExchangeInfo{spot, futures} {
		for _, in := range x.Instruments() {
			for _, ps := range prices {
				p, err := in.RoundPrice(dec(ps))
				if err != nil {
					t.Fatal(err)
				}
				if pf := in.Filters.Price; !p.IsPos() || p.Less(pf.MinPrice) || (pf.MaxPrice.IsPos() && pf.MaxPrice.Less(p)) {
					continue
				}
				q, err := in.MinQtyFor(p)
				if errors.Is(err, ErrNoQuantity) {
					continue
				}
				if err != nil {
					t.Fatalf("%s %s at %s: %v", x.Kind, in.Symbol, p, err)
				}
				o := lim(order.Buy, p.String(), q.String())
				m := Conditions{AvgPrice: p, MarkPrice: p}
				if r := checkBoth(t, in, &o, &m); r != nil {
					t.Errorf("%s %s: %s at %s fails: %s", x.Kind, in.Symbol, q, p, describe(r))
				}
				less, err := q.Sub(in.Filters.LotSize.StepSize)
				if err != nil || !less.IsPos() {
					continue
				}
				o.Quantity = less
				if r := checkBoth(t, in, &o, &m); r == nil {
					t.Errorf("%s %s: %s at %s passes, so %s is not the minimum", x.Kind, in.Symbol, less, p, q)
				}
			}
		}
	}
}
