package num

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// The oracle: exact rationals from math/big, and what the package promises
// about them, computed without any of the package's own arithmetic.

var two128 = new(big.Int).Lsh(big.NewInt(1), 128)

func bigTen(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// ratOf returns the exact value of d, read through udecimal's accessor.
func ratOf(tb testing.TB, d Decimal) *big.Rat {
	tb.Helper()
	neg, hi, lo, scale, ok := d.v.ToHiLo()
	if !ok {
		tb.Fatalf("%s holds a big.Int coefficient", d)
	}
	c := new(big.Int).SetUint64(hi)
	c.Lsh(c, 64).Or(c, new(big.Int).SetUint64(lo))
	if neg {
		c.Neg(c)
	}
	return new(big.Rat).SetFrac(c, bigTen(int(scale)))
}

// scaled returns x × 10^s.
func scaled(x *big.Rat, s int) *big.Rat {
	return new(big.Rat).Mul(x, new(big.Rat).SetInt(bigTen(s)))
}

// fitsAt reports whether x is a Decimal with scale s: x × 10^s is a whole
// number below 2^128 in magnitude.
func fitsAt(x *big.Rat, s int) bool {
	y := scaled(x, s)
	return y.IsInt() && new(big.Int).Abs(y.Num()).Cmp(two128) < 0
}

// represent returns the smallest scale at which x is exact, and the error the
// package must return when x is not a Decimal: ErrInexact when no scale up to
// 19 makes it whole (checked first), ErrOverflow when its coefficient at that
// scale reaches 2^128.
func represent(x *big.Rat) (int, error) {
	for s := 0; s <= MaxScale; s++ {
		if scaled(x, s).IsInt() {
			if !fitsAt(x, s) {
				return s, ErrOverflow
			}
			return s, nil
		}
	}
	return 0, ErrInexact
}

// wantScale is the scale a result with the given natural scale must carry:
// the natural one when the coefficient fits there, else the largest that fits.
func wantScale(x *big.Rat, natural int) int {
	min, _ := represent(x)
	s := natural
	for s > min && !fitsAt(x, s) {
		s--
	}
	return s
}

// checkExact asserts that (got, err) is the exact value want with the right
// scale, or the error the oracle expects.
func checkExact(tb testing.TB, what string, got Decimal, err error, want *big.Rat, natural int) {
	tb.Helper()
	_, werr := represent(want)
	if werr != nil {
		if err == nil || !errors.Is(err, werr) {
			tb.Fatalf("%s = %s, %v; exact %s: want error %v", what, got.Format(), err, want.RatString(), werr)
		}
		return
	}
	if err != nil {
		tb.Fatalf("%s: unexpected error %v (exact %s)", what, err, want.RatString())
	}
	if g := ratOf(tb, got); g.Cmp(want) != 0 {
		tb.Fatalf("%s = %s, want %s", what, got.Format(), want.RatString())
	}
	if s := wantScale(want, natural); int(got.Scale()) != s {
		tb.Fatalf("%s = %s has scale %d, want %d", what, got.Format(), got.Scale(), s)
	}
}

// truncRat returns x truncated toward zero to s fractional digits.
func truncRat(x *big.Rat, s int) *big.Rat {
	y := scaled(x, s)
	q := new(big.Int).Quo(y.Num(), y.Denom())
	return new(big.Rat).SetFrac(q, bigTen(s))
}

// floorDiv returns floor(x / y) for y ≠ 0.
func floorDiv(x, y *big.Rat) *big.Int {
	z := new(big.Rat).Quo(x, y)
	return new(big.Int).Div(z.Num(), z.Denom()) // Euclidean, so floor: a Rat's denominator is positive
}

// canonical formats sign, coefficient and scale the way Binance does, using
// only math/big: the text Parse must read and Format must write back.
func canonical(neg bool, c *big.Int, scale int) string {
	digits := c.String()
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	var b strings.Builder
	if neg && c.Sign() != 0 {
		b.WriteByte('-')
	}
	b.WriteString(digits[:len(digits)-scale])
	if scale > 0 {
		b.WriteByte('.')
		b.WriteString(digits[len(digits)-scale:])
	}
	return b.String()
}

// randCoef draws a coefficient below 2^128 from a mix that reaches every
// code path: small prices, 64-bit values, any bit length, the top of the
// range, and numbers with many trailing zeros.
func randCoef(r *rand.Rand) *big.Int {
	switch r.IntN(8) {
	case 0:
		return new(big.Int).SetUint64(r.Uint64N(1000))
	case 1:
		return new(big.Int).SetUint64(r.Uint64N(1e12))
	case 2:
		return new(big.Int).SetUint64(r.Uint64())
	case 3, 4:
		n := r.IntN(129)
		c := new(big.Int).SetUint64(r.Uint64())
		c.Lsh(c, 64).Or(c, new(big.Int).SetUint64(r.Uint64()))
		return c.Rsh(c, uint(128-n))
	case 5:
		c := new(big.Int).Sub(two128, big.NewInt(1))
		return c.Sub(c, new(big.Int).SetUint64(r.Uint64N(1000)))
	case 6:
		c := new(big.Int).SetUint64(r.Uint64N(100000))
		c.Mul(c, bigTen(r.IntN(34)))
		if c.Cmp(two128) >= 0 {
			c.SetUint64(r.Uint64N(100000))
		}
		return c
	default:
		// Products of 2s and 5s, so that high-scale products end in zeros.
		c := big.NewInt(1)
		for range r.IntN(6) {
			c.Mul(c, big.NewInt([]int64{2, 4, 5, 25, 8, 125}[r.IntN(6)]))
		}
		return c
	}
}

// randValue draws a Decimal through Parse of its canonical text, with its
// exact value and the text itself.
func randValue(tb testing.TB, r *rand.Rand) (Decimal, *big.Rat, string) {
	tb.Helper()
	c := randCoef(r)
	scale := r.IntN(MaxScale + 1)
	neg := r.IntN(2) == 0
	s := canonical(neg, c, scale)
	d, err := Parse(s)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", s, err)
	}
	x := new(big.Rat).SetFrac(c, bigTen(scale))
	if neg {
		x.Neg(x)
	}
	return d, x, s
}

// randStep draws a positive step: mostly exchange-like (1, 5 or 25 × 10^-k),
// sometimes any Decimal.
func randStep(tb testing.TB, r *rand.Rand) (Decimal, *big.Rat) {
	tb.Helper()
	if r.IntN(3) == 0 {
		for {
			d, x, _ := randValue(tb, r)
			if !d.IsZero() {
				return d.Abs(), x.Abs(x)
			}
		}
	}
	c := big.NewInt([]int64{1, 1, 5, 25}[r.IntN(4)])
	scale := r.IntN(MaxScale + 1)
	d, err := Parse(canonical(false, c, scale))
	if err != nil {
		tb.Fatal(err)
	}
	return d, new(big.Rat).SetFrac(c, bigTen(scale))
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(20240601, 42)) }
