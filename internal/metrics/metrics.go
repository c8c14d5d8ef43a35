// Package metrics computes a backtest's performance figures from its closed
// trades and its daily equity curve. docs/metrics.md defines every figure,
// its formula, its unit and its edge cases.
//
// Money figures (PnL, fees, averages, best and worst trade) are exact
// decimals; ratios are float64 statistics that never flow back into money.
// Every ratio is finite: a ratio whose formula is undefined (a division by
// zero, too few samples) is reported as 0, so a Report always encodes to JSON.
package metrics

import (
	"fmt"
	"math"

	"github.com/thunes/thunes/internal/num"
)

// DayMs is one day in Unix milliseconds.
const DayMs = 86_400_000

// PeriodsPerYear is the number of daily returns in a year. Crypto markets
// trade every day, so annualization uses 365, not 252.
const PeriodsPerYear = 365

// AvgScale is the number of fractional digits of the averages (average win,
// average loss, expectancy), which are truncated toward zero.
const AvgScale = 8

// Point is the exact equity at a time (Unix ms). A backtest's curve holds
// the equity at the start, at each UTC day's last close, and at the end.
type Point struct {
	Time   int64
	Equity num.Decimal
}

// Trade is one closed round trip: a position opened at Entry and fully
// closed at Exit. GrossPnL is the PnL before fees, Fees every fee paid on the
// trade's entry and exit (in the quote asset), and NetPnL = GrossPnL − Fees.
type Trade struct {
	Symbol     string
	Entry      int64 // Unix ms of the first entry fill
	Exit       int64 // Unix ms of the last exit fill
	Qty        num.Decimal
	EntryPrice num.Decimal
	ExitPrice  num.Decimal
	GrossPnL   num.Decimal
	Fees       num.Decimal
	NetPnL     num.Decimal
}

// Input is everything Compute reads. Times are Unix ms; money is in the
// quote asset.
type Input struct {
	// Curve is the daily equity curve, times strictly increasing. When it is
	// not empty its first point must equal InitialEquity and its last point
	// FinalEquity.
	Curve []Point
	// Trades are the closed trades, in any order.
	Trades []Trade
	// Fees is every fee paid over the run, including fees on positions still
	// open at the end.
	Fees num.Decimal
	// InitialEquity must be positive.
	InitialEquity num.Decimal
	FinalEquity   num.Decimal
	// OpenPnL is how much the positions still open at the end changed
	// equity: their mark-to-market PnL minus the fees already paid on them.
	// It is zero when every position is closed.
	OpenPnL num.Decimal
	// TimeInMarketMs is how long at least one position was open; SpanMs is
	// the length of the run. 0 ≤ TimeInMarketMs ≤ SpanMs.
	TimeInMarketMs int64
	SpanMs         int64
	// RiskFree is the annual risk-free rate as a fraction (0.05 is 5%); 0 by
	// default. Sharpe and Sortino use RiskFree/365 per day.
	RiskFree float64
}

// Report holds every metric. Ratios are fractions (0.1 is 10%), durations
// and dates Unix ms. A zero time means "none" (no drawdown, not recovered).
type Report struct {
	InitialEquity num.Decimal `json:"initial_equity"`
	FinalEquity   num.Decimal `json:"final_equity"`
	OpenPnL       num.Decimal `json:"open_pnl"`

	TotalReturn float64 `json:"total_return"`
	CAGR        float64 `json:"cagr"`
	Volatility  float64 `json:"volatility"`
	Sharpe      float64 `json:"sharpe"`
	Sortino     float64 `json:"sortino"`
	Calmar      float64 `json:"calmar"`
	// Returns is the number of daily returns the curve gave.
	Returns int `json:"returns"`

	MaxDrawdown         float64     `json:"max_drawdown"`
	MaxDrawdownAmount   num.Decimal `json:"max_drawdown_amount"`
	MaxDrawdownPeak     int64       `json:"max_drawdown_peak"`
	MaxDrawdownTrough   int64       `json:"max_drawdown_trough"`
	MaxDrawdownRecovery int64       `json:"max_drawdown_recovery"`
	// LongestDrawdownMs runs from a peak to the first point back at or
	// above it, or to the curve's end when equity never got back.
	LongestDrawdownMs    int64 `json:"longest_drawdown_ms"`
	LongestDrawdownStart int64 `json:"longest_drawdown_start"`
	LongestDrawdownEnd   int64 `json:"longest_drawdown_end"`

	Trades       int     `json:"trades"`
	Wins         int     `json:"wins"`
	Losses       int     `json:"losses"`
	WinRate      float64 `json:"win_rate"`
	ProfitFactor float64 `json:"profit_factor"`
	SQN          float64 `json:"sqn"`
	Exposure     float64 `json:"exposure"`

	GrossPnL   num.Decimal `json:"gross_pnl"`
	TradeFees  num.Decimal `json:"trade_fees"`
	NetPnL     num.Decimal `json:"net_pnl"`
	Fees       num.Decimal `json:"fees"`
	AvgWin     num.Decimal `json:"avg_win"`
	AvgLoss    num.Decimal `json:"avg_loss"`
	Expectancy num.Decimal `json:"expectancy"`
	BestTrade  num.Decimal `json:"best_trade"`
	WorstTrade num.Decimal `json:"worst_trade"`
}

