package indicator

// Stochastic is TA-Lib's STOCH with simple moving averages: fast %K is where
// the close sits in the range of the last FastK bars, in [0, 100] (0 on a
// flat range); slow %K is its SlowK-bar SMA and %D the SlowD-bar SMA of
// slow %K.
type Stochastic struct {
	count int
	hi    extremum
	lo    extremum
	fastK int
	slowK *SMA
	slowD *SMA
	k     float64
	d     float64
}

// NewStochastic returns a Stochastic (14, 3, 3 is usual). It returns an
// error wrapping ErrInvalidPeriod if any period is < 1.
func NewStochastic(fastK, slowK, slowD int) (*Stochastic, error) {
	if err := checkPeriod("stochastic fast k", fastK, 1); err != nil {
		return nil, err
	}
	k, err := NewSMA(slowK)
	if err != nil {
		return nil, err
	}
	d, err := NewSMA(slowD)
	if err != nil {
		return nil, err
	}
	return &Stochastic{
		hi:    newExtremum(fastK, true),
		lo:    newExtremum(fastK, false),
		fastK: fastK,
		slowK: k,
		slowD: d,
		k:     nan,
		d:     nan,
	}, nil
}

// Update adds the next bar and returns slow %K and %D, NaN until Ready.
func (s *Stochastic) Update(high, low, close float64) (k, d float64) {
	s.count++
	highest := s.hi.push(high)
	lowest := s.lo.push(low)
	if s.count < s.fastK {
		return s.k, s.d
	}
	fast := 0.0
	if diff := (highest - lowest) / 100.0; diff != 0 {
		fast = (close - lowest) / diff
	}
	sk := s.slowK.Update(fast)
	if !s.slowK.Ready() {
		return s.k, s.d
	}
	sd := s.slowD.Update(sk)
	if s.slowD.Ready() {
		s.k, s.d = sk, sd
	}
	return s.k, s.d
}

// Ready reports whether %D has warmed up, after FastK + SlowK + SlowD - 2 bars.
func (s *Stochastic) Ready() bool { return s.slowD.Ready() }

// Value returns the latest slow %K, NaN until Ready.
func (s *Stochastic) Value() float64 { return s.k }

// D returns the latest %D, NaN until Ready.
func (s *Stochastic) D() float64 { return s.d }
