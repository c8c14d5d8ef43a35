package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"time"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/market"
)

// MaxBuckets is the most price buckets the page's price chart holds: bars
// are grouped into at most this many buckets, each keeping its open, highest
// high, lowest low and close, so a year of 1m bars stays a small page that
// still shows every spike.
const MaxBuckets = 2000

//go:embed page.html
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(r *float64) string {
		if r == nil {
			return ""
		}
		if math.Abs(*r) < 0.005 { // no "-0.00%"
			return "0.00%"
		}
		return fmt.Sprintf("%+.2f%%", *r)
	},
	"sign": func(r *float64) string {
		switch {
		case r == nil || math.Abs(*r) < 0.005:
			return ""
		case *r > 0:
			return "pos"
		}
		return "neg"
	},
}).Parse(pageSource))

// chartData is the JSON the page's script draws from. Prices and equity are
// float64: they are drawn, never computed with. Times are Unix ms.
type chartData struct {
	Symbol   string       `json:"symbol"`
	Equity   [][2]float64 `json:"equity"`   // time, equity
	Drawdown [][2]float64 `json:"drawdown"` // time, drawdown in percent (≥ 0)
	Price    [][6]float64 `json:"price"`    // bucket start, open, high, low, close, 1 after a gap
	Trades   [][5]float64 `json:"trades"`   // entry time, exit time, entry price, exit price, net pnl
}

type pageView struct {
	Title   string
	Res     *backtest.Result
	Metrics []Metric
	Months  []YearReturns
	Data    template.JS
}

// WriteHTML writes the self-contained report page of res: inline style,
// inline script and the chart data in a JSON block, nothing loaded from
// elsewhere. bars may be empty.
func WriteHTML(w io.Writer, res *backtest.Result, bars []market.Bar) error {
	curve := Curve(res.Curve)
	iv, err := market.ParseInterval(res.Interval)
	if err != nil {
		iv = 0 // an unknown interval: no gaps are marked
	}
	d := chartData{
		Symbol:   res.Symbol,
		Equity:   make([][2]float64, len(curve)),
		Drawdown: make([][2]float64, len(curve)),
		Price:    Buckets(bars, iv, MaxBuckets),
		Trades:   make([][5]float64, len(res.Trades)),
	}
	for i, p := range curve {
		t := float64(p.Time)
		d.Equity[i] = [2]float64{t, p.Equity.Float64()}
		d.Drawdown[i] = [2]float64{t, p.DrawdownPct.Float64()}
	}
	for i, t := range res.Trades {
		d.Trades[i] = [5]float64{float64(t.Entry), float64(t.Exit), t.EntryPrice.Float64(), t.ExitPrice.Float64(), t.NetPnL.Float64()}
	}
	// encoding/json writes <, > and & as \u003c, \u003e and \u0026, so no
	// string in the data can close the script element that holds it.
	js, err := json.Marshal(&d)
	if err != nil {
		return fmt.Errorf("chart data: %w", err)
	}
	v := pageView{
		Title:   fmt.Sprintf("%s on %s %s", res.Strategy, res.Symbol, res.Interval),
		Res:     res,
		Metrics: Metrics(res),
		Months:  MonthlyReturns(curve),
		Data:    template.JS(js),
	}
	return page.Execute(w, v)
}

// Buckets groups bars (oldest first, of interval iv) into at most max
// buckets of equal time span, each [start time, open, high, low, close, gap]
// with the open of its first bar, the highest high and lowest low of its
// bars and the close of its last bar. gap is 1 when bars are missing right
// before the bucket (by iv's rule; iv 0 never sees a gap), so a chart can
// break its line there instead of drawing across the hole; a hole shorter
// than a bucket disappears inside it. When the bars span max intervals or
// fewer, every bar is its own bucket.
func Buckets(bars []market.Bar, iv market.Interval, max int) [][6]float64 {
	if len(bars) == 0 || max < 1 {
		return nil
	}
	first := bars[0].Time
	span := bars[len(bars)-1].Time - first + 1
	width := (span + int64(max) - 1) / int64(max)
	out := make([][6]float64, 0, min(len(bars), max))
	// Compared as float64s: Float64 is monotonic, and these are only drawn.
	high, low := bars[0].High.Float64(), bars[0].Low.Float64()
	cur := int64(-1)
	flush := func(last *market.Bar) {
		if n := len(out); n > 0 {
			out[n-1][2], out[n-1][3], out[n-1][4] = high, low, last.Close.Float64()
		}
	}
	for i := range bars {
		b := &bars[i]
		k := (b.Time - first) / width
		if k != cur {
			if i > 0 {
				flush(&bars[i-1])
			}
			gap := 0.0
			if i > 0 && iv > 0 && b.Time != iv.Next(bars[i-1].Time) {
				gap = 1
			}
			out = append(out, [6]float64{float64(b.Time), b.Open.Float64(), 0, 0, 0, gap})
			high, low, cur = b.High.Float64(), b.Low.Float64(), k
			continue
		}
		high = math.Max(high, b.High.Float64())
		low = math.Min(low, b.Low.Float64())
	}
	flush(&bars[len(bars)-1])
	return out
}

