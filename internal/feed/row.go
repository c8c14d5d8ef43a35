package feed

import (
	"bytes"
	"math/bits"

	"github.com/thunes/thunes/internal/num"
)

// NumDecimals is the number of decimal columns of a kline row.
const NumDecimals = 8

// The indexes of the decimal columns in Row.Coef and Row.Scale.
const (
	DecOpen = iota
	DecHigh
	DecLow
	DecClose
	DecVolume
	DecQuoteVolume
	DecTakerBuyBase
	DecTakerBuyQuote
)

// Row is a validated kline row in fixed point: each decimal as an integer
// coefficient and a scale. It carries the same checks and values as Kline;
// reading into a Row builds no num.Decimal, which is what makes bulk imports
// fast.
type Row struct {
	// Time is the open time in Unix milliseconds.
	Time int64
	// Coef and Scale hold the decimal columns in the order of the Dec
	// constants: open, high, low, close, volume, quote volume, taker buy base
	// and taker buy quote volume. Each is exact and without trailing
	// fractional zeros, so that equal numbers have equal pairs:
	// "9033.34000000" is 903334 at scale 2. Written is the scale as written
	// (8 there), which Kline keeps. The last three columns are zero when
	// HasExtra is false, and all are zero when Long is set.
	Coef    [NumDecimals]int64
	Scale   [NumDecimals]uint8
	Written [NumDecimals]uint8
	// HasExtra reports whether the row carried quote volume, trades and the
	// taker buy volumes.
	HasExtra bool
	// Trades is the number of trades in the candle, 0 when HasExtra is false.
	Trades int64
	// Long is nil when every decimal of the row fits Coef and Scale (18
	// digits or fewer, as Binance writes them). Otherwise it holds the row
	// with its exact decimals; it is valid as long as the Row is.
	Long *Kline
}

// Kline returns the row as a Kline.
func (w *Row) Kline() Kline {
	var k Kline
	w.fill(&k)
	return k
}

// fill sets k to the row.
func (w *Row) fill(k *Kline) {
	if w.Long != nil {
		*k = *w.Long
		return
	}
	d := func(c int) num.Decimal {
		// The coefficient as written had at most 18 digits.
		v, err := num.New(w.Coef[c]*int64(pow10[w.Written[c]-w.Scale[c]]), w.Written[c])
		if err != nil {
			panic(err) // unreachable: scales come from at most 18 digits
		}
		return v
	}
	k.Time = w.Time
	k.Open, k.High, k.Low, k.Close, k.Volume = d(DecOpen), d(DecHigh), d(DecLow), d(DecClose), d(DecVolume)
	k.HasExtra, k.Trades = w.HasExtra, w.Trades
	k.QuoteVolume, k.TakerBuyBase, k.TakerBuyQuote = num.Zero, num.Zero, num.Zero
	if w.HasExtra {
		k.QuoteVolume, k.TakerBuyBase, k.TakerBuyQuote = d(DecQuoteVolume), d(DecTakerBuyBase), d(DecTakerBuyQuote)
	}
}

// set makes the row k, in fixed point when every decimal fits, else
// pointing at k.
func (w *Row) set(k *Kline) {
	*w = Row{Time: k.Time, HasExtra: k.HasExtra, Trades: k.Trades}
	ds := [NumDecimals]num.Decimal{k.Open, k.High, k.Low, k.Close, k.Volume, k.QuoteVolume, k.TakerBuyBase, k.TakerBuyQuote}
	for c, d := range ds {
		sc := d.Scale()
		coef, ok := d.Unscaled(sc)
		if !ok || sc >= uint8(len(pow10)) {
			*w = Row{Time: k.Time, HasExtra: k.HasExtra, Trades: k.Trades, Long: k}
			return
		}
		w.Written[c] = sc
		for sc > 0 && coef%10 == 0 {
			coef, sc = coef/10, sc-1
		}
		w.Coef[c], w.Scale[c] = coef, sc
	}
}

// parseFast reads line into r.row when it is a valid row in the usual form
// (every number of at most 18 digits, no header, no stray bytes) and
// reports whether it did. It checks what parseSlow checks, on integers,
// and leaves every other line, good or bad, to parseSlow; so it never
// needs to explain a rejection.
func (r *Reader) parseFast(line []byte) bool {
	w := &r.row
	t, p, ok := fastUint(line, 0)
	if !ok || p >= len(line) || line[p] != ',' {
		return false
	}
	p++
	if t >= microsBound {
		if t%1000 != 0 {
			return false
		}
		t /= 1000
	}
	iv := r.name.Interval
	if t < minMillis || t >= maxMillis || iv.Start(t) != t ||
		(r.rows > 0 && t <= r.prev) ||
		(r.name.Period != "" && (t < r.name.From || t >= r.name.To)) {
		return false
	}
	for c := DecOpen; c <= DecVolume; c++ {
		if p, ok = w.dec(c, line, p); !ok || p >= len(line) || line[p] != ',' {
			return false
		}
		p++
	}
	if !validBar(w) {
		return false
	}
	if p < len(line) && line[p] != ',' {
		var ct int64
		if ct, p, ok = fastUint(line, p); !ok || p >= len(line) || line[p] != ',' {
			return false
		}
		want := iv.Next(t) - 1
		if ct >= microsBound {
			want = iv.Next(t)*1000 - 1
		}
		if ct != want {
			return false
		}
	} else if p >= len(line) {
		return false
	}
	p++ // the comma after the close time
	if len(line)-p >= 3 && line[p] == ',' && line[p+1] == ',' && line[p+2] == ',' {
		// No extra columns.
		p += 3
		w.HasExtra, w.Trades = false, 0
		for c := DecQuoteVolume; c < NumDecimals; c++ {
			w.Coef[c], w.Scale[c], w.Written[c] = 0, 0, 0
		}
	} else {
		if p, ok = w.dec(DecQuoteVolume, line, p); !ok || p >= len(line) || line[p] != ',' {
			return false
		}
		if w.Trades, p, ok = fastUint(line, p+1); !ok || p >= len(line) || line[p] != ',' {
			return false
		}
		if p, ok = w.dec(DecTakerBuyBase, line, p+1); !ok || p >= len(line) || line[p] != ',' {
			return false
		}
		if p, ok = w.dec(DecTakerBuyQuote, line, p+1); !ok {
			return false
		}
		if !validExtra(w) {
			return false
		}
		w.HasExtra = true
	}
	// The last decimal ends the 11th column; a 12th (Binance's "ignore")
	// is taken as it is, but may not hold more columns.
	cols := 11
	if p < len(line) {
		if line[p] != ',' || bytes.IndexByte(line[p+1:], ',') >= 0 {
			return false
		}
		cols = 12
	}
	if r.cols != 0 && cols != r.cols {
		return false
	}
	r.cols = cols
	w.Time, w.Long = t, nil
	return true
}

