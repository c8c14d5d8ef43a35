package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/engine"
	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/venue/sim"
)

// runBacktest backtests ema-cross over n synthetic 1m bars.
func runBacktest(tb testing.TB, n int, seed uint64) (*backtest.Result, []market.Bar) {
	tb.Helper()
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: seed, Bars: n})
	if err != nil {
		tb.Fatal(err)
	}
	return runBars(tb, bars), bars
}

// runBars backtests ema-cross over 1m bars.
func runBars(tb testing.TB, bars []market.Bar) *backtest.Result {
	tb.Helper()
	info, err := market.DefaultSpot()
	if err != nil {
		tb.Fatal(err)
	}
	in, ok := info.Instrument("BTCUSDT")
	if !ok {
		tb.Fatal("no BTCUSDT")
	}
	res, err := backtest.Run(context.Background(), backtest.Config{
		Symbol: "BTCUSDT", Interval: market.Minute1, Strategy: "ema-cross",
		Capital: num.FromInt(10000), Venue: sim.DefaultConfig(), Instrument: in,
	}, bars)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func readCSV(t *testing.T, path string, header []string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(header, ",") {
		t.Fatalf("%s: header %v, want %v", path, rows[0], header)
	}
	return rows[1:]
}

func dec(t *testing.T, s string) num.Decimal {
	t.Helper()
	d, err := num.Parse(s)
	if err != nil {
		t.Fatalf("%q is not an exact decimal: %v", s, err)
	}
	return d
}

func TestWriteFiles(t *testing.T) {
	res, bars := runBacktest(t, 60_000, 1)
	if len(res.Trades) < 5 {
		t.Fatalf("only %d trades; the test needs a run that trades", len(res.Trades))
	}
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := Write(dir, res, bars); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "equity.csv report.html result.json trades.csv" {
		t.Fatalf("directory holds %v", names)
	}

	// result.json is what --json prints.
	got, err := os.ReadFile(filepath.Join(dir, ResultFile))
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want)+"\n" {
		t.Fatalf("result.json:\n%s\nwant\n%s", got, want)
	}

	// trades.csv: one exact row per trade, adding up to the metrics.
	rows := readCSV(t, filepath.Join(dir, TradesFile), TradesHeader)
	if len(rows) != len(res.Trades) {
		t.Fatalf("%d trade rows, %d trades", len(rows), len(res.Trades))
	}
	var c num.Calc
	sum := num.Zero
	for i, r := range rows {
		tr := res.Trades[i]
		entry, err := time.Parse(time.RFC3339, r[1])
		if err != nil || entry.UnixMilli() != tr.Entry {
			t.Fatalf("row %d entry %q (%v), want %d", i, r[1], err, tr.Entry)
		}
		if exit, err := time.Parse(time.RFC3339, r[2]); err != nil || exit.UnixMilli() != tr.Exit {
			t.Fatalf("row %d exit %q (%v), want %d", i, r[2], err, tr.Exit)
		}
		if r[0] != "BTCUSDT" || !dec(t, r[3]).Equal(tr.Qty) || !dec(t, r[4]).Equal(tr.EntryPrice) || !dec(t, r[5]).Equal(tr.ExitPrice) {
			t.Fatalf("row %d %v, trade %+v", i, r, tr)
		}
		gross, fees, net := dec(t, r[6]), dec(t, r[7]), dec(t, r[8])
		if !c.Sub(gross, fees).Equal(net) {
			t.Fatalf("row %d: %s − %s ≠ %s", i, gross, fees, net)
		}
		sum = c.Add(sum, net)
	}
	if c.Err() != nil || !sum.Equal(res.Metrics.NetPnL) {
		t.Fatalf("Σ net_pnl %s, metrics net pnl %s (%v)", sum, res.Metrics.NetPnL, c.Err())
	}

	// equity.csv: the curve from initial to final equity, and its deepest
	// drawdown is the metrics' one.
	rows = readCSV(t, filepath.Join(dir, EquityFile), EquityHeader)
	if len(rows) < 40 {
		t.Fatalf("%d equity rows for %d days of bars", len(rows), 60_000/1440)
	}
	if !dec(t, rows[0][1]).Equal(res.Metrics.InitialEquity) || !dec(t, rows[len(rows)-1][1]).Equal(res.Metrics.FinalEquity) {
		t.Fatalf("equity runs %s → %s, want %s → %s", rows[0][1], rows[len(rows)-1][1], res.Metrics.InitialEquity, res.Metrics.FinalEquity)
	}
	var prev int64
	maxDD := 0.0
	for i, r := range rows {
		at, err := time.Parse(time.RFC3339, r[0])
		if err != nil || (i > 0 && at.UnixMilli() <= prev) {
			t.Fatalf("row %d time %q (%v) not after the previous", i, r[0], err)
		}
		prev = at.UnixMilli()
		dd := dec(t, r[2])
		if dd.IsNeg() || dd.Scale() != DrawdownScale {
			t.Fatalf("row %d drawdown %s", i, r[2])
		}
		maxDD = max(maxDD, dd.Float64())
	}
	if res.Metrics.MaxDrawdown == 0 || math.Abs(maxDD/100-res.Metrics.MaxDrawdown) > 1e-6 {
		t.Fatalf("deepest drawdown in equity.csv %.4f%%, metrics %.6f", maxDD, res.Metrics.MaxDrawdown)
	}

	// A second Write replaces the report and leaves no temporary files.
	res.Strategy = "second"
	if err := Write(dir, res, bars); err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 4 {
		t.Fatalf("after a second write the directory holds %d entries", len(entries))
	}
	if got, _ := os.ReadFile(filepath.Join(dir, ResultFile)); !bytes.Contains(got, []byte(`"strategy":"second"`)) {
		t.Fatalf("result.json not replaced: %s", got)
	}
}

