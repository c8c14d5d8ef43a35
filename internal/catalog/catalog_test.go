package catalog

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

func zipOf(tb testing.TB, member string, data []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(member)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func checkBars(t *testing.T, got, want []market.Bar) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d bars, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameBar(got[i], want[i]) {
			t.Fatalf("bar %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func checkUnchanged(t *testing.T, before, after map[string]string) {
	t.Helper()
	if maps.Equal(before, after) {
		return
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("new file %s", k)
		} else if before[k] != after[k] {
			t.Errorf("changed file %s", k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("removed file %s", k)
		}
	}
	t.FailNow()
}

func TestImportListLoad(t *testing.T) {
	dir := t.TempDir()
	jan := synthBars(t, 1, 31*24*60, market.Minute1, jan2024)
	febStart := jan[len(jan)-1].Time + int64(market.Minute1)
	feb := synthBars(t, 2, 29*24*60, market.Minute1, febStart)
	// Feb continues Jan's last close so the series is one market.
	janZip := writeFile(t, dir, "BTCUSDT-1m-2024-01.zip", zipOf(t, "BTCUSDT-1m-2024-01.csv", binanceCSV(jan, market.Minute1, true)))
	febCSV := writeFile(t, dir, "BTCUSDT-1m-2024-02.csv", binanceCSV(feb, market.Minute1, false))
	eth := synthBars(t, 3, 500, market.Hour1, jan2024)
	ethCSV := writeFile(t, dir, "ETHUSDT-1h.csv", binanceCSV(eth, market.Hour1, true))

	c := openCatalog(t)
	res := mustImport(t, c, Spot, febCSV, ethCSV, janZip)
	if len(res) != 2 {
		t.Fatalf("%d results, want 2", len(res))
	}
	btc, ethRes := res[0], res[1]
	if btc.Series.Symbol != "BTCUSDT" || ethRes.Series.Symbol != "ETHUSDT" {
		t.Fatalf("results not ordered by symbol: %s, %s", btc.Series.Symbol, ethRes.Series.Symbol)
	}
	if btc.Read != int64(len(jan)+len(feb)) || btc.Added != btc.Read || btc.Series.Rows != btc.Read {
		t.Fatalf("BTCUSDT read %d added %d rows %d, want %d", btc.Read, btc.Added, btc.Series.Rows, len(jan)+len(feb))
	}
	if btc.Series.First != jan2024 || btc.Series.Last != feb[len(feb)-1].Time || len(btc.Series.Gaps) != 0 {
		t.Fatalf("BTCUSDT series %+v", btc.Series)
	}

	list, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Symbol != "BTCUSDT" || list[1].Symbol != "ETHUSDT" || list[1].Interval != market.Hour1 || list[1].Rows != 500 {
		t.Fatalf("List = %+v", list)
	}
	if len(list[0].Sources) != 2 || list[0].Sources[0].Name != "BTCUSDT-1m-2024-02.csv" {
		t.Fatalf("sources = %+v", list[0].Sources)
	}

	all, err := c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, all, append(slices.Clone(jan), feb...))

	from, to := jan[100].Time, feb[7].Time
	part, err := c.Load(Spot, "BTCUSDT", market.Minute1, from, to)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, part, append(slices.Clone(jan[100:]), feb[:7]...))

	// Aggregated load: 4h bars from the stored 1m, range cut mid-bucket.
	from, to = jan2024+90*int64(market.Minute1), febStart+int64(market.Day1)+7
	got, err := c.Load(Spot, "BTCUSDT", market.Hour4, from, to)
	if err != nil {
		t.Fatal(err)
	}
	all4h, err := feed.Aggregate(all, market.Minute1, market.Hour4)
	if err != nil {
		t.Fatal(err)
	}
	var want []market.Bar
	for _, b := range all4h {
		if b.Time >= from && b.Time < to {
			want = append(want, b)
		}
	}
	checkBars(t, got, want)
	if got[0].Time != jan2024+4*int64(market.Hour1) {
		t.Fatalf("first 4h bar at %d: the bucket holding from must be left out", got[0].Time)
	}

	ethBars, err := c.Load(Spot, "ETHUSDT", market.Hour1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, ethBars, eth)
}

