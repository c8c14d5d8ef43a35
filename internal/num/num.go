// Package num is the exact decimal type thunes uses for every price, quantity,
// balance, fee and PnL.
//
// A Decimal holds a signed 128-bit coefficient and a scale of 0 to 19 digits
// after the point: the value is coefficient × 10^-scale. Arithmetic is exact:
// an operation whose result does not fit returns an error instead of rounding
// or silently growing. ErrInexact means the result needs more than 19
// fractional digits; ErrOverflow means its coefficient needs more than 128
// bits. When both hold, ErrInexact is reported.
//
// Every Decimal carries a scale, and results carry a natural one: the larger
// scale of the operands for Add and Sub, the sum of the scales (at most 19)
// for Mul, the requested scale for Div and the step's scale for RoundDown and
// RoundUp. When a coefficient would be too large at the natural scale but the
// value has trailing fractional zeros, the result drops just enough of them to
// fit. Zero keeps its scale too ("0.00000000" stays "0.00000000"); there is no
// negative zero.
//
// Values are immutable and safe to share between goroutines. The zero value
// is 0. The package builds on github.com/quagmt/udecimal at its default
// precision of 19; nothing in the program may change that precision.
package num

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	"github.com/quagmt/udecimal"
)

// MaxScale is the largest number of digits after the decimal point a Decimal
// can hold.
const MaxScale = 19

// Errors returned by parsing and arithmetic. They are wrapped with the operands,
// so test with errors.Is.
var (
	// ErrOverflow means the exact result does not fit in a Decimal.
	ErrOverflow = errors.New("decimal overflow")
	// ErrInexact means the exact result needs more than MaxScale digits after the point.
	ErrInexact = errors.New("decimal result needs more than 19 fractional digits")
	// ErrDivByZero is returned by division by zero.
	ErrDivByZero = errors.New("decimal division by zero")
	// ErrSyntax means a string is not a plain decimal number.
	ErrSyntax = errors.New("invalid decimal")
)

// Decimal is an exact decimal number. Compare with Cmp or Equal, not ==: 1.0 and
// 1.00 are equal numbers with different scales.
type Decimal struct {
	// v never holds udecimal's big.Int fallback: every constructor here
	// checks that the coefficient fits in 128 bits.
	v udecimal.Decimal
}

// Zero is the number 0.
var Zero Decimal

// One is the number 1.
var One = FromInt(1)

