package market

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/order"
)

// snapshotSymbols are the pairs of the shared market data.
var snapshotSymbols = []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}

func TestSnapshotFilesAreDated(t *testing.T) {
	want := map[string]bool{
		"spot-exchangeinfo-" + SnapshotDate + ".json":       true,
		"futures-um-exchangeinfo-" + SnapshotDate + ".json": true,
	}
	entries, err := os.ReadDir("snapshot")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("snapshot/%s is not a snapshot dated %s", e.Name(), SnapshotDate)
		}
		delete(want, e.Name())
	}
	for name := range want {
		t.Errorf("snapshot/%s missing", name)
	}
	day, err := time.Parse(time.DateOnly, SnapshotDate)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() (*ExchangeInfo, error){DefaultSpot, DefaultFuturesUM} {
		x, err := f()
		if err != nil {
			t.Fatal(err)
		}
		if got := time.UnixMilli(x.ServerTime).UTC(); !got.Equal(day) {
			t.Errorf("%s serverTime is %s, want %s", x.Kind, got, day)
		}
		if x.Timezone != "UTC" {
			t.Errorf("%s timezone %q", x.Kind, x.Timezone)
		}
	}
	// The embedded documents are the files on disk.
	for name, embedded := range map[string]string{
		"spot-exchangeinfo-" + SnapshotDate + ".json":       spotSnapshot,
		"futures-um-exchangeinfo-" + SnapshotDate + ".json": futuresUMSnapshot,
	} {
		b, err := os.ReadFile(filepath.Join("snapshot", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != embedded {
			t.Errorf("%s differs from the embedded copy", name)
		}
	}
}

func TestDefaultSpot(t *testing.T) {
	x, err := DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	if x.Kind != Spot || !reflect.DeepEqual(x.Symbols(), snapshotSymbols) {
		t.Fatalf("%s snapshot symbols = %v", x.Kind, x.Symbols())
	}
	wantLimits := []RateLimit{
		{"REQUEST_WEIGHT", "MINUTE", 1, 6000}, {"ORDERS", "SECOND", 10, 50},
		{"ORDERS", "DAY", 1, 160000}, {"RAW_REQUESTS", "MINUTE", 5, 300000},
	}
	if !reflect.DeepEqual(x.RateLimits, wantLimits) {
		t.Errorf("rate limits = %+v", x.RateLimits)
	}
	// Binance's tick and step sizes for the pairs.
	sizes := map[string][2]string{
		"BTCUSDT": {"0.01", "0.00001"}, "ETHUSDT": {"0.01", "0.0001"}, "BNBUSDT": {"0.01", "0.001"},
		"SOLUSDT": {"0.01", "0.001"}, "XRPUSDT": {"0.0001", "0.1"}, "ADAUSDT": {"0.0001", "0.1"},
		"DOGEUSDT": {"0.00001", "1"}, "LTCUSDT": {"0.01", "0.001"},
	}
	for _, in := range x.Instruments() {
		f := in.Filters
		if in.Status != "TRADING" || in.QuoteAsset != "USDT" || in.BaseAsset+"USDT" != in.Symbol {
			t.Errorf("%s header %s %s/%s", in.Symbol, in.Status, in.BaseAsset, in.QuoteAsset)
		}
		for typ := order.Market; typ <= order.TakeProfitLimit; typ++ {
			if !in.Types.Has(typ) {
				t.Errorf("%s does not offer %s", in.Symbol, typ)
			}
		}
		if !in.IcebergAllowed || !in.QuoteOrderQtyMarketAllowed || !in.AllowTrailingStop {
			t.Errorf("%s feature flags off", in.Symbol)
		}
		if f.Price == nil || f.LotSize == nil || f.MarketLotSize == nil || f.Notional == nil ||
			f.PercentPriceBySide == nil || f.TrailingDelta == nil {
			t.Fatalf("%s lacks a filter: %+v", in.Symbol, f)
		}
		if !f.Price.TickSize.Equal(dec(sizes[in.Symbol][0])) || !f.LotSize.StepSize.Equal(dec(sizes[in.Symbol][1])) {
			t.Errorf("%s tick %s step %s, want %v", in.Symbol, f.Price.TickSize, f.LotSize.StepSize, sizes[in.Symbol])
		}
		if !f.Notional.MinNotional.Equal(dec("5")) || !f.Notional.ApplyMinToMarket || f.Notional.ApplyMaxToMarket {
			t.Errorf("%s NOTIONAL %+v", in.Symbol, *f.Notional)
		}
		pp := f.PercentPriceBySide
		if !pp.BidMultiplierDown.Equal(dec("0.2")) || !pp.BidMultiplierUp.Equal(dec("5")) ||
			!pp.AskMultiplierDown.Equal(dec("0.2")) || !pp.AskMultiplierUp.Equal(dec("5")) {
			t.Errorf("%s PERCENT_PRICE_BY_SIDE %+v", in.Symbol, *pp)
		}
		if f.MaxNumOrders != 200 || f.MaxNumAlgoOrders != 5 || f.IcebergParts != 100 {
			t.Errorf("%s limits %d %d %d", in.Symbol, f.MaxNumOrders, f.MaxNumAlgoOrders, f.IcebergParts)
		}
		if len(f.Other) != 0 {
			t.Errorf("%s has unknown filters %+v", in.Symbol, f.Other)
		}
		if in.fixed == nil {
			t.Errorf("%s has no fixed-point rules", in.Symbol)
		}
	}
}

func TestDefaultFuturesUM(t *testing.T) {
	x, err := DefaultFuturesUM()
	if err != nil {
		t.Fatal(err)
	}
	if x.Kind != FuturesUM || !reflect.DeepEqual(x.Symbols(), snapshotSymbols) {
		t.Fatalf("%s snapshot symbols = %v", x.Kind, x.Symbols())
	}
	for _, in := range x.Instruments() {
		f := in.Filters
		if in.ContractType != "PERPETUAL" || in.MarginAsset != "USDT" || in.Types != TypeSetOf(order.Limit, order.Market) {
			t.Errorf("%s contract %s margin %s types %b", in.Symbol, in.ContractType, in.MarginAsset, in.Types)
		}
		if f.Price == nil || f.LotSize == nil || f.MarketLotSize == nil || f.MinNotional == nil || f.PercentPrice == nil ||
			f.MaxNumOrders == 0 || f.MaxNumAlgoOrders == 0 {
			t.Fatalf("%s lacks a filter: %+v", in.Symbol, f)
		}
		if in.minNotionalRejection == nil || !strings.Contains(in.minNotionalRejection.Msg, f.MinNotional.MinNotional.Format()) {
			t.Errorf("%s -4164 message %+v", in.Symbol, in.minNotionalRejection)
		}
	}
}

// TestSnapshotBTCUSDTIsTheVectorBlock checks that the shipped BTCUSDT rules
// are the representative blocks of the shared vectors, filter for filter.
func TestSnapshotBTCUSDTIsTheVectorBlock(t *testing.T) {
	v := loadFilterVectors(t)
	for _, tc := range []struct {
		kind    Kind
		doc     string
		filters []json.RawMessage
	}{
		{Spot, spotSnapshot, v.SpotBTCUSDT.Filters},
		{FuturesUM, futuresUMSnapshot, v.FuturesBTCUSDT.Filters},
	} {
		var doc struct {
			Symbols []struct {
				Symbol  string
				Filters []json.RawMessage
			}
		}
		if err := json.Unmarshal([]byte(tc.doc), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Symbols[0].Symbol != "BTCUSDT" {
			t.Fatalf("%s snapshot starts with %s", tc.kind, doc.Symbols[0].Symbol)
		}
		got, want := doc.Symbols[0].Filters, tc.filters
		if len(got) != len(want) {
			t.Fatalf("%s BTCUSDT has %d filters, the vectors %d", tc.kind, len(got), len(want))
		}
		for i := range want {
			var g, w any
			if err := json.Unmarshal(got[i], &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want[i], &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s BTCUSDT filter %d = %s, vectors have %s", tc.kind, i, got[i], want[i])
			}
		}
	}
}
