package market

import (
	"fmt"
	"strings"
	"time"
)

// Interval is a Binance kline interval. Fixed intervals are held as their
// length in milliseconds; Month (1M) is a calendar month and has no fixed length.
type Interval int64

// The intervals Binance serves.
const (
	Second1  Interval = 1000
	Minute1  Interval = 60 * Second1
	Minute3  Interval = 3 * Minute1
	Minute5  Interval = 5 * Minute1
	Minute15 Interval = 15 * Minute1
	Minute30 Interval = 30 * Minute1
	Hour1    Interval = 60 * Minute1
	Hour2    Interval = 2 * Hour1
	Hour4    Interval = 4 * Hour1
	Hour6    Interval = 6 * Hour1
	Hour8    Interval = 8 * Hour1
	Hour12   Interval = 12 * Hour1
	Day1     Interval = 24 * Hour1
	Day3     Interval = 3 * Day1
	Week1    Interval = 7 * Day1
	Month1   Interval = -1
)

var intervalNames = []struct {
	name string
	iv   Interval
}{
	{"1s", Second1}, {"1m", Minute1}, {"3m", Minute3}, {"5m", Minute5}, {"15m", Minute15},
	{"30m", Minute30}, {"1h", Hour1}, {"2h", Hour2}, {"4h", Hour4}, {"6h", Hour6},
	{"8h", Hour8}, {"12h", Hour12}, {"1d", Day1}, {"3d", Day3}, {"1w", Week1}, {"1M", Month1},
}

// ParseInterval reads a Binance interval name such as "1m", "4h" or "1M".
func ParseInterval(s string) (Interval, error) {
	for _, n := range intervalNames {
		if n.name == s {
			return n.iv, nil
		}
	}
	names := make([]string, len(intervalNames))
	for i, n := range intervalNames {
		names[i] = n.name
	}
	return 0, fmt.Errorf("unknown interval %q (valid: %s)", s, strings.Join(names, " "))
}

// String returns Binance's name for iv.
func (iv Interval) String() string {
	for _, n := range intervalNames {
		if n.iv == iv {
			return n.name
		}
	}
	return fmt.Sprintf("Interval(%d)", int64(iv))
}

// Start returns the open time (Unix ms) of the iv-candle that contains t.
// Candles are aligned as Binance aligns them: fixed intervals from the Unix
// epoch, except 1w which opens on Monday 00:00 UTC and 1M on the first of the
// month.
func (iv Interval) Start(t int64) int64 {
	switch {
	case iv == Month1:
		tm := time.UnixMilli(t).UTC()
		return time.Date(tm.Year(), tm.Month(), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	case iv == Week1:
		// 1970-01-01 was a Thursday; Binance's weeks start on Monday, so
		// weeks are aligned to Monday 1969-12-29, three days before the epoch.
		const shift = 3 * int64(Day1)
		return floorDiv(t+shift, int64(Week1))*int64(Week1) - shift
	default:
		return floorDiv(t, int64(iv)) * int64(iv)
	}
}

// Next returns the open time of the candle after the one opening at start.
func (iv Interval) Next(start int64) int64 {
	if iv == Month1 {
		tm := time.UnixMilli(start).UTC()
		return time.Date(tm.Year(), tm.Month()+1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	return start + int64(iv)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
