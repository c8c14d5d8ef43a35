// Package feed reads market data into bars: Binance kline files (zip, gzip or
// plain CSV, as Binance's data portal ships them), aggregation of bars into
// longer intervals, a deterministic merge of several series, and a seeded
// synthetic market for demos and tests.
package feed

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/thunes/thunes/internal/market"
)

// Format is how a kline file is stored.
type Format uint8

// The storage formats a kline file may have, told apart by its name.
const (
	FormatCSV  Format = iota + 1 // SYMBOL-INTERVAL….csv
	FormatGzip                   // SYMBOL-INTERVAL….csv.gz
	FormatZip                    // SYMBOL-INTERVAL….zip holding one CSV, as Binance ships them
)

// String returns the file extension of f.
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return ".csv"
	case FormatGzip:
		return ".csv.gz"
	case FormatZip:
		return ".zip"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// FileName is what the name of a Binance kline file says about its content.
type FileName struct {
	// Symbol is the Binance symbol, such as "BTCUSDT".
	Symbol string
	// Interval is the kline interval every row must have.
	Interval market.Interval
	// Period is "2024-01" for a monthly file, "2024-01-15" for a daily file,
	// and "" when the name carries no date.
	Period string
	// From and To bound the open times the period covers, [From, To) in Unix
	// milliseconds UTC; both are 0 when Period is "".
	From, To int64
	// Format is how the file is stored.
	Format Format
}

// ParseFileName reads a kline file name of the form
// SYMBOL-INTERVAL[-YYYY-MM[-DD]].{zip,csv,csv.gz}, the names of Binance's data
// portal ("BTCUSDT-1m-2024-01.zip", "ETHUSDT-1h-2025-03-07.csv") and of plain
// exports ("BTCUSDT-1m.csv.gz"). Only the base name of a path is read. The
// error says which part does not parse.
func ParseFileName(name string) (FileName, error) {
	base := filepath.Base(name)
	var fn FileName
	stem := base
	switch {
	case strings.HasSuffix(base, ".csv.gz"):
		fn.Format, stem = FormatGzip, strings.TrimSuffix(base, ".csv.gz")
	case strings.HasSuffix(base, ".csv"):
		fn.Format, stem = FormatCSV, strings.TrimSuffix(base, ".csv")
	case strings.HasSuffix(base, ".zip"):
		fn.Format, stem = FormatZip, strings.TrimSuffix(base, ".zip")
	default:
		return FileName{}, fmt.Errorf("file name %q: want SYMBOL-INTERVAL[-YYYY-MM[-DD]] ending in .zip, .csv or .csv.gz", base)
	}
	parts := strings.Split(stem, "-")
	if len(parts) != 2 && len(parts) != 4 && len(parts) != 5 {
		return FileName{}, fmt.Errorf("file name %q: want SYMBOL-INTERVAL[-YYYY-MM[-DD]]%s", base, fn.Format)
	}
	if err := ValidSymbol(parts[0]); err != nil {
		return FileName{}, fmt.Errorf("file name %q: %w", base, err)
	}
	iv, err := market.ParseInterval(parts[1])
	if err != nil {
		return FileName{}, fmt.Errorf("file name %q: %w", base, err)
	}
	fn.Symbol, fn.Interval = parts[0], iv
	if len(parts) > 2 {
		fn.Period = strings.Join(parts[2:], "-")
		layout, want := "2006-01", "YYYY-MM"
		if len(parts) == 5 {
			layout, want = "2006-01-02", "YYYY-MM-DD"
		}
		t, err := time.Parse(layout, fn.Period)
		if err != nil || t.Format(layout) != fn.Period {
			return FileName{}, fmt.Errorf("file name %q: date %q is not a valid %s", base, fn.Period, want)
		}
		fn.From = t.UnixMilli()
		if len(parts) == 5 {
			fn.To = t.AddDate(0, 0, 1).UnixMilli()
		} else {
			fn.To = t.AddDate(0, 1, 0).UnixMilli()
		}
	}
	return fn, nil
}

// String returns the canonical base name of fn.
func (fn FileName) String() string {
	s := fn.Symbol + "-" + fn.Interval.String()
	if fn.Period != "" {
		s += "-" + fn.Period
	}
	return s + fn.Format.String()
}

// ValidSymbol checks that s looks like a Binance symbol: 2 to 20 uppercase
// ASCII letters or digits. It does not know which symbols are listed.
func ValidSymbol(s string) error {
	ok := len(s) >= 2 && len(s) <= 20
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	}
	if !ok {
		return fmt.Errorf("unknown symbol %q: want 2 to 20 uppercase letters or digits, like BTCUSDT", s)
	}
	return nil
}
