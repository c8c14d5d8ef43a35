package feed

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

const jan2024 int64 = 1704067200000 // 2024-01-01 00:00 UTC

// csvStyle says how testCSV writes rows.
type csvStyle struct {
	header     bool
	micros     bool // timestamps in microseconds, as Binance's spot files since 2025
	normalized bool // 11 columns with empty extras, as ../shared/data
	padded     bool // 8 fractional digits, as Binance writes them
}

// testCSV renders bars as a kline CSV file in the given style.
func testCSV(bars []market.Bar, iv market.Interval, st csvStyle) []byte {
	var b bytes.Buffer
	if st.header {
		if st.normalized {
			b.WriteString("open_time_ms,open,high,low,close,volume,close_time_ms,quote_volume,trades,taker_buy_base,taker_buy_quote\n")
		} else {
			b.WriteString("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n")
		}
	}
	dec := func(d num.Decimal) string {
		if st.padded {
			return d.StringFixed(8)
		}
		return d.String()
	}
	for i, bar := range bars {
		open, closeT := bar.Time, iv.Next(bar.Time)-1
		if st.micros {
			open, closeT = open*1000, iv.Next(bar.Time)*1000-1
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,", open, dec(bar.Open), dec(bar.High), dec(bar.Low), dec(bar.Close), dec(bar.Volume))
		if st.normalized {
			b.WriteString(",,,,\n")
			continue
		}
		quote, _ := bar.Volume.Mul(bar.Close)
		half, _ := bar.Volume.Div(num.FromInt(2), 8)
		halfQuote, _ := quote.Div(num.FromInt(2), 8)
		fmt.Fprintf(&b, "%d,%s,%d,%s,%s,0\n", closeT, dec(quote), 10+i, dec(half), dec(halfQuote))
	}
	return b.Bytes()
}

func testBars(tb testing.TB, n int, iv market.Interval, start int64) []market.Bar {
	tb.Helper()
	bars, err := Synthetic(SyntheticConfig{Seed: 7, Bars: n, Interval: iv, Start: start})
	if err != nil {
		tb.Fatal(err)
	}
	return bars
}

func sameBar(a, b market.Bar) bool {
	return a.Time == b.Time && a.Open.Equal(b.Open) && a.High.Equal(b.High) && a.Low.Equal(b.Low) &&
		a.Close.Equal(b.Close) && a.Volume.Equal(b.Volume)
}

func TestParseFileName(t *testing.T) {
	tests := []struct {
		name    string
		want    FileName
		wantErr string
	}{
		{name: "BTCUSDT-1m-2024-01.zip", want: FileName{Symbol: "BTCUSDT", Interval: market.Minute1, Period: "2024-01", From: jan2024, To: 1706745600000, Format: FormatZip}},
		{name: "dl/ETHUSDT-1h-2024-02-29.csv", want: FileName{Symbol: "ETHUSDT", Interval: market.Hour1, Period: "2024-02-29", From: 1709164800000, To: 1709251200000, Format: FormatCSV}},
		{name: "BTCUSDT-1m.csv.gz", want: FileName{Symbol: "BTCUSDT", Interval: market.Minute1, Format: FormatGzip}},
		{name: "1000PEPEUSDT-1M-2024-12.zip", want: FileName{Symbol: "1000PEPEUSDT", Interval: market.Month1, Period: "2024-12", From: 1733011200000, To: 1735689600000, Format: FormatZip}},
		{name: "btcusdt-1m.csv", wantErr: `unknown symbol "btcusdt"`},
		{name: "BTC_USDT-1m.csv", wantErr: `unknown symbol "BTC_USDT"`},
		{name: "B-1m.csv", wantErr: `unknown symbol "B"`},
		{name: "ABCDEFGHIJKLMNOPQRSTU-1m.csv", wantErr: "unknown symbol"},
		{name: "BTCUSDT-2m.csv", wantErr: `unknown interval "2m"`},
		{name: "BTCUSDT.csv", wantErr: "want SYMBOL-INTERVAL"},
		{name: "BTCUSDT-1m-2024.csv", wantErr: "want SYMBOL-INTERVAL"},
		{name: "BTCUSDT-1m-2024-13.zip", wantErr: `date "2024-13" is not a valid YYYY-MM`},
		{name: "BTCUSDT-1m-2023-02-29.zip", wantErr: `date "2023-02-29" is not a valid YYYY-MM-DD`},
		{name: "BTCUSDT-1m-2024-1.zip", wantErr: "not a valid YYYY-MM"},
		{name: "BTCUSDT-1m.txt", wantErr: "ending in .zip, .csv or .csv.gz"},
		{name: "BTCUSDT-1m.CSV", wantErr: "ending in .zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFileName(tt.name)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseFileName(%q) error = %v, want it to contain %q", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFileName(%q): %v", tt.name, err)
			}
			if got != tt.want {
				t.Fatalf("ParseFileName(%q) = %+v, want %+v", tt.name, got, tt.want)
			}
			if got.String() != filepath.Base(tt.name) {
				t.Errorf("String() = %q, want %q", got.String(), filepath.Base(tt.name))
			}
		})
	}
}

