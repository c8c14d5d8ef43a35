package indicator

// ATR is the average true range with Wilder smoothing, seeded with the simple
// average of the first Period true ranges as TA-Lib's ATR. The first bar has
// no previous close and so no true range.
type ATR struct {
	period    int
	count     int
	prevClose float64
	sum       float64
	value     float64
}

// NewATR returns an ATR over period bars. It returns an error wrapping
// ErrInvalidPeriod if period < 1.
func NewATR(period int) (*ATR, error) {
	if err := checkPeriod("atr", period, 1); err != nil {
		return nil, err
	}
	return &ATR{period: period, value: nan}, nil
}

// Update adds the next bar and returns the ATR in price units, NaN until Ready.
func (a *ATR) Update(high, low, close float64) float64 {
	a.count++
	if a.count == 1 {
		a.prevClose = close
		return a.value
	}
	tr := trueRange(high, low, a.prevClose)
	a.prevClose = close
	p := float64(a.period)
	switch {
	case a.count <= a.period:
		a.sum += tr
	case a.count == a.period+1:
		a.sum += tr
		a.value = a.sum / p
	default:
		a.value *= p - 1
		a.value += tr
		a.value /= p
	}
	return a.value
}

// Ready reports whether Period true ranges have been seen.
func (a *ATR) Ready() bool { return a.count > a.period }

// Value returns the latest ATR, NaN until Ready.
func (a *ATR) Value() float64 { return a.value }
