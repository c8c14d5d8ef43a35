// Package indicator computes technical indicators one bar at a time.
//
// Every indicator is a small struct built by a constructor that validates
// its parameters. Update takes the values of the next bar and returns the
// indicator's value after it; Ready reports whether the warm-up is over and
// Value returns the latest value. Until Ready is true the value is NaN, so a
// strategy that forgets to check Ready compares against NaN and never fires.
//
// Updates run in constant time (rolling extremes in amortized constant time)
// and allocate nothing: buffers are allocated once by the constructor.
// Seeding and smoothing follow TA-Lib so that values agree with it after
// warm-up. Indicators are not safe for concurrent use.
package indicator

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidPeriod is returned, wrapped with the indicator name and the
// offending value, when a period or multiplier is out of range.
var ErrInvalidPeriod = errors.New("invalid period")

func checkPeriod(name string, period, min int) error {
	if period < min {
		return fmt.Errorf("%s period %d (minimum %d): %w", name, period, min, ErrInvalidPeriod)
	}
	return nil
}

// nan is the value of an indicator that is not ready yet.
var nan = math.NaN()

// trueRange is TA-Lib's TRANGE for a bar given the previous close.
func trueRange(high, low, prevClose float64) float64 {
	greatest := high - low
	if v := math.Abs(prevClose - high); v > greatest {
		greatest = v
	}
	if v := math.Abs(prevClose - low); v > greatest {
		greatest = v
	}
	return greatest
}

// extremum tracks the maximum or minimum of the last period values with a
// monotonic deque held in fixed-size rings, so each push is amortized O(1).
type extremum struct {
	vals   []float64
	seq    []int
	head   int
	size   int
	period int
	count  int
	max    bool
}

func newExtremum(period int, max bool) extremum {
	return extremum{
		vals:   make([]float64, period),
		seq:    make([]int, period),
		period: period,
		max:    max,
	}
}

// push adds v and returns the extreme of the last period values.
func (e *extremum) push(v float64) float64 {
	t := e.count
	e.count++
	if e.size > 0 && e.seq[e.head] <= t-e.period {
		e.head = e.wrap(e.head + 1)
		e.size--
	}
	for e.size > 0 {
		back := e.wrap(e.head + e.size - 1)
		if (e.max && e.vals[back] > v) || (!e.max && e.vals[back] < v) {
			break
		}
		e.size--
	}
	back := e.wrap(e.head + e.size)
	e.vals[back] = v
	e.seq[back] = t
	e.size++
	return e.vals[e.head]
}

// wrap maps an index in [0, 2*period) into the ring, avoiding a division.
func (e *extremum) wrap(i int) int {
	if i >= e.period {
		return i - e.period
	}
	return i
}
