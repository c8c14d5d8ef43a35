// Package optimize searches a strategy's parameter space with backtests:
// every set of a grid, or a seeded random sample of it, on all cores, ranked
// by a metric; with walk-forward analysis it picks the best set on each
// in-sample window and reports how that set did on the out-of-sample window
// after it, so that overfitting shows.
package optimize

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/metrics"
	"github.com/thunes/thunes/internal/strategy"
)

// MaxSets bounds a grid: a search larger than this must sample (Random).
const MaxSets = 100_000

// Axis is the values one parameter takes in a search.
type Axis struct {
	Name   string
	Values []float64
}

// ParseAxis reads "name=lo:hi:step", "name=a,b,c" or "name=v" for a
// parameter spec declares, checking every value against its range.
func ParseAxis(spec *strategy.Spec, s string) (Axis, error) {
	name, vals, ok := strings.Cut(s, "=")
	if !ok || name == "" || vals == "" {
		return Axis{}, fmt.Errorf("%q: want name=lo:hi:step, name=a,b,c or name=value", s)
	}
	p, ok := spec.Param(name)
	if !ok {
		return Axis{}, fmt.Errorf("%s has no parameter %q (valid: %s)", spec.Name, name, strings.Join(spec.ParamNames(), ", "))
	}
	a := Axis{Name: name}
	num := func(t string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%s: %q is not a number", name, t)
		}
		return v, nil
	}
	if parts := strings.Split(vals, ":"); len(parts) > 1 {
		if len(parts) != 3 {
			return Axis{}, fmt.Errorf("%s: range %q: want lo:hi:step", name, vals)
		}
		var lo, hi, step float64
		var err error
		if lo, err = num(parts[0]); err == nil {
			if hi, err = num(parts[1]); err == nil {
				step, err = num(parts[2])
			}
		}
		switch {
		case err != nil:
			return Axis{}, err
		case hi < lo:
			return Axis{}, fmt.Errorf("%s: range %s is inverted: %v > %v", name, vals, lo, hi)
		case !(step > 0):
			return Axis{}, fmt.Errorf("%s: range %s: the step must be positive", name, vals)
		case (hi-lo)/step > MaxSets:
			return Axis{}, fmt.Errorf("%s: range %s has more than %d values", name, vals, MaxSets)
		}
		// Values are lo + i·step, rounded to the step's decimals so that
		// 0.1 steps give 0.3, not 0.30000000000000004.
		dec := decimals(parts[2])
		for i := 0; ; i++ {
			v := round(lo+float64(i)*step, max(dec, decimals(parts[0])))
			if v > hi+step*1e-9 {
				break
			}
			a.Values = append(a.Values, v)
		}
	} else {
		for _, t := range strings.Split(vals, ",") {
			v, err := num(t)
			if err != nil {
				return Axis{}, err
			}
			a.Values = append(a.Values, v)
		}
	}
	for _, v := range a.Values {
		if err := p.Check(v); err != nil {
			return Axis{}, fmt.Errorf("%s (valid: %s %s)", err, name, p.Range())
		}
	}
	return a, nil
}

