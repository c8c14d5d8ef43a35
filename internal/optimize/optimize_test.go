package optimize

import (
	"context"
	"encoding/json"
	"github.com/thunes/thunes/internal/sharedtest/realbars"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue/sim"
)

func spec(t testing.TB, name string) *strategy.Spec {
	t.Helper()
	s, err := strategy.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseAxis(t *testing.T) {
	s := spec(t, "ema-cross")
	good := map[string][]float64{
		"fast=5:20:5":        {5, 10, 15, 20},
		"fast=5:22:5":        {5, 10, 15, 20},
		"fast=7":             {7},
		"slow=300,100,200":   {300, 100, 200},
		"stop=2:3:0.1":       {2, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9, 3},
		"risk=0.25:1.0:0.25": {0.25, 0.5, 0.75, 1},
	}
	for in, want := range good {
		a, err := ParseAxis(s, in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !slices.Equal(a.Values, want) {
			t.Errorf("%s: %v, want %v", in, a.Values, want)
		}
	}
	bad := map[string]string{
		"fast":           "want name=lo:hi:step",
		"fast=":          "want name=lo:hi:step",
		"fats=5:10:1":    `ema-cross has no parameter "fats" (valid: fast, slow, stop, risk)`,
		"fast=50:10:5":   "range 50:10:5 is inverted",
		"fast=5:10:0":    "the step must be positive",
		"fast=5:10:-1":   "the step must be positive",
		"fast=5:10":      "want lo:hi:step",
		"fast=a:10:1":    `"a" is not a number`,
		"fast=0:10:5":    "fast=0 is outside [1, 1000] bars, whole",
		"fast=2.5":       "fast=2.5 must be a whole number",
		"stop=1:80:10":   "outside [0.1, 49.9] %",
		"fast=1:1e9:1":   "more than 100000 values",
		"fast=NaN":       "is not a number",
		"slow=100,x,200": `"x" is not a number`,
	}
	for in, want := range bad {
		_, err := ParseAxis(s, in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to say %q", in, err, want)
		}
	}
}

func TestSetsGridAndRandom(t *testing.T) {
	s := spec(t, "ema-cross")
	cfg := Config{Axes: []Axis{{"fast", []float64{5, 10}}, {"slow", []float64{100, 200, 300}}}}
	sets, err := Sets(s, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, v := range sets {
		keys = append(keys, v.Key(s.Params[:2]))
		if v["stop"] != 4 || v["risk"] != 0.8 {
			t.Fatalf("defaults not kept: %v", v)
		}
	}
	want := []string{"fast=5 slow=100", "fast=5 slow=200", "fast=5 slow=300", "fast=10 slow=100", "fast=10 slow=200", "fast=10 slow=300"}
	if !slices.Equal(keys, want) {
		t.Fatalf("grid %v, want %v", keys, want)
	}

	big := Config{Axes: []Axis{{"fast", seq(1, 100)}, {"slow", seq(101, 300)}}, Random: 50, Seed: 9}
	a, err := Sets(s, &big)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Sets(s, &big)
	if len(a) != 50 || !reflect.DeepEqual(a, b) {
		t.Fatalf("random sample: %d sets, same twice: %v", len(a), reflect.DeepEqual(a, b))
	}
	distinct := map[string]bool{}
	for _, v := range a {
		distinct[v.Key(s.Params)] = true
	}
	if len(distinct) != 50 {
		t.Fatalf("%d distinct of 50", len(distinct))
	}
	big.Seed = 10
	c, _ := Sets(s, &big)
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed drew the same sample")
	}
	// A sample larger than the grid is the grid.
	cfg.Random = 100
	if all, _ := Sets(s, &cfg); len(all) != 6 {
		t.Fatalf("sample of 100 from 6: %d", len(all))
	}

	huge := Config{Axes: []Axis{{"fast", seq(1, 1000)}, {"slow", seq(2, 1001)}}}
	if _, err := Sets(s, &huge); err == nil || !strings.Contains(err.Error(), "--random") {
		t.Fatalf("a grid of a million sets: %v", err)
	}
	twice := Config{Axes: []Axis{{"fast", []float64{5}}, {"fast", []float64{6}}}}
	if _, err := Sets(s, &twice); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("a parameter twice: %v", err)
	}
}

func seq(lo, hi int) []float64 {
	var v []float64
	for i := lo; i <= hi; i++ {
		v = append(v, float64(i))
	}
	return v
}

func base(t testing.TB, name string) backtest.Config {
	t.Helper()
	info, err := market.DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := info.Instrument("BTCUSDT")
	return backtest.Config{Symbol: "BTCUSDT", Interval: market.Minute1, Strategy: name, Capital: num.FromInt(10000), Venue: sim.DefaultConfig(), Instrument: in}
}

func synthetic(t testing.TB, n int) []market.Bar {
	t.Helper()
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 21, Interval: market.Minute1, Bars: n})
	if err != nil {
		t.Fatal(err)
	}
	return bars
}

