package catalog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/market"
)

const benchRows = 500_000

// BenchmarkImportCSV imports 500 000 rows of Binance kline CSV (12 columns,
// all filled, 8 fractional digits as Binance writes them) into a fresh
// catalog: hash, read, validate, write Parquet, commit. The plain file is the
// worst case for hashing; the zip is how Binance ships the same rows.
func BenchmarkImportCSV(b *testing.B) {
	bars := synthBars(b, 1, benchRows, market.Minute1, jan2024)
	csv := binanceCSV(bars, market.Minute1, true)
	dir := b.TempDir()
	for _, f := range []struct{ name, path string }{
		{"plain", writeFile(b, dir, "BTCUSDT-1m.csv", csv)},
		{"zip", writeFile(b, dir, "BTCUSDT-1m.zip", zipOf(b, "BTCUSDT-1m.csv", csv))},
	} {
		b.Run(f.name, func(b *testing.B) { benchImport(b, f.path, benchRows) })
	}
}

// BenchmarkImportReal imports Binance's BTCUSDT 1m history as the shared
// data holds it (gzipped CSV, 532 955 rows, OHLCV only, the shortest number
// form) into an empty catalog. It is skipped when the data is absent.
func BenchmarkImportReal(b *testing.B) {
	path := filepath.Join(sharedData(b), "klines/spot/BTCUSDT-1m.csv.gz")
	benchImport(b, path, 532_955)
}

func benchImport(b *testing.B, path string, rows int) {
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		c := openCatalog(b)
		before := cpuTime()
		b.StartTimer()
		if _, err := c.Import(context.Background(), Spot, []string{path}); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - before
	}
	b.ReportMetric(float64(b.N)*float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(rows), "cpu-ns/row")
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