func decimals(s string) int {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func round(v float64, dec int) float64 {
	p := math.Pow10(dec)
	return math.Round(v*p) / p
}

// Metrics a search can rank by: higher is better for each (drawdown is
// ranked by its negative).
var metricNames = []string{"sharpe", "sortino", "calmar", "return", "cagr", "profit_factor", "expectancy", "sqn", "win_rate", "max_drawdown"}

// Metrics lists the metric names Config.Metric accepts.
func Metrics() []string { return slices.Clone(metricNames) }

// Score returns the value of metric in r, oriented so that higher is better;
// NaN when it is undefined.
func Score(metric string, r *metrics.Report) (float64, error) {
	switch metric {
	case "sharpe":
		return r.Sharpe, nil
	case "sortino":
		return r.Sortino, nil
	case "calmar":
		return r.Calmar, nil
	case "return":
		return r.TotalReturn, nil
	case "cagr":
		return r.CAGR, nil
	case "profit_factor":
		return r.ProfitFactor, nil
	case "expectancy":
		return r.Expectancy.Float64(), nil
	case "sqn":
		return r.SQN, nil
	case "win_rate":
		return r.WinRate, nil
	case "max_drawdown":
		return -r.MaxDrawdown, nil
	}
	return math.NaN(), fmt.Errorf("unknown metric %q (valid: %s)", metric, strings.Join(metricNames, ", "))
}

// WalkForward splits the data into folds: an in-sample window of IS
// milliseconds followed by an out-of-sample window of OOS, the next fold
// starting OOS later.
type WalkForward struct {
	IS, OOS int64
}

// ParseWalkForward reads "IS:OOS" as durations ("90d:30d", "2w:1w",
// "720h:240h") or as a ratio ("3:1") of a span cut into folds rolling
// windows: IS + folds·OOS units cover it.
func ParseWalkForward(s string, span int64, folds int) (WalkForward, error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return WalkForward{}, fmt.Errorf("walk-forward %q: want IS:OOS, as durations (90d:30d) or a ratio (3:1)", s)
	}
	ra, errA := strconv.ParseFloat(a, 64)
	rb, errB := strconv.ParseFloat(b, 64)
	var wf WalkForward
	if errA == nil && errB == nil {
		if !(ra > 0 && rb > 0) {
			return WalkForward{}, fmt.Errorf("walk-forward %q: both parts must be positive", s)
		}
		if folds < 1 {
			return WalkForward{}, fmt.Errorf("walk-forward: %d folds; want at least 1", folds)
		}
		unit := float64(span) / (ra + float64(folds)*rb)
		wf = WalkForward{IS: int64(ra * unit), OOS: int64(rb * unit)}
	} else {
		da, err := parseSpan(a)
		if err != nil {
			return WalkForward{}, fmt.Errorf("walk-forward %q: %w", s, err)
		}
		db, err := parseSpan(b)
		if err != nil {
			return WalkForward{}, fmt.Errorf("walk-forward %q: %w", s, err)
		}
		wf = WalkForward{IS: da, OOS: db}
	}
	if wf.IS <= 0 || wf.OOS <= 0 {
		return WalkForward{}, fmt.Errorf("walk-forward %q: windows of %s and %s are too short", s, time.Duration(wf.IS)*time.Millisecond, time.Duration(wf.OOS)*time.Millisecond)
	}
	return wf, nil
}

// parseSpan reads a duration with a unit of m, h, d or w, as Unix ms.
func parseSpan(s string) (int64, error) {
	units := map[byte]int64{'m': 60_000, 'h': 3_600_000, 'd': 86_400_000, 'w': 7 * 86_400_000}
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a duration like 90d, 12w or 720h", s)
	}
	u, ok := units[s[len(s)-1]]
	n, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if !ok || err != nil || !(n > 0) {
		return 0, fmt.Errorf("%q is not a duration like 90d, 12w or 720h", s)
	}
	return int64(n * float64(u)), nil
}

// Config describes a search.
type Config struct {
	// Base is the backtest every set runs: symbol, interval, venue,
	// capital, instrument, risk. Its Strategy names the strategy; its
	// Params are ignored.
	Base backtest.Config
	// Axes are the parameters searched; the others keep their defaults.
	Axes []Axis
	// Metric ranks the sets (Metrics lists the names).
	Metric string
	// Random, when positive, samples that many distinct sets of the grid
	// (all of them when the grid is smaller) with Seed, instead of running
	// the whole grid.
	Random int
	Seed   uint64
	// Workers run backtests at once; 0 means one per CPU.
	Workers int
	// WalkForward, when set, runs the search on each fold's in-sample
	// window and the best set on its out-of-sample window.
	WalkForward *WalkForward
	// Progress, when set, is called after each backtest with the number
	// done and the total.
	Progress func(done, total int)
}

// Float is a float64 that marshals to JSON null when it is NaN or infinite
// (a Sharpe ratio without returns, a profit factor without losses).
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// Row is one parameter set's outcome.
type Row struct {
	Params strategy.Values `json:"params"`
	Key    string          `json:"key"`
	Score  Float           `json:"score"`
	// The run's headline figures.
	ReturnPct      Float  `json:"return_pct"`
	Sharpe         Float  `json:"sharpe"`
	MaxDrawdownPct Float  `json:"max_drawdown_pct"`
	Trades         int    `json:"trades"`
	WinRate        Float  `json:"win_rate"`
	ProfitFactor   Float  `json:"profit_factor"`
	Fees           string `json:"fees"`
	FinalEquity    string `json:"final_equity"`
	// Err says why the set could not run (a rule between parameters).
	Err string `json:"error,omitempty"`
}

// Fold is one walk-forward step.
type Fold struct {
	ISFrom  int64 `json:"is_from"`
	ISTo    int64 `json:"is_to"`
	OOSFrom int64 `json:"oos_from"`
	OOSTo   int64 `json:"oos_to"`
	// Best is the best set in sample and its in-sample figures; OOS the
	// same set's figures out of sample.
	Best Row `json:"best"`
	OOS  Row `json:"oos"`
}

