package indicator

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	talib "github.com/markcheno/go-talib"
)

// series is a deterministic random-walk OHLCV history.
type series struct {
	open, high, low, close, volume []float64
}

func randomWalk(tb testing.TB, n int) series {
	tb.Helper()
	r := rand.New(rand.NewPCG(20261122, 1))
	s := series{
		open:   make([]float64, n),
		high:   make([]float64, n),
		low:    make([]float64, n),
		close:  make([]float64, n),
		volume: make([]float64, n),
	}
	price := 100.0
	for i := range n {
		open := price
		// Some flat bars exercise the equal-close and zero-range branches.
		if r.IntN(50) == 0 {
			s.open[i], s.high[i], s.low[i], s.close[i] = open, open, open, open
			s.volume[i] = 1 + r.Float64()*1000
			continue
		}
		price *= math.Exp(r.NormFloat64() * 0.01)
		s.open[i], s.close[i] = open, price
		s.high[i] = math.Max(open, price) * (1 + r.Float64()*0.005)
		s.low[i] = math.Min(open, price) * (1 - r.Float64()*0.005)
		s.volume[i] = 1 + r.Float64()*1000
	}
	return s
}

const bars = 5000

// checkClose compares got with TA-Lib's want from index from on: relative
// error at most 1e-9, or absolute error at most 1e-9 for values near zero.
func checkClose(tb testing.TB, name string, got, want []float64, from int) {
	tb.Helper()
	for i := from; i < len(want); i++ {
		g, w := got[i], want[i]
		diff := math.Abs(g - w)
		if math.IsNaN(g) || diff > 1e-9*math.Max(math.Abs(w), 1) {
			tb.Fatalf("%s[%d] = %.15g, TA-Lib %.15g (diff %.3g)", name, i, g, w, diff)
		}
	}
}

// checkWarmup fails unless ready[i] is false exactly for i < first.
func checkWarmup(tb testing.TB, name string, ready []bool, values []float64, first int) {
	tb.Helper()
	for i, r := range ready {
		if r != (i >= first) {
			tb.Fatalf("%s Ready() at bar %d = %v, want ready from bar %d", name, i, r, first)
		}
		if !r && !math.IsNaN(values[i]) {
			tb.Fatalf("%s value at bar %d = %v before Ready, want NaN", name, i, values[i])
		}
	}
}

func TestSMAMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, period := range []int{1, 2, 14, 50} {
		ind, err := NewSMA(period)
		if err != nil {
			t.Fatal(err)
		}
		got, ready := make([]float64, bars), make([]bool, bars)
		for i, c := range s.close {
			got[i] = ind.Update(c)
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "sma", ready, got, period-1)
		checkClose(t, "sma", got, talib.Sma(s.close, period), period-1)
	}
}

func TestEMAMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, period := range []int{1, 2, 12, 26, 50} {
		ind, err := NewEMA(period)
		if err != nil {
			t.Fatal(err)
		}
		got, ready := make([]float64, bars), make([]bool, bars)
		for i, c := range s.close {
			got[i] = ind.Update(c)
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "ema", ready, got, period-1)
		checkClose(t, "ema", got, talib.Ema(s.close, period), period-1)
	}
}

func TestWMAMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, period := range []int{1, 2, 10, 30} {
		ind, err := NewWMA(period)
		if err != nil {
			t.Fatal(err)
		}
		got, ready := make([]float64, bars), make([]bool, bars)
		for i, c := range s.close {
			got[i] = ind.Update(c)
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "wma", ready, got, period-1)
		checkClose(t, "wma", got, talib.Wma(s.close, period), period-1)
	}
}

func TestRSIMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, period := range []int{2, 14, 30} {
		ind, err := NewRSI(period)
		if err != nil {
			t.Fatal(err)
		}
		got, ready := make([]float64, bars), make([]bool, bars)
		for i, c := range s.close {
			got[i] = ind.Update(c)
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "rsi", ready, got, period)
		checkClose(t, "rsi", got, talib.Rsi(s.close, period), period)
	}
}

func TestATRMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, period := range []int{1, 2, 14, 30} {
		ind, err := NewATR(period)
		if err != nil {
			t.Fatal(err)
		}
		got, ready := make([]float64, bars), make([]bool, bars)
		for i := range s.close {
			got[i] = ind.Update(s.high[i], s.low[i], s.close[i])
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "atr", ready, got, period)
		checkClose(t, "atr", got, talib.Atr(s.high, s.low, s.close, period), period)
	}
}

// go-talib seeds MACD's fast EMA on the first Fast closes and its signal EMA
// on zero padding, where TA-Lib seeds both where the slow EMA's seed ends.
// The seeds' influence decays geometrically, so the comparison starts after
// macdConverged bars, when it is far below 1e-9.
const macdConverged = 400

func TestMACDMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, p := range [][3]int{{12, 26, 9}, {5, 35, 5}, {1, 2, 1}} {
		ind, err := NewMACD(p[0], p[1], p[2])
		if err != nil {
			t.Fatal(err)
		}
		macd, sig, hist := make([]float64, bars), make([]float64, bars), make([]float64, bars)
		ready := make([]bool, bars)
		for i, c := range s.close {
			macd[i], sig[i], hist[i] = ind.Update(c)
			ready[i] = ind.Ready()
		}
		first := p[1] + p[2] - 2
		checkWarmup(t, "macd", ready, macd, first)
		checkWarmup(t, "macd signal", ready, sig, first)
		wm, ws, wh := talib.Macd(s.close, p[0], p[1], p[2])
		checkClose(t, "macd", macd, wm, macdConverged)
		checkClose(t, "macd signal", sig, ws, macdConverged)
		checkClose(t, "macd hist", hist, wh, macdConverged)
	}
}

// TestMACDSeedsLikeTALib checks the seeding against a direct computation of
// TA-Lib's rule from the first ready bar on.
func TestMACDSeedsLikeTALib(t *testing.T) {
	s := randomWalk(t, 200)
	fast, slow, signal := 12, 26, 9
	ema := func(in []float64, period, start int) []float64 {
		out := make([]float64, len(in))
		sum := 0.0
		for i := start; i < start+period; i++ {
			sum += in[i]
		}
		prev := sum / float64(period)
		out[start+period-1] = prev
		k := 2.0 / float64(period+1)
		for i := start + period; i < len(in); i++ {
			prev = ((in[i] - prev) * k) + prev
			out[i] = prev
		}
		return out
	}
	f := ema(s.close, fast, slow-fast)
	sl := ema(s.close, slow, 0)
	line := make([]float64, len(s.close))
	for i := slow - 1; i < len(line); i++ {
		line[i] = f[i] - sl[i]
	}
	sig := ema(line, signal, slow-1)
	ind, err := NewMACD(fast, slow, signal)
	if err != nil {
		t.Fatal(err)
	}
	got, gotSig := make([]float64, len(s.close)), make([]float64, len(s.close))
	for i, c := range s.close {
		got[i], gotSig[i], _ = ind.Update(c)
	}
	first := slow + signal - 2
	checkClose(t, "macd", got, line, first)
	checkClose(t, "macd signal", gotSig, sig, first)
}

func TestBollingerMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, p := range []struct {
		period int
		k      float64
	}{{20, 2}, {2, 1}, {50, 2.5}} {
		ind, err := NewBollinger(p.period, p.k)
		if err != nil {
			t.Fatal(err)
		}
		up, mid, low := make([]float64, bars), make([]float64, bars), make([]float64, bars)
		ready := make([]bool, bars)
		for i, c := range s.close {
			up[i], mid[i], low[i] = ind.Update(c)
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "bollinger", ready, mid, p.period-1)
		wu, wm, wl := talib.BBands(s.close, p.period, p.k, p.k, talib.SMA)
		checkClose(t, "bollinger upper", up, wu, p.period-1)
		checkClose(t, "bollinger middle", mid, wm, p.period-1)
		checkClose(t, "bollinger lower", low, wl, p.period-1)
	}
}

func TestDonchianMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, period := range []int{2, 20, 55} {
		ind, err := NewDonchian(period)
		if err != nil {
			t.Fatal(err)
		}
		up, mid, low := make([]float64, bars), make([]float64, bars), make([]float64, bars)
		ready := make([]bool, bars)
		for i := range s.close {
			up[i], mid[i], low[i] = ind.Update(s.high[i], s.low[i])
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "donchian", ready, mid, period-1)
		wu, wl := talib.Max(s.high, period), talib.Min(s.low, period)
		wm := make([]float64, bars)
		for i := range wm {
			wm[i] = (wu[i] + wl[i]) / 2
		}
		checkClose(t, "donchian upper", up, wu, period-1)
		checkClose(t, "donchian middle", mid, wm, period-1)
		checkClose(t, "donchian lower", low, wl, period-1)
	}
}

func TestHighestLowestMatchTALib(t *testing.T) {
	s := randomWalk(t, bars)
	// Period 1 is the value itself (go-talib returns zeros for it).
	one, _ := NewHighest(1)
	for _, v := range s.high[:100] {
		if got := one.Update(v); got != v {
			t.Fatalf("highest of 1 = %v, want %v", got, v)
		}
	}
	for _, period := range []int{2, 20, 55} {
		hi, err := NewHighest(period)
		if err != nil {
			t.Fatal(err)
		}
		lo, err := NewLowest(period)
		if err != nil {
			t.Fatal(err)
		}
		h, l := make([]float64, bars), make([]float64, bars)
		ready := make([]bool, bars)
		for i := range s.close {
			h[i], l[i] = hi.Update(s.high[i]), lo.Update(s.low[i])
			ready[i] = hi.Ready() && lo.Ready()
		}
		checkWarmup(t, "highest", ready, h, period-1)
		checkClose(t, "highest", h, talib.Max(s.high, period), period-1)
		checkClose(t, "lowest", l, talib.Min(s.low, period), period-1)
	}
}

func TestOBVMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	ind := NewOBV()
	if ind.Ready() || !math.IsNaN(ind.Value()) {
		t.Fatal("OBV ready before the first bar")
	}
	got := make([]float64, bars)
	for i := range s.close {
		got[i] = ind.Update(s.close[i], s.volume[i])
	}
	checkClose(t, "obv", got, talib.Obv(s.close, s.volume), 0)
}

func TestStochasticMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, p := range [][3]int{{14, 3, 3}, {5, 1, 1}, {21, 5, 4}} {
		ind, err := NewStochastic(p[0], p[1], p[2])
		if err != nil {
			t.Fatal(err)
		}
		k, d := make([]float64, bars), make([]float64, bars)
		ready := make([]bool, bars)
		for i := range s.close {
			k[i], d[i] = ind.Update(s.high[i], s.low[i], s.close[i])
			ready[i] = ind.Ready()
		}
		first := p[0] + p[1] + p[2] - 3
		checkWarmup(t, "stoch", ready, k, first)
		wk, wd := talib.Stoch(s.high, s.low, s.close, p[0], p[1], talib.SMA, p[2], talib.SMA)
		checkClose(t, "stoch k", k, wk, first)
		checkClose(t, "stoch d", d, wd, first)
	}
}

func TestADXMatchesTALib(t *testing.T) {
	s := randomWalk(t, bars)
	for _, period := range []int{2, 14, 30} {
		ind, err := NewADX(period)
		if err != nil {
			t.Fatal(err)
		}
		got, ready := make([]float64, bars), make([]bool, bars)
		for i := range s.close {
			got[i] = ind.Update(s.high[i], s.low[i], s.close[i])
			ready[i] = ind.Ready()
		}
		checkWarmup(t, "adx", ready, got, 2*period-1)
		checkClose(t, "adx", got, talib.Adx(s.high, s.low, s.close, period), 2*period-1)
	}
}