// validBar reports whether the bar columns of w pass checkBar.
func validBar(w *Row) bool {
	o, h, l, c := DecOpen, DecHigh, DecLow, DecClose
	return w.Coef[o] > 0 && w.Coef[h] > 0 && w.Coef[l] > 0 && w.Coef[c] > 0 && w.Coef[DecVolume] >= 0 &&
		cmpFixed(w, h, o) >= 0 && cmpFixed(w, h, c) >= 0 && cmpFixed(w, l, o) <= 0 && cmpFixed(w, l, c) <= 0
}

// validExtra reports whether the extra columns of w pass parseExtra's
// checks.
func validExtra(w *Row) bool {
	return w.Coef[DecQuoteVolume] >= 0 && w.Coef[DecTakerBuyBase] >= 0 && w.Coef[DecTakerBuyQuote] >= 0 &&
		cmpFixed(w, DecTakerBuyBase, DecVolume) <= 0 && cmpFixed(w, DecTakerBuyQuote, DecQuoteVolume) <= 0
}

// pow10 holds the powers of ten a fixed-point coefficient is scaled by.
var pow10 = [19]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// cmpFixed compares decimal columns a and b of w, both non-negative, and
// returns -1, 0 or +1. Coefficients have at most 18 digits and scales at
// most 18, so the rescaled one fits 128 bits.
func cmpFixed(w *Row, a, b int) int {
	x, y := uint64(w.Coef[a]), uint64(w.Coef[b])
	sa, sb := w.Scale[a], w.Scale[b]
	var xh, yh uint64
	switch {
	case sa < sb:
		xh, x = bits.Mul64(x, pow10[sb-sa])
	case sb < sa:
		yh, y = bits.Mul64(y, pow10[sa-sb])
	}
	switch {
	case xh < yh || (xh == yh && x < y):
		return -1
	case xh > yh || x > y:
		return 1
	}
	return 0
}

// fastUint reads 1 to 18 ASCII digits from b[i:] and returns the value and
// the index after the last digit.
func fastUint(b []byte, i int) (int64, int, bool) {
	start := i
	var v int64
	for i < len(b) && b[i]-'0' < 10 {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	return v, i, i > start && i-start <= 18
}

// dec reads decimal column c from b[i:] (see fastDec) and returns the
// index after it.
func (w *Row) dec(c int, b []byte, i int) (int, bool) {
	var ok bool
	w.Coef[c], w.Scale[c], w.Written[c], i, ok = fastDec(b, i)
	return i, ok
}

// fastDec reads a decimal -?digits[.digits] of 1 to 18 digits from b[i:],
// as parseShortDec does. It returns the coefficient and scale without the
// trailing fractional zeros, the scale as written and the index after the
// number.
func fastDec(b []byte, i int) (coef int64, scale, written uint8, next int, ok bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var u uint64
	for i < len(b) && b[i]-'0' < 10 {
		u = u*10 + uint64(b[i]-'0')
		i++
	}
	intDigits, sc, tz := i-start, 0, 0
	if i < len(b) && b[i] == '.' {
		i++
		fracStart := i
		// Binance writes 8 fractional digits: take them in one step, and
		// their trailing zeros off with them.
		if len(b)-i >= 8 {
			if v, ok := digitBytes(b[i:]); ok && (len(b)-i == 8 || b[i+8]-'0' >= 10) {
				tz = 8
				if v != 0 {
					tz = bits.LeadingZeros64(v) / 8
				}
				u = u*pow10[8-tz] + joinDigits(v<<(8*tz))
				i, sc = i+8, 8
			}
		}
		if sc == 0 {
			for i < len(b) && b[i]-'0' < 10 {
				if b[i] == '0' {
					tz++
				} else {
					tz = 0
				}
				u = u*10 + uint64(b[i]-'0')
				i++
			}
			sc = i - fracStart
			if sc == 0 || intDigits+sc > 18 {
				return 0, 0, 0, i, false
			}
			u /= pow10[tz]
		}
	}
	if intDigits == 0 || intDigits+sc > 18 {
		return 0, 0, 0, i, false
	}
	coef = int64(u)
	if neg {
		coef = -coef
	}
	return coef, uint8(sc - tz), uint8(sc), i, true
}
