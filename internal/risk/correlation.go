package risk

import (
	"math"
)

// correlations keeps each symbol's recent log returns in a fixed ring and the
// Pearson correlation of every pair of symbols, recomputed when a symbol
// completes a sampling interval. Returns are sampled on a grid: interval
// number b holds the return from the last price of the symbol's previous
// interval to the last price of interval b, so two symbols' samples line up
// by interval number whatever times their prices arrive at.
//
// A pair needs minSamples common intervals among the last lookback before it
// has a correlation; until then, and when either series is flat, the pair's
// correlation is unknown and the gate counts it as correlated.
type correlations struct {
	interval   int64 // ms
	lookback   int
	minSamples int
	threshold  float64

	// index finds a symbol's series when there are many; with few, a scan
	// of names is faster than hashing.
	index  map[string]int
	names  []string
	series []*returnSeries
	// matrix[i][j] is the correlation of symbols i and j, NaN when unknown.
	matrix [][]float64
	// xs and ys are scratch for the aligned samples of one pair.
	xs, ys []float64
}

// returnSeries is one symbol's sampling state and return ring.
type returnSeries struct {
	has       bool
	bucket    int64   // interval of the last price
	last      float64 // last price seen in bucket
	prevClose float64 // last price of the previous interval seen, 0 if none
	// ids[k] is the interval whose return rets[k] holds, -1 when empty; an
	// interval b lives at slot b mod lookback.
	ids    []int64
	rets   []float64
	latest int64 // newest interval with a return, -1 when none
}

func newCorrelations(c *Config) *correlations {
	return &correlations{
		interval:   c.CorrelationInterval.Milliseconds(),
		lookback:   c.CorrelationLookback,
		minSamples: max(MinCorrelationLookback, (c.CorrelationLookback+1)/2),
		threshold:  c.CorrelationThreshold,
		index:      make(map[string]int),
		xs:         make([]float64, c.CorrelationLookback),
		ys:         make([]float64, c.CorrelationLookback),
	}
}

// add registers symbol and returns its index. It allocates, once per symbol.
func (c *correlations) add(symbol string) int {
	i := len(c.series)
	c.index[symbol] = i
	c.names = append(c.names, symbol)
	s := &returnSeries{ids: make([]int64, c.lookback), rets: make([]float64, c.lookback), latest: -1}
	for k := range s.ids {
		s.ids[k] = -1
	}
	c.series = append(c.series, s)
	for r := range c.matrix {
		c.matrix[r] = append(c.matrix[r], math.NaN())
	}
	row := make([]float64, i+1)
	for k := range row {
		row[k] = math.NaN()
	}
	row[i] = 1
	c.matrix = append(c.matrix, row)
	return i
}

// observe takes symbol's price at t (Unix ms). Prices that are not positive
// and finite, times before 1970 and prices older than the symbol's current
// interval are ignored.
func (c *correlations) observe(symbol string, t int64, price float64) {
	if t < 0 || !(price > 0) || math.IsInf(price, 0) {
		return
	}
	i := c.lookup(symbol)
	if i < 0 {
		i = c.add(symbol)
	}
	c.observeAt(i, t, price)
}

// observeAt is observe for the symbol at index i.
func (c *correlations) observeAt(i int, t int64, price float64) {
	if t < 0 || !(price > 0) || math.IsInf(price, 0) {
		return
	}
	s := c.series[i]
	b := t / c.interval
	switch {
	case !s.has:
		s.has, s.bucket, s.last = true, b, price
		return
	case b < s.bucket:
		return
	case b == s.bucket:
		s.last = price
		return
	}
	// Interval s.bucket is complete.
	if s.prevClose > 0 {
		k := int(s.bucket % int64(c.lookback))
		s.ids[k] = s.bucket
		s.rets[k] = math.Log(s.last / s.prevClose)
		s.latest = s.bucket
		c.recompute(i)
	}
	s.prevClose = s.last
	s.bucket, s.last = b, price
}

// recompute refreshes row and column i of the matrix.
func (c *correlations) recompute(i int) {
	for j := range c.series {
		if j == i {
			continue
		}
		r := c.pearson(c.series[i], c.series[j])
		c.matrix[i][j] = r
		c.matrix[j][i] = r
	}
}

// pearson returns the correlation of a and b over their common intervals
// among the lookback intervals up to the newer of their latest returns, or
// NaN when there are fewer than minSamples or a series does not vary.
func (c *correlations) pearson(a, b *returnSeries) float64 {
	newest := max(a.latest, b.latest)
	oldest := newest - int64(c.lookback) // exclusive
	n := 0
	for k, id := range a.ids {
		if id < 0 || id <= oldest || b.ids[k] != id {
			continue
		}
		c.xs[n], c.ys[n] = a.rets[k], b.rets[k]
		n++
	}
	if n < c.minSamples {
		return math.NaN()
	}
	return pearson(c.xs[:n], c.ys[:n])
}

// pearson returns the Pearson correlation of xs and ys (equal lengths), or
// NaN when either does not vary.
func pearson(xs, ys []float64) float64 {
	var mx, my float64
	for k := range xs {
		mx += xs[k]
		my += ys[k]
	}
	n := float64(len(xs))
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for k := range xs {
		dx, dy := xs[k]-mx, ys[k]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	r := sxy / math.Sqrt(sxx*syy)
	return max(-1, min(1, r)) // rounding can step just outside [-1, 1]
}

// lookup returns symbol's index, or -1 when it has no prices yet.
func (c *correlations) lookup(symbol string) int {
	if len(c.names) <= scanSymbols {
		for i, n := range c.names {
			if n == symbol {
				return i
			}
		}
		return -1
	}
	if i, ok := c.index[symbol]; ok {
		return i
	}
	return -1
}

// scanSymbols is how many symbols lookup scans before it hashes.
const scanSymbols = 16

// correlated reports whether symbols i and j (indexes from lookup; -1 for a
// symbol without prices) count as one group: the same symbol, a correlation
// at or above the threshold, or an unknown correlation.
func (c *correlations) correlated(i, j int) bool {
	if i == j && i >= 0 {
		return true
	}
	if i < 0 || j < 0 {
		return true
	}
	return !(c.matrix[i][j] < c.threshold)
}

// value returns the correlation of symbols a and b and whether it is known.
func (c *correlations) value(a, b string) (float64, bool) {
	i, j := c.lookup(a), c.lookup(b)
	if i < 0 || j < 0 {
		return math.NaN(), false
	}
	r := c.matrix[i][j]
	return r, !math.IsNaN(r)
}