// zeros[s] is 0 with scale s. udecimal normalises a computed zero to scale 0;
// its binary form keeps the scale, so the table is built from that once.
var zeros = func() (z [MaxScale + 1]udecimal.Decimal) {
	for s := range z {
		if err := z[s].UnmarshalBinary([]byte{0, byte(s), 11, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
			panic(err)
		}
		if z[s].PrecUint() != uint8(s) || !z[s].IsZero() {
			panic("num: udecimal does not keep the scale of zero")
		}
	}
	return z
}()

// pow10 holds 10^0 … 10^19, the powers that fit in a uint64.
var pow10 = [MaxScale + 1]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// fromParts builds the Decimal (-1)^neg × (hi·2^64 + lo) × 10^-scale, scale ≤ MaxScale.
func fromParts(neg bool, hi, lo uint64, scale uint8) Decimal {
	if hi == 0 && lo == 0 {
		return Decimal{zeros[scale]}
	}
	v, err := udecimal.NewFromHiLo(neg, hi, lo, scale)
	if err != nil {
		// Only possible if udecimal's default precision was lowered.
		panic(fmt.Sprintf("num: udecimal refused scale %d: %v", scale, err))
	}
	return Decimal{v}
}

// parts returns the sign, coefficient and scale of d.
func (d Decimal) parts() (neg bool, hi, lo uint64, scale uint8) {
	neg, hi, lo, scale, _ = d.v.ToHiLo()
	return neg, hi, lo, scale
}

// FromInt returns v as a Decimal with scale 0.
func FromInt(v int64) Decimal {
	d, _ := New(v, 0) // scale 0 never fails
	return d
}

// New returns coef × 10^-scale with exactly that scale. It returns ErrOverflow
// if scale exceeds MaxScale.
func New(coef int64, scale uint8) (Decimal, error) {
	if scale > MaxScale {
		return Zero, fmt.Errorf("new %d scale %d: %w", coef, scale, ErrOverflow)
	}
	mag := uint64(coef)
	if coef < 0 {
		mag = -mag // also right for math.MinInt64
	}
	return fromParts(coef < 0, 0, mag, scale), nil
}

// MustNew is New for constants known to be valid; it panics on error.
func MustNew(coef int64, scale uint8) Decimal {
	d, err := New(coef, scale)
	if err != nil {
		panic(err)
	}
	return d
}

// Parse reads a plain decimal such as Binance sends: an optional '-' sign,
// one or more digits, and an optional '.' followed by one to 19 digits.
// The scale of s is kept, so Format(Parse(s)) == s for canonical strings
// ("9033.34000000" stays "9033.34000000", "0.00000000" stays "0.00000000").
// "-0" parses as 0. Leading zeros are accepted.
//
// Everything else is refused with ErrSyntax: "", "-", ".5", "1.", "+1", "1e5",
// " 1", "NaN", "Inf", and more than 19 fractional digits. A coefficient beyond
// 128 bits (about 39 digits) is refused with ErrOverflow.
func Parse(s string) (Decimal, error) {
	neg, hi, lo, scale, err := parse(s)
	if err != nil {
		return Zero, fmt.Errorf("parse %s: %w", quote(s), err)
	}
	return fromParts(neg, hi, lo, scale), nil
}

// ParseBytes is Parse for a byte slice; it does not retain b and does not
// allocate on success.
func ParseBytes(b []byte) (Decimal, error) {
	return Parse(unsafe.String(unsafe.SliceData(b), len(b)))
}

// MustParse is Parse for constants known to be valid; it panics on error.
func MustParse(s string) Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// parse implements Parse without wrapping its error. A syntax error anywhere in
// s wins over overflow.
func parse(s string) (neg bool, hi, lo uint64, scale uint8, err error) {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		neg, i = true, 1
	}
	intDigits, fracDigits, dot, overflow := 0, 0, false, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if dot || intDigits == 0 {
				return false, 0, 0, 0, ErrSyntax
			}
			dot = true
			continue
		}
		dg := uint64(c) - '0'
		if dg > 9 {
			return false, 0, 0, 0, ErrSyntax
		}
		if dot {
			fracDigits++
		} else {
			intDigits++
		}
		if overflow {
			continue
		}
		if hi == 0 && lo <= (math.MaxUint64-9)/10 {
			lo = lo*10 + dg
			continue
		}
		h1, l1 := bits.Mul64(hi, 10)
		h0, l0 := bits.Mul64(lo, 10)
		var c0, c1 uint64
		lo, c0 = bits.Add64(l0, dg, 0)
		hi, c1 = bits.Add64(l1, h0, c0)
		overflow = h1 != 0 || c1 != 0
	}
	switch {
	case intDigits == 0 || (dot && fracDigits == 0):
		return false, 0, 0, 0, ErrSyntax
	case fracDigits > MaxScale:
		return false, 0, 0, 0, fmt.Errorf("%w: more than %d fractional digits", ErrSyntax, MaxScale)
	case overflow:
		return false, 0, 0, 0, ErrOverflow
	}
	if hi == 0 && lo == 0 {
		neg = false
	}
	return neg, hi, lo, uint8(fracDigits), nil
}

// quote quotes s for an error message, cut short so that a corrupt megabyte
// does not end up in a log line.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

// String returns the shortest exact text of d, without trailing fractional
// zeros ("1.5", "100", "-0.0001", "0").
func (d Decimal) String() string { return d.v.String() }

// Format returns d with exactly its own scale, the inverse of Parse
// ("0.00100000" stays "0.00100000").
func (d Decimal) Format() string {
	var buf [48]byte
	return string(d.appendFixed(buf[:0], d.Scale()))
}

// StringFixed returns d with exactly scale fractional digits, padding with zeros
// or truncating toward zero ("-0.001" at scale 2 is "0.00").
func (d Decimal) StringFixed(scale uint8) string {
	var buf [64]byte
	return string(d.appendFixed(buf[:0], scale))
}

