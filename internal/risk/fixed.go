package risk

import (
	"math/bits"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// The entry rules exist twice. Gate.entry, on decimals, is the reference: it
// reads like the rules and builds every denial. entryAllowedFast runs the same
// comparisons on int64 coefficients at 8 decimals with 128-bit products, the
// usual shape of exchange prices, quantities and equity, and only ever
// answers "allowed": when it cannot prove that (a value does not fit, or a
// rule fails) the reference runs and decides. The tests hold the two to the
// same answers.

// fixedScale is the scale of the fast path's coefficients.
const fixedScale = 8

// fixedOne is 10^fixedScale.
const fixedOne = 100_000_000

// fixedLimits are the gate's fractions as coefficients at fixedScale (every
// fraction has at most MaxPctScale+2 = 6 decimals, so they are exact).
type fixedLimits struct {
	stopMin, stopMax   uint64
	riskTrade, riskAll uint64
	posMax, expMax     uint64
	corrMax            uint64
}

func newFixedLimits(g *Gate) fixedLimits {
	co := func(d num.Decimal) uint64 {
		c, ok := d.Unscaled(fixedScale)
		if !ok || c < 0 {
			// Validate bounds every percentage's scale and size.
			panic("risk: limit " + d.String() + " does not fit the fixed scale")
		}
		return uint64(c)
	}
	return fixedLimits{
		stopMin: co(g.stopMin), stopMax: co(g.stopMax),
		riskTrade: co(g.riskTrade), riskAll: co(g.riskAll),
		posMax: co(g.posMax), expMax: co(g.expMax), corrMax: co(g.corrMax),
	}
}

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

func mul64(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

// add returns x + y and false when the sum overflows.
func (x u128) add(y u128) (u128, bool) {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, c := bits.Add64(x.hi, y.hi, c)
	return u128{hi, lo}, c == 0
}

func (x u128) less(y u128) bool { return x.hi < y.hi || (x.hi == y.hi && x.lo < y.lo) }

// fixed returns d's coefficient at fixedScale, and false when d has more
// decimals (other than zeros) or does not fit an int64.
func fixed(d num.Decimal) (int64, bool) { return d.Unscaled(fixedScale) }

// absU returns |x| as a uint64 (math.MinInt64 included).
func absU(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// entryAllowedFast reports true only when every entry rule allows the
// intent, exactly as Gate.entry would. False means "run Gate.entry".
func (g *Gate) entryAllowedFast(in *Intent, qty, last, eq num.Decimal, positions []Position, openRisk num.Decimal) bool {
	r := &in.Order
	if max(in.Leverage, 1) > g.cfg.MaxLeverage || !in.StopLoss.IsPos() {
		return false
	}
	e, ok1 := fixed(entryPrice(r, last))
	s, ok2 := fixed(in.StopLoss)
	q, ok3 := fixed(qty)
	eqc, ok4 := fixed(eq)
	or, ok5 := fixed(openRisk)
	lastc, ok6 := fixed(last)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || e <= 0 || q <= 0 || eqc <= 0 || or < 0 {
		return false
	}
	var dist uint64
	switch r.Side {
	case order.Buy:
		if s > e {
			return false
		}
		dist = uint64(e - s)
	case order.Sell:
		if s < e {
			return false
		}
		dist = uint64(s - e)
	default:
		return false
	}
	fx := &g.fixed
	ue, ueq := uint64(e), uint64(eqc)
	// Distance at scale 16 against entry × fraction at scale 16.
	d16 := mul64(dist, fixedOne)
	if d16.less(mul64(ue, fx.stopMin)) || mul64(ue, fx.stopMax).less(d16) {
		return false
	}
	risk := mul64(dist, uint64(q))
	if mul64(ueq, fx.riskTrade).less(risk) {
		return false
	}
	totalRisk, ok := risk.add(mul64(uint64(or), fixedOne))
	if !ok || mul64(ueq, fx.riskAll).less(totalRisk) {
		return false
	}

	added := mul64(uint64(q), ue)
	symVal, total := added, added
	sym := r.Symbol
	count := 1
	for i := range positions {
		p := &positions[i]
		val, held, ok := fixedValue(p, sym, lastc)
		if !ok {
			return false
		}
		if !held {
			continue
		}
		if total, ok = total.add(val); !ok {
			return false
		}
		if p.Symbol == sym {
			if symVal, ok = symVal.add(val); !ok {
				return false
			}
		} else {
			count++
		}
	}
	if mul64(ueq, fx.posMax).less(symVal) || count > g.cfg.MaxOpenPositions || mul64(ueq, fx.expMax).less(total) {
		return false
	}
	corrLimit := mul64(ueq, fx.corrMax)
	if !corrLimit.less(total) {
		return true // the group is part of the total
	}
	// Only now does the group need the correlations.
	group := added
	ci := g.corr.lookup(sym)
	for i := range positions {
		p := &positions[i]
		if p.Symbol != sym && !g.corr.correlated(ci, g.corr.lookup(p.Symbol)) {
			continue
		}
		val, _, _ := fixedValue(p, sym, lastc) // converted above
		var ok bool
		if group, ok = group.add(val); !ok {
			return false
		}
	}
	return !corrLimit.less(group)
}

// fixedValue returns p's value at scale 16 and whether it holds anything
// (quantity or working orders), valuing the intent's symbol at last when it
// has no mark. ok is false when a value does not fit or is impossible.
func fixedValue(p *Position, sym string, last int64) (val u128, held, ok bool) {
	qc, ok1 := fixed(p.Qty)
	wc, ok2 := fixed(p.Working)
	mc, ok3 := fixed(p.Mark)
	if !(ok1 && ok2 && ok3) || wc < 0 {
		return u128{}, false, false
	}
	size := absU(qc) + uint64(wc) // each below 2^63: no overflow
	if size == 0 {
		return u128{}, false, true
	}
	if mc <= 0 && p.Symbol == sym {
		mc = last
	}
	if mc <= 0 {
		return u128{}, false, false
	}
	return mul64(size, uint64(mc)), true, true
}
