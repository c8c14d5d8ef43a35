package feed

import (
	"math"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// logReturns returns the close-to-close log returns of bars.
func logReturns(bars []market.Bar) []float64 {
	r := make([]float64, len(bars)-1)
	for i := 1; i < len(bars); i++ {
		r[i-1] = math.Log(bars[i].Close.Float64() / bars[i-1].Close.Float64())
	}
	return r
}

// autocorr returns the lag-k autocorrelation of x.
func autocorr(x []float64, k int) float64 {
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var num, den float64
	for i, v := range x {
		den += (v - mean) * (v - mean)
		if i >= k {
			num += (v - mean) * (x[i-k] - mean)
		}
	}
	return num / den
}

// kurtosis returns the (non-excess) kurtosis of x: 3 for a normal law.
func kurtosis(x []float64) float64 {
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var m2, m4 float64
	for _, v := range x {
		d := (v - mean) * (v - mean)
		m2 += d
		m4 += d * d
	}
	m2 /= float64(len(x))
	m4 /= float64(len(x))
	return m4 / (m2 * m2)
}

func correlation(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func abs(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Abs(v)
	}
	return out
}

func TestSyntheticDeterministic(t *testing.T) {
	a, err := Synthetic(SyntheticConfig{Seed: 42, Bars: 2000})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Synthetic(SyntheticConfig{Seed: 42, Bars: 2000})
	c, _ := Synthetic(SyntheticConfig{Seed: 43, Bars: 2000})
	same, differ := true, false
	for i := range a {
		same = same && sameBar(a[i], b[i]) && a[i].Open.Format() == b[i].Open.Format()
		differ = differ || !sameBar(a[i], c[i])
	}
	if !same {
		t.Fatal("the same seed gave different bars")
	}
	if !differ {
		t.Fatal("seeds 42 and 43 gave the same bars")
	}
	// A streaming generator gives the same bars as Synthetic.
	s, err := NewSynthetic(SyntheticConfig{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if got := s.Next(); !sameBar(got, a[i]) {
			t.Fatalf("bar %d from Next = %+v, want %+v", i, got, a[i])
		}
	}
}

func TestSyntheticBarsValid(t *testing.T) {
	for _, cfg := range []SyntheticConfig{
		{Seed: 1, Bars: 20000},
		{Seed: 2, Bars: 3000, Interval: market.Hour1, Tick: num.MustParse("0.5"), StartPrice: num.MustParse("2.5")},
		{Seed: 3, Bars: 100, Interval: market.Month1, Start: jan2024 + 12345},
		{Seed: 4, Bars: 5000, Tick: num.MustParse("0.0001"), StartPrice: num.MustParse("0.3"), VolumeStep: num.MustParse("1")},
	} {
		bars, err := Synthetic(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.Defaults()
		if len(bars) != cfg.Bars {
			t.Fatalf("%d bars, want %d", len(bars), cfg.Bars)
		}
		if bars[0].Time != cfg.Interval.Start(cfg.Start) {
			t.Fatalf("first bar at %d, want %d", bars[0].Time, cfg.Interval.Start(cfg.Start))
		}
		for i, b := range bars {
			if err := b.Validate(); err != nil {
				t.Fatalf("bar %d: %v", i, err)
			}
			for _, p := range []num.Decimal{b.Open, b.High, b.Low, b.Close} {
				if !p.IsMultipleOf(cfg.Tick) {
					t.Fatalf("bar %d: price %s is not a multiple of tick %s", i, p, cfg.Tick)
				}
			}
			if !b.Volume.IsMultipleOf(cfg.VolumeStep) {
				t.Fatalf("bar %d: volume %s is not a multiple of %s", i, b.Volume, cfg.VolumeStep)
			}
			if i > 0 {
				if b.Time != cfg.Interval.Next(bars[i-1].Time) {
					t.Fatalf("bar %d at %d does not follow %d", i, b.Time, bars[i-1].Time)
				}
				if !b.Open.Equal(bars[i-1].Close) {
					t.Fatalf("bar %d opens at %s, the previous closed at %s", i, b.Open, bars[i-1].Close)
				}
			}
		}
	}
}

// TestSyntheticStylizedFacts checks the statistical properties the generator
// promises, against a control with clustering and jumps turned off: the
// control must fail the same tests, so they can fail.
func TestSyntheticStylizedFacts(t *testing.T) {
	const n = 50_000
	bars, err := Synthetic(SyntheticConfig{Seed: 11, Bars: n})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Synthetic(SyntheticConfig{Seed: 11, Bars: n, NoClustering: true, NoJumps: true})
	if err != nil {
		t.Fatal(err)
	}
	r, r0 := logReturns(bars), logReturns(plain)
	// Under independence the lag-k autocorrelation has a standard error of
	// about 1/sqrt(n) ≈ 0.0045.
	noise := 5 / math.Sqrt(n)
	for _, k := range []int{1, 5, 20} {
		if ac := autocorr(abs(r), k); ac < noise {
			t.Errorf("autocorrelation of |returns| at lag %d = %.4f, want > %.4f (volatility clustering)", k, ac, noise)
		}
		if ac := autocorr(abs(r0), k); math.Abs(ac) > noise {
			t.Errorf("control: autocorrelation of |returns| at lag %d = %.4f, want within ±%.4f", k, ac, noise)
		}
	}
	if ac := autocorr(r, 1); math.Abs(ac) > noise {
		t.Errorf("autocorrelation of returns at lag 1 = %.4f, want within ±%.4f (no free lunch)", ac, noise)
	}
	if k := kurtosis(r); k < 4 {
		t.Errorf("kurtosis of returns = %.2f, want > 4 (fat tails)", k)
	}
	if k := kurtosis(r0); k < 2.8 || k > 3.2 {
		t.Errorf("control: kurtosis = %.2f, want about 3", k)
	}
	// Volume follows the size of the move.
	vol := make([]float64, len(r))
	for i := range r {
		vol[i] = bars[i+1].Volume.Float64()
	}
	if c := correlation(abs(r), vol); c < 0.3 {
		t.Errorf("correlation of volume with |return| = %.3f, want > 0.3", c)
	}
	// The volatility is about the configured 0.0008 a minute.
	var ss float64
	for _, v := range r {
		ss += v * v
	}
	if sd := math.Sqrt(ss / float64(len(r))); sd < 0.0005 || sd > 0.0015 {
		t.Errorf("standard deviation of 1m returns = %.5f, want about 0.0008", sd)
	}
}

func TestSyntheticRejects(t *testing.T) {
	tests := []struct {
		name    string
		cfg     SyntheticConfig
		wantErr string
	}{
		{"negative tick", SyntheticConfig{Tick: num.MustParse("-0.01")}, "tick -0.01 is not positive"},
		{"explosive garch", SyntheticConfig{Alpha: 0.5, Beta: 0.6}, "sum below 1"},
		{"negative bars", SyntheticConfig{Bars: -1}, "bars -1"},
		{"bad interval", SyntheticConfig{Interval: market.Interval(12345)}, "interval"},
		{"negative price", SyntheticConfig{StartPrice: num.MustParse("-5")}, "start price -5 is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Synthetic(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func BenchmarkSynthetic(b *testing.B) {
	s, err := NewSynthetic(SyntheticConfig{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Next()
	}
}