// TestReaderFormats reads the same bars from every layout and container and
// checks each row against the bars it was written from.
func TestReaderFormats(t *testing.T) {
	bars := testBars(t, 300, market.Minute1, jan2024)
	styles := map[string]csvStyle{
		"binance":            {padded: true},
		"binance header":     {header: true, padded: true},
		"binance micros":     {micros: true, padded: true},
		"normalized header":  {header: true, normalized: true},
		"normalized no head": {normalized: true},
	}
	for sname, st := range styles {
		csv := testCSV(bars, market.Minute1, st)
		files := map[string][]byte{
			"BTCUSDT-1m-2024-01.csv":    csv,
			"BTCUSDT-1m-2024-01.csv.gz": gzBytes(t, csv),
			"BTCUSDT-1m-2024-01.zip":    zipBytes(t, "BTCUSDT-1m-2024-01.csv", csv),
			"BTCUSDT-1m.zip":            zipBytes(t, "BTCUSDT-1m-2024-01.csv", csv),
			"BTCUSDT-1m-2024-01-01.csv": bytes.ReplaceAll(csv, []byte("\n"), []byte("\r\n")),
		}
		for fname, data := range files {
			t.Run(sname+"/"+fname, func(t *testing.T) {
				for _, viaDisk := range []bool{false, true} {
					var r *Reader
					var err error
					if viaDisk {
						r, err = Open(writeTemp(t, fname, data))
					} else {
						r, err = OpenBytes(fname, data)
					}
					if err != nil {
						t.Fatal(err)
					}
					ks, err := r.ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					if err := r.Close(); err != nil {
						t.Fatal(err)
					}
					if len(ks) != len(bars) {
						t.Fatalf("read %d rows, want %d", len(ks), len(bars))
					}
					for i, k := range ks {
						if !sameBar(k.Bar, bars[i]) {
							t.Fatalf("row %d = %+v, want %+v", i, k.Bar, bars[i])
						}
						if k.HasExtra == st.normalized {
							t.Fatalf("row %d HasExtra = %v with normalized = %v", i, k.HasExtra, st.normalized)
						}
						if k.HasExtra && k.Trades != int64(10+i) {
							t.Fatalf("row %d trades = %d, want %d", i, k.Trades, 10+i)
						}
					}
					if r.Name().Symbol != "BTCUSDT" || r.Name().Interval != market.Minute1 {
						t.Fatalf("Name() = %+v", r.Name())
					}
				}
			})
		}
	}
}

