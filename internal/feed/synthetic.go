package feed

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// SyntheticConfig describes a synthetic market. The zero value of every field
// but Bars takes the default given with it; see Defaults.
type SyntheticConfig struct {
	// Seed makes the market reproducible: the same config gives the same bars.
	Seed uint64
	// Start is the open time of the first bar, Unix ms UTC, aligned down to
	// Interval. Default 2024-01-01 00:00 UTC.
	Start int64
	// Interval of the bars. Default 1m.
	Interval market.Interval
	// Bars is how many bars Synthetic returns.
	Bars int
	// StartPrice is the first open, rounded to Tick. Default 30000.
	StartPrice num.Decimal
	// Tick is the price step; every price is a multiple of it. Default 0.01.
	Tick num.Decimal
	// VolumeStep is the volume step. Default 0.00001.
	VolumeStep num.Decimal
	// Volatility is the long-run standard deviation of the log return of one
	// minute; longer bars scale it by the square root of their length.
	// Default 0.0008, about bitcoin's.
	Volatility float64
	// Alpha and Beta are the GARCH(1,1) weights of the last squared return and
	// of the last variance (volatility clustering); Alpha+Beta < 1.
	// Defaults 0.06 and 0.92. Set NoClustering for constant volatility.
	Alpha, Beta float64
	// NoClustering turns GARCH off: Alpha and Beta are taken as 0.
	NoClustering bool
	// JumpRate is the expected number of price jumps per day (Poisson).
	// Default 2. Set NoJumps to turn jumps off.
	JumpRate float64
	// NoJumps turns jumps off.
	NoJumps bool
	// JumpScale is the standard deviation of a jump's log return. Default 0.01.
	JumpScale float64
	// MeanVolume is the average base volume of a one-minute bar; longer bars
	// scale it by their length. Default 20.
	MeanVolume float64
}

// Defaults returns cfg with every unset field given its default value.
func (cfg SyntheticConfig) Defaults() SyntheticConfig {
	if cfg.Interval == 0 {
		cfg.Interval = market.Minute1
	}
	if cfg.Start == 0 {
		cfg.Start = 1704067200000 // 2024-01-01 00:00 UTC
	}
	if cfg.StartPrice.IsZero() {
		cfg.StartPrice = num.FromInt(30000)
	}
	if cfg.Tick.IsZero() {
		cfg.Tick = num.MustNew(1, 2)
	}
	if cfg.VolumeStep.IsZero() {
		cfg.VolumeStep = num.MustNew(1, 5)
	}
	if cfg.Volatility == 0 {
		cfg.Volatility = 0.0008
	}
	if cfg.NoClustering {
		cfg.Alpha, cfg.Beta = 0, 0
	} else if cfg.Alpha == 0 && cfg.Beta == 0 {
		cfg.Alpha, cfg.Beta = 0.06, 0.92
	}
	if cfg.NoJumps {
		cfg.JumpRate = 0
	} else if cfg.JumpRate == 0 {
		cfg.JumpRate = 2
	}
	if cfg.JumpScale == 0 {
		cfg.JumpScale = 0.01
	}
	if cfg.MeanVolume == 0 {
		cfg.MeanVolume = 20
	}
	return cfg
}

// SyntheticMarket generates bars one at a time. Log returns follow a
// GARCH(1,1) process with Gaussian shocks plus Poisson jumps; each bar's high
// and low come from a Brownian bridge between its open and close, so they
// are consistent with both; volume rises with volatility and with the size of
// the bar's move. Prices are exact multiples of the tick, volumes of the
// volume step. Random numbers come from a PCG seeded by the config, so the
// sequence is reproducible. Not safe for concurrent use.
type SyntheticMarket struct {
	cfg       SyntheticConfig
	rng       *rand.Rand
	t         int64
	tickCoef  int64
	tickScale uint8
	tickF     float64
	volCoef   int64
	volScale  uint8
	volF      float64
	sigmaBar  float64 // long-run σ of one bar
	omega     float64
	h         float64 // conditional variance of the next bar
	jumpLam   float64 // expected jumps per bar
	meanVol   float64
	open      int64 // ticks
	path      [bridgeSteps + 1]float64
}

// bridgeSteps is how many steps the intrabar path takes between open and close.
const bridgeSteps = 8

