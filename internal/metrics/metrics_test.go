package metrics

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/num"
)

func d(s string) num.Decimal { return num.MustParse(s) }

func curve(tb testing.TB, days []int64, eq ...string) []Point {
	tb.Helper()
	if len(days) != len(eq) {
		tb.Fatalf("curve: %d days, %d equities", len(days), len(eq))
	}
	c := make([]Point, len(eq))
	for i := range eq {
		c[i] = Point{Time: days[i] * DayMs, Equity: d(eq[i])}
	}
	return c
}

func trade(gross, fees, net string) Trade {
	return Trade{Symbol: "BTCUSDT", GrossPnL: d(gross), Fees: d(fees), NetPnL: d(net)}
}

func near(tb testing.TB, name string, got, want float64) {
	tb.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		tb.Errorf("%s = %.12g, want %.12g", name, got, want)
	}
}

func same(tb testing.TB, name string, got num.Decimal, want string) {
	tb.Helper()
	if !got.Equal(d(want)) {
		tb.Errorf("%s = %s, want %s", name, got, want)
	}
}

// The daily curve 100 → 110 → 99 → 108.9 → 119.79 has returns
// +0.1, −0.1, +0.1, +0.1.
func dailyInput(t *testing.T) Input {
	return Input{
		Curve:         curve(t, []int64{0, 1, 2, 3, 4}, "100", "110", "99", "108.9", "119.79"),
		InitialEquity: d("100"),
		FinalEquity:   d("119.79"),
		SpanMs:        4 * DayMs,
	}
}

func TestReturnsVolatilitySharpeSortino(t *testing.T) {
	r, err := Compute(dailyInput(t))
	if err != nil {
		t.Fatal(err)
	}
	ann := math.Sqrt(365)
	if r.Returns != 4 {
		t.Errorf("Returns = %d, want 4", r.Returns)
	}
	// (119.79 − 100) / 100 = 0.1979.
	near(t, "TotalReturn", r.TotalReturn, 0.1979)
	// mean = (0.1 − 0.1 + 0.1 + 0.1)/4 = 0.05; deviations 0.05, −0.15,
	// 0.05, 0.05; squares sum 0.0025×3 + 0.0225 = 0.03; sample variance
	// 0.03/3 = 0.01; sd = 0.1. Volatility = 0.1 × √365.
	near(t, "Volatility", r.Volatility, 0.1*ann)
	// Sharpe = 0.05 / 0.1 × √365.
	near(t, "Sharpe", r.Sharpe, 0.5*ann)
	// Downside: only −0.1 is below 0; √(0.01/4) = 0.05. Sortino = 0.05/0.05 × √365.
	near(t, "Sortino", r.Sortino, ann)
	// CAGR over 4 days: 1.1979^(365/4) − 1.
	near(t, "CAGR", r.CAGR, math.Pow(1.1979, 365.0/4)-1)
}

func TestRiskFree(t *testing.T) {
	in := dailyInput(t)
	in.RiskFree = 0.365 // 0.001 a day
	r, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	ann := math.Sqrt(365)
	// Sharpe = (0.05 − 0.001) / 0.1 × √365 = 0.49 × √365.
	near(t, "Sharpe", r.Sharpe, 0.49*ann)
	// Downside below 0.001: only −0.1 − 0.001 = −0.101; √(0.010201/4) =
	// 0.0505. Sortino = 0.049 / 0.0505 × √365.
	near(t, "Sortino", r.Sortino, 0.049/0.0505*ann)
}

func TestDrawdown(t *testing.T) {
	r, err := Compute(dailyInput(t))
	if err != nil {
		t.Fatal(err)
	}
	// Peak 110 on day 1, trough 99 on day 2: (110 − 99)/110 = 0.1, 11 in
	// money. 108.9 on day 3 is still below 110; 119.79 on day 4 recovers.
	near(t, "MaxDrawdown", r.MaxDrawdown, 0.1)
	same(t, "MaxDrawdownAmount", r.MaxDrawdownAmount, "11")
	if r.MaxDrawdownPeak != 1*DayMs || r.MaxDrawdownTrough != 2*DayMs || r.MaxDrawdownRecovery != 4*DayMs {
		t.Errorf("drawdown dates = %d, %d, %d; want days 1, 2, 4", r.MaxDrawdownPeak, r.MaxDrawdownTrough, r.MaxDrawdownRecovery)
	}
	// Underwater from day 1 to day 4: 3 days.
	if r.LongestDrawdownMs != 3*DayMs || r.LongestDrawdownStart != DayMs || r.LongestDrawdownEnd != 4*DayMs {
		t.Errorf("longest drawdown = %d from %d to %d, want 3 days from day 1 to day 4",
			r.LongestDrawdownMs, r.LongestDrawdownStart, r.LongestDrawdownEnd)
	}
}