func TestImportIdempotent(t *testing.T) {
	dir := t.TempDir()
	bars := synthBars(t, 1, 3000, market.Minute1, jan2024)
	data := binanceCSV(bars, market.Minute1, true)
	first := writeFile(t, dir, "BTCUSDT-1m-2024-01.csv", data)
	c := openCatalog(t)
	mustImport(t, c, Spot, first)
	before := snapshot(t, c.Dir())

	res := mustImport(t, c, Spot, first)
	if len(res[0].Skipped) != 1 || res[0].Added != 0 || res[0].Read != 0 {
		t.Fatalf("re-import: %+v", res[0])
	}
	checkUnchanged(t, before, snapshot(t, c.Dir()))

	// The same bytes under another name are the same source.
	copyPath := writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", data)
	res = mustImport(t, c, Spot, copyPath)
	if len(res[0].Skipped) != 1 {
		t.Fatalf("copy: %+v", res[0])
	}
	checkUnchanged(t, before, snapshot(t, c.Dir()))

	// Overlapping rows that agree add only what is new; the gz holds the
	// same rows in another layout.
	more := synthBars(t, 1, 4000, market.Minute1, jan2024)
	overlap := writeFile(t, dir, "BTCUSDT-1m.csv", binanceCSV(more, market.Minute1, false))
	res = mustImport(t, c, Spot, overlap)
	if res[0].Added != 1000 || res[0].Read != 4000 || res[0].Series.Rows != 4000 || res[0].Filled != 0 {
		t.Fatalf("overlap: %+v", res[0])
	}
	got, err := c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, got, more)
}