// TestReaderRejects feeds one bad thing at a time into an otherwise valid
// file and checks the error names the file, the line and the problem.
func TestReaderRejects(t *testing.T) {
	good := "1704067200000,100,101,99,100.5,10,1704067259999,1005,7,5,502.5,0\n" +
		"1704067260000,100.5,102,100,101,12,1704067319999,1212,9,6,606,0\n"
	row3 := func(cols string) string { return good + cols + "\n" }
	tests := []struct {
		name     string
		file     string
		data     string
		wantLine int
		wantErr  string
	}{
		{"high below open", "BTCUSDT-1m-2024-01.csv", row3("1704067320000,101,100,99,100,1,,,,,,"), 3, "high 100 is below open 101"},
		{"high below close", "BTCUSDT-1m.csv", row3("1704067320000,99,100,98,101,1,,,,,,"), 3, "high 100 is below close 101"},
		{"low above open", "BTCUSDT-1m.csv", row3("1704067320000,99,101,99.5,100,1,,,,,,"), 3, "low 99.5 is above open 99"},
		{"low above close", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99.5,99,1,,,,,,"), 3, "low 99.5 is above close 99"},
		{"negative price", "BTCUSDT-1m.csv", row3("1704067320000,-1,101,99,100,1,,,,,,"), 3, "open -1 is not positive"},
		{"zero low", "BTCUSDT-1m.csv", row3("1704067320000,1,1,0,1,1,,,,,,"), 3, "low 0 is not positive"},
		{"NaN price", "BTCUSDT-1m.csv", row3("1704067320000,NaN,101,99,100,1,,,,,,"), 3, "open is NaN"},
		{"infinite price", "BTCUSDT-1m.csv", row3("1704067320000,100,+Inf,99,100,1,,,,,,"), 3, "high is infinite"},
		{"exponent", "BTCUSDT-1m.csv", row3("1704067320000,1e2,101,99,100,1,,,,,,"), 3, `open "1e2" is not a decimal number`},
		{"empty price", "BTCUSDT-1m.csv", row3("1704067320000,,101,99,100,1,,,,,,"), 3, "open is empty"},
		{"negative volume", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,-1,,,,,,"), 3, "volume -1 is negative"},
		{"too few columns", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1"), 3, "has 6 columns, want 12 (Binance) or 11"},
		{"too many columns", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,,,,,,,"), 3, "has more than 12 columns"},
		{"column count changes", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,,,,,"), 3, "has 11 columns, earlier rows have 12"},
		{"duplicate", "BTCUSDT-1m.csv", row3("1704067260000,100,101,99,100,1,,,,,,"), 3, "duplicate open time 2024-01-01 00:01:00 UTC (1704067260000) (also on line 2)"},
		{"out of order", "BTCUSDT-1m.csv", row3("1704067200000,100,101,99,100,1,,,,,,"), 3, "is before 2024-01-01 00:01:00 UTC (1704067260000) on line 2: rows out of order"},
		{"spacing contradicts interval", "BTCUSDT-1m.csv", row3("1704067290000,100,101,99,100,1,,,,,,"), 3, "is not aligned to the 1m interval"},
		{"hourly file with minute rows", "BTCUSDT-1h.csv", "1704067200000,100,101,99,100,1,,,,,,\n1704067260000,100,101,99,100,1,,,,,,\n", 2, "not aligned to the 1h interval"},
		{"close time of another interval", "BTCUSDT-1h.csv", good, 1, "close time 1704067259999 does not end the 1h candle"},
		{"outside monthly period", "BTCUSDT-1m-2023-12.csv", good, 1, "outside the file's period 2023-12"},
		{"outside daily period", "BTCUSDT-1m-2024-01-02.csv", good, 1, "outside the file's period 2024-01-02"},
		{"time in seconds", "BTCUSDT-1m.csv", "1704067200,100,101,99,100,1,,,,,,\n", 1, "is neither Unix milliseconds nor microseconds"},
		{"micros not whole ms", "BTCUSDT-1m.csv", "1704067200000001,100,101,99,100,1,,,,,,\n", 1, "µs is not a whole millisecond"},
		{"time not a number", "BTCUSDT-1m.csv", good + "17040673x0000,100,101,99,100,1,,,,,,\n", 3, `open time "17040673x0000" is not a whole number`},
		{"close time wrong", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,1704067379000,,,,,"), 3, "close time 1704067379000 does not end the 1m candle"},
		{"close time micros wrong", "BTCUSDT-1m.csv", "1704067200000000,100,101,99,100,1,1704067259999000,,,,,\n", 1, "want 1704067259999999"},
		{"extras partly empty", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,,5,,,,"), 3, "must be all present or all empty"},
		{"taker buy above volume", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,,100,3,2,100,0"), 3, "taker buy base volume 2 exceeds volume 1"},
		{"taker quote above quote", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,,100,3,1,101,0"), 3, "taker buy quote volume 101 exceeds quote volume 100"},
		{"negative quote volume", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,,-1,3,1,0,0"), 3, "quote volume -1 is negative"},
		{"negative trades", "BTCUSDT-1m.csv", row3("1704067320000,100,101,99,100,1,,1,-3,1,0,0"), 3, `trades "-3" is not a whole number`},
		{"empty line inside", "BTCUSDT-1m.csv", "1704067200000,100,101,99,100.5,10,,,,,,\n\n1704067260000,100.5,102,100,101,12,,,,,,\n", 2, "empty line inside the file"},
		{"empty file", "BTCUSDT-1m.csv", "", 0, "file holds no kline rows"},
		{"header only", "BTCUSDT-1m.csv", "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n", 0, "file holds no kline rows"},
		{"garbage first line", "BTCUSDT-1m.csv", "hello world\n" + good, 1, "neither a kline row nor a kline header"},
		{"header later", "BTCUSDT-1m.csv", good + "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n", 3, `open time "open_time" is not a whole number`},
		{"line too long", "BTCUSDT-1m.csv", good + strings.Repeat("1", maxLine+10) + "\n", 3, "line longer than"},
		{"truncated row", "BTCUSDT-1m.csv", good + "1704067320000,100,10", 3, "has 3 columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := OpenBytes(tt.file, []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			n := 0
			for r.Next() {
				n++
			}
			err = r.Err()
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("after %d rows: error = %v, want a *FileError", n, err)
			}
			if fe.File != tt.file || fe.Line != tt.wantLine || !strings.Contains(fe.Err.Error(), tt.wantErr) {
				t.Fatalf("error = %q (file %q line %d), want file %q line %d containing %q", err, fe.File, fe.Line, tt.file, tt.wantLine, tt.wantErr)
			}
			if tt.wantLine > 0 && n != tt.wantLine-1 && !strings.Contains(tt.name, "empty line") && !strings.Contains(tt.name, "garbage") {
				t.Fatalf("read %d good rows before the error on line %d", n, tt.wantLine)
			}
		})
	}
}

func TestReaderErrorMessage(t *testing.T) {
	var csv strings.Builder
	for i := range 16 {
		fmt.Fprintf(&csv, "%d,100,101,99,100,1,,,,,,\n", jan2024+int64(i)*60000)
	}
	fmt.Fprintf(&csv, "%d,101,100,99,100,1,,,,,,\n", jan2024+16*60000)
	data := zipBytes(t, "BTCUSDT-1m-2024-01.csv", []byte(csv.String()))
	r, err := OpenBytes("BTCUSDT-1m-2024-01.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.ReadAll()
	const want = "BTCUSDT-1m-2024-01.zip: BTCUSDT-1m-2024-01.csv line 17: high 100 is below open 101"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

// TestReaderBadContainers checks broken archives: each must fail with an
// error naming the file, never yield a partial success.
func TestReaderBadContainers(t *testing.T) {
	bars := testBars(t, 2000, market.Minute1, jan2024)
	csv := testCSV(bars, market.Minute1, csvStyle{padded: true})
	gz := gzBytes(t, csv)
	zipped := zipBytes(t, "BTCUSDT-1m-2024-01.csv", csv)
	corruptZip := bytes.Clone(zipped)
	corruptZip[len(corruptZip)/3] ^= 0xff
	tests := []struct {
		name    string
		file    string
		data    []byte
		wantErr string
	}{
		{"truncated gzip", "BTCUSDT-1m.csv.gz", gz[:len(gz)/2], "file truncated or corrupt"},
		{"not gzip", "BTCUSDT-1m.csv.gz", csv, "not a gzip file"},
		{"truncated zip", "BTCUSDT-1m-2024-01.zip", zipped[:len(zipped)/2], "not a valid zip archive"},
		{"corrupt zip data", "BTCUSDT-1m-2024-01.zip", corruptZip, "BTCUSDT-1m-2024-01.zip"},
		{"empty zip", "BTCUSDT-1m-2024-01.zip", zipBytes(t), "zip holds 0 files"},
		{"zip of two", "BTCUSDT-1m-2024-01.zip", zipBytes(t, "BTCUSDT-1m-2024-01.csv", csv, "x.csv", csv), "zip holds 2 files"},
		{"zip member of another symbol", "BTCUSDT-1m-2024-01.zip", zipBytes(t, "ETHUSDT-1m-2024-01.csv", csv), `zip member "ETHUSDT-1m-2024-01.csv" does not match`},
		{"zip member not csv", "BTCUSDT-1m-2024-01.zip", zipBytes(t, "BTCUSDT-1m-2024-01.zip", csv), "is not a .csv file"},
		{"zip member unnamed", "BTCUSDT-1m-2024-01.zip", zipBytes(t, "data.csv", csv), "zip member: file name"},
		{"bad name", "klines.csv", csv, `file name "klines.csv"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := OpenBytes(tt.file, tt.data)
			if err == nil {
				_, err = r.ReadAll()
				r.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), tt.file) {
				t.Fatalf("error = %v, want one starting with %q containing %q", err, tt.file, tt.wantErr)
			}
		})
	}
}

func TestReaderReal(t *testing.T) {
	data := sharedData(t)
	tests := []struct {
		path      string
		rows      int
		wantExtra bool
	}{
		{"klines/spot/BTCUSDT-1m.csv.gz", 532955, false},
		{"klines/futures-um/FILUSDT-1m.csv.gz", 175680, true},
		{"klines/spot/BTCUSDT-1h.csv.gz", 76542, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, err := Open(filepath.Join(data, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			n, extra := 0, 0
			var times []int64
			for r.Next() {
				k := r.Kline()
				n++
				if k.HasExtra {
					extra++
				}
				times = append(times, k.Time)
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			if n != tt.rows {
				t.Fatalf("rows = %d, want %d", n, tt.rows)
			}
			if tt.wantExtra && extra != n {
				t.Fatalf("%d of %d rows have the extra columns, want all", extra, n)
			}
			gaps := FindGaps(r.Name().Interval, times)
			t.Logf("%s: %d rows, %d gaps", tt.path, n, len(gaps))
		})
	}
}

// BenchmarkReadCSV measures parsing and validating Binance rows from memory
// (plain CSV, 12 columns, Binance's number format).
func BenchmarkReadCSV(b *testing.B) {
	bars := testBars(b, 200_000, market.Minute1, jan2024)
	csv := testCSV(bars, market.Minute1, csvStyle{padded: true})
	b.SetBytes(int64(len(csv)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := NewCSVReader(bytes.NewReader(csv), "BTCUSDT-1m.csv")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for r.Next() {
			n++
		}
		if r.Err() != nil || n != len(bars) {
			b.Fatal(r.Err(), n)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(bars))/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadRealGzip reads the real 532 955-row BTCUSDT 1m file,
// decompression included.
func BenchmarkReadRealGzip(b *testing.B) {
	path := filepath.Join(sharedData(b), "klines/spot/BTCUSDT-1m.csv.gz")
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for r.Next() {
			rows++
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
		r.Close()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// sameKline reports whether a and b hold the same values at the same
// scales.
func sameKline(a, b Kline) bool {
	same := func(x, y num.Decimal) bool { return x.Equal(y) && x.Scale() == y.Scale() }
	return a.Time == b.Time && same(a.Open, b.Open) && same(a.High, b.High) && same(a.Low, b.Low) &&
		same(a.Close, b.Close) && same(a.Volume, b.Volume) && a.HasExtra == b.HasExtra && a.Trades == b.Trades &&
		same(a.QuoteVolume, b.QuoteVolume) && same(a.TakerBuyBase, b.TakerBuyBase) && same(a.TakerBuyQuote, b.TakerBuyQuote)
}

// TestParseFastTakesUsualRows checks that rows as Binance and the shared
// data write them take the fixed-point shortcut, which imports rely on for
// their speed, and that Row and Kline agree on them.
func TestParseFastTakesUsualRows(t *testing.T) {
	bars := testBars(t, 2000, market.Minute1, jan2024)
	for _, st := range []csvStyle{{}, {padded: true}, {header: true, micros: true, padded: true}, {header: true, normalized: true}} {
		t.Run(fmt.Sprintf("%+v", st), func(t *testing.T) {
			r, err := NewCSVReader(bytes.NewReader(testCSV(bars, market.Minute1, st)), "BTCUSDT-1m.csv")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for r.Next() {
				if r.kReady {
					t.Fatalf("line %d took the general path", r.line)
				}
				w := r.Row()
				if k := r.Kline(); !sameKline(w.Kline(), *k) || w.Long != nil || !sameBar(k.Bar, bars[n]) {
					t.Fatalf("line %d: row %+v, kline %+v, bar %+v", r.line, w, k, bars[n])
				}
				n++
			}
			if r.Err() != nil || n != len(bars) {
				t.Fatalf("read %d rows: %v", n, r.Err())
			}
		})
	}
}

// TestRowLong checks that a row with a decimal of more than 18 digits comes
// out exact, through Row.Long.
func TestRowLong(t *testing.T) {
	r, err := NewCSVReader(strings.NewReader("1704067200000,1,2,1,1,1234567890.0123456789,,,,,,\n"), "BTCUSDT-1m.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Next() {
		t.Fatal(r.Err())
	}
	w := r.Row()
	if w.Long == nil || w.Long.Volume.String() != "1234567890.0123456789" || w.Kline().Volume.String() != "1234567890.0123456789" {
		t.Fatalf("row %+v", w)
	}
}