// Compute returns the metrics of in. It returns an error, and no report,
// when the input is inconsistent: InitialEquity not positive, curve times
// not strictly increasing, curve ends that differ from InitialEquity or
// FinalEquity, a time in market outside [0, SpanMs], a trade whose NetPnL
// is not GrossPnL − Fees, a sum of net PnL that differs from the sum of
// gross PnL minus the sum of fees, or decimal overflow. It never panics and
// is safe for concurrent use.
func Compute(in Input) (Report, error) {
	r := Report{InitialEquity: in.InitialEquity, FinalEquity: in.FinalEquity, OpenPnL: in.OpenPnL, Fees: in.Fees}
	if err := validate(in); err != nil {
		return Report{}, err
	}
	if err := tradeStats(&r, in.Trades); err != nil {
		return Report{}, err
	}
	if err := drawdown(&r, in.Curve); err != nil {
		return Report{}, err
	}
	initial, final := in.InitialEquity.Float64(), in.FinalEquity.Float64()
	r.TotalReturn = finite(final/initial - 1)
	if in.SpanMs > 0 {
		years := float64(in.SpanMs) / (PeriodsPerYear * DayMs)
		if final <= 0 {
			r.CAGR = -1
		} else {
			r.CAGR = finite(math.Pow(final/initial, 1/years) - 1)
		}
		r.Exposure = float64(in.TimeInMarketMs) / float64(in.SpanMs)
	}
	if r.MaxDrawdown > 0 {
		r.Calmar = finite(r.CAGR / r.MaxDrawdown)
	}
	returnStats(&r, in.Curve, in.RiskFree)
	return r, nil
}

// CheckEquity reports whether the ledger and the equity agree: final −
// initial equity must equal the net PnL of the closed trades plus the open
// PnL. It returns an error naming every figure when they differ.
func (r Report) CheckEquity() error {
	var c num.Calc
	change := c.Sub(r.FinalEquity, r.InitialEquity)
	explained := c.Add(r.NetPnL, r.OpenPnL)
	if err := c.Err(); err != nil {
		return fmt.Errorf("metrics: check equity: %w", err)
	}
	if !change.Equal(explained) {
		return fmt.Errorf("metrics: equity does not reconcile: final %s − initial %s = %s, net pnl %s + open pnl %s = %s",
			r.FinalEquity, r.InitialEquity, change, r.NetPnL, r.OpenPnL, explained)
	}
	return nil
}

func validate(in Input) error {
	if !in.InitialEquity.IsPos() {
		return fmt.Errorf("metrics: initial equity %s is not positive", in.InitialEquity)
	}
	if in.SpanMs < 0 {
		return fmt.Errorf("metrics: span %d ms is negative", in.SpanMs)
	}
	if in.TimeInMarketMs < 0 || in.TimeInMarketMs > in.SpanMs {
		return fmt.Errorf("metrics: time in market %d ms is outside [0, span %d ms]", in.TimeInMarketMs, in.SpanMs)
	}
	if math.IsNaN(in.RiskFree) || math.IsInf(in.RiskFree, 0) {
		return fmt.Errorf("metrics: risk-free rate %v is not finite", in.RiskFree)
	}
	c := in.Curve
	for i := 1; i < len(c); i++ {
		if c[i].Time <= c[i-1].Time {
			return fmt.Errorf("metrics: curve time %d at point %d is not after %d", c[i].Time, i, c[i-1].Time)
		}
	}
	if len(c) > 0 {
		if !c[0].Equity.Equal(in.InitialEquity) {
			return fmt.Errorf("metrics: curve starts at %s, initial equity is %s", c[0].Equity, in.InitialEquity)
		}
		if last := c[len(c)-1].Equity; !last.Equal(in.FinalEquity) {
			return fmt.Errorf("metrics: curve ends at %s, final equity is %s", last, in.FinalEquity)
		}
	}
	return nil
}

