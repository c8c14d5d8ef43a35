package indicator

// Donchian is the Donchian channel: the highest high and the lowest low of
// the last Period bars, including the current one, and their midpoint.
type Donchian struct {
	period int
	count  int
	hi     extremum
	lo     extremum
	upper  float64
	lower  float64
	middle float64
}

// NewDonchian returns a Donchian channel over period bars. It returns an
// error wrapping ErrInvalidPeriod if period < 1.
func NewDonchian(period int) (*Donchian, error) {
	if err := checkPeriod("donchian", period, 1); err != nil {
		return nil, err
	}
	return &Donchian{
		period: period,
		hi:     newExtremum(period, true),
		lo:     newExtremum(period, false),
		upper:  nan, lower: nan, middle: nan,
	}, nil
}

// Update adds the next bar and returns the upper, middle and lower lines,
// NaN until Ready.
func (d *Donchian) Update(high, low float64) (upper, middle, lower float64) {
	d.count++
	u := d.hi.push(high)
	l := d.lo.push(low)
	if d.count >= d.period {
		d.upper, d.lower = u, l
		d.middle = (u + l) / 2
	}
	return d.upper, d.middle, d.lower
}

// Ready reports whether Period bars have been seen.
func (d *Donchian) Ready() bool { return d.count >= d.period }

// Value returns the latest middle line, NaN until Ready.
func (d *Donchian) Value() float64 { return d.middle }

// Upper returns the latest highest high, NaN until Ready.
func (d *Donchian) Upper() float64 { return d.upper }

// Lower returns the latest lowest low, NaN until Ready.
func (d *Donchian) Lower() float64 { return d.lower }
