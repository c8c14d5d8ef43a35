package indicator

// VWAP is the cumulative volume-weighted average of the typical price
// (high+low+close)/3 since the last Reset, usually the session open.
type VWAP struct {
	pv     float64
	volume float64
	value  float64
}

// NewVWAP returns a VWAP with nothing accumulated. It cannot fail.
func NewVWAP() *VWAP { return &VWAP{value: nan} }

// Update adds the next bar and returns the VWAP in price units, NaN while
// no volume has traded since the last Reset. Negative volume is a data error
// the caller must reject; it is not checked here.
func (v *VWAP) Update(high, low, close, volume float64) float64 {
	v.pv += (high + low + close) / 3 * volume
	v.volume += volume
	if v.volume > 0 {
		v.value = v.pv / v.volume
	}
	return v.value
}

// Reset starts a new session: the next Update is the first bar.
func (v *VWAP) Reset() { *v = VWAP{value: nan} }

// Ready reports whether any volume has traded since the last Reset.
func (v *VWAP) Ready() bool { return v.volume > 0 }

// Value returns the latest VWAP, NaN until Ready.
func (v *VWAP) Value() float64 { return v.value }
