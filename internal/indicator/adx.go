package indicator

import "math"

// ADX is Wilder's average directional index as TA-Lib's ADX: directional
// movement and true range are Wilder-smoothed over Period bars, and the ADX
// is the Wilder average of DX, seeded with the mean of its first Period
// values. It ranges over [0, 100].
type ADX struct {
	period    int
	count     int
	prevHigh  float64
	prevLow   float64
	prevClose float64
	plusDM    float64
	minusDM   float64
	tr        float64
	sumDX     float64
	value     float64
}

// NewADX returns an ADX over period bars (14 is usual). It returns an error
// wrapping ErrInvalidPeriod if period < 2.
func NewADX(period int) (*ADX, error) {
	if err := checkPeriod("adx", period, 2); err != nil {
		return nil, err
	}
	return &ADX{period: period, value: nan}, nil
}

// Update adds the next bar and returns the ADX, NaN until Ready.
func (a *ADX) Update(high, low, close float64) float64 {
	a.count++
	if a.count == 1 {
		a.prevHigh, a.prevLow, a.prevClose = high, low, close
		return a.value
	}
	p := float64(a.period)
	diffP := high - a.prevHigh
	diffM := a.prevLow - low
	a.prevHigh, a.prevLow = high, low
	accumulating := a.count <= a.period
	if !accumulating {
		a.minusDM -= a.minusDM / p
		a.plusDM -= a.plusDM / p
	}
	if diffM > 0 && diffP < diffM {
		a.minusDM += diffM
	} else if diffP > 0 && diffP > diffM {
		a.plusDM += diffP
	}
	tr := trueRange(high, low, a.prevClose)
	a.prevClose = close
	if accumulating {
		a.tr += tr
		return a.value
	}
	a.tr = a.tr - (a.tr / p) + tr
	dx, ok := a.dx()
	switch {
	case a.count < 2*a.period:
		if ok {
			a.sumDX += dx
		}
	case a.count == 2*a.period:
		if ok {
			a.sumDX += dx
		}
		a.value = a.sumDX / p
	default:
		if ok {
			a.value = ((a.value * (p - 1)) + dx) / p
		}
	}
	return a.value
}

// dx returns the directional index of the smoothed sums; ok is false when
// the true range or the directional indicators are too close to zero to
// divide by, in which case TA-Lib skips the bar.
func (a *ADX) dx() (dx float64, ok bool) {
	if -1e-14 < a.tr && a.tr < 1e-14 {
		return 0, false
	}
	minusDI := 100.0 * (a.minusDM / a.tr)
	plusDI := 100.0 * (a.plusDM / a.tr)
	sum := minusDI + plusDI
	if -1e-14 < sum && sum < 1e-14 {
		return 0, false
	}
	return 100.0 * (math.Abs(minusDI-plusDI) / sum), true
}

// Ready reports whether 2*Period - 1 bars have been seen after the first.
func (a *ADX) Ready() bool { return a.count >= 2*a.period }

// Value returns the latest ADX, NaN until Ready.
func (a *ADX) Value() float64 { return a.value }