func TestDrawdownDeepestIsNotLongest(t *testing.T) {
	// Days: 100, 90 (−10%), 100 (recovered day 2), 120, 60 (−50%), 70 (open).
	in := Input{
		Curve:         curve(t, []int64{0, 1, 2, 3, 4, 5}, "100", "90", "100", "120", "60", "70"),
		InitialEquity: d("100"),
		FinalEquity:   d("70"),
		SpanMs:        5 * DayMs,
	}
	r, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	// Deepest: (120 − 60)/120 = 0.5, peak day 3, trough day 4, no recovery.
	near(t, "MaxDrawdown", r.MaxDrawdown, 0.5)
	same(t, "MaxDrawdownAmount", r.MaxDrawdownAmount, "60")
	if r.MaxDrawdownPeak != 3*DayMs || r.MaxDrawdownTrough != 4*DayMs || r.MaxDrawdownRecovery != 0 {
		t.Errorf("drawdown dates = %d, %d, %d; want days 3, 4, none", r.MaxDrawdownPeak, r.MaxDrawdownTrough, r.MaxDrawdownRecovery)
	}
	// Day 0 → day 2 lasted 2 days; day 3 → end (day 5) is open, 2 days too;
	// the first one found is kept on a tie.
	if r.LongestDrawdownMs != 2*DayMs || r.LongestDrawdownStart != 0 || r.LongestDrawdownEnd != 2*DayMs {
		t.Errorf("longest drawdown = %d from %d to %d, want 2 days from day 0 to day 2",
			r.LongestDrawdownMs, r.LongestDrawdownStart, r.LongestDrawdownEnd)
	}
}

func TestCAGRAndCalmar(t *testing.T) {
	// 100 → 80 → 121 over two years of 365 days.
	in := Input{
		Curve:         curve(t, []int64{0, 365, 730}, "100", "80", "121"),
		InitialEquity: d("100"),
		FinalEquity:   d("121"),
		SpanMs:        730 * DayMs,
	}
	r, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	// (121/100)^(1/2) − 1 = 1.1 − 1 = 0.1.
	near(t, "CAGR", r.CAGR, 0.1)
	// Max drawdown (100 − 80)/100 = 0.2; Calmar = 0.1/0.2 = 0.5.
	near(t, "MaxDrawdown", r.MaxDrawdown, 0.2)
	near(t, "Calmar", r.Calmar, 0.5)
	// Underwater from day 0 until 121 on day 730.
	if r.LongestDrawdownMs != 730*DayMs {
		t.Errorf("LongestDrawdownMs = %d, want 730 days", r.LongestDrawdownMs)
	}
}

func tradesInput() Input {
	// Net: +30, −10, +20, −20, 0 (fees 1 each); Σ net 20, Σ gross 25, Σ fees 5.
	return Input{
		Trades: []Trade{
			trade("31", "1", "30"),
			trade("-9", "1", "-10"),
			trade("21", "1", "20"),
			trade("-19", "1", "-20"),
			trade("1", "1", "0"),
		},
		Fees:           d("5"),
		InitialEquity:  d("100"),
		FinalEquity:    d("120"),
		TimeInMarketMs: 3 * DayMs,
		SpanMs:         4 * DayMs,
	}
}