// Every row is exactly what a backtest of its set gives; the ranking is by
// score, best first, sets that break a rule last; one worker or four give
// the same result.
func TestRunRanksRealBacktests(t *testing.T) {
	bars := synthetic(t, 60_000)
	cfg := Config{Base: base(t, "ema-cross"), Metric: "return", Workers: 1,
		Axes: []Axis{{"fast", []float64{10, 30, 200}}, {"slow", []float64{100, 150}}}}
	one, err := Run(context.Background(), cfg, bars)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 4
	four, err := Run(context.Background(), cfg, bars)
	if err != nil {
		t.Fatal(err)
	}
	one.ElapsedMs, four.ElapsedMs = 0, 0
	ja, _ := json.Marshal(one)
	jb, _ := json.Marshal(four)
	if string(ja) != string(jb) {
		t.Fatalf("1 worker and 4 differ:\n%s\n%s", ja, jb)
	}
	if one.Sets != 6 || one.Skipped != 2 || len(one.Rows) != 6 {
		t.Fatalf("sets %d skipped %d rows %d", one.Sets, one.Skipped, len(one.Rows))
	}
	for i, r := range one.Rows {
		if i < 4 {
			if r.Err != "" {
				t.Fatalf("row %d failed: %s", i, r.Err)
			}
			if i > 0 && one.Rows[i-1].Score < r.Score {
				t.Fatalf("row %d scores %v above row %d's %v", i, r.Score, i-1, one.Rows[i-1].Score)
			}
			bc := cfg.Base
			bc.Params = map[string]float64(r.Params)
			want, err := backtest.Run(context.Background(), bc, bars)
			if err != nil {
				t.Fatal(err)
			}
			if r.FinalEquity != want.FinalEquity || float64(r.ReturnPct) != want.ReturnPct || r.Trades != want.Metrics.Trades ||
				float64(r.Score) != want.Metrics.TotalReturn {
				t.Fatalf("row %s: %+v, backtest gives final %s return %v trades %d", r.Key, r, want.FinalEquity, want.ReturnPct, want.Metrics.Trades)
			}
			continue
		}
		if !strings.Contains(r.Err, "slow") || !math.IsNaN(float64(r.Score)) {
			t.Fatalf("row %d: %+v, want a skipped set", i, r)
		}
	}
	if one.Rows[0].Key == "" || !strings.HasPrefix(one.Rows[0].Key, "fast=") || strings.Contains(one.Rows[0].Key, "stop=") {
		t.Fatalf("key %q should name the searched parameters only", one.Rows[0].Key)
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	bars := synthetic(t, 10)
	cfg := Config{Base: base(t, "ema-cross"), Metric: "sharpe", Axes: []Axis{{"fast", []float64{5}}}}
	if _, err := Run(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "no bars") {
		t.Errorf("no bars: %v", err)
	}
	cfg.Metric = "sharp"
	if _, err := Run(context.Background(), cfg, bars); err == nil || !strings.Contains(err.Error(), "valid: sharpe, sortino") {
		t.Errorf("bad metric: %v", err)
	}
	cfg.Metric = "sharpe"
	cfg.Base.Strategy = "nope"
	if _, err := Run(context.Background(), cfg, bars); err == nil || !strings.Contains(err.Error(), "valid: bollinger-breakout") {
		t.Errorf("bad strategy: %v", err)
	}
	// One bar runs.
	cfg.Base.Strategy = "ema-cross"
	res, err := Run(context.Background(), cfg, bars[:1])
	if err != nil || len(res.Rows) != 1 || res.Rows[0].Trades != 0 {
		t.Fatalf("one bar: %v %+v", err, res)
	}
}

func TestParseWalkForward(t *testing.T) {
	day := int64(86_400_000)
	wf, err := ParseWalkForward("90d:30d", 0, 0)
	if err != nil || wf != (WalkForward{90 * day, 30 * day}) {
		t.Fatalf("90d:30d: %v %v", wf, err)
	}
	if wf, err = ParseWalkForward("2w:36h", 0, 0); err != nil || wf != (WalkForward{14 * day, 36 * 3_600_000}) {
		t.Fatalf("2w:36h: %v %v", wf, err)
	}
	// 3:1 over 70 days with 4 folds: 3 + 4·1 = 7 units of 10 days.
	if wf, err = ParseWalkForward("3:1", 70*day, 4); err != nil || wf != (WalkForward{30 * day, 10 * day}) {
		t.Fatalf("3:1: %v %v", wf, err)
	}
	for _, bad := range []string{"90d", "0:1", "-3:1", "90x:30d", "d:30d", "90d:0d"} {
		if _, err := ParseWalkForward(bad, 70*day, 4); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Walk-forward: each fold's best set is the best of a search on its
// in-sample window alone, and its out-of-sample figures are a backtest of
// that set on the window after.
func TestWalkForward(t *testing.T) {
	bars := synthetic(t, 40*1440)
	day := int64(86_400_000)
	cfg := Config{Base: base(t, "rsi-reversion"), Metric: "return", Seed: 3,
		Axes:        []Axis{{"period", []float64{7, 14, 28}}, {"oversold", []float64{20, 30}}},
		WalkForward: &WalkForward{IS: 16 * day, OOS: 8 * day}}
	res, err := Run(context.Background(), cfg, bars)
	if err != nil {
		t.Fatal(err)
	}
	// Folds start at 0, 8, 16 days: the next (24 + 16 + 8 = 48) does not fit.
	if len(res.Folds) != 3 || res.Backtests != 3*7 {
		t.Fatalf("%d folds, %d backtests", len(res.Folds), res.Backtests)
	}
	for k, f := range res.Folds {
		if f.ISFrom != bars[0].Time+int64(k)*8*day || f.ISTo != f.OOSFrom || f.OOSTo-f.OOSFrom != 8*day {
			t.Fatalf("fold %d windows %+v", k, f)
		}
		plain := cfg
		plain.WalkForward = nil
		in, err := Run(context.Background(), plain, window(bars, f.ISFrom, f.ISTo))
		if err != nil {
			t.Fatal(err)
		}
		if in.Rows[0].Key != f.Best.Key || in.Rows[0].Score != f.Best.Score {
			t.Fatalf("fold %d best %s %v, a search on its window gives %s %v", k, f.Best.Key, f.Best.Score, in.Rows[0].Key, in.Rows[0].Score)
		}
		bc := cfg.Base
		bc.Params = map[string]float64(f.Best.Params)
		oos, err := backtest.Run(context.Background(), bc, window(bars, f.OOSFrom, f.OOSTo))
		if err != nil {
			t.Fatal(err)
		}
		if oos.FinalEquity != f.OOS.FinalEquity {
			t.Fatalf("fold %d out of sample %s, backtest %s", k, f.OOS.FinalEquity, oos.FinalEquity)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}
	cfg.WalkForward = &WalkForward{IS: 40 * day, OOS: day}
	if _, err := Run(context.Background(), cfg, bars); err == nil || !strings.Contains(err.Error(), "do not fit") {
		t.Fatalf("windows longer than the data: %v", err)
	}
}

func TestFloatJSON(t *testing.T) {
	b, err := json.Marshal([]Float{1.5, Float(math.NaN()), Float(math.Inf(1)), -2})
	if err != nil || string(b) != "[1.5,null,null,-2]" {
		t.Fatalf("%s %v", b, err)
	}
}

func realBars(tb testing.TB) []market.Bar { return realbars.BTCUSDT1m(tb) }

// BenchmarkOptimize100 searches 100 ema-cross sets over all of spot
// BTCUSDT-1m on every core.
func BenchmarkOptimize100(b *testing.B) {
	bars := realBars(b)
	cfg := Config{Base: base(b, "ema-cross"), Metric: "sharpe",
		Axes: []Axis{{"fast", seq(10, 19)}, {"slow", []float64{100, 150, 200, 250, 300, 350, 400, 450, 500, 550}}}}
	for b.Loop() {
		res, err := Run(context.Background(), cfg, bars)
		if err != nil {
			b.Fatal(err)
		}
		if res.Sets != 100 {
			b.Fatal(res.Sets)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/search")
	b.ReportMetric(float64(len(bars))*100*float64(b.N)/b.Elapsed().Seconds(), "bars/s")
}