// appendFixed appends d with exactly scale fractional digits, truncating
// toward zero when d has more.
func (d Decimal) appendFixed(b []byte, scale uint8) []byte {
	neg, hi, lo, own := d.parts()
	if own > scale {
		p := pow10[own-scale]
		var r uint64
		hi, r = hi/p, hi%p
		lo, _ = bits.Div64(r, lo, p)
		own = scale
	}
	var digits [40]byte // 2^128 has 39 digits
	n := len(digits)
	for hi != 0 {
		var r, rem uint64
		hi, r = hi/1e19, hi%1e19
		lo, rem = bits.Div64(r, lo, 1e19)
		for range 19 {
			n--
			digits[n] = byte('0' + rem%10)
			rem /= 10
		}
	}
	for {
		n--
		digits[n] = byte('0' + lo%10)
		lo /= 10
		if lo == 0 {
			break
		}
	}
	num := digits[n:]
	if neg && !(len(num) == 1 && num[0] == '0') {
		b = append(b, '-')
	}
	if len(num) > int(own) {
		b = append(b, num[:len(num)-int(own)]...)
		num = num[len(num)-int(own):]
	} else {
		b = append(b, '0')
	}
	if scale == 0 {
		return b
	}
	b = append(b, '.')
	for range int(own) - len(num) {
		b = append(b, '0')
	}
	b = append(b, num...)
	for range scale - own {
		b = append(b, '0')
	}
	return b
}

// AppendText appends the shortest exact text of d (String's form) to b. It
// never fails and does not allocate when b has room.
func (d Decimal) AppendText(b []byte) ([]byte, error) { return d.v.AppendText(b) }

// MarshalText encodes d as its shortest exact text, as String does.
func (d Decimal) MarshalText() ([]byte, error) { return d.v.MarshalText() }

// UnmarshalText decodes text with Parse. On error d is unchanged.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseBytes(b)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON encodes d as a JSON string holding its shortest exact text
// ("0.001"); Binance sends decimals as strings.
func (d Decimal) MarshalJSON() ([]byte, error) {
	var buf [48]byte // sign, 39 digits, point, quotes
	b := append(buf[:0], '"')
	b, _ = d.v.AppendText(b)
	b = append(b, '"')
	return append(make([]byte, 0, len(b)), b...), nil
}

// UnmarshalJSON accepts a JSON string holding a decimal in Parse's form, or a
// JSON number. A number may use an exponent ("1.5e-3" is 0.0015 with scale 4)
// as long as the value needs at most 19 fractional digits. JSON null leaves d
// unchanged, as encoding/json expects. On error d is unchanged; the error
// wraps ErrSyntax or ErrOverflow.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v Decimal
	var err error
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		v, err = ParseBytes(b[1 : len(b)-1])
	} else {
		v, err = parseJSONNumber(b)
	}
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseJSONNumber reads a JSON number (RFC 8259: -?int(.frac)?([eE][+-]?digits)?)
// by moving the decimal point of its mantissa by the exponent and reading the
// plain text that gives.
func parseJSONNumber(b []byte) (Decimal, error) {
	s := unsafe.String(unsafe.SliceData(b), len(b))
	i := 0
	for i < len(s) && s[i] != 'e' && s[i] != 'E' {
		i++
	}
	if i == len(s) {
		return Parse(s)
	}
	mant := s[:i]
	_, hi, lo, _, err := parse(mant)
	if err != nil {
		return Zero, fmt.Errorf("parse %s: %w", quote(s), err)
	}
	exp, err := parseExponent(s[i+1:])
	if errors.Is(err, ErrOverflow) && hi == 0 && lo == 0 {
		return Zero, nil // 0e9999 is still 0
	}
	if err != nil {
		return Zero, fmt.Errorf("parse %s: %w", quote(s), err)
	}
	neg := mant[0] == '-'
	if neg {
		mant = mant[1:]
	}
	intPart, frac := mant, ""
	if dot := strings.IndexByte(mant, '.'); dot >= 0 {
		intPart, frac = mant[:dot], mant[dot+1:]
	}
	digits := intPart + frac
	point := len(intPart) + exp // digits before the point once it has moved
	out := make([]byte, 0, len(digits)+max(exp, -exp)+3)
	if neg {
		out = append(out, '-')
	}
	switch {
	case point <= 0:
		out = append(out, "0."...)
		out = append(out, strings.Repeat("0", -point)...)
		out = append(out, digits...)
	case point >= len(digits):
		out = append(out, digits...)
		out = append(out, strings.Repeat("0", point-len(digits))...)
	default:
		out = append(out, digits[:point]...)
		out = append(out, '.')
		out = append(out, digits[point:]...)
	}
	_, hi, lo, scale, err := parse(string(out))
	if err != nil {
		return Zero, fmt.Errorf("parse %s: %w", quote(s), err)
	}
	return fromParts(neg, hi, lo, scale), nil
}

