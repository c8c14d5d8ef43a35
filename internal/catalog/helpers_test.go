package catalog

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/thunes/thunes/internal/sharedtest"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

const jan2024 = 1704067200000 // 2024-01-01 00:00 UTC

// sharedData returns the shared market data directory, or skips.
func sharedData(tb testing.TB) string { return sharedtest.Data(tb) }

// synthBars returns n synthetic bars of interval iv from start.
func synthBars(tb testing.TB, seed uint64, n int, iv market.Interval, start int64) []market.Bar {
	tb.Helper()
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: seed, Bars: n, Interval: iv, Start: start})
	if err != nil {
		tb.Fatal(err)
	}
	return bars
}

// binanceCSV renders bars as Binance writes kline CSV: 12 columns, 8
// fractional digits, no header. With extra, the quote volume, trades and
// taker columns are filled from the bar; otherwise they are empty (the
// 11-column normalized layout is used then).
func binanceCSV(bars []market.Bar, iv market.Interval, extra bool) []byte {
	var b bytes.Buffer
	b.Grow(len(bars) * 160)
	for i, bar := range bars {
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%d,", bar.Time, bar.Open.StringFixed(8), bar.High.StringFixed(8),
			bar.Low.StringFixed(8), bar.Close.StringFixed(8), bar.Volume.StringFixed(8), iv.Next(bar.Time)-1)
		if !extra {
			b.WriteString(",,,\n")
			continue
		}
		quote, _ := bar.Volume.Mul(bar.Close)
		half, _ := bar.Volume.Div(num.FromInt(3), 8)
		halfQuote, _ := quote.Div(num.FromInt(3), 8)
		fmt.Fprintf(&b, "%s,%d,%s,%s,0\n", quote.StringFixed(8), 100+i, half.StringFixed(8), halfQuote.StringFixed(8))
	}
	return b.Bytes()
}

// writeFile writes data to dir/name and returns the path.
func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// openCatalog opens a catalog in a fresh temp dir.
func openCatalog(tb testing.TB) *Catalog {
	tb.Helper()
	c, err := Open(filepath.Join(tb.TempDir(), "catalog"))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustImport(tb testing.TB, c *Catalog, mkt string, files ...string) []ImportResult {
	tb.Helper()
	res, err := c.Import(context.Background(), mkt, files)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// snapshot returns every file under dir with its bytes, so tests can check a
// failed import changed nothing.
func snapshot(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(path)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func sameBar(a, b market.Bar) bool {
	return a.Time == b.Time && a.Open.Equal(b.Open) && a.High.Equal(b.High) && a.Low.Equal(b.Low) &&
		a.Close.Equal(b.Close) && a.Volume.Equal(b.Volume)
}
