package catalog

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// row is a candle as the catalog handles it between reading and writing:
// every decimal as an int64 coefficient at its own scale with trailing zeros
// removed, so equal numbers have equal (coef, scale) pairs. It holds no
// pointers, which keeps large imports cheap for the garbage collector. The
// rare candle with a decimal whose coefficient does not fit an int64 keeps
// its feed.Kline in the run's bigs (big is then its index + 1).
type row struct {
	time   int64
	trades int64
	coef   [numDecimal]int64
	scale  [numDecimal]uint8
	extra  bool
	big    int32
}

// run is a sorted sequence of candles of one series.
type run struct {
	rows []row
	bigs []feed.Kline
}

func (r *run) len() int { return len(r.rows) }

// add appends k to the run.
func (r *run) add(k *feed.Kline) {
	var w row
	w.time, w.extra = k.Time, k.HasExtra
	if k.HasExtra {
		w.trades = k.Trades
	}
	for c := range numDecimal {
		d, ok := decimalField(k, c)
		if !ok {
			continue
		}
		coef, sc, fits := compact(d)
		if !fits {
			r.bigs = append(r.bigs, *k)
			w = row{time: k.Time, extra: k.HasExtra, trades: w.trades, big: int32(len(r.bigs))}
			break
		}
		w.coef[c], w.scale[c] = coef, sc
	}
	r.rows = append(r.rows, w)
}

// addRow appends w to the run.
func (r *run) addRow(w *feed.Row) {
	if w.Long != nil {
		r.add(w.Long)
		return
	}
	// feed.Row holds the decimals as row does: without trailing zeros, and
	// zero when absent.
	r.rows = append(r.rows, row{time: w.Time, trades: w.Trades, extra: w.HasExtra, coef: w.Coef, scale: w.Scale})
}

// push appends row i of src to the run.
func (r *run) push(src *run, i int) {
	w := src.rows[i]
	if w.big != 0 {
		r.bigs = append(r.bigs, src.bigs[w.big-1])
		w.big = int32(len(r.bigs))
	}
	r.rows = append(r.rows, w)
}

// kline returns row i as a feed.Kline.
func (r *run) kline(i int) feed.Kline {
	w := &r.rows[i]
	if w.big != 0 {
		return r.bigs[w.big-1]
	}
	k := feed.Kline{HasExtra: w.extra, Trades: w.trades}
	k.Time = w.time
	for c := range numDecimal {
		if c >= firstExtra && !w.extra {
			break
		}
		d, err := num.New(w.coef[c], w.scale[c])
		if err != nil {
			panic(err) // unreachable: scales come from decimals
		}
		setDecimal(&k, c, d)
	}
	return k
}

// dec returns decimal column c of row i and whether it is present.
func (r *run) dec(i, c int) (num.Decimal, bool) {
	w := &r.rows[i]
	if w.big != 0 {
		return decimalField(&r.bigs[w.big-1], c)
	}
	if c >= firstExtra && !w.extra {
		return num.Zero, false
	}
	d, err := num.New(w.coef[c], w.scale[c])
	if err != nil {
		panic(err) // unreachable: scales come from decimals
	}
	return d, true
}

// compact returns d as a coefficient at the smallest exact scale, and false
// when that coefficient does not fit an int64.
func compact(d num.Decimal) (int64, uint8, bool) {
	sc := d.Scale()
	coef, ok := d.Unscaled(sc)
	if !ok {
		return 0, 0, false
	}
	coef, sc = trim(coef, sc)
	return coef, sc, true
}

// trim removes the trailing zeros of a coefficient at scale sc, testing
// 16, 8, 4, 2 and 1 zeros in turn.
func trim(coef int64, sc uint8) (int64, uint8) {
	if coef == 0 {
		return 0, 0
	}
	if sc >= 16 && coef%1e16 == 0 {
		coef, sc = coef/1e16, sc-16
	}
	if sc >= 8 && coef%1e8 == 0 {
		coef, sc = coef/1e8, sc-8
	}
	if sc >= 4 && coef%1e4 == 0 {
		coef, sc = coef/1e4, sc-4
	}
	if sc >= 2 && coef%100 == 0 {
		coef, sc = coef/100, sc-2
	}
	if sc >= 1 && coef%10 == 0 {
		coef, sc = coef/10, sc-1
	}
	return coef, sc
}

// setBarDecimal sets OHLCV column c (0 to 4, in decimalColumns order) of b.
func setBarDecimal(b *market.Bar, c int, d num.Decimal) {
	switch c {
	case 0:
		b.Open = d
	case 1:
		b.High = d
	case 2:
		b.Low = d
	case 3:
		b.Close = d
	default:
		b.Volume = d
	}
}

// setDecimal sets decimal column c of k, the extra columns included.
func setDecimal(k *feed.Kline, c int, d num.Decimal) {
	switch c {
	case 0, 1, 2, 3, 4:
		setBarDecimal(&k.Bar, c, d)
	case 5:
		k.QuoteVolume, k.HasExtra = d, true
	case 6:
		k.TakerBuyBase = d
	default:
		k.TakerBuyQuote = d
	}
}