// parseExponent reads the exponent of a JSON number: an optional sign and one
// or more digits. Exponents beyond ±1000 cannot give a Decimal from a mantissa
// of sane length and are refused: positive ones with ErrOverflow, negative
// ones with ErrSyntax (too many fractional digits), like Parse.
func parseExponent(s string) (int, error) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if len(s) == 0 {
		return 0, ErrSyntax
	}
	e := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrSyntax
		}
		if e <= 1000 {
			e = e*10 + int(s[i]-'0')
		}
	}
	switch {
	case e > 1000 && neg:
		return 0, fmt.Errorf("%w: more than %d fractional digits", ErrSyntax, MaxScale)
	case e > 1000:
		return 0, ErrOverflow
	case neg:
		return -e, nil
	}
	return e, nil
}

// Scale returns the number of digits after the point d carries.
func (d Decimal) Scale() uint8 { return d.v.PrecUint() }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int { return d.v.Sign() }

// IsZero reports whether d == 0.
func (d Decimal) IsZero() bool { return d.v.IsZero() }

// IsNeg reports whether d < 0.
func (d Decimal) IsNeg() bool { return d.v.IsNeg() }

// IsPos reports whether d > 0.
func (d Decimal) IsPos() bool { return d.v.IsPos() }

// Cmp returns -1, 0 or +1 as d is less than, equal to or greater than e.
func (d Decimal) Cmp(e Decimal) int { return d.v.Cmp(e.v) }

// Equal reports whether d and e are the same number, whatever their scales.
func (d Decimal) Equal(e Decimal) bool { return d.v.Cmp(e.v) == 0 }

// Less reports whether d < e.
func (d Decimal) Less(e Decimal) bool { return d.v.Cmp(e.v) < 0 }

// Neg returns -d with the scale of d.
func (d Decimal) Neg() Decimal {
	if d.v.IsZero() {
		return d
	}
	return Decimal{d.v.Neg()}
}

// Abs returns |d| with the scale of d.
func (d Decimal) Abs() Decimal {
	if !d.v.IsNeg() {
		return d
	}
	return Decimal{d.v.Neg()}
}

// Min returns the smaller of d and e, d when they are equal.
func Min(d, e Decimal) Decimal {
	if e.v.Cmp(d.v) < 0 {
		return e
	}
	return d
}

// Max returns the larger of d and e, d when they are equal.
func Max(d, e Decimal) Decimal {
	if e.v.Cmp(d.v) > 0 {
		return e
	}
	return d
}

// fits reports whether v's coefficient is held in 128 bits (udecimal falls
// back to big.Int when an intermediate result grows beyond them, and keeps
// the big.Int even when the final value is small).
func fits(v udecimal.Decimal) bool {
	_, _, _, _, ok := v.ToHiLo()
	return ok
}

// Add returns d + e exactly, with the larger scale of the two, or ErrOverflow.
func (d Decimal) Add(e Decimal) (Decimal, error) {
	r, err := add(d, e, false)
	if err != nil {
		return Zero, fmt.Errorf("%s + %s: %w", d, e, err)
	}
	return r, nil
}

// Sub returns d - e exactly, with the larger scale of the two, or ErrOverflow.
func (d Decimal) Sub(e Decimal) (Decimal, error) {
	r, err := add(d, e, true)
	if err != nil {
		return Zero, fmt.Errorf("%s - %s: %w", d, e, err)
	}
	return r, nil
}

// add returns d + e, or d - e when sub is set.
func add(d, e Decimal, sub bool) (Decimal, error) {
	dn, dh, dl, dp := d.parts()
	en, eh, el, ep := e.parts()
	en = en != sub
	if dh == 0 && eh == 0 {
		// Fast path: both coefficients, aligned to the larger scale, fit in 64 bits.
		x, y, scale := dl, el, dp
		var h uint64
		switch {
		case dp < ep:
			h, x = bits.Mul64(dl, pow10[ep-dp])
			scale = ep
		case dp > ep:
			h, y = bits.Mul64(el, pow10[dp-ep])
		}
		if h == 0 {
			if dn == en {
				lo, carry := bits.Add64(x, y, 0)
				return fromParts(dn, carry, lo, scale), nil
			}
			if x >= y {
				return fromParts(dn, 0, x-y, scale), nil
			}
			return fromParts(en, 0, y-x, scale), nil
		}
	}
	scale := max(dp, ep)
	x := mul128by64(dh, dl, pow10[scale-dp])
	y := mul128by64(eh, el, pow10[scale-ep])
	if dn == en {
		return build(dn, x.add(y), int(scale))
	}
	if x.cmp(y) >= 0 {
		return build(dn, x.sub(y), int(scale))
	}
	return build(en, y.sub(x), int(scale))
}