// Result is a search's outcome.
type Result struct {
	Strategy string   `json:"strategy"`
	Metric   string   `json:"metric"`
	Params   []string `json:"params"`
	Sets     int      `json:"sets"`
	Skipped  int      `json:"skipped"`
	// Rows are ranked best first; sets that could not run come last.
	Rows  []Row  `json:"rows"`
	Folds []Fold `json:"folds,omitempty"`
	// ISMean and OOSMean are the mean scores of the folds' best sets in
	// and out of sample; Efficiency is OOSMean/ISMean.
	ISMean     Float   `json:"is_mean,omitempty"`
	OOSMean    Float   `json:"oos_mean,omitempty"`
	Efficiency Float   `json:"efficiency,omitempty"`
	Backtests  int     `json:"backtests"`
	ElapsedMs  float64 `json:"elapsed_ms"`
}

// Sets returns the parameter sets of cfg: the grid in order (last axis
// fastest), or Random distinct ones of it drawn with Seed, in grid order.
func Sets(spec *strategy.Spec, cfg *Config) ([]strategy.Values, error) {
	total := 1
	seen := map[string]bool{}
	for _, a := range cfg.Axes {
		if seen[a.Name] {
			return nil, fmt.Errorf("parameter %s is given twice", a.Name)
		}
		seen[a.Name] = true
		if len(a.Values) == 0 {
			return nil, fmt.Errorf("parameter %s has no values", a.Name)
		}
		if total > math.MaxInt32/len(a.Values) {
			return nil, errors.New("the grid is too large to count")
		}
		total *= len(a.Values)
	}
	var idx []int
	switch {
	case cfg.Random > 0 && cfg.Random < total:
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x7468756e6573))
		pick := map[int]bool{}
		for len(pick) < cfg.Random {
			pick[rng.IntN(total)] = true
		}
		for i := range pick {
			idx = append(idx, i)
		}
		sort.Ints(idx)
	case total > MaxSets:
		return nil, fmt.Errorf("the grid has %d sets, more than %d: narrow it or sample it with --random N", total, MaxSets)
	default:
		idx = make([]int, total)
		for i := range idx {
			idx[i] = i
		}
	}
	sets := make([]strategy.Values, len(idx))
	for k, i := range idx {
		v := spec.Defaults()
		for a := len(cfg.Axes) - 1; a >= 0; a-- {
			ax := cfg.Axes[a]
			v[ax.Name] = ax.Values[i%len(ax.Values)]
			i /= len(ax.Values)
		}
		sets[k] = v
	}
	return sets, nil
}

// Run searches cfg over bars (one symbol and interval, oldest first).
func Run(ctx context.Context, cfg Config, bars []market.Bar) (*Result, error) {
	spec, err := strategy.Lookup(cfg.Base.Strategy)
	if err != nil {
		return nil, err
	}
	if _, err := Score(cfg.Metric, &metrics.Report{}); err != nil {
		return nil, err
	}
	if len(bars) == 0 {
		return nil, errors.New("optimize: no bars in the selected range")
	}
	sets, err := Sets(spec, &cfg)
	if err != nil {
		return nil, fmt.Errorf("optimize: %w", err)
	}
	res := &Result{Strategy: spec.Name, Metric: cfg.Metric, Sets: len(sets)}
	for _, a := range cfg.Axes {
		res.Params = append(res.Params, a.Name)
	}
	start := time.Now()
	if cfg.WalkForward == nil {
		rows, err := runSets(ctx, &cfg, spec, sets, bars, 0, 1)
		if err != nil {
			return nil, err
		}
		res.Rows = rank(rows)
		res.Backtests = len(sets)
	} else {
		if err := walkForward(ctx, &cfg, spec, sets, bars, res); err != nil {
			return nil, err
		}
	}
	for _, r := range res.Rows {
		if r.Err != "" {
			res.Skipped++
		}
	}
	res.ElapsedMs = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

// runSets backtests every set over bars on cfg.Workers goroutines. done and
// of scale the progress report across walk-forward folds.
func runSets(ctx context.Context, cfg *Config, spec *strategy.Spec, sets []strategy.Values, bars []market.Bar, done, of int) ([]Row, error) {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(sets))
	rows := make([]Row, len(sets))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     int
		finished int
		firstErr error
	)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(sets) || ctx.Err() != nil {
					return
				}
				row, err := runOne(ctx, cfg, spec, sets[i], bars)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				rows[i] = row
				finished++
				if cfg.Progress != nil {
					cfg.Progress(done*len(sets)+finished, of*len(sets))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// runOne backtests one set. A set that breaks a rule between parameters is
// a row with Err; a failing backtest is an error.
func runOne(ctx context.Context, cfg *Config, spec *strategy.Spec, v strategy.Values, bars []market.Bar) (Row, error) {
	row := Row{Params: v, Key: v.Key(axisParams(spec, cfg.Axes)), Score: Float(math.NaN())}
	s, err := spec.New(cfg.Base.Symbol, v)
	if err != nil {
		row.Err = err.Error()
		return row, nil
	}
	bc := cfg.Base
	bc.Custom = s
	bc.Params = nil
	r, err := backtest.Run(ctx, bc, bars)
	if err != nil {
		return row, fmt.Errorf("optimize %s: %w", row.Key, err)
	}
	m := &r.Metrics
	score, _ := Score(cfg.Metric, m)
	row.Score = Float(score)
	row.ReturnPct = Float(r.ReturnPct)
	row.Sharpe = Float(m.Sharpe)
	row.MaxDrawdownPct = Float(m.MaxDrawdown * 100)
	row.Trades = m.Trades
	row.WinRate = Float(m.WinRate)
	row.ProfitFactor = Float(m.ProfitFactor)
	row.Fees = r.Fees
	row.FinalEquity = r.FinalEquity
	return row, nil
}

// axisParams are the declarations of the searched parameters, in the
// order of the axes.
func axisParams(spec *strategy.Spec, axes []Axis) []strategy.Param {
	ps := make([]strategy.Param, 0, len(axes))
	for _, a := range axes {
		if p, ok := spec.Param(a.Name); ok {
			ps = append(ps, p)
		}
	}
	return ps
}

// rank orders rows best first: by score, NaN and failed sets last, ties in
// grid order, so the ranking is the same on every machine.
func rank(rows []Row) []Row {
	out := slices.Clone(rows)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := float64(out[i].Score), float64(out[j].Score)
		an, bn := math.IsNaN(a), math.IsNaN(b)
		if an || bn {
			return !an && bn
		}
		return a > b
	})
	return out
}

