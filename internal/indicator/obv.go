package indicator

// OBV is on-balance volume as TA-Lib's OBV: it starts at the first bar's
// volume and then adds the volume of every up close and subtracts that of
// every down close.
type OBV struct {
	count int
	prev  float64
	value float64
}

// NewOBV returns an OBV. It takes no parameters and cannot fail.
func NewOBV() *OBV { return &OBV{value: nan} }

// Update adds the next bar and returns the OBV in volume units.
func (o *OBV) Update(close, volume float64) float64 {
	o.count++
	switch {
	case o.count == 1:
		o.value = volume
	case close > o.prev:
		o.value += volume
	case close < o.prev:
		o.value -= volume
	}
	o.prev = close
	return o.value
}

// Ready reports whether a bar has been seen.
func (o *OBV) Ready() bool { return o.count > 0 }

// Value returns the latest OBV, NaN before the first bar.
func (o *OBV) Value() float64 { return o.value }
