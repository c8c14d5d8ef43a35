// Package num is the exact decimal type thunes uses for every price, quantity,
// balance, fee and PnL.
//
// A Decimal holds a signed 128-bit coefficient and a scale of 0 to 19 digits
// after the point. Arithmetic is exact: an operation whose result does not fit
// (coefficient beyond 128 bits, or more than 19 fractional digits that are not
// zero) returns an error instead of rounding or silently growing. Values are
// immutable and safe to share between goroutines. The zero value is 0.
package num

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
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
	// ErrDivByZero is returned by division and rounding by a zero step.
	ErrDivByZero = errors.New("decimal division by zero")
	// ErrSyntax means a string is not a plain decimal number.
	ErrSyntax = errors.New("invalid decimal")
)

// Decimal is an exact decimal number. Compare with Cmp or Equal, not ==: 1.0 and
// 1.00 are equal numbers with different scales.
type Decimal struct {
	v udecimal.Decimal
}

// Zero is the number 0.
var Zero Decimal

// One is the number 1.
var One = FromInt(1)

// FromInt returns v as a Decimal with scale 0.
func FromInt(v int64) Decimal {
	return Decimal{udecimal.MustFromInt64(v, 0)}
}

// New returns coef × 10^-scale. It returns ErrOverflow if scale exceeds MaxScale.
func New(coef int64, scale uint8) (Decimal, error) {
	if scale > MaxScale {
		return Zero, fmt.Errorf("new %d scale %d: %w", coef, scale, ErrOverflow)
	}
	d, err := udecimal.NewFromInt64(coef, scale)
	if err != nil {
		return Zero, fmt.Errorf("new %d scale %d: %w", coef, scale, ErrOverflow)
	}
	return Decimal{d}, nil
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
// digits, and an optional '.' followed by at most 19 digits. Exponents, spaces,
// "NaN" and "Inf" are rejected with ErrSyntax; values beyond 128 bits with
// ErrOverflow. The scale of s is kept, so Format(Parse(s)) == s for canonical
// strings ("9033.34000000" stays "9033.34000000").
func Parse(s string) (Decimal, error) {
	if err := checkSyntax(s); err != nil {
		return Zero, err
	}
	d, err := udecimal.Parse(s)
	if err != nil {
		if errors.Is(err, udecimal.ErrPrecOutOfRange) {
			return Zero, fmt.Errorf("%w: %q has more than %d fractional digits", ErrSyntax, s, MaxScale)
		}
		return Zero, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	if _, _, _, _, ok := d.ToHiLo(); !ok {
		return Zero, fmt.Errorf("parse %q: %w", s, ErrOverflow)
	}
	return Decimal{d}, nil
}

// ParseBytes is Parse for a byte slice; it does not retain b and does not
// allocate on success.
func ParseBytes(b []byte) (Decimal, error) {
	if len(b) == 0 {
		return Zero, fmt.Errorf("%w: empty", ErrSyntax)
	}
	return Parse(unsafe.String(&b[0], len(b)))
}

// MustParse is Parse for constants known to be valid; it panics on error.
func MustParse(s string) Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// checkSyntax accepts [-]digits[.digits] and [-].digits is refused, as is a
// leading '+': Binance never sends them and accepting more than it sends would
// hide corrupt input.
func checkSyntax(s string) error {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	digits, frac, dot := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if dot {
				frac++
			} else {
				digits++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return fmt.Errorf("%w: %q", ErrSyntax, s)
		}
	}
	if digits == 0 || (dot && frac == 0) {
		return fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	if frac > MaxScale {
		return fmt.Errorf("%w: %q has more than %d fractional digits", ErrSyntax, s, MaxScale)
	}
	return nil
}

// String returns the shortest exact text of d, without trailing fractional
// zeros ("1.5", "100", "-0.0001").
func (d Decimal) String() string { return d.v.String() }

// Format returns d with exactly its own scale, the inverse of Parse
// ("0.00100000" stays "0.00100000").
func (d Decimal) Format() string { return d.v.StringFixed(d.v.PrecUint()) }

// StringFixed returns d with exactly scale fractional digits, padding with zeros
// or truncating toward zero.
func (d Decimal) StringFixed(scale uint8) string {
	if scale < d.v.PrecUint() {
		return d.v.Trunc(scale).StringFixed(scale)
	}
	return d.v.StringFixed(scale)
}

// AppendText appends the shortest exact text of d to b.
func (d Decimal) AppendText(b []byte) ([]byte, error) { return d.v.AppendText(b) }

// MarshalText encodes d as its shortest exact text.
func (d Decimal) MarshalText() ([]byte, error) { return d.v.MarshalText() }

// UnmarshalText decodes text with Parse.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON encodes d as a JSON string, the way Binance sends decimals.
func (d Decimal) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24)
	b = append(b, '"')
	b, _ = d.v.AppendText(b)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a JSON string or a JSON number holding a plain decimal.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
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

// Neg returns -d.
func (d Decimal) Neg() Decimal { return Decimal{d.v.Neg()} }

// Abs returns |d|.
func (d Decimal) Abs() Decimal { return Decimal{d.v.Abs()} }

// Min returns the smaller of d and e.
func Min(d, e Decimal) Decimal {
	if e.v.Cmp(d.v) < 0 {
		return e
	}
	return d
}

// Max returns the larger of d and e.
func Max(d, e Decimal) Decimal {
	if e.v.Cmp(d.v) > 0 {
		return e
	}
	return d
}

func fits(v udecimal.Decimal) bool {
	_, _, _, _, ok := v.ToHiLo()
	return ok
}

// Add returns d + e exactly, or ErrOverflow.
func (d Decimal) Add(e Decimal) (Decimal, error) {
	r := d.v.Add(e.v)
	if !fits(r) {
		return Zero, fmt.Errorf("%s + %s: %w", d, e, ErrOverflow)
	}
	return Decimal{r}, nil
}

// Sub returns d - e exactly, or ErrOverflow.
func (d Decimal) Sub(e Decimal) (Decimal, error) {
	r := d.v.Sub(e.v)
	if !fits(r) {
		return Zero, fmt.Errorf("%s - %s: %w", d, e, ErrOverflow)
	}
	return Decimal{r}, nil
}

// Mul returns d × e exactly. It returns ErrOverflow when the product does not
// fit, and ErrInexact when it needs more than 19 fractional digits.
func (d Decimal) Mul(e Decimal) (Decimal, error) {
	if int(d.v.PrecUint())+int(e.v.PrecUint()) > MaxScale {
		d, e = d.trim(), e.trim()
		if int(d.v.PrecUint())+int(e.v.PrecUint()) > MaxScale {
			return Zero, fmt.Errorf("%s × %s: %w", d, e, ErrInexact)
		}
	}
	r := d.v.Mul(e.v)
	if !fits(r) {
		return Zero, fmt.Errorf("%s × %s: %w", d, e, ErrOverflow)
	}
	return Decimal{r}, nil
}

// trim drops trailing fractional zeros; it never changes the value.
func (d Decimal) trim() Decimal {
	p := d.v.PrecUint()
	for p > 0 {
		t := d.v.Trunc(p - 1)
		if t.Cmp(d.v) != 0 {
			break
		}
		d.v = t
		p--
	}
	return d
}

// Div returns d ÷ e truncated toward zero to scale fractional digits. Money
// paths prefer exact forms (cost basis instead of average price); Div is for
// ratios and display. It returns ErrDivByZero or ErrOverflow.
func (d Decimal) Div(e Decimal, scale uint8) (Decimal, error) {
	if e.IsZero() {
		return Zero, fmt.Errorf("%s ÷ %s: %w", d, e, ErrDivByZero)
	}
	if scale > MaxScale {
		scale = MaxScale
	}
	r, err := d.v.Div(e.v)
	if err != nil || !fits(r) {
		return Zero, fmt.Errorf("%s ÷ %s: %w", d, e, ErrOverflow)
	}
	return Decimal{r.Trunc(scale)}, nil
}

// QuoRem returns the integer quotient q = trunc(d ÷ e) and the remainder
// r = d - q×e, which has the sign of d.
func (d Decimal) QuoRem(e Decimal) (q, r Decimal, err error) {
	if e.IsZero() {
		return Zero, Zero, fmt.Errorf("%s mod %s: %w", d, e, ErrDivByZero)
	}
	qv, rv, err := d.v.QuoRem(e.v)
	if err != nil || !fits(qv) || !fits(rv) {
		return Zero, Zero, fmt.Errorf("%s mod %s: %w", d, e, ErrOverflow)
	}
	return Decimal{qv}, Decimal{rv}, nil
}

// IsMultipleOf reports whether d is an exact multiple of step. A zero step
// accepts every value, as Binance treats a zero tickSize or stepSize as "off".
func (d Decimal) IsMultipleOf(step Decimal) bool {
	if step.IsZero() {
		return true
	}
	_, r, err := d.QuoRem(step)
	return err == nil && r.IsZero()
}

// RoundDown returns the largest multiple of step that is ≤ d (toward −∞), with
// the scale of step when that is larger. A zero step returns d unchanged.
func (d Decimal) RoundDown(step Decimal) (Decimal, error) {
	if step.IsZero() {
		return d, nil
	}
	if step.IsNeg() {
		return Zero, fmt.Errorf("round %s to step %s: %w", d, step, ErrSyntax)
	}
	_, r, err := d.QuoRem(step)
	if err != nil {
		return Zero, err
	}
	if r.IsZero() {
		return d, nil
	}
	out, err := d.Sub(r)
	if err != nil {
		return Zero, err
	}
	if r.IsNeg() {
		return out.Sub(step)
	}
	return out, nil
}

// RoundUp returns the smallest multiple of step that is ≥ d (toward +∞). A zero
// step returns d unchanged.
func (d Decimal) RoundUp(step Decimal) (Decimal, error) {
	down, err := d.RoundDown(step)
	if err != nil || down.Equal(d) {
		return down, err
	}
	return down.Add(step)
}

// Float64 returns the nearest float64 to d, for indicators and statistics.
// The result never flows back into money.
func (d Decimal) Float64() float64 {
	neg, hi, lo, prec, _ := d.v.ToHiLo()
	f := float64(lo)
	if hi != 0 {
		f += float64(hi) * (1 << 64)
	}
	if prec > 0 {
		f /= pow10f[prec]
	}
	if neg {
		f = -f
	}
	return f
}

var pow10f = [MaxScale + 1]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// FromFloat64 converts f to a Decimal truncated toward zero at scale digits,
// for turning a computed target (such as a position size) into an order
// quantity that is then rounded to the exchange step. NaN, ±Inf and values out
// of range return an error.
func FromFloat64(f float64, scale uint8) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Zero, fmt.Errorf("%w: %v", ErrSyntax, f)
	}
	if scale > 18 {
		scale = 18
	}
	x := math.Trunc(f * pow10f[scale])
	if math.Abs(x) >= math.MaxInt64 {
		return Zero, fmt.Errorf("from float %v: %w", f, ErrOverflow)
	}
	return New(int64(x), scale)
}

// Int64 returns the integer part of d (truncated toward zero) and whether it
// fits in an int64.
func (d Decimal) Int64() (int64, bool) {
	v, err := d.v.Int64()
	return v, err == nil
}

// Unscaled returns the coefficient of d at the given scale when it is exact and
// fits in an int64: d = coef × 10^-scale. It is the bridge to columnar storage.
func (d Decimal) Unscaled(scale uint8) (int64, bool) {
	neg, hi, lo, prec, ok := d.v.ToHiLo()
	if !ok || hi != 0 || prec > scale || scale > MaxScale {
		return 0, false
	}
	m := uint64(1)
	for i := prec; i < scale; i++ {
		m *= 10
	}
	h, l := bits.Mul64(lo, m)
	if h != 0 || l > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(l), true
	}
	return int64(l), true
}