// tradeStats fills the trade metrics and checks that every trade, and the
// sums, satisfy net = gross − fees.
func tradeStats(r *Report, trades []Trade) error {
	var c num.Calc
	var gross, fees, net, sumWin, sumLoss num.Decimal
	for i, t := range trades {
		want := c.Sub(t.GrossPnL, t.Fees)
		if c.Err() == nil && !want.Equal(t.NetPnL) {
			return fmt.Errorf("metrics: trade %d (%s exit %d): net pnl %s ≠ gross %s − fees %s = %s",
				i, t.Symbol, t.Exit, t.NetPnL, t.GrossPnL, t.Fees, want)
		}
		gross = c.Add(gross, t.GrossPnL)
		fees = c.Add(fees, t.Fees)
		net = c.Add(net, t.NetPnL)
		switch t.NetPnL.Sign() {
		case 1:
			r.Wins++
			sumWin = c.Add(sumWin, t.NetPnL)
		case -1:
			r.Losses++
			sumLoss = c.Add(sumLoss, t.NetPnL)
		}
		if i == 0 || t.NetPnL.Cmp(r.BestTrade) > 0 {
			r.BestTrade = t.NetPnL
		}
		if i == 0 || t.NetPnL.Cmp(r.WorstTrade) < 0 {
			r.WorstTrade = t.NetPnL
		}
	}
	explained := c.Sub(gross, fees)
	if err := c.Err(); err != nil {
		return fmt.Errorf("metrics: trades: %w", err)
	}
	if !net.Equal(explained) {
		return fmt.Errorf("metrics: Σ net pnl %s ≠ Σ gross %s − Σ fees %s = %s", net, gross, fees, explained)
	}
	r.GrossPnL, r.TradeFees, r.NetPnL = gross, fees, net
	n := len(trades)
	r.Trades = n
	if n == 0 {
		return nil
	}
	r.WinRate = float64(r.Wins) / float64(n)
	if r.Losses > 0 {
		r.ProfitFactor = finite(sumWin.Float64() / -sumLoss.Float64())
	}
	r.Expectancy = c.Div(net, num.FromInt(int64(n)), AvgScale)
	if r.Wins > 0 {
		r.AvgWin = c.Div(sumWin, num.FromInt(int64(r.Wins)), AvgScale)
	}
	if r.Losses > 0 {
		r.AvgLoss = c.Div(sumLoss, num.FromInt(int64(r.Losses)), AvgScale)
	}
	if err := c.Err(); err != nil {
		return fmt.Errorf("metrics: trade averages: %w", err)
	}
	if n >= 2 {
		pnl := make([]float64, n)
		for i, t := range trades {
			pnl[i] = t.NetPnL.Float64()
		}
		mean, sd := meanSD(pnl)
		if sd > 0 {
			r.SQN = finite(math.Sqrt(float64(n)) * mean / sd)
		}
	}
	return nil
}

// drawdown fills the equity drawdown metrics from the curve. A drawdown
// starts at a running peak and ends at the first point back at or above it.
func drawdown(r *Report, curve []Point) error {
	if len(curve) == 0 {
		return nil
	}
	peak, peakAt := curve[0].Equity, curve[0].Time
	under := false // some point since peakAt is below peak
	var ddPeak num.Decimal
	open := false // the deepest drawdown has not recovered yet
	for _, p := range curve[1:] {
		if p.Equity.Cmp(peak) >= 0 {
			if under && p.Time-peakAt > r.LongestDrawdownMs {
				r.LongestDrawdownMs, r.LongestDrawdownStart, r.LongestDrawdownEnd = p.Time-peakAt, peakAt, p.Time
			}
			if open && p.Equity.Cmp(ddPeak) >= 0 {
				r.MaxDrawdownRecovery, open = p.Time, false
			}
			peak, peakAt, under = p.Equity, p.Time, false
			continue
		}
		under = true
		amount, err := peak.Sub(p.Equity)
		if err != nil {
			return fmt.Errorf("metrics: drawdown: %w", err)
		}
		if frac := amount.Float64() / peak.Float64(); frac > r.MaxDrawdown {
			r.MaxDrawdown, r.MaxDrawdownAmount = frac, amount
			r.MaxDrawdownPeak, r.MaxDrawdownTrough, r.MaxDrawdownRecovery = peakAt, p.Time, 0
			ddPeak, open = peak, true
		}
	}
	// A drawdown still open at the end lasts until the curve's last point.
	if last := curve[len(curve)-1]; under && last.Time-peakAt > r.LongestDrawdownMs {
		r.LongestDrawdownMs, r.LongestDrawdownStart, r.LongestDrawdownEnd = last.Time-peakAt, peakAt, last.Time
	}
	return nil
}

// returnStats fills volatility, Sharpe and Sortino from the daily returns
// E_i / E_{i−1} − 1 of consecutive curve points. A return whose base equity
// is not positive is undefined and skipped.
func returnStats(r *Report, curve []Point, riskFree float64) {
	rets := make([]float64, 0, len(curve))
	for i := 1; i < len(curve); i++ {
		base := curve[i-1].Equity.Float64()
		if base <= 0 {
			continue
		}
		rets = append(rets, curve[i].Equity.Float64()/base-1)
	}
	r.Returns = len(rets)
	if len(rets) < 2 {
		return
	}
	ann := math.Sqrt(PeriodsPerYear)
	rf := riskFree / PeriodsPerYear
	mean, sd := meanSD(rets)
	r.Volatility = finite(sd * ann)
	if sd > 0 {
		r.Sharpe = finite((mean - rf) / sd * ann)
	}
	var down float64
	for _, x := range rets {
		if x < rf {
			down += (x - rf) * (x - rf)
		}
	}
	if dd := math.Sqrt(down / float64(len(rets))); dd > 0 {
		r.Sortino = finite((mean - rf) / dd * ann)
	}
}

// meanSD returns the mean and the sample standard deviation (n − 1) of xs,
// which has at least two elements.
func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// finite returns f, or 0 when f is NaN or infinite.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