// decimalField returns decimal column c of k and whether it is present.
func decimalField(k *feed.Kline, c int) (num.Decimal, bool) {
	switch c {
	case 0:
		return k.Open, true
	case 1:
		return k.High, true
	case 2:
		return k.Low, true
	case 3:
		return k.Close, true
	case 4:
		return k.Volume, true
	case 5:
		return k.QuoteVolume, k.HasExtra
	case 6:
		return k.TakerBuyBase, k.HasExtra
	default:
		return k.TakerBuyQuote, k.HasExtra
	}
}

// pow10 holds the powers of ten a coefficient is rescaled by.
var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// rescale returns coef × 10^(to-from) and whether it stays within ±limit.
func rescale(coef int64, from, to uint8, limit int64) (int64, bool) {
	if to < from || int(to-from) >= len(pow10) {
		return 0, false
	}
	u := uint64(coef)
	if coef < 0 {
		u = -u
	}
	hi, lo := bits.Mul64(u, pow10[to-from])
	if hi != 0 || lo > uint64(limit) {
		return 0, false
	}
	if coef < 0 {
		return -int64(lo), true
	}
	return int64(lo), true
}

// widen returns s grown to hold every decimal of r exactly: scales rise to
// the largest significant scale seen, and a column turns wide when a
// coefficient no longer fits 18 digits. It never narrows.
func (s specs) widen(r *run) (specs, error) {
	// maxAbs[c][sc] is the largest |coef| of column c among values of scale sc.
	var maxAbs [numDecimal][num.MaxScale + 1]uint64
	var seen [numDecimal][num.MaxScale + 1]bool
	for i := range r.rows {
		w := &r.rows[i]
		if w.big != 0 {
			continue
		}
		n := firstExtra
		if w.extra {
			n = numDecimal
		}
		for c := range n {
			sc := w.scale[c]
			a := uint64(w.coef[c])
			if w.coef[c] < 0 {
				a = -a
			}
			if a > maxAbs[c][sc] {
				maxAbs[c][sc] = a
			}
			seen[c][sc] = true
		}
	}
	for c := range numDecimal {
		for sc := range seen[c] {
			if seen[c][sc] && uint8(sc) > s[c].Scale {
				s[c].Scale = uint8(sc)
			}
		}
	}
	for _, k := range r.bigs {
		for c := range numDecimal {
			if d, ok := decimalField(&k, c); ok {
				if sc := significantScale(d); sc > s[c].Scale {
					s[c].Scale = sc
				}
			}
		}
	}
	for c := range numDecimal {
		if s[c].Wide {
			continue
		}
		for sc := range seen[c] {
			if !seen[c][sc] {
				continue
			}
			if maxAbs[c][sc] > math.MaxInt64 {
				s[c].Wide = true
				break
			}
			if _, ok := rescale(int64(maxAbs[c][sc]), uint8(sc), s[c].Scale, maxInt64Coef); !ok {
				s[c].Wide = true
				break
			}
		}
		for _, k := range r.bigs {
			if d, ok := decimalField(&k, c); ok && !s[c].Wide {
				if v, ok := d.Unscaled(s[c].Scale); !ok || v > maxInt64Coef || v < -maxInt64Coef {
					s[c].Wide = true
				}
			}
		}
	}
	for c := range numDecimal {
		if !s[c].Wide {
			continue
		}
		for _, k := range r.bigs {
			if d, ok := decimalField(&k, c); ok {
				if _, err := wideCoef(d, s[c].Scale); err != nil {
					return s, fmt.Errorf("column %s at %d: %w", s[c].Name, k.Time, err)
				}
			}
		}
	}
	return s, nil
}

// sameCandle reports how row i of a and row j of b, two rows for the same
// open time, differ, if they do. The extra columns are compared only when
// both rows have them.
func sameCandle(a *run, i int, b *run, j int) error {
	x, y := &a.rows[i], &b.rows[j]
	both := x.extra && y.extra
	if both && x.trades != y.trades {
		return fmt.Errorf("trades %d there, %d here", x.trades, y.trades)
	}
	if x.big == 0 && y.big == 0 {
		n := firstExtra
		if both {
			n = numDecimal
		}
		for c := range n {
			if x.coef[c] != y.coef[c] || x.scale[c] != y.scale[c] {
				return diff(a, i, b, j, c)
			}
		}
		return nil
	}
	for c := range numDecimal {
		if c >= firstExtra && !both {
			break
		}
		dx, _ := a.dec(i, c)
		dy, _ := b.dec(j, c)
		if !dx.Equal(dy) {
			return diff(a, i, b, j, c)
		}
	}
	return nil
}

var columnLabels = [numDecimal]string{"open", "high", "low", "close", "volume", "quote volume", "taker buy base volume", "taker buy quote volume"}

func diff(a *run, i int, b *run, j int, c int) error {
	dx, _ := a.dec(i, c)
	dy, _ := b.dec(j, c)
	return fmt.Errorf("%s %s there, %s here", columnLabels[c], dx, dy)
}
