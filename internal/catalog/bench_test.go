package catalog

import (
	"context"
	"testing"

	"github.com/thunes/thunes/internal/market"
)

const benchRows = 500_000

// BenchmarkImportCSV imports a plain Binance kline CSV of 500 000 rows
// (12 columns, all filled) into a fresh catalog: read, validate, write
// Parquet, commit.
func BenchmarkImportCSV(b *testing.B) {
	bars := synthBars(b, 1, benchRows, market.Minute1, jan2024)
	path := writeFile(b, b.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, true))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c := openCatalog(b)
		b.StartTimer()
		if _, err := c.Import(context.Background(), Spot, []string{path}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "rows/s")
}

func benchCatalog(b *testing.B) *Catalog {
	bars := synthBars(b, 1, benchRows, market.Minute1, jan2024)
	path := writeFile(b, b.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, false))
	c := openCatalog(b)
	mustImport(b, c, Spot, path)
	return c
}

// BenchmarkLoad loads a stored 1m series of 500 000 bars.
func BenchmarkLoad(b *testing.B) {
	c := benchCatalog(b)
	b.ReportAllocs()
	for b.Loop() {
		bars, err := c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
		if err != nil || len(bars) != benchRows {
			b.Fatal(err, len(bars))
		}
	}
	b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "bars/s")
}

// BenchmarkLoadAggregated loads 1h bars built from 500 000 stored 1m bars.
func BenchmarkLoadAggregated(b *testing.B) {
	c := benchCatalog(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Load(Spot, "BTCUSDT", market.Hour1, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchRows/b.Elapsed().Seconds(), "1m-bars/s")
}
