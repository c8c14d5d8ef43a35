package indicator

// SMA is the simple moving average of the last Period closes, as TA-Lib's SMA.
type SMA struct {
	period int
	buf    []float64
	pos    int
	count  int
	sum    float64
	value  float64
}

// NewSMA returns an SMA over period bars. It returns an error wrapping
// ErrInvalidPeriod if period < 1.
func NewSMA(period int) (*SMA, error) {
	if err := checkPeriod("sma", period, 1); err != nil {
		return nil, err
	}
	return &SMA{period: period, buf: make([]float64, period), value: nan}, nil
}

// Update adds the next value and returns the average, NaN until Ready.
func (s *SMA) Update(v float64) float64 {
	s.buf[s.pos] = v
	s.pos++
	if s.pos == s.period {
		s.pos = 0
	}
	s.count++
	s.sum += v
	if s.count >= s.period {
		s.value = s.sum / float64(s.period)
		// The slot at pos holds the oldest value of the current window.
		s.sum -= s.buf[s.pos]
	}
	return s.value
}

// Ready reports whether Period values have been seen.
func (s *SMA) Ready() bool { return s.count >= s.period }

// Value returns the latest average, NaN until Ready.
func (s *SMA) Value() float64 { return s.value }

// EMA is the exponential moving average with k = 2/(Period+1), seeded with
// the simple average of the first Period values as TA-Lib's EMA.
type EMA struct {
	period int
	k      float64
	count  int
	sum    float64
	value  float64
}

// NewEMA returns an EMA over period bars. It returns an error wrapping
// ErrInvalidPeriod if period < 1.
func NewEMA(period int) (*EMA, error) {
	if err := checkPeriod("ema", period, 1); err != nil {
		return nil, err
	}
	return newEMA(period), nil
}

func newEMA(period int) *EMA {
	return &EMA{period: period, k: 2.0 / float64(period+1), value: nan}
}

// Update adds the next value and returns the average, NaN until Ready.
func (e *EMA) Update(v float64) float64 {
	e.count++
	switch {
	case e.count < e.period:
		e.sum += v
	case e.count == e.period:
		e.sum += v
		e.value = e.sum / float64(e.period)
	default:
		e.value = ((v - e.value) * e.k) + e.value
	}
	return e.value
}

// Ready reports whether Period values have been seen.
func (e *EMA) Ready() bool { return e.count >= e.period }

// Value returns the latest average, NaN until Ready.
func (e *EMA) Value() float64 { return e.value }

// WMA is the linearly weighted moving average of the last Period values,
// the newest weighted Period and the oldest 1, as TA-Lib's WMA.
type WMA struct {
	period   int
	divider  float64
	buf      []float64
	pos      int
	count    int
	sum      float64 // weighted sum
	sub      float64 // plain sum of the window
	trailing float64
	value    float64
}

// NewWMA returns a WMA over period bars. It returns an error wrapping
// ErrInvalidPeriod if period < 1.
func NewWMA(period int) (*WMA, error) {
	if err := checkPeriod("wma", period, 1); err != nil {
		return nil, err
	}
	return &WMA{
		period:  period,
		divider: float64((period * (period + 1)) >> 1),
		buf:     make([]float64, period),
		value:   nan,
	}, nil
}

// Update adds the next value and returns the average, NaN until Ready.
func (w *WMA) Update(v float64) float64 {
	w.buf[w.pos] = v
	w.pos++
	if w.pos == w.period {
		w.pos = 0
	}
	w.count++
	if w.count < w.period {
		w.sub += v
		w.sum += v * float64(w.count)
		return w.value
	}
	w.sub += v
	w.sub -= w.trailing
	w.sum += v * float64(w.period)
	w.value = w.sum / w.divider
	w.sum -= w.sub
	// The slot at pos holds the oldest value of the current window; it
	// leaves the window on the next update.
	w.trailing = w.buf[w.pos]
	return w.value
}

// Ready reports whether Period values have been seen.
func (w *WMA) Ready() bool { return w.count >= w.period }

// Value returns the latest average, NaN until Ready.
func (w *WMA) Value() float64 { return w.value }