// Mul returns d × e exactly, with the sum of the scales (at most 19). It
// returns ErrInexact when the product needs more than 19 fractional digits
// and ErrOverflow when it does not fit.
func (d Decimal) Mul(e Decimal) (Decimal, error) {
	dn, dh, dl, dp := d.parts()
	en, eh, el, ep := e.parts()
	if dh == 0 && eh == 0 && dp+ep <= MaxScale {
		hi, lo := bits.Mul64(dl, el)
		return fromParts(dn != en, hi, lo, dp+ep), nil
	}
	r, err := build(dn != en, mul128(dh, dl, eh, el), int(dp)+int(ep))
	if err != nil {
		return Zero, fmt.Errorf("%s × %s: %w", d, e, err)
	}
	return r, nil
}

// Div returns d ÷ e truncated toward zero to scale fractional digits (scale
// above MaxScale counts as MaxScale). Money paths prefer exact forms (cost
// basis instead of average price); Div is for ratios and display. It returns
// ErrDivByZero or ErrOverflow.
func (d Decimal) Div(e Decimal, scale uint8) (Decimal, error) {
	if e.IsZero() {
		return Zero, fmt.Errorf("%s ÷ %s: %w", d, e, ErrDivByZero)
	}
	scale = min(scale, MaxScale)
	// udecimal truncates the quotient to 19 digits; truncating that again to
	// scale digits equals truncating the exact quotient.
	if q, err := d.v.Div(e.v); err == nil && fits(q) {
		q = q.Trunc(scale)
		if q.IsZero() {
			return Decimal{zeros[scale]}, nil
		}
		return Decimal{q}, nil
	}
	// The 19-digit quotient did not fit in 128 bits; the scale-digit one may.
	dn, _, _, dp := d.parts()
	en, _, _, ep := e.parts()
	n := d.bigCoef()
	n.Mul(n, bigPow10(int(scale)+int(ep)))
	m := e.bigCoef()
	m.Mul(m, bigPow10(int(dp)))
	n.Quo(n, m)
	r, err := buildBig(dn != en, n, int(scale))
	if err != nil {
		return Zero, fmt.Errorf("%s ÷ %s: %w", d, e, err)
	}
	return r, nil
}

// QuoRem returns the integer quotient q = trunc(d ÷ e) with scale 0 and the
// remainder r = d - q×e, which has the sign of d and the larger scale of d
// and e. It returns ErrDivByZero, or ErrOverflow when q does not fit.
func (d Decimal) QuoRem(e Decimal) (q, r Decimal, err error) {
	if e.IsZero() {
		return Zero, Zero, fmt.Errorf("%s mod %s: %w", d, e, ErrDivByZero)
	}
	q, r, ok := quoRem(d, e)
	if !ok {
		return Zero, Zero, fmt.Errorf("%s mod %s: quotient: %w", d, e, ErrOverflow)
	}
	return q, r, nil
}

// quoRem is QuoRem for a non-zero e. The remainder is always right; ok is
// false when the quotient does not fit.
func quoRem(d, e Decimal) (q, r Decimal, ok bool) {
	scale := max(d.Scale(), e.Scale())
	if qv, rv, err := d.v.QuoRem(e.v); err == nil && fits(qv) && fits(rv) {
		if rv.IsZero() {
			rv = zeros[scale]
		}
		return Decimal{qv}, Decimal{rv}, true
	}
	// Slow path: align both coefficients to scale and divide exactly.
	dn, _, _, dp := d.parts()
	en, _, _, ep := e.parts()
	x := d.bigCoef()
	x.Mul(x, bigPow10(int(scale-dp)))
	y := e.bigCoef()
	y.Mul(y, bigPow10(int(scale-ep)))
	qb, rb := x.QuoRem(x, y, new(big.Int))
	// |r| < |e| once aligned, and |r| ≤ |d|: r always fits at scale.
	r, err := buildBig(dn, rb, int(scale))
	if err != nil {
		panic(fmt.Sprintf("num: remainder of %s mod %s does not fit: %v", d, e, err))
	}
	q, err = buildBig(dn != en, qb, 0)
	return q, r, err == nil
}