// TestFilledExtras imports a file without the extra columns, then one with
// them for the same candles: the stored candles gain them.
func TestFilledExtras(t *testing.T) {
	dir := t.TempDir()
	bars := synthBars(t, 5, 2000, market.Minute1, jan2024)
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, dir, "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, false)))
	res := mustImport(t, c, Spot, writeFile(t, dir, "BTCUSDT-1m-2024-01.zip", zipOf(t, "BTCUSDT-1m-2024-01.csv", binanceCSV(bars[:1500], market.Minute1, true))))
	if res[0].Added != 0 || res[0].Filled != 1500 {
		t.Fatalf("added %d filled %d, want 0 and 1500", res[0].Added, res[0].Filled)
	}
	m, err := c.readManifest(seriesKey{Spot, "BTCUSDT", market.Minute1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := readRun(filepath.Join(c.seriesDir(seriesKey{Spot, "BTCUSDT", market.Minute1}), m.Parts[0].File))
	if err != nil {
		t.Fatal(err)
	}
	for i := range r.rows {
		k := r.kline(i)
		if k.HasExtra != (i < 1500) {
			t.Fatalf("row %d HasExtra = %v", i, k.HasExtra)
		}
		if k.HasExtra {
			want, _ := bars[i].Volume.Mul(bars[i].Close)
			if !k.QuoteVolume.Equal(want) || k.Trades != int64(100+i) {
				t.Fatalf("row %d quote volume %s trades %d, want %s %d", i, k.QuoteVolume, k.Trades, want, 100+i)
			}
		}
	}
}

// TestFailedImportLeavesCatalog imports a good file, then bad ones: each must
// fail with an error naming the file (and line), and leave every byte of
// the catalog as it was.
func TestFailedImportLeavesCatalog(t *testing.T) {
	dir := t.TempDir()
	bars := synthBars(t, 1, 3000, market.Minute1, jan2024)
	good := binanceCSV(bars, market.Minute1, true)
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, dir, "BTCUSDT-1m-2024-01.csv", good))
	before := snapshot(t, c.Dir())

	lines := strings.SplitAfter(string(good), "\n")
	withLine := func(i int, repl string) []byte {
		l := slices.Clone(lines)
		l[i-1] = repl
		return []byte(strings.Join(l, ""))
	}
	conflicting := withLine(17, strings.Replace(lines[16], ",", ",1", 2)) // open changes
	tests := []struct {
		name    string
		file    string
		data    []byte
		mkt     string
		wantErr []string
	}{
		{"bad row", "BTCUSDT-1m-2024-01.csv", withLine(17, fmt.Sprintf("%d,101,100,99,100,1,%d,,,,,\n", bars[16].Time, bars[16].Time+59999)), Spot,
			[]string{"BTCUSDT-1m-2024-01.csv line 17: high 100 is below open 101"}},
		{"new series bad row late", "ETHUSDT-1m.csv", withLine(2999, "garbage,,,\n"), Spot, []string{"ETHUSDT-1m.csv line 2999"}},
		{"NaN", "BTCUSDT-1m.csv", withLine(5, fmt.Sprintf("%d,NaN,1,1,1,1,,,,,,\n", bars[4].Time)), Spot, []string{"line 5: open is NaN"}},
		{"negative", "BTCUSDT-1m.csv", withLine(5, fmt.Sprintf("%d,-1,1,1,1,1,,,,,,\n", bars[4].Time)), Spot, []string{"line 5: open -1 is not positive"}},
		{"wrong columns", "BTCUSDT-1m.csv", withLine(9, "1,2,3\n"), Spot, []string{"line 9: has 3 columns"}},
		{"out of order", "BTCUSDT-1m.csv", withLine(9, lines[3]), Spot, []string{"line 9", "rows out of order"}},
		{"truncated zip", "BTCUSDT-1m-2024-01.zip", zipOf(t, "BTCUSDT-1m-2024-01.csv", good)[:5000], Spot, []string{"BTCUSDT-1m-2024-01.zip", "not a valid zip"}},
		{"conflict", "BTCUSDT-1m-2024-01.zip", zipOf(t, "BTCUSDT-1m-2024-01.csv", conflicting), Spot,
			[]string{"BTCUSDT-1m-2024-01.zip", "the candle at 2024-01-01 00:16:00 UTC disagrees with the catalog: open"}},
		{"unknown symbol", "btc-1m.csv", good, Spot, []string{`unknown symbol "btc"`}},
		{"unknown market", "BTCUSDT-1m.csv", good, "margin", []string{`unknown market "margin"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), tt.file, tt.data)
			// A good file of another series in the same import must not be
			// imported either.
			other := writeFile(t, t.TempDir(), "SOLUSDT-1m.csv", good)
			_, err := c.Import(context.Background(), tt.mkt, []string{other, path})
			if err == nil {
				t.Fatal("import succeeded")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error = %q, want it to contain %q", err, w)
				}
			}
			checkUnchanged(t, before, snapshot(t, c.Dir()))
		})
	}
}

// TestInterruptedImport makes an import fail after it has written its new
// parts (as a crash or a full disk would): the catalog must read as before,
// and the leftovers must be gone or ignored.
func TestInterruptedImport(t *testing.T) {
	dir := t.TempDir()
	bars := synthBars(t, 1, 5000, market.Minute1, jan2024)
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, dir, "BTCUSDT-1m.csv", binanceCSV(bars[:3000], market.Minute1, false)))
	before := snapshot(t, c.Dir())
	next := writeFile(t, dir, "BTCUSDT-1m-2024-01.csv", binanceCSV(bars, market.Minute1, false))
	for _, stage := range []string{"write", "commit"} {
		c.hook = func(s string) error {
			if s == stage {
				return errors.New("power cut")
			}
			return nil
		}
		if _, err := c.Import(context.Background(), Spot, []string{next}); err == nil || !strings.Contains(err.Error(), "power cut") {
			t.Fatalf("stage %s: error = %v", stage, err)
		}
		checkUnchanged(t, before, snapshot(t, c.Dir()))
	}
	c.hook = nil

	// A crash between writing parts and committing leaves parts the manifest
	// does not list; readers ignore them and the next import removes them.
	sdir := c.seriesDir(seriesKey{Spot, "BTCUSDT", market.Minute1})
	writeFile(t, sdir, "2024-000002.parquet", []byte("half a file"))
	writeFile(t, sdir, ".tmp-2024-000002.parquet", []byte("half a file"))
	list, err := c.List()
	if err != nil || len(list) != 1 || list[0].Rows != 3000 {
		t.Fatalf("List after crash = %+v, %v", list, err)
	}
	got, err := c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, got, bars[:3000])
	res := mustImport(t, c, Spot, next)
	if res[0].Added != 2000 {
		t.Fatalf("added %d, want 2000", res[0].Added)
	}
	ents, _ := os.ReadDir(sdir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"2024-000002.parquet", "manifest.json"}) {
		t.Fatalf("series directory holds %q", names)
	}
	got, err = c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, got, bars)
}

func TestImportCancelled(t *testing.T) {
	bars := synthBars(t, 1, 100, market.Minute1, jan2024)
	c := openCatalog(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Import(ctx, Spot, []string{writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, false))})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if list, err := c.List(); err != nil || len(list) != 0 {
		t.Fatalf("List = %+v, %v", list, err)
	}
}

// TestConcurrentImports runs imports of one series from several goroutines:
// the lock serializes them and every row lands.
func TestConcurrentImports(t *testing.T) {
	dir := t.TempDir()
	bars := synthBars(t, 1, 4*1440, market.Minute1, jan2024)
	var files []string
	for d := range 4 {
		day := time.UnixMilli(bars[d*1440].Time).UTC().Format("2006-01-02")
		files = append(files, writeFile(t, dir, "BTCUSDT-1m-"+day+".csv", binanceCSV(bars[d*1440:(d+1)*1440], market.Minute1, false)))
	}
	root := filepath.Join(t.TempDir(), "catalog")
	errs := make(chan error, len(files))
	for _, f := range files {
		go func() {
			c, err := Open(root)
			if err == nil {
				_, err = c.Import(context.Background(), Spot, []string{f})
			}
			errs <- err
		}()
	}
	for range files {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	c, _ := Open(root)
	got, err := c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, got, bars)
}

func TestGapsAcrossYears(t *testing.T) {
	// Bars from 2023-12-31 23:50 to 2024-01-01 00:09 with holes inside each
	// year and across the new year.
	start := time.Date(2023, 12, 31, 23, 50, 0, 0, time.UTC).UnixMilli()
	all := synthBars(t, 9, 20, market.Minute1, start)
	keep := []int{0, 1, 2, 5, 6, 7, 12, 13, 19}
	var bars []market.Bar
	for _, i := range keep {
		bars = append(bars, all[i])
	}
	c := openCatalog(t)
	res := mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, false)))
	m := int64(market.Minute1)
	want := []feed.Gap{
		{Start: start + 3*m, End: start + 5*m, Missing: 2},
		{Start: start + 8*m, End: start + 12*m, Missing: 4},
		{Start: start + 14*m, End: start + 19*m, Missing: 5},
	}
	s := res[0].Series
	if !slices.Equal(s.Gaps, want) || s.Missing != 11 || s.Rows != int64(len(bars)) {
		t.Fatalf("gaps %+v missing %d rows %d, want %+v 11 %d", s.Gaps, s.Missing, s.Rows, want, len(bars))
	}
	m2, err := c.readManifest(seriesKey{Spot, "BTCUSDT", market.Minute1})
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Parts) != 2 || !strings.HasPrefix(m2.Parts[0].File, "2023-") || !strings.HasPrefix(m2.Parts[1].File, "2024-") {
		t.Fatalf("parts %+v, want one for 2023 and one for 2024", m2.Parts)
	}
	// Filling the hole across the new year keeps the 2023 part as it is.
	fill := writeFile(t, t.TempDir(), "BTCUSDT-1m-2024-01.csv", binanceCSV(all[10:12], market.Minute1, false))
	res = mustImport(t, c, Spot, fill)
	if res[0].Added != 2 || len(res[0].Series.Gaps) != 3 || res[0].Series.Gaps[1] != (feed.Gap{Start: start + 8*m, End: start + 10*m, Missing: 2}) {
		t.Fatalf("after fill: %+v", res[0].Series)
	}
	m3, _ := c.readManifest(seriesKey{Spot, "BTCUSDT", market.Minute1})
	if m3.Parts[0].File != m2.Parts[0].File || m3.Parts[1].File == m2.Parts[1].File {
		t.Fatalf("parts before %+v after %+v: only 2024 should be rewritten", m2.Parts, m3.Parts)
	}
}

// TestScaleWidens imports prices with 2 decimals, then a year with 5: every
// part is rewritten with the wider scale so the series keeps one schema.
func TestScaleWidens(t *testing.T) {
	y2023 := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	a := synthBars(t, 1, 500, market.Minute1, y2023)
	b, err := feed.Synthetic(feed.SyntheticConfig{Seed: 2, Bars: 500, Start: jan2024, Tick: num.MustParse("0.00001"), StartPrice: num.MustParse("1.5")})
	if err != nil {
		t.Fatal(err)
	}
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1m-2023-06.csv", binanceCSV(a, market.Minute1, false)))
	mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1m-2024-01.csv", binanceCSV(b, market.Minute1, false)))
	m, err := c.readManifest(seriesKey{Spot, "BTCUSDT", market.Minute1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Columns[0].Scale != 5 || m.Generation != 2 || len(m.Parts) != 2 || !strings.HasSuffix(m.Parts[0].File, "-000002.parquet") {
		t.Fatalf("manifest columns %+v generation %d parts %+v", m.Columns, m.Generation, m.Parts)
	}
	for _, p := range m.Parts {
		_, f, cols, err := openPart(filepath.Join(c.seriesDir(seriesKey{Spot, "BTCUSDT", market.Minute1}), p.File))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if cols[colOpen].scale != 5 {
			t.Fatalf("part %s stores open with scale %d, want 5", p.File, cols[colOpen].scale)
		}
	}
	got, err := c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, got, append(slices.Clone(a), b...))
}

// TestWideDecimals stores volumes whose coefficients need more than 18
// digits, including one beyond int64 at its own scale.
func TestWideDecimals(t *testing.T) {
	bars := synthBars(t, 1, 6, market.Day1, jan2024)
	for i, v := range []string{"1", "12345678901.123456789", "99999999999999999999.5", "0.000000001", "0", "123"} {
		bars[i].Volume = num.MustParse(v)
	}
	var csv bytes.Buffer
	for _, b := range bars {
		fmt.Fprintf(&csv, "%d,%s,%s,%s,%s,%s,,,,,\n", b.Time, b.Open, b.High, b.Low, b.Close, b.Volume.Format())
	}
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1d.csv", csv.Bytes()))
	m, err := c.readManifest(seriesKey{Spot, "BTCUSDT", market.Day1})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Columns[4].Wide || m.Columns[4].Scale != 9 || m.Columns[0].Wide {
		t.Fatalf("columns %+v: volume should be wide with scale 9, open narrow", m.Columns)
	}
	got, err := c.Load(Spot, "BTCUSDT", market.Day1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, got, bars)
	// 1w bars summed from them: exact too.
	weeks, err := c.Load(Spot, "BTCUSDT", market.Week1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := feed.Aggregate(bars, market.Day1, market.Week1)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, weeks, want)
}

func TestWideRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"-9223372036854775809", "99999999999999999999999999999999999999", "-99999999999999999999999999999999999999", "18446744073709551616"} {
		d := num.MustParse(s)
		v, err := wideCoef(d, 0)
		if err != nil {
			t.Fatal(s, err)
		}
		var buf [16]byte
		putWide(&buf, v)
		back, err := readWide(buf[:], 0)
		if err != nil || !back.Equal(d) {
			t.Fatalf("%s → %x → %s, %v", s, buf, back, err)
		}
		scaled, err := readWide(buf[:], 7)
		if want, _ := num.Parse(shift(s, 7)); err != nil || !scaled.Equal(want) {
			t.Fatalf("%s at scale 7 → %s, %v", s, scaled, err)
		}
	}
	if _, err := wideCoef(num.MustParse("340282366920938463463374607431768211455"), 0); err == nil {
		t.Fatal("39 digits accepted")
	}
}

// shift moves the decimal point of an integer string n places left.
func shift(s string, n int) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	for len(s) <= n {
		s = "0" + s
	}
	return sign + s[:len(s)-n] + "." + s[len(s)-n:]
}

func TestLoadErrors(t *testing.T) {
	c := openCatalog(t)
	bars := synthBars(t, 1, 100, market.Day1, jan2024)
	mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1d.csv", binanceCSV(bars, market.Day1, false)))
	tests := []struct {
		name     string
		mkt, sym string
		iv       market.Interval
		from, to int64
		wantErr  string
	}{
		{"finer than stored", Spot, "BTCUSDT", market.Hour1, 0, 0, "holds spot BTCUSDT only in 1d, none of which tiles 1h"},
		{"other symbol", Spot, "ETHUSDT", market.Day1, 0, 0, "holds no spot ETHUSDT (it holds spot: BTCUSDT)"},
		{"other market", FuturesUM, "BTCUSDT", market.Day1, 0, 0, "holds no futures-um data"},
		{"bad market", "margin", "BTCUSDT", market.Day1, 0, 0, `unknown market "margin"`},
		{"bad symbol", Spot, "btc", market.Day1, 0, 0, `unknown symbol "btc"`},
		{"empty range", Spot, "BTCUSDT", market.Day1, 10, 5, "empty range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Load(tt.mkt, tt.sym, tt.iv, tt.from, tt.to)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	// 1M and 1w are built from 1d.
	months, err := c.Load(Spot, "BTCUSDT", market.Month1, 0, 0)
	if err != nil || len(months) != 4 {
		t.Fatalf("1M from 1d: %d bars, %v", len(months), err)
	}
}

func TestOpen(t *testing.T) {
	file := writeFile(t, t.TempDir(), "x", nil)
	if _, err := Open(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Open(file) error = %v", err)
	}
	if _, err := Open(""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
	c, err := Open(filepath.Join(t.TempDir(), "none"))
	if err != nil {
		t.Fatal(err)
	}
	if list, err := c.List(); err != nil || len(list) != 0 {
		t.Fatalf("List of a missing catalog = %v, %v", list, err)
	}
}

func TestCorruptManifest(t *testing.T) {
	c := openCatalog(t)
	bars := synthBars(t, 1, 100, market.Minute1, jan2024)
	mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, false)))
	path := filepath.Join(c.seriesDir(seriesKey{Spot, "BTCUSDT", market.Minute1}), manifestName)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte(`"rows": 100`), []byte(`"rows": 101`), 1), 0o644)
	if _, err := c.List(); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("List error = %v, want one naming %s", err, path)
	}
	if _, err := c.Import(context.Background(), Spot, []string{writeFile(t, t.TempDir(), "BTCUSDT-1m-2024-01.csv", binanceCSV(bars, market.Minute1, true))}); err == nil {
		t.Fatal("import into a corrupt series succeeded")
	}
}

func TestTrim(t *testing.T) {
	for _, tt := range []struct {
		coef     int64
		sc       uint8
		wantCoef int64
		wantSc   uint8
	}{
		{0, 8, 0, 0}, {1, 0, 1, 0}, {10, 0, 10, 0}, {10, 1, 1, 0}, {1000, 2, 10, 0},
		{4228358000000, 8, 4228358, 2}, {123000000000000000, 19, 123, 4},
		{-5000, 3, -5, 0}, {1200, 5, 12, 3}, {100000000000000000, 17, 1, 0}, {100000000000000000, 18, 1, 1},
	} {
		if c, s := trim(tt.coef, tt.sc); c != tt.wantCoef || s != tt.wantSc {
			t.Errorf("trim(%d, %d) = %d, %d; want %d, %d", tt.coef, tt.sc, c, s, tt.wantCoef, tt.wantSc)
		}
	}
}