// NewSynthetic returns a generator for cfg (after Defaults). It returns an
// error for a non-positive tick, step or price, Alpha+Beta ≥ 1, negative
// rates or an interval it cannot step.
func NewSynthetic(cfg SyntheticConfig) (*SyntheticMarket, error) {
	cfg = cfg.Defaults()
	var errs []error
	if _, err := market.ParseInterval(cfg.Interval.String()); err != nil {
		errs = append(errs, fmt.Errorf("interval: %w", err))
	}
	if !cfg.Tick.IsPos() {
		errs = append(errs, fmt.Errorf("tick %s is not positive", cfg.Tick))
	}
	if !cfg.VolumeStep.IsPos() {
		errs = append(errs, fmt.Errorf("volume step %s is not positive", cfg.VolumeStep))
	}
	if !cfg.StartPrice.IsPos() {
		errs = append(errs, fmt.Errorf("start price %s is not positive", cfg.StartPrice))
	}
	if cfg.Alpha < 0 || cfg.Beta < 0 || cfg.Alpha+cfg.Beta >= 1 {
		errs = append(errs, fmt.Errorf("alpha %g and beta %g must be ≥ 0 with a sum below 1", cfg.Alpha, cfg.Beta))
	}
	if !(cfg.Volatility > 0) || !(cfg.JumpRate >= 0) || !(cfg.JumpScale > 0) || !(cfg.MeanVolume > 0) || cfg.Bars < 0 {
		errs = append(errs, fmt.Errorf("volatility %g, jump scale %g and mean volume %g must be positive, jump rate %g and bars %d not negative",
			cfg.Volatility, cfg.JumpScale, cfg.MeanVolume, cfg.JumpRate, cfg.Bars))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("synthetic market: %w", errors.Join(errs...))
	}
	s := &SyntheticMarket{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
	var ok bool
	s.tickScale = cfg.Tick.Scale()
	if s.tickCoef, ok = cfg.Tick.Unscaled(s.tickScale); !ok {
		return nil, fmt.Errorf("synthetic market: tick %s is too large", cfg.Tick)
	}
	s.volScale = cfg.VolumeStep.Scale()
	if s.volCoef, ok = cfg.VolumeStep.Unscaled(s.volScale); !ok {
		return nil, fmt.Errorf("synthetic market: volume step %s is too large", cfg.VolumeStep)
	}
	s.tickF, s.volF = cfg.Tick.Float64(), cfg.VolumeStep.Float64()
	s.open = max(int64(math.Round(cfg.StartPrice.Float64()/s.tickF)), 1)

	s.t = cfg.Interval.Start(cfg.Start)
	minutes := float64(cfg.Interval) / float64(market.Minute1)
	if cfg.Interval == market.Month1 {
		minutes = 30 * 24 * 60
	}
	s.sigmaBar = cfg.Volatility * math.Sqrt(minutes)
	s.omega = s.sigmaBar * s.sigmaBar * (1 - cfg.Alpha - cfg.Beta)
	s.h = s.sigmaBar * s.sigmaBar
	s.jumpLam = cfg.JumpRate * minutes / (24 * 60)
	s.meanVol = cfg.MeanVolume * minutes
	return s, nil
}

// Next returns the next bar. It never fails: prices stay at least one tick.
func (s *SyntheticMarket) Next() market.Bar {
	sigma := math.Sqrt(s.h)
	r := sigma*s.rng.NormFloat64() - s.h/2
	if s.jumpLam > 0 {
		for k := s.poisson(s.jumpLam); k > 0; k-- {
			r += s.cfg.JumpScale * s.rng.NormFloat64()
		}
	}
	s.h = s.omega + s.cfg.Alpha*r*r + s.cfg.Beta*s.h

	// Brownian bridge from 0 to r: the intrabar path of the log price.
	step := sigma / math.Sqrt(bridgeSteps)
	w := 0.0
	for i := 1; i <= bridgeSteps; i++ {
		w += step * s.rng.NormFloat64()
		s.path[i] = w
	}
	hi, lo := 0.0, 0.0
	for i := 1; i <= bridgeSteps; i++ {
		p := s.path[i] - float64(i)/bridgeSteps*(w-r)
		hi, lo = math.Max(hi, p), math.Min(lo, p)
	}
	hi, lo = math.Max(hi, r), math.Min(lo, r)

	openF := float64(s.open) * s.tickF
	o := s.open
	c := max(int64(math.Round(openF*math.Exp(r)/s.tickF)), 1)
	h := max(int64(math.Ceil(openF*math.Exp(hi)/s.tickF)), o, c)
	l := max(min(int64(math.Floor(openF*math.Exp(lo)/s.tickF)), o, c), 1)

	intensity := sigma / s.sigmaBar * (0.4 + 0.6*math.Abs(r)/(sigma*0.8))
	v := s.meanVol * intensity * math.Exp(0.5*s.rng.NormFloat64()-0.125)
	vol := int64(math.Round(v / s.volF))

	b := market.Bar{
		Time:   s.t,
		Open:   s.price(o),
		High:   s.price(h),
		Low:    s.price(l),
		Close:  s.price(c),
		Volume: s.amount(vol),
	}
	s.open = c
	s.t = s.cfg.Interval.Next(s.t)
	return b
}

// poisson draws from a Poisson distribution with a small mean (Knuth).
func (s *SyntheticMarket) poisson(lambda float64) int {
	limit, p, k := math.Exp(-lambda), 1.0, 0
	for {
		p *= s.rng.Float64()
		if p <= limit {
			return k
		}
		k++
	}
}

func (s *SyntheticMarket) price(ticks int64) num.Decimal {
	d, err := num.New(ticks*s.tickCoef, s.tickScale)
	if err != nil {
		panic(err) // unreachable: the scale was checked in NewSynthetic
	}
	return d
}

func (s *SyntheticMarket) amount(steps int64) num.Decimal {
	d, err := num.New(steps*s.volCoef, s.volScale)
	if err != nil {
		panic(err) // unreachable: the scale was checked in NewSynthetic
	}
	return d
}

// Synthetic returns cfg.Bars bars of the synthetic market described by cfg;
// see SyntheticMarket. The same config always gives the same bars.
func Synthetic(cfg SyntheticConfig) ([]market.Bar, error) {
	s, err := NewSynthetic(cfg)
	if err != nil {
		return nil, err
	}
	bars := make([]market.Bar, cfg.Bars)
	for i := range bars {
		bars[i] = s.Next()
	}
	return bars, nil
}