func TestWriteErrors(t *testing.T) {
	res, bars := runBacktest(t, 2000, 1)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(file, res, bars)
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Write into a file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Fatal("the file was changed")
	}
	if err := Write(filepath.Join(file, "sub"), res, bars); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("Write below a file: %v", err)
	}
	// A directory in the way of report.html: the error names it, and no
	// temporary file is left.
	dir := filepath.Join(tmp, "blocked")
	if err := os.MkdirAll(filepath.Join(dir, HTMLFile, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = Write(dir, res, bars)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, HTMLFile)) {
		t.Fatalf("Write over a directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Fatalf("temporary file %s left behind", e.Name())
		}
	}
	if err := Write(tmp, nil, bars); err == nil {
		t.Fatal("nil result accepted")
	}
	if err := Write("", res, bars); err == nil {
		t.Fatal("empty directory name accepted")
	}
}

func TestCurve(t *testing.T) {
	pts := []engine.EquityPoint{
		{Time: 1, Equity: num.MustParse("100")},
		{Time: 2, Equity: num.MustParse("120")},
		{Time: 3, Equity: num.MustParse("95")},
		{Time: 3, Equity: num.MustParse("90")}, // same time: the last counts
		{Time: 4, Equity: num.MustParse("119.99999")},
		{Time: 5, Equity: num.MustParse("130")},
	}
	got := Curve(pts)
	want := []struct {
		t      int64
		eq, dd string
	}{
		{1, "100", "0.0000"},
		{2, "120", "0.0000"},
		{3, "90", "25.0000"},
		{4, "119.99999", "0.0000"}, // 0.0000083%, truncated
		{5, "130", "0.0000"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Time != w.t || g.Equity.String() != w.eq || g.DrawdownPct.StringFixed(DrawdownScale) != w.dd {
			t.Errorf("point %d: %d %s %s, want %d %s %s", i, g.Time, g.Equity, g.DrawdownPct.StringFixed(DrawdownScale), w.t, w.eq, w.dd)
		}
	}
	if got := Curve([]engine.EquityPoint{{Time: 1, Equity: num.MustParse("100")}, {Time: 2, Equity: num.MustParse("66.66")}}); got[1].DrawdownPct.String() != "33.34" {
		t.Fatalf("drawdown %s, want 33.34", got[1].DrawdownPct)
	}
	if got := Curve(nil); len(got) != 0 {
		t.Fatalf("%+v", got)
	}
}

func bar(t int64, o, h, l, c string) market.Bar {
	return market.Bar{Time: t, Open: num.MustParse(o), High: num.MustParse(h), Low: num.MustParse(l), Close: num.MustParse(c), Volume: num.FromInt(1)}
}

func TestBuckets(t *testing.T) {
	bars := make([]market.Bar, 5003)
	for i := range bars {
		bars[i] = bar(int64(i)*60_000, "100", "101", "99", "100.5")
	}
	bars[1234].High = num.MustParse("250")
	bars[4321].Low = num.MustParse("1.5")
	bars[0].Open = num.MustParse("98")
	bars[5002].Close = num.MustParse("77")
	got := Buckets(bars, market.Minute1, 2000)
	if len(got) < 1990 || len(got) > 2000 {
		t.Fatalf("%d buckets", len(got))
	}
	hi, lo := 0.0, math.Inf(1)
	for i, b := range got {
		if i > 0 && b[0] <= got[i-1][0] {
			t.Fatalf("bucket %d starts at %v, not after %v", i, b[0], got[i-1][0])
		}
		if b[5] != 0 {
			t.Fatalf("bucket %d marked after a gap in gapless bars", i)
		}
		hi, lo = max(hi, b[2]), min(lo, b[3])
	}
	last := got[len(got)-1]
	if hi != 250 || lo != 1.5 || got[0][0] != 0 || got[0][1] != 98 || last[4] != 77 {
		t.Fatalf("high %v low %v first %v last %v", hi, lo, got[0], last)
	}
	if got := Buckets(nil, market.Minute1, 2000); len(got) != 0 {
		t.Fatalf("%v", got)
	}

	// Few bars: one bucket each; the first after missing bars is marked.
	holed := append(append([]market.Bar{}, bars[:100]...), bars[200:300]...)
	got = Buckets(holed, market.Minute1, 2000)
	if len(got) != 200 || got[100][0] != 200*60_000 || got[100][5] != 1 || got[2] != [6]float64{120_000, 100, 101, 99, 100.5, 0} {
		t.Fatalf("%d buckets, bucket 100 %v, bucket 2 %v", len(got), got[100], got[2])
	}
	for i, b := range got {
		if (b[5] == 1) != (i == 100) {
			t.Fatalf("bucket %d gap mark %v", i, b[5])
		}
	}
	// Buckets span time, so a long hole leaves no bucket in it.
	long := append(append([]market.Bar{}, bars[:1000]...), bars[4000:]...)
	for i := 1000; i < len(long); i++ {
		long[i].Time += 100_000 * 60_000
	}
	got = Buckets(long, market.Minute1, 100)
	marked := 0
	for _, b := range got {
		if b[0] >= float64(long[999].Time) && b[0] < float64(long[1000].Time) {
			t.Fatalf("a bucket starts inside the hole: %v", b)
		}
		if b[5] == 1 {
			marked++
			if b[0] != float64(long[1000].Time) {
				t.Fatalf("gap marked on %v", b)
			}
		}
	}
	if len(got) > 100 || marked != 1 {
		t.Fatalf("%d buckets, %d marked after a gap", len(got), marked)
	}
	// Without a known interval no gap is marked.
	for _, b := range Buckets(holed, 0, 2000) {
		if b[5] != 0 {
			t.Fatalf("gap marked without an interval: %v", b)
		}
	}
}

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func TestMonthlyReturns(t *testing.T) {
	p := func(at, eq string) Point { return Point{Time: ms(at), Equity: num.MustParse(eq)} }
	curve := []Point{
		p("2021-01-10T00:00:00Z", "100"),
		p("2021-01-31T23:59:00Z", "110"), // January's last close
		p("2021-02-28T23:59:00Z", "99"),
		p("2021-12-31T23:59:00Z", "99"),
		p("2022-01-01T23:59:00Z", "108.9"),
		p("2022-02-03T12:00:00Z", "54.45"),
	}
	got := MonthlyReturns(curve)
	if len(got) != 2 || got[0].Year != 2021 || got[1].Year != 2022 {
		t.Fatalf("%+v", got)
	}
	near := func(name string, r *float64, want float64) {
		t.Helper()
		if r == nil || math.Abs(*r-want) > 1e-9 {
			t.Errorf("%s: %v, want %v", name, r, want)
		}
	}
	near("2021-01", got[0].Months[0], 10)
	near("2021-02", got[0].Months[1], -10)
	if got[0].Months[2] != nil || got[0].Months[11] == nil || *got[0].Months[11] != 0 {
		t.Errorf("2021-03, a hole in the data, has a return; 2021-12 should have 0")
	}
	near("2021", got[0].Total, -1)
	near("2022-01", got[1].Months[0], 10)
	near("2022-02", got[1].Months[1], -50)
	near("2022", got[1].Total, -45)
	for m := 2; m < 12; m++ {
		if got[1].Months[m] != nil {
			t.Errorf("2022-%02d has a return %v after the run", m+1, *got[1].Months[m])
		}
	}
	// One bar: a one-minute run has the return of its month.
	one := MonthlyReturns([]Point{p("2024-03-05T00:00:00Z", "100"), p("2024-03-05T00:01:00Z", "100")})
	if len(one) != 1 || one[0].Months[2] == nil || *one[0].Months[2] != 0 || one[0].Months[1] != nil {
		t.Fatalf("%+v", one)
	}
	if got := MonthlyReturns(curve[:1]); got != nil {
		t.Fatalf("%+v", got)
	}
}

// The page loads nothing from elsewhere and its data block cannot be closed
// by a string in the result.
func TestHTMLIsSelfContained(t *testing.T) {
	res, bars := runBacktest(t, 5000, 2)
	res.Symbol = `</script><script>alert("x")</script>`
	res.Strategy = `<b>bold</b> & "quoted"`
	var buf bytes.Buffer
	if err := WriteHTML(&buf, res, bars); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<link", "@import", "url(", "src=", "<iframe", "<img", "<object"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if n := strings.Count(page, "<script"); n != 3 || strings.Count(page, "</script>") != 3 {
		t.Fatalf("%d script elements opened, %d closed; a string broke out of its place", n, strings.Count(page, "</script>"))
	}
	if strings.Contains(page, "<b>bold</b>") || !strings.Contains(page, "&lt;b&gt;bold&lt;/b&gt;") {
		t.Fatal("the strategy name is not escaped as text")
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data block")
	}
	var data struct {
		Symbol string       `json:"symbol"`
		Equity [][2]float64 `json:"equity"`
		Price  [][6]float64 `json:"price"`
		Trades [][5]float64 `json:"trades"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("data block: %v", err)
	}
	if data.Symbol != res.Symbol || len(data.Price) != 2000 || len(data.Equity) < 2 || len(data.Trades) != len(res.Trades) {
		t.Fatalf("data: symbol %q, %d price buckets, %d equity points, %d trades", data.Symbol, len(data.Price), len(data.Equity), len(data.Trades))
	}
}

func BenchmarkWrite(b *testing.B) {
	res, bars := runBacktest(b, 525_600, 1) // a year of 1m bars
	dir := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Write(dir, res, bars); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	fi, err := os.Stat(filepath.Join(dir, HTMLFile))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/1024, "html-KiB")
	b.ReportMetric(float64(len(res.Trades)), "trades")
}
