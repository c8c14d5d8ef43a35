package indicator

// Highest is the highest value of the last Period updates (TA-Lib's MAX),
// the current one included.
type Highest struct{ rolling }

// Lowest is the lowest value of the last Period updates (TA-Lib's MIN), the
// current one included.
type Lowest struct{ rolling }

type rolling struct {
	period int
	count  int
	ext    extremum
	value  float64
}

// NewHighest returns the highest of the last period values. It returns an
// error wrapping ErrInvalidPeriod if period < 1.
func NewHighest(period int) (*Highest, error) {
	if err := checkPeriod("highest", period, 1); err != nil {
		return nil, err
	}
	return &Highest{rolling{period: period, ext: newExtremum(period, true), value: nan}}, nil
}

// NewLowest returns the lowest of the last period values. It returns an
// error wrapping ErrInvalidPeriod if period < 1.
func NewLowest(period int) (*Lowest, error) {
	if err := checkPeriod("lowest", period, 1); err != nil {
		return nil, err
	}
	return &Lowest{rolling{period: period, ext: newExtremum(period, false), value: nan}}, nil
}

// Update adds v and returns the extreme of the last Period values, NaN until
// Ready.
func (r *rolling) Update(v float64) float64 {
	r.count++
	x := r.ext.push(v)
	if r.count >= r.period {
		r.value = x
	}
	return r.value
}

// Ready reports whether Period values have been seen.
func (r *rolling) Ready() bool { return r.count >= r.period }

// Value returns the latest extreme, NaN until Ready.
func (r *rolling) Value() float64 { return r.value }
