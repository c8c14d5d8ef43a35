package risk

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
)

const hour = int64(time.Hour / time.Millisecond)

func newTestCorrelations(lookback int) *correlations {
	c := Defaults()
	c.CorrelationLookback = lookback
	return newCorrelations(&c)
}

// feedPair gives a and b n hourly closes starting at hour h0, b's returns
// being k times a's.
func feedPair(c *correlations, a, b string, h0, n int, k float64) {
	pa, pb := 100.0, 100.0
	for i := range n {
		r := 0.01 * float64((i*7)%5-2)
		pa *= 1 + r
		pb *= 1 + k*r
		t := int64(h0+i) * hour
		c.observe(a, t, pa)
		c.observe(b, t, pb)
	}
}

func TestCorrelationsNeedEnoughSamples(t *testing.T) {
	c := newTestCorrelations(6) // needs 3 common returns
	// n closes give n-2 completed returns: the last interval is still open
	// and the first has no previous close.
	feedPair(c, "A", "B", 0, 4, 1)
	if _, ok := c.value("A", "B"); ok {
		t.Fatal("known after 2 returns")
	}
	feedPair(c, "A", "B", 4, 1, 1)
	if r, ok := c.value("A", "B"); !ok || math.Abs(r-1) > 1e-12 {
		t.Fatalf("after 3 returns: %v, %v", r, ok)
	}
}

func TestCorrelationsSignAndThreshold(t *testing.T) {
	tests := []struct {
		k          float64
		correlated bool
	}{
		{1, true},
		{2, true}, // scaled moves are still perfectly correlated
		{-1, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.k), func(t *testing.T) {
			c := newTestCorrelations(30)
			feedPair(c, "A", "B", 0, 40, tt.k)
			if got := c.correlated(c.lookup("A"), c.lookup("B")); got != tt.correlated {
				r, _ := c.value("A", "B")
				t.Errorf("correlated = %v (r = %v), want %v", got, r, tt.correlated)
			}
		})
	}
}

func TestCorrelationsThresholdBoundary(t *testing.T) {
	c := newTestCorrelations(30)
	feedPair(c, "A", "B", 0, 40, 1)
	i, j := c.lookup("A"), c.lookup("B")
	c.matrix[i][j], c.matrix[j][i] = 0.8, 0.8
	if !c.correlated(i, j) {
		t.Error("a correlation exactly at the threshold does not count")
	}
	c.matrix[i][j] = math.Nextafter(0.8, 0)
	if c.correlated(i, j) {
		t.Error("a correlation just below the threshold counts")
	}
}

func TestCorrelationsForgetOldReturns(t *testing.T) {
	c := newTestCorrelations(10)
	feedPair(c, "A", "B", 0, 20, -1)
	if r, ok := c.value("A", "B"); !ok || r > -0.99 {
		t.Fatalf("r = %v, %v", r, ok)
	}
	// B goes quiet; A trades on. Once A's window has moved past B's last
	// returns, the pair is unknown again, and counts as correlated.
	p := 100.0
	for h := 20; h < 40; h++ {
		p *= 1.001 + 0.001*float64(h%3)
		c.observe("A", int64(h)*hour, p)
	}
	if _, ok := c.value("A", "B"); ok {
		t.Error("still known from returns outside the window")
	}
	if !c.correlated(c.lookup("A"), c.lookup("B")) {
		t.Error("an unknown pair does not count as correlated")
	}
}

func TestCorrelationsIgnoreBadPrices(t *testing.T) {
	c := newTestCorrelations(6)
	feedPair(c, "A", "B", 10, 8, 1)
	before, _ := c.value("A", "B")
	sa := *c.series[c.lookup("A")]
	for _, p := range []struct {
		t int64
		v float64
	}{{-1, 100}, {12 * hour, 50}, {20 * hour, 0}, {20 * hour, -5}, {20 * hour, math.NaN()}, {20 * hour, math.Inf(1)}} {
		c.observe("A", p.t, p.v)
	}
	after, _ := c.value("A", "B")
	sb := *c.series[c.lookup("A")]
	if before != after || sa.bucket != sb.bucket || sa.last != sb.last {
		t.Errorf("bad prices changed the series: %v -> %v, %+v -> %+v", before, after, sa, sb)
	}
}

func TestCorrelationsManySymbols(t *testing.T) {
	c := newTestCorrelations(6)
	for i := range 40 {
		c.observe(fmt.Sprintf("S%02d", i), 0, 1)
	}
	for i := range 40 {
		if got := c.lookup(fmt.Sprintf("S%02d", i)); got != i {
			t.Fatalf("lookup(S%02d) = %d", i, got)
		}
	}
	if c.lookup("nope") != -1 {
		t.Error("found an unknown symbol")
	}
	if len(c.matrix) != 40 || len(c.matrix[0]) != 40 || c.matrix[39][39] != 1 {
		t.Error("matrix has the wrong shape")
	}
}

func TestPearsonFlatSeries(t *testing.T) {
	if r := pearson([]float64{1, 1, 1}, []float64{1, 2, 3}); !math.IsNaN(r) {
		t.Errorf("flat series: r = %v, want NaN", r)
	}
}

func TestPriceFeedMatchesOnPrice(t *testing.T) {
	a, b := newTestGate(t, Defaults()), newTestGate(t, Defaults())
	feedCorrelated(a.Gate)
	btc, eth, sol := b.PriceFeed("BTCUSDT"), b.PriceFeed("ETHUSDT"), b.PriceFeed("SOLUSDT")
	// The same prices as feedCorrelated, through feeds.
	pb, pe, ps := 50000.0, 2500.0, 100.0
	for k := range 41 {
		tm := t0 - int64(41-k)*3_600_000
		r := 0.01 * float64((k*7)%5-2)
		pb, pe, ps = pb*(1+r), pe*(1+r), ps*(1-r)
		for _, x := range []struct {
			f PriceFeed
			v float64
		}{{btc, pb}, {eth, pe}, {sol, ps}} {
			dv, err := num.FromFloat64(x.v, 8)
			if err != nil {
				t.Fatal(err)
			}
			x.f.OnPrice(tm, dv)
		}
	}
	for _, pair := range [][2]string{{"BTCUSDT", "ETHUSDT"}, {"BTCUSDT", "SOLUSDT"}, {"ETHUSDT", "SOLUSDT"}} {
		ra, oka := a.Correlation(pair[0], pair[1])
		rb, okb := b.Correlation(pair[0], pair[1])
		if ra != rb || oka != okb || !oka {
			t.Errorf("%v: OnPrice gives %v %v, feeds %v %v", pair, ra, oka, rb, okb)
		}
	}
	var zero PriceFeed
	zero.OnPrice(t0, d("1")) // ignored, does not panic
}
