package feed

import (
	"errors"
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// FuzzReader feeds arbitrary bytes to the kline reader under every
// container. It must not panic; every row it accepts must be a valid candle
// aligned to the interval and later than the one before; every error must be
// a *FileError naming the file.
func FuzzReader(f *testing.F) {
	f.Add([]byte("1704067200000,100,101,99,100.5,10,1704067259999,1005,7,5,502.5,0\n"), uint8(0))
	f.Add([]byte("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n1704067200000000,1,1,1,1,0,1704067259999999,0,0,0,0,0\n"), uint8(0))
	f.Add([]byte("1704067200000,9033.34000000,9033.34000000,9033.34000000,9033.34000000,0.00100000,,,,,\n"), uint8(1))
	f.Add([]byte("1704067200000,NaN,1,1,1,1,,,,,,\n"), uint8(2))
	f.Add([]byte("\xef\xbb\xbf1704067200000,1,1,1,1,1,,,,,,\r\n\r\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, container uint8) {
		name := "BTCUSDT-1m-2024-01.csv"
		switch container % 3 {
		case 1:
			name, data = "BTCUSDT-1m-2024-01.csv.gz", gzBytes(t, data)
		case 2:
			name, data = "BTCUSDT-1m-2024-01.zip", zipBytes(t, "BTCUSDT-1m-2024-01.csv", data)
		}
		r, err := OpenBytes(name, data)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer r.Close()
		prev := int64(-1)
		for r.Next() {
			k := r.Kline()
			if err := k.Validate(); err != nil {
				t.Fatalf("accepted an invalid bar %+v: %v", k.Bar, err)
			}
			if k.Time <= prev || market.Minute1.Start(k.Time) != k.Time {
				t.Fatalf("accepted open time %d after %d", k.Time, prev)
			}
			if k.HasExtra && (k.Volume.Less(k.TakerBuyBase) || k.QuoteVolume.Less(k.TakerBuyQuote) || k.Trades < 0) {
				t.Fatalf("accepted inconsistent extra columns %+v", k)
			}
			prev = k.Time
		}
		var fe *FileError
		if err := r.Err(); err != nil && (!errors.As(err, &fe) || fe.File != name) {
			t.Fatalf("error %v is not a *FileError naming %s", err, name)
		}
	})
}

// FuzzParseFileName checks that every accepted name has a valid symbol and
// interval and prints back to itself.
func FuzzParseFileName(f *testing.F) {
	for _, s := range []string{"BTCUSDT-1m-2024-01.zip", "ETHUSDT-1h-2024-02-29.csv", "BTCUSDT-1M.csv.gz", "x-1m.csv", "BTCUSDT-1m-2024-13.zip"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		fn, err := ParseFileName(name)
		if err != nil {
			return
		}
		if ValidSymbol(fn.Symbol) != nil {
			t.Fatalf("accepted symbol %q", fn.Symbol)
		}
		if _, err := market.ParseInterval(fn.Interval.String()); err != nil {
			t.Fatalf("accepted interval %v", fn.Interval)
		}
		if fn.Period != "" && fn.From >= fn.To {
			t.Fatalf("period %s gives [%d, %d)", fn.Period, fn.From, fn.To)
		}
		again, err := ParseFileName(fn.String())
		if err != nil || again != fn {
			t.Fatalf("%q → %+v → %q → %+v, %v", name, fn, fn.String(), again, err)
		}
	})
}

// FuzzParseDec checks the fast decimal paths against num.Parse: the same
// value and scale when both accept, and no acceptance num.Parse refuses.
// fastDec must also return the value without trailing zeros.
func FuzzParseDec(f *testing.F) {
	for _, s := range []string{"9033.34000000", "0", "-1.5", "00012.50", ".5", "5.", "1e5", "123456789012345678", "1234567890123456789", "0.0000000000000000001", "--1", "-",
		"0.00000000", "-0.0", "42000.10000000", "1.1234567800", "12345678901.00000000", "1000.000000000000000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := num.Parse(s)
		if coef, scale, written, next, ok := fastDec([]byte(s), 0); ok && next == len(s) {
			if err != nil {
				t.Fatalf("fastDec accepted %q, num.Parse says %v", s, err)
			}
			if scale > 0 && coef%10 == 0 {
				t.Fatalf("fastDec(%q) left a trailing zero: %d at scale %d", s, coef, scale)
			}
			if d, _ := num.New(coef, scale); !d.Equal(want) || written != want.Scale() {
				t.Fatalf("%q: fastDec %s written at scale %d, num.Parse %s (scale %d)", s, d, written, want, want.Scale())
			}
		}
		fast, ok := parseShortDec([]byte(s))
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast path accepted %q, num.Parse says %v", s, err)
		}
		if !fast.Equal(want) || fast.Scale() != want.Scale() {
			t.Fatalf("%q: fast %s (scale %d), num.Parse %s (scale %d)", s, fast, fast.Scale(), want, want.Scale())
		}
	})
}

// FuzzParseFast checks the fixed-point shortcut against the general parser,
// which defines valid rows: every line parseFast accepts, parseSlow accepts
// too, with the same values at the same scales and the same column count,
// whatever the file's interval and period and the row before.
func FuzzParseFast(f *testing.F) {
	f.Add([]byte("1704067200000,42000.12345678,42010.00000000,41990.50000000,42005.00000000,12.34500000,1704067259999,518000.12000000,1234,6.10000000,256000.00000000,0"), uint8(0), true, int64(1704067140000), uint8(0))
	f.Add([]byte("1704067200000000,1,1,1,1,0,1704067259999999,0,0,0,0,0"), uint8(0), false, int64(0), uint8(2))
	f.Add([]byte("1704067200000,9033.34,9033.34,9033.34,9033.34,0.001,,,,,"), uint8(1), false, int64(0), uint8(1))
	f.Add([]byte("1704067200000,100,101,99,100.5,10,,,,,,"), uint8(2), true, int64(1704067200000), uint8(0))
	f.Add([]byte("1704067200000,1,2,1,1,-0.0,,-0,0,-0.00,0,x"), uint8(3), false, int64(0), uint8(0))
	f.Add([]byte("1704067200000,0.000000000000000001,1,0.000000000000000001,1,1,,1,1,1,1"), uint8(4), false, int64(0), uint8(0))
	f.Fuzz(func(t *testing.T, line []byte, name uint8, started bool, prev int64, cols uint8) {
		names := []string{"BTCUSDT-1m.csv", "BTCUSDT-1h-2024-01.csv", "BTCUSDT-1M.csv", "BTCUSDT-1w.csv", "BTCUSDT-1m-2024-01-01.csv"}
		fn, err := ParseFileName(names[int(name)%len(names)])
		if err != nil {
			t.Fatal(err)
		}
		reader := func() *Reader {
			r := &Reader{name: fn, file: fn.String(), cols: []int{0, 11, 12}[cols%3]}
			if started {
				r.rows, r.prev = 1, prev
			}
			return r
		}
		fast, slow := reader(), reader()
		if !fast.parseFast(line) {
			return
		}
		if err := slow.parseSlow(line); err != nil {
			t.Fatalf("parseFast accepted %q, parseSlow says %v", line, err)
		}
		if got := *fast.Kline(); !sameKline(got, slow.k) || fast.cols != slow.cols {
			t.Fatalf("%q: parseFast %+v (%d columns), parseSlow %+v (%d columns)", line, got, fast.cols, slow.k, slow.cols)
		}
		var want Row
		want.set(&slow.k)
		if fast.row != want {
			t.Fatalf("%q: parseFast row %+v, parseSlow row %+v", line, fast.row, want)
		}
	})
}
