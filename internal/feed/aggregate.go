package feed

import (
	"fmt"

	"github.com/thunes/thunes/internal/market"
)

// Aggregator folds bars of a source interval (1m, usually) into bars of a
// longer interval, streaming and without allocating. A bucket opens at
// dst.Start of its first bar; its open is the first bar's open, close the last
// bar's close, high the highest high, low the lowest low and volume the exact
// sum.
//
// Holes are not filled: a bucket is emitted with the bars that exist in it,
// so at the edges of a hole a bucket may hold fewer bars than the interval
// spans (a partial bucket), and a bucket with no bar at all is not emitted.
// Coverage tells how full the last emitted bucket was. An Aggregator is not
// safe for concurrent use.
type Aggregator struct {
	src, dst market.Interval
	cur      market.Bar
	end      int64
	n        int
	open     bool
	prev     int64
	seen     bool
	lastN    int
	lastWant int
}

// CanAggregate reports whether bars of interval src tile bars of interval
// dst exactly: src is a fixed interval dividing dst, and for 1w and 1M
// (whose candles open on Mondays and on the first of the month) src divides a
// day.
func CanAggregate(src, dst market.Interval) bool {
	switch {
	case src <= 0 || src == market.Month1:
		return false
	case dst == market.Month1 || dst == market.Week1:
		return int64(market.Day1)%int64(src) == 0 || src == dst
	case dst <= 0:
		return false
	default:
		return dst >= src && int64(dst)%int64(src) == 0
	}
}

// NewAggregator returns an Aggregator from src bars to dst bars. It returns an
// error when src bars do not tile dst bars (see CanAggregate).
func NewAggregator(src, dst market.Interval) (*Aggregator, error) {
	if !CanAggregate(src, dst) {
		return nil, fmt.Errorf("aggregate %s bars into %s: %s candles do not tile %s candles", src, dst, src, dst)
	}
	return &Aggregator{src: src, dst: dst}, nil
}

// Add folds b, a bar of the source interval, into the bucket in progress.
// When b opens a later bucket, the finished one is returned with ok true and
// b starts the next. Bars must be aligned to the source interval and come in
// strictly increasing time; otherwise Add returns an error and changes
// nothing. Volume overflow is an error too.
func (a *Aggregator) Add(b market.Bar) (out market.Bar, ok bool, err error) {
	if a.src.Start(b.Time) != b.Time {
		return market.Bar{}, false, fmt.Errorf("aggregate to %s: bar at %s is not aligned to %s", a.dst, fmtTime(b.Time), a.src)
	}
	if a.seen && b.Time <= a.prev {
		return market.Bar{}, false, fmt.Errorf("aggregate to %s: bar at %s does not follow %s", a.dst, fmtTime(b.Time), fmtTime(a.prev))
	}
	if a.open && b.Time < a.end {
		vol, err := a.cur.Volume.Add(b.Volume)
		if err != nil {
			return market.Bar{}, false, fmt.Errorf("aggregate to %s at %s: volume: %w", a.dst, fmtTime(a.cur.Time), err)
		}
		a.cur.Volume = vol
		if a.cur.High.Less(b.High) {
			a.cur.High = b.High
		}
		if b.Low.Less(a.cur.Low) {
			a.cur.Low = b.Low
		}
		a.cur.Close = b.Close
		a.n++
		a.prev = b.Time
		return market.Bar{}, false, nil
	}
	out, ok = a.Flush()
	start := a.dst.Start(b.Time)
	a.cur = b
	a.cur.Time = start
	a.end = a.dst.Next(start)
	a.n, a.open = 1, true
	a.prev, a.seen = b.Time, true
	return out, ok, nil
}

// Flush returns the bucket in progress, if any, and closes it; call it after
// the last Add.
func (a *Aggregator) Flush() (market.Bar, bool) {
	if !a.open {
		return market.Bar{}, false
	}
	a.open = false
	a.lastN = a.n
	a.lastWant = int((a.end - a.cur.Time) / int64(a.src))
	return a.cur, true
}

// Coverage returns how many source bars the bucket last returned by Add or
// Flush held and how many its interval spans; have < want marks a partial
// bucket at the edge of a hole.
func (a *Aggregator) Coverage() (have, want int) { return a.lastN, a.lastWant }

// Aggregate folds bars of interval src into bars of interval dst; see
// Aggregator for the rules. When src == dst it returns a copy of bars after
// checking their order.
func Aggregate(bars []market.Bar, src, dst market.Interval) ([]market.Bar, error) {
	a, err := NewAggregator(src, dst)
	if err != nil {
		return nil, err
	}
	out := make([]market.Bar, 0, estimateBuckets(bars, src, dst))
	for _, b := range bars {
		done, ok, err := a.Add(b)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, done)
		}
	}
	if done, ok := a.Flush(); ok {
		out = append(out, done)
	}
	return out, nil
}

func estimateBuckets(bars []market.Bar, src, dst market.Interval) int {
	if dst <= 0 {
		return len(bars)/28 + 2
	}
	return len(bars)/int(int64(dst)/int64(src)) + 2
}