// walkForward runs the search fold by fold.
func walkForward(ctx context.Context, cfg *Config, spec *strategy.Spec, sets []strategy.Values, bars []market.Bar, res *Result) error {
	wf := *cfg.WalkForward
	first, last := bars[0].Time, bars[len(bars)-1].Time
	var folds []Fold
	for from := first; from+wf.IS+wf.OOS <= last+int64(cfg.Base.Interval); from += wf.OOS {
		folds = append(folds, Fold{ISFrom: from, ISTo: from + wf.IS, OOSFrom: from + wf.IS, OOSTo: from + wf.IS + wf.OOS})
	}
	if len(folds) == 0 {
		return fmt.Errorf("optimize: walk-forward windows of %s + %s do not fit in the data (%s)",
			span(wf.IS), span(wf.OOS), span(last-first+int64(cfg.Base.Interval)))
	}
	var isSum, oosSum float64
	var n int
	for k := range folds {
		f := &folds[k]
		in, out := window(bars, f.ISFrom, f.ISTo), window(bars, f.OOSFrom, f.OOSTo)
		if len(in) == 0 || len(out) == 0 {
			return fmt.Errorf("optimize: walk-forward fold %d has no bars in sample or out of sample", k+1)
		}
		rows, err := runSets(ctx, cfg, spec, sets, in, k, len(folds))
		if err != nil {
			return err
		}
		ranked := rank(rows)
		f.Best = ranked[0]
		if f.Best.Err != "" {
			return fmt.Errorf("optimize: walk-forward fold %d: no set could run: %s", k+1, f.Best.Err)
		}
		if f.OOS, err = runOne(ctx, cfg, spec, f.Best.Params, out); err != nil {
			return err
		}
		res.Backtests += len(sets) + 1
		if is, oos := float64(f.Best.Score), float64(f.OOS.Score); !math.IsNaN(is) && !math.IsNaN(oos) {
			isSum += is
			oosSum += oos
			n++
		}
		if k == len(folds)-1 {
			res.Rows = ranked
		}
	}
	res.Folds = folds
	if n > 0 {
		res.ISMean, res.OOSMean = Float(isSum/float64(n)), Float(oosSum/float64(n))
		if res.ISMean != 0 {
			res.Efficiency = res.OOSMean / res.ISMean
		}
	}
	return nil
}

// window returns the bars opening in [from, to).
func window(bars []market.Bar, from, to int64) []market.Bar {
	i := sort.Search(len(bars), func(i int) bool { return bars[i].Time >= from })
	j := sort.Search(len(bars), func(i int) bool { return bars[i].Time >= to })
	return bars[i:j]
}

func span(ms int64) string {
	if ms%86_400_000 == 0 {
		return strconv.FormatInt(ms/86_400_000, 10) + "d"
	}
	return (time.Duration(ms) * time.Millisecond).String()
}