// TA-Lib has no VWAP, so it is checked against a direct computation over
// sessions of varying length.
func TestVWAPMatchesDirectComputation(t *testing.T) {
	s := randomWalk(t, bars)
	ind := NewVWAP()
	if ind.Ready() || !math.IsNaN(ind.Value()) {
		t.Fatal("VWAP ready before the first bar")
	}
	start := 0
	for i := range s.close {
		if i%337 == 0 {
			ind.Reset()
			start = i
		}
		got := ind.Update(s.high[i], s.low[i], s.close[i], s.volume[i])
		pv, vol := 0.0, 0.0
		for j := start; j <= i; j++ {
			pv += (s.high[j] + s.low[j] + s.close[j]) / 3 * s.volume[j]
			vol += s.volume[j]
		}
		want := pv / vol
		if math.Abs(got-want) > 1e-9*math.Abs(want) || !ind.Ready() {
			t.Fatalf("vwap[%d] = %.15g, want %.15g", i, got, want)
		}
	}
	ind.Reset()
	if got := ind.Update(1, 1, 1, 0); !math.IsNaN(got) || ind.Ready() {
		t.Fatalf("vwap after a zero-volume bar = %v, ready %v; want NaN, not ready", got, ind.Ready())
	}
}

func TestBadPeriods(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"sma 0", newErrOf(NewSMA(0))},
		{"sma -1", newErrOf(NewSMA(-1))},
		{"ema 0", newErrOf(NewEMA(0))},
		{"wma 0", newErrOf(NewWMA(0))},
		{"rsi 1", newErrOf(NewRSI(1))},
		{"atr 0", newErrOf(NewATR(0))},
		{"macd fast 0", newErrOf(NewMACD(0, 26, 9))},
		{"macd slow equal to fast", newErrOf(NewMACD(12, 12, 9))},
		{"macd slow below fast", newErrOf(NewMACD(26, 12, 9))},
		{"macd signal 0", newErrOf(NewMACD(12, 26, 0))},
		{"bollinger 1", newErrOf(NewBollinger(1, 2))},
		{"bollinger k 0", newErrOf(NewBollinger(20, 0))},
		{"bollinger k negative", newErrOf(NewBollinger(20, -2))},
		{"bollinger k NaN", newErrOf(NewBollinger(20, math.NaN()))},
		{"bollinger k Inf", newErrOf(NewBollinger(20, math.Inf(1)))},
		{"donchian 0", newErrOf(NewDonchian(0))},
		{"highest 0", newErrOf(NewHighest(0))},
		{"lowest 0", newErrOf(NewLowest(0))},
		{"stochastic fast k 0", newErrOf(NewStochastic(0, 3, 3))},
		{"stochastic slow k 0", newErrOf(NewStochastic(14, 0, 3))},
		{"stochastic slow d 0", newErrOf(NewStochastic(14, 3, 0))},
		{"adx 1", newErrOf(NewADX(1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, ErrInvalidPeriod) {
				t.Fatalf("error = %v, want ErrInvalidPeriod", tt.err)
			}
		})
	}
}

func TestSmallestPeriodsAccepted(t *testing.T) {
	for name, err := range map[string]error{
		"sma":        newErrOf(NewSMA(1)),
		"ema":        newErrOf(NewEMA(1)),
		"wma":        newErrOf(NewWMA(1)),
		"rsi":        newErrOf(NewRSI(2)),
		"atr":        newErrOf(NewATR(1)),
		"macd":       newErrOf(NewMACD(1, 2, 1)),
		"bollinger":  newErrOf(NewBollinger(2, 0.5)),
		"donchian":   newErrOf(NewDonchian(1)),
		"stochastic": newErrOf(NewStochastic(1, 1, 1)),
		"adx":        newErrOf(NewADX(2)),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func newErrOf(_ any, err error) error { return err }