func TestTradeMetrics(t *testing.T) {
	r, err := Compute(tradesInput())
	if err != nil {
		t.Fatal(err)
	}
	if r.Trades != 5 || r.Wins != 2 || r.Losses != 2 {
		t.Errorf("trades, wins, losses = %d, %d, %d; want 5, 2, 2", r.Trades, r.Wins, r.Losses)
	}
	same(t, "GrossPnL", r.GrossPnL, "25")
	same(t, "TradeFees", r.TradeFees, "5")
	same(t, "NetPnL", r.NetPnL, "20")
	same(t, "Fees", r.Fees, "5")
	// 2 winners of 5 (the break-even trade is neither).
	near(t, "WinRate", r.WinRate, 0.4)
	// (30 + 20) / (10 + 20) = 5/3.
	near(t, "ProfitFactor", r.ProfitFactor, 5.0/3)
	// 20 / 5 = 4; (30 + 20)/2 = 25; (−10 − 20)/2 = −15.
	same(t, "Expectancy", r.Expectancy, "4")
	same(t, "AvgWin", r.AvgWin, "25")
	same(t, "AvgLoss", r.AvgLoss, "-15")
	same(t, "BestTrade", r.BestTrade, "30")
	same(t, "WorstTrade", r.WorstTrade, "-20")
	// mean 4; deviations 26, −14, 16, −24, −4; squares 676 + 196 + 256 +
	// 576 + 16 = 1720; sample variance 1720/4 = 430. SQN = √5 × 4 / √430.
	near(t, "SQN", r.SQN, math.Sqrt(5)*4/math.Sqrt(430))
	// 3 days in market of 4.
	near(t, "Exposure", r.Exposure, 0.75)
	// 120 − 100 = 20 = Σ net with nothing open.
	if err := r.CheckEquity(); err != nil {
		t.Error(err)
	}
}

func TestAveragesTruncate(t *testing.T) {
	in := Input{
		// Net 1, 1, −1: expectancy 1/3 truncated to 8 digits.
		Trades:        []Trade{trade("1", "0", "1"), trade("1", "0", "1"), trade("-1", "0", "-1")},
		InitialEquity: d("100"),
		FinalEquity:   d("101"),
	}
	r, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Expectancy", r.Expectancy, "0.33333333")
}