// YearReturns is one row of the monthly returns table: the return of each
// month of Year (nil where the run does not cover it) and of the year, in
// percent.
type YearReturns struct {
	Year   int
	Months [12]*float64
	Total  *float64
}

// MonthlyReturns returns the curve's return over each UTC calendar month and
// year it covers, in percent: equity at the period's end (or the curve's
// end) over equity at its start (or the curve's start), minus one, where the
// equity at a time is that of the last point at or before it, so a month
// runs from the previous month's last point to its own. Periods of zero
// length, without a point (a hole in the data), or whose starting equity is
// not positive have no return.
func MonthlyReturns(curve []Point) []YearReturns {
	if len(curve) < 2 {
		return nil
	}
	first, last := curve[0].Time, curve[len(curve)-1].Time
	at := func(t int64) int { // index of the last point at or before t
		lo, hi := 0, len(curve)
		for lo < hi {
			m := (lo + hi) / 2
			if curve[m].Time <= t {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return max(lo-1, 0)
	}
	ret := func(from, to time.Time) *float64 {
		s, e := max(from.UnixMilli(), first), min(to.UnixMilli(), last)
		if e <= s {
			return nil
		}
		i, j := at(s), at(e)
		if i == j { // no point in the period: a hole in the data
			return nil
		}
		base := curve[i].Equity.Float64()
		if base <= 0 {
			return nil
		}
		r := (curve[j].Equity.Float64()/base - 1) * 100
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil
		}
		return &r
	}
	start := time.UnixMilli(first).UTC()
	end := time.UnixMilli(last).UTC()
	var out []YearReturns
	for y := start.Year(); y <= end.Year(); y++ {
		row := YearReturns{Year: y}
		covered := false
		for m := range 12 {
			from := time.Date(y, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
			if r := ret(from, from.AddDate(0, 1, 0)); r != nil {
				row.Months[m], covered = r, true
			}
		}
		if !covered {
			continue
		}
		from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		row.Total = ret(from, from.AddDate(1, 0, 0))
		out = append(out, row)
	}
	return out
}

// Metric is one row of the page's metrics table.
type Metric struct {
	Name, Value string
}

// Metrics returns the rows of the page's metrics table: money as exact
// decimals, ratios of the metrics report as percentages.
func Metrics(res *backtest.Result) []Metric {
	m := res.Metrics
	pct := func(f float64) string { return fmt.Sprintf("%.2f%%", f*100) }
	ratio := func(f float64) string { return fmt.Sprintf("%.3f", f) }
	date := func(ms int64) string {
		if ms == 0 {
			return "—"
		}
		return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04")
	}
	days := func(ms int64) string { return fmt.Sprintf("%.1f days", float64(ms)/86_400_000) }
	return []Metric{
		{"Initial equity", res.InitialEquity},
		{"Final equity", res.FinalEquity},
		{"Total return", pct(m.TotalReturn)},
		{"CAGR", pct(m.CAGR)},
		{"Annualized volatility", pct(m.Volatility)},
		{"Sharpe", ratio(m.Sharpe)},
		{"Sortino", ratio(m.Sortino)},
		{"Calmar", ratio(m.Calmar)},
		{"Max drawdown (daily closes)", pct(m.MaxDrawdown)},
		{"Max drawdown (every bar)", fmt.Sprintf("%.2f%%", res.MaxDrawdownPct)},
		{"Max drawdown amount", m.MaxDrawdownAmount.String()},
		{"Max drawdown peak → trough", date(m.MaxDrawdownPeak) + " → " + date(m.MaxDrawdownTrough)},
		{"Recovered", date(m.MaxDrawdownRecovery)},
		{"Longest drawdown", days(m.LongestDrawdownMs)},
		{"Trades", fmt.Sprintf("%d (%d won, %d lost)", m.Trades, m.Wins, m.Losses)},
		{"Win rate", pct(m.WinRate)},
		{"Profit factor", ratio(m.ProfitFactor)},
		{"SQN", ratio(m.SQN)},
		{"Exposure", pct(m.Exposure)},
		{"Gross PnL (closed trades)", m.GrossPnL.String()},
		{"Fees (closed trades)", m.TradeFees.String()},
		{"Net PnL (closed trades)", m.NetPnL.String()},
		{"Open PnL", m.OpenPnL.String()},
		{"Fees (all)", m.Fees.String()},
		{"Average win", m.AvgWin.String()},
		{"Average loss", m.AvgLoss.String()},
		{"Expectancy", m.Expectancy.String()},
		{"Best trade", m.BestTrade.String()},
		{"Worst trade", m.WorstTrade.String()},
		{"Orders", fmt.Sprintf("%d (%d rejected by the venue, %d denied by risk)", res.Orders, res.Rejected, res.Denied)},
		{"Fills", fmt.Sprint(res.Fills)},
		{"Bars", fmt.Sprintf("%d (%d gaps)", res.Bars, res.Gaps)},
		{"Ledger", "sha256:" + res.LedgerSHA256},
	}
}