// bigCoef returns the magnitude of d's coefficient as a new big.Int.
func (d Decimal) bigCoef() *big.Int {
	_, hi, lo, _ := d.parts()
	x := new(big.Int).SetUint64(hi)
	x.Lsh(x, 64)
	return x.Or(x, new(big.Int).SetUint64(lo))
}

func bigPow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// buildBig is build for a non-negative big.Int coefficient.
func buildBig(neg bool, x *big.Int, scale int) (Decimal, error) {
	if x.BitLen() > 256 {
		return Zero, ErrOverflow
	}
	var buf [32]byte
	x.FillBytes(buf[:])
	var c u256
	for i := range 4 {
		for j := range 8 {
			c[3-i] = c[3-i]<<8 | uint64(buf[i*8+j])
		}
	}
	return build(neg, c, scale)
}

// IsMultipleOf reports whether d is an exact multiple of step. A zero step
// accepts every value, as Binance treats a zero tickSize or stepSize as "off".
// A negative step has the same multiples as its absolute value.
func (d Decimal) IsMultipleOf(step Decimal) bool {
	if step.IsZero() {
		return true
	}
	_, r, _ := quoRem(d, step)
	return r.IsZero()
}

// RoundDown returns the largest multiple of step that is ≤ d (toward −∞), with
// the scale of step: 9033.3456 rounded down to 0.01 is 9033.34, and to
// 0.01000000 is 9033.34000000. A zero step returns d unchanged; a negative
// step rounds as its absolute value. The error is ErrOverflow, when the
// result does not fit.
func (d Decimal) RoundDown(step Decimal) (Decimal, error) {
	if step.IsZero() {
		return d, nil
	}
	step = step.Abs()
	out, err := roundToStep(d, step, false)
	if err != nil {
		return Zero, fmt.Errorf("round %s down to step %s: %w", d, step, err)
	}
	return out, nil
}

// RoundUp returns the smallest multiple of step that is ≥ d (toward +∞), with
// the scale of step. A zero step returns d unchanged; a negative step rounds
// as its absolute value. The error is ErrOverflow, when the result does not
// fit.
func (d Decimal) RoundUp(step Decimal) (Decimal, error) {
	if step.IsZero() {
		return d, nil
	}
	step = step.Abs()
	out, err := roundToStep(d, step, true)
	if err != nil {
		return Zero, fmt.Errorf("round %s up to step %s: %w", d, step, err)
	}
	return out, nil
}

// roundToStep rounds d down (or up) to a multiple of a positive step, with
// the scale of step. The result is (|q| + bump) × step with the sign of d,
// where q = trunc(d ÷ step) and bump is 1 when rounding moves away from zero;
// it is built once from the exact 256-bit product, so no intermediate value
// can overflow when the result does not.
func roundToStep(d, step Decimal, up bool) (Decimal, error) {
	neg, _, _, _ := d.parts()
	_, sh, sl, ss := step.parts()
	if qv, rv, err := d.v.QuoRem(step.v); err == nil && fits(qv) && fits(rv) {
		_, qh, ql, _ := Decimal{qv}.parts()
		c := mul128(qh, ql, sh, sl)
		if !rv.IsZero() && up != neg {
			c = c.add(u256{sl, sh})
		}
		return build(neg, c, int(ss))
	}
	// Slow path: the quotient needs more than 128 bits.
	scale := max(d.Scale(), ss)
	x := d.bigCoef()
	x.Mul(x, bigPow10(int(scale-d.Scale())))
	y := step.bigCoef()
	y.Mul(y, bigPow10(int(scale-ss)))
	q, r := x.QuoRem(x, y, new(big.Int))
	if r.Sign() != 0 && up != neg {
		q.Add(q, big.NewInt(1))
	}
	return buildBig(neg, q.Mul(q, step.bigCoef()), int(ss))
}

// Float64 returns the float64 nearest to d (ties to even), for indicators
// and statistics. The result never flows back into money. A coefficient below
// 2^53, which covers exchange prices and quantities, converts in a few
// nanoseconds; wider ones go through strconv.ParseFloat.
func (d Decimal) Float64() float64 {
	neg, hi, lo, scale := d.parts()
	if hi == 0 && lo < 1<<53 {
		// Both operands are exact float64s, so the one division rounds once.
		f := float64(lo) / pow10f[scale]
		if neg {
			return -f
		}
		return f
	}
	var buf [48]byte
	b, _ := d.v.AppendText(buf[:0])
	f, _ := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	return f
}