func TestCheckEquity(t *testing.T) {
	tests := []struct {
		name    string
		final   string
		open    string
		wantErr bool
	}{
		{"all closed", "120", "0", false},
		{"open position explains the rest", "125", "5", false},
		{"unexplained change", "121", "0", true},
		{"open pnl not counted", "125", "0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tradesInput()
			in.FinalEquity, in.OpenPnL = d(tt.final), d(tt.open)
			r, err := Compute(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.CheckEquity(); (err != nil) != tt.wantErr {
				t.Errorf("CheckEquity() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Input)
		want   string
	}{
		{"trade net ≠ gross − fees", func(in *Input) { in.Trades[0].NetPnL = d("31") }, "trade 0"},
		{"zero initial equity", func(in *Input) { in.InitialEquity = d("0") }, "not positive"},
		{"negative span", func(in *Input) { in.SpanMs = -1; in.TimeInMarketMs = 0 }, "negative"},
		{"time in market above span", func(in *Input) { in.TimeInMarketMs = in.SpanMs + 1 }, "time in market"},
		{"risk-free NaN", func(in *Input) { in.RiskFree = math.NaN() }, "risk-free"},
		{"curve time repeats", func(in *Input) {
			in.Curve = []Point{{0, d("100")}, {0, d("120")}}
		}, "not after"},
		{"curve start ≠ initial", func(in *Input) {
			in.Curve = []Point{{0, d("99")}, {DayMs, d("120")}}
		}, "curve starts"},
		{"curve end ≠ final", func(in *Input) {
			in.Curve = []Point{{0, d("100")}, {DayMs, d("119")}}
		}, "curve ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tradesInput()
			tt.modify(&in)
			_, err := Compute(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compute() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEdgeCases(t *testing.T) {
	t.Run("empty run", func(t *testing.T) {
		r, err := Compute(Input{InitialEquity: d("100"), FinalEquity: d("100")})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Report{InitialEquity: d("100"), FinalEquity: d("100")}) {
			t.Errorf("empty run = %+v, want only the equities", r)
		}
		if err := r.CheckEquity(); err != nil {
			t.Error(err)
		}
	})
	t.Run("one point, one return", func(t *testing.T) {
		// One return (+0.1) has no sample deviation: volatility, Sharpe and
		// Sortino are 0.
		in := Input{Curve: curve(t, []int64{0, 1}, "100", "110"), InitialEquity: d("100"), FinalEquity: d("110"), SpanMs: DayMs}
		r, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Returns != 1 || r.Volatility != 0 || r.Sharpe != 0 || r.Sortino != 0 {
			t.Errorf("returns %d, vol %v, sharpe %v, sortino %v; want 1, 0, 0, 0", r.Returns, r.Volatility, r.Sharpe, r.Sortino)
		}
		near(t, "CAGR", r.CAGR, math.Pow(1.1, 365)-1)
	})
	t.Run("zero volatility", func(t *testing.T) {
		// 100, 100, 100: sd 0, so Sharpe and Sortino are 0, not NaN or ±Inf.
		in := Input{Curve: curve(t, []int64{0, 1, 2}, "100", "100", "100"), InitialEquity: d("100"), FinalEquity: d("100"), SpanMs: 2 * DayMs}
		r, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Volatility != 0 || r.Sharpe != 0 || r.Sortino != 0 || r.MaxDrawdown != 0 || r.Calmar != 0 || r.LongestDrawdownMs != 0 {
			t.Errorf("flat curve = %+v, want zero ratios", r)
		}
	})
	t.Run("no losing day", func(t *testing.T) {
		// 100, 110, 132 (+0.1, +0.2): no downside, Sortino 0; Sharpe defined.
		in := Input{Curve: curve(t, []int64{0, 1, 2}, "100", "110", "132"), InitialEquity: d("100"), FinalEquity: d("132"), SpanMs: 2 * DayMs}
		r, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		// mean 0.15, sd √((0.0025 + 0.0025)/1) = √0.005.
		near(t, "Sharpe", r.Sharpe, 0.15/math.Sqrt(0.005)*math.Sqrt(365))
		if r.Sortino != 0 || r.LongestDrawdownMs != 0 {
			t.Errorf("sortino %v, longest drawdown %d; want 0, 0", r.Sortino, r.LongestDrawdownMs)
		}
	})
	t.Run("only winners", func(t *testing.T) {
		in := Input{Trades: []Trade{trade("5", "1", "4"), trade("3", "1", "2")}, Fees: d("2"), InitialEquity: d("100"), FinalEquity: d("106")}
		r, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		// No losses: profit factor 0 (not +Inf), average loss 0.
		if r.ProfitFactor != 0 || !r.AvgLoss.IsZero() || r.WinRate != 1 {
			t.Errorf("profit factor %v, avg loss %s, win rate %v; want 0, 0, 1", r.ProfitFactor, r.AvgLoss, r.WinRate)
		}
		// mean 3, deviations ±1, sample sd √2; SQN = √2 × 3/√2 = 3.
		near(t, "SQN", r.SQN, 3)
	})
	t.Run("one trade", func(t *testing.T) {
		in := Input{Trades: []Trade{trade("-4", "1", "-5")}, Fees: d("1"), InitialEquity: d("100"), FinalEquity: d("95")}
		r, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		// One trade has no deviation: SQN 0. No winners: profit factor 0.
		if r.SQN != 0 || r.ProfitFactor != 0 || r.WinRate != 0 {
			t.Errorf("sqn %v, profit factor %v, win rate %v; want 0", r.SQN, r.ProfitFactor, r.WinRate)
		}
		same(t, "BestTrade", r.BestTrade, "-5")
		same(t, "WorstTrade", r.WorstTrade, "-5")
		same(t, "AvgLoss", r.AvgLoss, "-5")
	})
	t.Run("wiped out", func(t *testing.T) {
		// 100 → 0: total return −1, CAGR −1, drawdown 1. The return from
		// the zero base would be undefined; there is none after it here.
		in := Input{Curve: curve(t, []int64{0, 365}, "100", "0"), InitialEquity: d("100"), FinalEquity: d("0"), SpanMs: 365 * DayMs}
		r, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "TotalReturn", r.TotalReturn, -1)
		near(t, "CAGR", r.CAGR, -1)
		near(t, "MaxDrawdown", r.MaxDrawdown, 1)
		near(t, "Calmar", r.Calmar, -1)
	})
	t.Run("short span stays finite", func(t *testing.T) {
		// Doubling in one millisecond annualizes to +Inf, reported as 0.
		in := Input{InitialEquity: d("100"), FinalEquity: d("200"), SpanMs: 1}
		r, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		if r.CAGR != 0 {
			t.Errorf("CAGR = %v, want 0", r.CAGR)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("marshal: %v", err)
		}
	})
}
