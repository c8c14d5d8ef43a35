package feed

import "github.com/thunes/thunes/internal/market"

// Gap is a hole in a series: candles that should exist between two present
// ones and do not. Start is the open time of the first missing candle and End
// the open time of the next present one, so the hole is [Start, End) in Unix
// milliseconds UTC; Missing counts the candles in it.
type Gap struct {
	Start   int64 `json:"start"`
	End     int64 `json:"end"`
	Missing int64 `json:"missing"`
}

// GapBetween returns the hole between two consecutive candles of interval iv
// opening at prev and next (prev < next, both aligned), and false when next
// follows prev directly.
func GapBetween(iv market.Interval, prev, next int64) (Gap, bool) {
	start := iv.Next(prev)
	if next <= start {
		return Gap{}, false
	}
	g := Gap{Start: start, End: next}
	if iv == market.Month1 {
		for t := start; t < next; t = iv.Next(t) {
			g.Missing++
		}
	} else {
		g.Missing = (next - start + int64(iv) - 1) / int64(iv)
	}
	return g, true
}

// FindGaps returns the holes in times, the open times of a series of
// interval iv in increasing order.
func FindGaps(iv market.Interval, times []int64) []Gap {
	var gaps []Gap
	for i := 1; i < len(times); i++ {
		if g, ok := GapBetween(iv, times[i-1], times[i]); ok {
			gaps = append(gaps, g)
		}
	}
	return gaps
}