// ApproxFloat64 returns a float64 within a few units in the last place of
// d, without Float64's exact slow path for wide values: for estimates that
// are compared with a margin, never for anything exact.
func (d Decimal) ApproxFloat64() float64 {
	neg, hi, lo, scale := d.parts()
	f := float64(lo)
	if hi != 0 {
		f += float64(hi) * (1 << 64)
	}
	f /= pow10f[scale]
	if neg {
		return -f
	}
	return f
}

var pow10f = [MaxScale + 1]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// FromFloat64 converts f to a Decimal with the given scale (at most MaxScale),
// truncating toward zero, for turning a computed target (such as a position
// size) into an order quantity that is then rounded to the exchange step.
// f is read as the shortest decimal that converts back to f, the way
// strconv.FormatFloat(f, 'f', -1, 64) prints it, so 0.29 gives 0.29 and not
// 0.28 (the binary value of 0.29 is 0.28999…). NaN and ±Inf return ErrSyntax;
// |f| ≥ 2^128 returns ErrOverflow.
func FromFloat64(f float64, scale uint8) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Zero, fmt.Errorf("from float %v: %w", f, ErrSyntax)
	}
	scale = min(scale, MaxScale)
	if math.Abs(f) >= 0x1p128 {
		return Zero, fmt.Errorf("from float %v: %w", f, ErrOverflow)
	}
	if math.Abs(f) < 1e-19 {
		// The shortest text of f is below 10^-19: it truncates to 0 at any
		// scale, and printing it would take hundreds of digits.
		return Decimal{zeros[scale]}, nil
	}
	var buf [64]byte
	b := strconv.AppendFloat(buf[:0], f, 'f', -1, 64)
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	var c u256
	frac, dot := 0, false
	for _, ch := range b {
		if ch == '.' {
			dot = true
			continue
		}
		if dot {
			if frac == int(scale) {
				break
			}
			frac++
		}
		c = c.mul64(10).add(u256{uint64(ch - '0')})
	}
	c = c.mul64(pow10[int(scale)-frac])
	r, err := build(neg, c, int(scale))
	if err != nil {
		return Zero, fmt.Errorf("from float %v: %w", f, err)
	}
	return r, nil
}

// Int64 returns the integer part of d (truncated toward zero) and whether it
// fits in an int64.
func (d Decimal) Int64() (int64, bool) {
	neg, hi, lo, scale := d.parts()
	if scale > 0 {
		p := pow10[scale]
		var r uint64
		hi, r = hi/p, hi%p
		lo, _ = bits.Div64(r, lo, p)
	}
	return toInt64(neg, hi, lo)
}

// toInt64 converts a sign and magnitude to an int64, if it fits.
func toInt64(neg bool, hi, lo uint64) (int64, bool) {
	switch {
	case hi != 0:
		return 0, false
	case neg && lo <= 1<<63:
		return int64(-lo), true // -lo wraps to the two's complement, MinInt64 included
	case !neg && lo <= math.MaxInt64:
		return int64(lo), true
	}
	return 0, false
}

// Unscaled returns the coefficient of d at the given scale when that is exact
// and fits in an int64: d = coef × 10^-scale. It reports false when scale
// exceeds MaxScale, when d has non-zero digits beyond scale, or when the
// coefficient is out of int64 range. It is the bridge to columnar storage.
func (d Decimal) Unscaled(scale uint8) (int64, bool) {
	if scale > MaxScale {
		return 0, false
	}
	neg, hi, lo, own := d.parts()
	if own > scale {
		p := pow10[own-scale]
		var r, rem uint64
		hi, r = hi/p, hi%p
		lo, rem = bits.Div64(r, lo, p)
		if rem != 0 {
			return 0, false
		}
	}
	if hi != 0 {
		return 0, false
	}
	if own < scale {
		var h uint64
		h, lo = bits.Mul64(lo, pow10[scale-own])
		if h != 0 {
			return 0, false
		}
	}
	return toInt64(neg, 0, lo)
}

// u256 is an unsigned 256-bit integer, least significant word first. It holds
// exact intermediate results: an aligned sum (< 2^193) or a product (< 2^256).
type u256 [4]uint64

// mul128by64 returns (hi·2^64 + lo) × m.
func mul128by64(hi, lo, m uint64) u256 {
	h0, l0 := bits.Mul64(lo, m)
	h1, l1 := bits.Mul64(hi, m)
	w1, c := bits.Add64(h0, l1, 0)
	return u256{l0, w1, h1 + c, 0}
}

