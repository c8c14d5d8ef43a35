package indicator

// RSI is the relative strength index with Wilder smoothing, seeded with the
// simple averages of the first Period gains and losses as TA-Lib's RSI. It
// ranges over [0, 100] and is 0 when prices have not moved at all.
type RSI struct {
	period int
	count  int
	prev   float64
	gain   float64
	loss   float64
	value  float64
}

// NewRSI returns an RSI over period bars. It returns an error wrapping
// ErrInvalidPeriod if period < 2.
func NewRSI(period int) (*RSI, error) {
	if err := checkPeriod("rsi", period, 2); err != nil {
		return nil, err
	}
	return &RSI{period: period, value: nan}, nil
}

// Update adds the next close and returns the RSI, NaN until Ready. The first
// value comes with the close after Period price changes.
func (r *RSI) Update(close float64) float64 {
	r.count++
	if r.count == 1 {
		r.prev = close
		return r.value
	}
	diff := close - r.prev
	r.prev = close
	p := float64(r.period)
	if r.count <= r.period {
		r.addMove(diff)
		return r.value
	}
	if r.count == r.period+1 {
		r.addMove(diff)
		r.loss /= p
		r.gain /= p
	} else {
		r.loss *= p - 1
		r.gain *= p - 1
		r.addMove(diff)
		r.loss /= p
		r.gain /= p
	}
	total := r.gain + r.loss
	if -1e-14 < total && total < 1e-14 {
		r.value = 0
	} else {
		r.value = 100.0 * (r.gain / total)
	}
	return r.value
}

func (r *RSI) addMove(diff float64) {
	if diff < 0 {
		r.loss -= diff
	} else {
		r.gain += diff
	}
}

// Ready reports whether Period price changes have been seen.
func (r *RSI) Ready() bool { return r.count > r.period }

// Value returns the latest RSI, NaN until Ready.
func (r *RSI) Value() float64 { return r.value }
