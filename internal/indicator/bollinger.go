package indicator

import (
	"fmt"
	"math"
)

// Bollinger holds Bollinger Bands as TA-Lib's BBANDS with a simple moving
// average: the middle band is the SMA of the last Period closes and the outer
// bands sit K population standard deviations above and below it.
type Bollinger struct {
	period int
	k      float64
	buf    []float64
	pos    int
	count  int
	sum    float64
	sumSq  float64
	upper  float64
	middle float64
	lower  float64
}

// NewBollinger returns Bollinger Bands over period bars, k deviations wide
// (20 and 2 are usual). It returns an error wrapping ErrInvalidPeriod if
// period < 2 or k is not a positive finite number.
func NewBollinger(period int, k float64) (*Bollinger, error) {
	if err := checkPeriod("bollinger", period, 2); err != nil {
		return nil, err
	}
	if !(k > 0) || math.IsInf(k, 1) {
		return nil, fmt.Errorf("bollinger deviations %v (must be positive): %w", k, ErrInvalidPeriod)
	}
	return &Bollinger{period: period, k: k, buf: make([]float64, period), upper: nan, middle: nan, lower: nan}, nil
}

// Update adds the next close and returns the upper, middle and lower bands,
// NaN until Ready.
func (b *Bollinger) Update(close float64) (upper, middle, lower float64) {
	b.buf[b.pos] = close
	b.pos++
	if b.pos == b.period {
		b.pos = 0
	}
	b.count++
	b.sum += close
	b.sumSq += close * close
	if b.count < b.period {
		return b.upper, b.middle, b.lower
	}
	p := float64(b.period)
	mean := b.sum / p
	variance := b.sumSq/p - mean*mean
	old := b.buf[b.pos]
	b.sum -= old
	b.sumSq -= old * old
	// The running-sum variance can come out slightly negative or tiny on a
	// flat window; TA-Lib treats anything below 1e-14 as zero.
	dev := 0.0
	if !(variance < 1e-14) {
		dev = math.Sqrt(variance) * b.k
	}
	b.middle = mean
	b.upper = mean + dev
	b.lower = mean - dev
	return b.upper, b.middle, b.lower
}

// Ready reports whether Period closes have been seen.
func (b *Bollinger) Ready() bool { return b.count >= b.period }

// Value returns the latest middle band, NaN until Ready.
func (b *Bollinger) Value() float64 { return b.middle }

// Upper returns the latest upper band, NaN until Ready.
func (b *Bollinger) Upper() float64 { return b.upper }

// Lower returns the latest lower band, NaN until Ready.
func (b *Bollinger) Lower() float64 { return b.lower }