// mul128 returns the full product of two 128-bit integers.
func mul128(ahi, alo, bhi, blo uint64) u256 {
	h0, l0 := bits.Mul64(alo, blo)
	h1, l1 := bits.Mul64(alo, bhi)
	h2, l2 := bits.Mul64(ahi, blo)
	h3, l3 := bits.Mul64(ahi, bhi)
	w1, c1 := bits.Add64(h0, l1, 0)
	w1, c2 := bits.Add64(w1, l2, 0)
	w2, c3 := bits.Add64(h1, h2, c1)
	w2, c4 := bits.Add64(w2, l3, c2)
	return u256{l0, w1, w2, h3 + c3 + c4}
}

// mul64 returns x × m; the caller knows it does not overflow 256 bits.
func (x u256) mul64(m uint64) u256 {
	var r u256
	var carry uint64
	for i := range 4 {
		h, l := bits.Mul64(x[i], m)
		var c uint64
		r[i], c = bits.Add64(l, carry, 0)
		carry = h + c
	}
	return r
}

func (x u256) add(y u256) u256 {
	var r u256
	var c uint64
	r[0], c = bits.Add64(x[0], y[0], 0)
	r[1], c = bits.Add64(x[1], y[1], c)
	r[2], c = bits.Add64(x[2], y[2], c)
	r[3], _ = bits.Add64(x[3], y[3], c)
	return r
}

// sub returns x - y for x ≥ y.
func (x u256) sub(y u256) u256 {
	var r u256
	var b uint64
	r[0], b = bits.Sub64(x[0], y[0], 0)
	r[1], b = bits.Sub64(x[1], y[1], b)
	r[2], b = bits.Sub64(x[2], y[2], b)
	r[3], _ = bits.Sub64(x[3], y[3], b)
	return r
}

func (x u256) cmp(y u256) int {
	for i := 3; i >= 0; i-- {
		switch {
		case x[i] < y[i]:
			return -1
		case x[i] > y[i]:
			return 1
		}
	}
	return 0
}

// divmod64 returns x / m and x mod m.
func (x u256) divmod64(m uint64) (u256, uint64) {
	var q u256
	var r uint64
	for i := 3; i >= 0; i-- {
		q[i], r = bits.Div64(r, x[i], m)
	}
	return q, r
}

// build turns an exact coefficient c at scale (which may exceed MaxScale)
// into a Decimal: it drops fractional zeros beyond MaxScale (ErrInexact if a
// dropped digit is not zero), then as many more as the coefficient needs to
// fit in 128 bits (ErrOverflow if that is not enough).
func build(neg bool, c u256, scale int) (Decimal, error) {
	if scale > MaxScale {
		q, rem := c.divmod64(pow10[scale-MaxScale]) // scale ≤ 38 for a product
		if rem != 0 {
			return Zero, ErrInexact
		}
		c, scale = q, MaxScale
	}
	for c[2] != 0 || c[3] != 0 {
		q, rem := c.divmod64(10)
		if scale == 0 || rem != 0 {
			return Zero, ErrOverflow
		}
		c, scale = q, scale-1
	}
	return fromParts(neg, c[1], c[0], uint8(scale)), nil
}

// Calc chains arithmetic and keeps the first error: once an operation fails,
// every later one returns Zero and Err reports the failure. It suits
// computations of several steps that are checked once at the end. The zero
// value is ready to use.
type Calc struct{ err error }

// Err returns the first error of the chain, or nil.
func (c *Calc) Err() error { return c.err }

// Add returns x + y, or Zero after an error.
func (c *Calc) Add(x, y Decimal) Decimal {
	if c.err != nil {
		return Zero
	}
	r, err := x.Add(y)
	c.err = err
	return r
}

// Sub returns x − y, or Zero after an error.
func (c *Calc) Sub(x, y Decimal) Decimal {
	if c.err != nil {
		return Zero
	}
	r, err := x.Sub(y)
	c.err = err
	return r
}

// Mul returns x × y, or Zero after an error.
func (c *Calc) Mul(x, y Decimal) Decimal {
	if c.err != nil {
		return Zero
	}
	r, err := x.Mul(y)
	c.err = err
	return r
}

// Div returns x ÷ y truncated to scale digits, or Zero after an error.
func (c *Calc) Div(x, y Decimal, scale uint8) Decimal {
	if c.err != nil {
		return Zero
	}
	r, err := x.Div(y, scale)
	c.err = err
	return r
}
