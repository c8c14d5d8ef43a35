package num

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

const maxCoef = "340282366920938463463374607431768211455" // 2^128 - 1

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		format string // "" when an error is expected
		str    string
		scale  uint8
		err    error
	}{
		{in: "9033.34000000", format: "9033.34000000", str: "9033.34", scale: 8},
		{in: "0.00100000", format: "0.00100000", str: "0.001", scale: 8},
		{in: "105137.2", format: "105137.2", str: "105137.2", scale: 1},
		{in: "0", format: "0", str: "0", scale: 0},
		{in: "0.00000000", format: "0.00000000", str: "0", scale: 8},
		{in: "-0", format: "0", str: "0", scale: 0},
		{in: "-0.00", format: "0.00", str: "0", scale: 2},
		{in: "-1.5", format: "-1.5", str: "-1.5", scale: 1},
		{in: "007", format: "7", str: "7", scale: 0},
		{in: "00.10", format: "0.10", str: "0.1", scale: 2},
		{in: strings.Repeat("0", 300) + "1", format: "1", str: "1", scale: 0},
		{in: "0.1234567890123456789", format: "0.1234567890123456789", str: "0.1234567890123456789", scale: 19},
		{in: maxCoef, format: maxCoef, str: maxCoef, scale: 0},
		{in: "-" + maxCoef, format: "-" + maxCoef, str: "-" + maxCoef, scale: 0},
		{in: "34028236692093846346.3374607431768211455", format: "34028236692093846346.3374607431768211455",
			str: "34028236692093846346.3374607431768211455", scale: 19},
		{in: "18446744073709551616", format: "18446744073709551616", str: "18446744073709551616", scale: 0}, // 2^64

		{in: "340282366920938463463374607431768211456", err: ErrOverflow}, // 2^128
		{in: "1234567890123456789012345678901234567890", err: ErrOverflow},
		{in: "34028236692093846346.3374607431768211456", err: ErrOverflow},
		{in: "-" + strings.Repeat("9", 100), err: ErrOverflow},
		{in: strings.Repeat("9", 100) + "x", err: ErrSyntax}, // syntax wins over overflow
		{in: "0.12345678901234567890", err: ErrSyntax},       // 20 fractional digits
		{in: "0.00000000000000000000", err: ErrSyntax},
		{in: "", err: ErrSyntax},
		{in: "-", err: ErrSyntax},
		{in: ".", err: ErrSyntax},
		{in: "1.", err: ErrSyntax},
		{in: ".5", err: ErrSyntax},
		{in: "-.5", err: ErrSyntax},
		{in: "+1", err: ErrSyntax},
		{in: "1e5", err: ErrSyntax},
		{in: "1E5", err: ErrSyntax},
		{in: " 1", err: ErrSyntax},
		{in: "1 ", err: ErrSyntax},
		{in: "NaN", err: ErrSyntax},
		{in: "Inf", err: ErrSyntax},
		{in: "-Inf", err: ErrSyntax},
		{in: "1.2.3", err: ErrSyntax},
		{in: "1,5", err: ErrSyntax},
		{in: "--1", err: ErrSyntax},
		{in: "0x10", err: ErrSyntax},
		{in: "1_000", err: ErrSyntax},
		{in: "١", err: ErrSyntax},
		{in: "\"1\"", err: ErrSyntax},
	}
	for _, tt := range tests {
		for _, parse := range []struct {
			name string
			fn   func(string) (Decimal, error)
		}{
			{"Parse", Parse},
			{"ParseBytes", func(s string) (Decimal, error) { return ParseBytes([]byte(s)) }},
		} {
			d, err := parse.fn(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("%s(%.50q) = %s, %v; want %v", parse.name, tt.in, d, err, tt.err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s(%.50q): %v", parse.name, tt.in, err)
				continue
			}
			if d.Format() != tt.format || d.String() != tt.str || d.Scale() != tt.scale {
				t.Errorf("%s(%.50q): Format %q String %q Scale %d; want %q %q %d",
					parse.name, tt.in, d.Format(), d.String(), d.Scale(), tt.format, tt.str, tt.scale)
			}
		}
	}
}

func TestParseBytesDoesNotRetain(t *testing.T) {
	b := []byte("123.45")
	d, err := ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	copy(b, "999.99")
	if d.Format() != "123.45" {
		t.Errorf("after reusing the buffer d = %s, want 123.45", d.Format())
	}
	if _, err := ParseBytes(nil); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseBytes(nil) error = %v, want ErrSyntax", err)
	}
}

func TestParseErrorIsShort(t *testing.T) {
	_, err := Parse(strings.Repeat("x", 1<<20))
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("error for a 1 MiB input is %d bytes long", len(err.Error()))
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"x\") did not panic")
		}
	}()
	MustParse("x")
}

func TestNew(t *testing.T) {
	tests := []struct {
		coef   int64
		scale  uint8
		format string
		err    error
	}{
		{coef: 0, scale: 0, format: "0"},
		{coef: 0, scale: 8, format: "0.00000000"},
		{coef: 150, scale: 2, format: "1.50"},
		{coef: -5, scale: 3, format: "-0.005"},
		{coef: math.MaxInt64, scale: 0, format: "9223372036854775807"},
		{coef: math.MinInt64, scale: 0, format: "-9223372036854775808"},
		{coef: math.MaxInt64, scale: 19, format: "0.9223372036854775807"},
		{coef: math.MinInt64, scale: 19, format: "-0.9223372036854775808"},
		{coef: 1, scale: 20, err: ErrOverflow},
	}
	for _, tt := range tests {
		d, err := New(tt.coef, tt.scale)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("New(%d, %d) error = %v, want %v", tt.coef, tt.scale, err, tt.err)
			}
			continue
		}
		if err != nil || d.Format() != tt.format || d.Scale() != tt.scale {
			t.Errorf("New(%d, %d) = %s (scale %d), %v; want %s", tt.coef, tt.scale, d.Format(), d.Scale(), err, tt.format)
		}
		if tt.scale == 0 && !FromInt(tt.coef).Equal(d) {
			t.Errorf("FromInt(%d) = %s", tt.coef, FromInt(tt.coef))
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MustNew(1, 20) did not panic")
			}
		}()
		MustNew(1, 20)
	}()
	if !One.Equal(MustParse("1")) || !Zero.IsZero() || Zero.Format() != "0" {
		t.Errorf("One = %s, Zero = %s", One, Zero)
	}
}

func TestStringFixed(t *testing.T) {
	tests := []struct {
		in    string
		scale uint8
		want  string
	}{
		{"1.5", 4, "1.5000"},
		{"1.999", 2, "1.99"},
		{"-1.999", 2, "-1.99"},
		{"-0.001", 2, "0.00"},
		{"5", 0, "5"},
		{"5.5", 0, "5"},
		{"-5.5", 0, "-5"},
		{"0.00000000", 2, "0.00"},
		{"0", 3, "0.000"},
		{"123", 25, "123." + strings.Repeat("0", 25)},
		{maxCoef, 2, maxCoef + ".00"},
		{"34028236692093846346.3374607431768211455", 3, "34028236692093846346.337"},
	}
	for _, tt := range tests {
		if got := MustParse(tt.in).StringFixed(tt.scale); got != tt.want {
			t.Errorf("%s.StringFixed(%d) = %q, want %q", tt.in, tt.scale, got, tt.want)
		}
	}
}

func TestPredicates(t *testing.T) {
	tests := []struct {
		in                  string
		sign                int
		zero, neg, pos      bool
		negated, abs, int64 string
	}{
		{"0.00", 0, true, false, false, "0.00", "0.00", "0"},
		{"1.50", 1, false, false, true, "-1.50", "1.50", "1"},
		{"-1.50", -1, false, true, false, "1.50", "1.50", "-1"},
		{"-0.0001", -1, false, true, false, "0.0001", "0.0001", "0"},
	}
	for _, tt := range tests {
		d := MustParse(tt.in)
		if d.Sign() != tt.sign || d.IsZero() != tt.zero || d.IsNeg() != tt.neg || d.IsPos() != tt.pos {
			t.Errorf("%s: Sign %d IsZero %v IsNeg %v IsPos %v", tt.in, d.Sign(), d.IsZero(), d.IsNeg(), d.IsPos())
		}
		if d.Neg().Format() != tt.negated || d.Abs().Format() != tt.abs {
			t.Errorf("%s: Neg %s Abs %s; want %s %s", tt.in, d.Neg().Format(), d.Abs().Format(), tt.negated, tt.abs)
		}
		if i, ok := d.Int64(); !ok || strconv.FormatInt(i, 10) != tt.int64 {
			t.Errorf("%s.Int64() = %d, %v; want %s", tt.in, i, ok, tt.int64)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		cmp  int
	}{
		{"1.0", "1.00", 0},
		{"0", "0.00000000", 0},
		{"-0.00", "0", 0},
		{"1.5", "1.49", 1},
		{"-1.5", "-1.49", -1},
		{"-1", "0.0000000000000000001", -1},
		{maxCoef, "-" + maxCoef, 1},
		{maxCoef, "34028236692093846346.3374607431768211455", 1},
		{"0.0000000000000000001", "0", 1},
	}
	for _, tt := range tests {
		a, b := MustParse(tt.a), MustParse(tt.b)
		if a.Cmp(b) != tt.cmp || b.Cmp(a) != -tt.cmp {
			t.Errorf("Cmp(%s, %s) = %d, reverse %d; want %d", tt.a, tt.b, a.Cmp(b), b.Cmp(a), tt.cmp)
		}
		if a.Equal(b) != (tt.cmp == 0) || a.Less(b) != (tt.cmp < 0) {
			t.Errorf("Equal/Less(%s, %s) disagree with Cmp %d", tt.a, tt.b, tt.cmp)
		}
		lo, hi := Min(a, b), Max(a, b)
		if tt.cmp <= 0 && (lo.Format() != a.Format() || hi.Cmp(b) != 0) ||
			tt.cmp > 0 && (lo.Format() != b.Format() || hi.Format() != a.Format()) {
			t.Errorf("Min/Max(%s, %s) = %s, %s", tt.a, tt.b, lo.Format(), hi.Format())
		}
	}
}

func TestArithmetic(t *testing.T) {
	tests := []struct {
		op   string // "+", "-", "*"
		a, b string
		want string // Format of the result; "" when err is set
		err  error
	}{
		{op: "+", a: "1.50", b: "1.50", want: "3.00"},
		{op: "+", a: "9033.34000000", b: "0.015", want: "9033.35500000"},
		{op: "+", a: "-1.5", b: "1.5", want: "0.0"},
		{op: "-", a: "1.00000000", b: "1.00000000", want: "0.00000000"},
		{op: "-", a: "1", b: "1.25", want: "-0.25"},
		{op: "-", a: "-1", b: "-1.25", want: "0.25"},
		{op: "+", a: maxCoef, b: "1", err: ErrOverflow},
		{op: "-", a: "-" + maxCoef, b: "1", err: ErrOverflow},
		{op: "+", a: maxCoef, b: "-1", want: "340282366920938463463374607431768211454"},
		{op: "-", a: maxCoef, b: maxCoef, want: "0"},
		// Aligning the scales overflows 128 bits but the sum fits.
		{op: "+", a: "35000000000000000000", b: "-34000000000000000000.0000000000000000000",
			want: "1000000000000000000.0000000000000000000"},
		// The sum does not fit at scale 19; it keeps the most zeros that fit.
		{op: "+", a: "10000000000000000000000000000000", b: "0.5000000000000000000",
			want: "10000000000000000000000000000000.5000000"},
		{op: "+", a: maxCoef, b: "0.5", err: ErrOverflow},

		{op: "*", a: "9033.34000000", b: "0.00100000", want: "9.0333400000000000"},
		{op: "*", a: "-2.5", b: "4", want: "-10.0"},
		{op: "*", a: "-2.5", b: "-4", want: "10.0"},
		{op: "*", a: "-0.5", b: "0", want: "0.0"},
		{op: "*", a: "0.0000000005", b: "0.0000000002", want: "0.0000000000000000001"},
		{op: "*", a: "0.0000000005", b: "0.0000000003", err: ErrInexact},
		{op: "*", a: "0.1000000000000000000", b: "0.1000000000000000000", want: "0.0100000000000000000"},
		{op: "*", a: "0.0000000001", b: "0.0000000001", err: ErrInexact},
		{op: "*", a: maxCoef, b: "0.0000000000000000001", want: "34028236692093846346.3374607431768211455"},
		{op: "*", a: maxCoef, b: "2", err: ErrOverflow},
		{op: "*", a: "18446744073709551616", b: "18446744073709551616", err: ErrOverflow},
		{op: "*", a: "18446744073709551616", b: "18446744073709551615", want: "340282366920938463444927863358058659840"},
		{op: "*", a: "1000000000000000000000000000000.00", b: "100000000", want: "100000000000000000000000000000000000000"},
		// Needs 21 fractional digits and does not fit either: ErrInexact wins.
		{op: "*", a: "3402823669209384634633746074317682114.55", b: "0.0000000000000000003", err: ErrInexact},
	}
	for _, tt := range tests {
		a, b := MustParse(tt.a), MustParse(tt.b)
		var got Decimal
		var err error
		switch tt.op {
		case "+":
			got, err = a.Add(b)
		case "-":
			got, err = a.Sub(b)
		case "*":
			got, err = a.Mul(b)
		}
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("%s %s %s = %s, %v; want %v", tt.a, tt.op, tt.b, got.Format(), err, tt.err)
			}
			continue
		}
		if err != nil || got.Format() != tt.want {
			t.Errorf("%s %s %s = %s, %v; want %s", tt.a, tt.op, tt.b, got.Format(), err, tt.want)
		}
	}
}

func TestDiv(t *testing.T) {
	tests := []struct {
		a, b  string
		scale uint8
		want  string
		err   error
	}{
		{a: "1", b: "3", scale: 8, want: "0.33333333"},
		{a: "-1", b: "3", scale: 2, want: "-0.33"},
		{a: "1", b: "-3", scale: 2, want: "-0.33"},
		{a: "2", b: "3", scale: 0, want: "0"},
		{a: "-2", b: "3", scale: 0, want: "0"},
		{a: "-2", b: "3", scale: 4, want: "-0.6666"},
		{a: "10", b: "4", scale: 1, want: "2.5"},
		{a: "10", b: "4", scale: 3, want: "2.500"},
		{a: "0.00", b: "7", scale: 8, want: "0.00000000"},
		{a: "1", b: "0.3", scale: 19, want: "3.3333333333333333333"},
		{a: "1", b: "3", scale: 25, want: "0.3333333333333333333"},
		{a: "9033.34", b: "0.00100000", scale: 8, want: "9033340.00000000"},
		{a: "10000000000000000000000000000", b: "0.0000000001", scale: 0, want: "100000000000000000000000000000000000000"},
		{a: "10000000000000000000000000000", b: "0.0000000001", scale: 2, want: "100000000000000000000000000000000000000"},
		{a: "100000000000000000000000000000", b: "0.0000000001", scale: 0, err: ErrOverflow},
		{a: "1", b: "0", scale: 2, err: ErrDivByZero},
		{a: "0", b: "0.00", scale: 2, err: ErrDivByZero},
	}
	for _, tt := range tests {
		got, err := MustParse(tt.a).Div(MustParse(tt.b), tt.scale)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("%s ÷ %s (%d) = %s, %v; want %v", tt.a, tt.b, tt.scale, got.Format(), err, tt.err)
			}
			continue
		}
		if err != nil || got.Format() != tt.want {
			t.Errorf("%s ÷ %s (%d) = %s, %v; want %s", tt.a, tt.b, tt.scale, got.Format(), err, tt.want)
		}
	}
}

func TestQuoRem(t *testing.T) {
	tests := []struct {
		a, b string
		q, r string
		err  error
	}{
		{a: "10", b: "3", q: "3", r: "1"},
		{a: "-10", b: "3", q: "-3", r: "-1"},
		{a: "10", b: "-3", q: "-3", r: "1"},
		{a: "-10", b: "-3", q: "3", r: "-1"},
		{a: "7.5", b: "2", q: "3", r: "1.5"},
		{a: "1", b: "0.3", q: "3", r: "0.1"},
		{a: "0.9", b: "0.30", q: "3", r: "0.00"},
		{a: "0", b: "5", q: "0", r: "0"},
		{a: "35000000000000000000", b: "0.0000000000000000003",
			q: "116666666666666666666666666666666666666", r: "0.0000000000000000002"},
		{a: maxCoef, b: "0.0000000000000000001", err: ErrOverflow},
		{a: "1", b: "0", err: ErrDivByZero},
	}
	for _, tt := range tests {
		q, r, err := MustParse(tt.a).QuoRem(MustParse(tt.b))
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("QuoRem(%s, %s) = %s, %s, %v; want %v", tt.a, tt.b, q, r, err, tt.err)
			}
			continue
		}
		if err != nil || q.Format() != tt.q || r.Format() != tt.r {
			t.Errorf("QuoRem(%s, %s) = %s, %s, %v; want %s, %s", tt.a, tt.b, q.Format(), r.Format(), err, tt.q, tt.r)
		}
	}
}

func TestRounding(t *testing.T) {
	tests := []struct {
		in, step string
		down, up string
		multiple bool
		downErr  error
		upErr    error
	}{
		{in: "9033.3456", step: "0.01", down: "9033.34", up: "9033.35"},
		{in: "9033.34", step: "0.01000000", down: "9033.34000000", up: "9033.34000000", multiple: true},
		{in: "9033.34000000", step: "0.01", down: "9033.34", up: "9033.34", multiple: true},
		{in: "-1.234", step: "0.01", down: "-1.24", up: "-1.23"},
		{in: "-1.23", step: "0.01", down: "-1.23", up: "-1.23", multiple: true},
		{in: "0.0009", step: "0.00100000", down: "0.00000000", up: "0.00100000"},
		{in: "-0.0009", step: "0.001", down: "-0.001", up: "0.000"},
		{in: "0", step: "0.001", down: "0.000", up: "0.000", multiple: true},
		{in: "5.5", step: "0", down: "5.5", up: "5.5", multiple: true},
		{in: "5.7", step: "-0.5", down: "5.5", up: "6.0"},
		{in: "1.3", step: "0.25", down: "1.25", up: "1.50"},
		{in: "12", step: "5", down: "10", up: "15"},
		{in: "-12", step: "5", down: "-15", up: "-10"},
		{in: "0.9", step: "0.3", down: "0.9", up: "0.9", multiple: true},
		{in: "1", step: "0.3", down: "0.9", up: "1.2"},
		{in: maxCoef, step: "10", down: "340282366920938463463374607431768211450", upErr: ErrOverflow},
		// The quotient does not fit in 128 bits; the rounded value does, at a smaller scale.
		{in: maxCoef, step: "0.0000000000000000001", down: maxCoef, up: maxCoef, multiple: true},
		{in: "-" + maxCoef, step: "10", downErr: ErrOverflow, up: "-340282366920938463463374607431768211450"},
		// d - r and d + step - r need 8 fractional digits and do not fit; the
		// rounded-up value needs 7 and does.
		{in: "34028236692093846346337460743176.8211059", step: "0.00000025",
			downErr: ErrOverflow, up: "34028236692093846346337460743176.8211060"},
		// step - |d| does not fit; -step does.
		{in: "-6487428557.112455031", step: "3402823669209384634633746074317.68211148",
			down: "-3402823669209384634633746074317.68211148", up: "0.00000000"},
	}
	for _, tt := range tests {
		d, step := MustParse(tt.in), MustParse(tt.step)
		down, err := d.RoundDown(step)
		if tt.downErr != nil {
			if !errors.Is(err, tt.downErr) {
				t.Errorf("%s.RoundDown(%s) = %s, %v; want %v", tt.in, tt.step, down.Format(), err, tt.downErr)
			}
		} else if err != nil || down.Format() != tt.down {
			t.Errorf("%s.RoundDown(%s) = %s, %v; want %s", tt.in, tt.step, down.Format(), err, tt.down)
		}
		up, err := d.RoundUp(step)
		if tt.upErr != nil {
			if !errors.Is(err, tt.upErr) {
				t.Errorf("%s.RoundUp(%s) = %s, %v; want %v", tt.in, tt.step, up.Format(), err, tt.upErr)
			}
		} else if err != nil || up.Format() != tt.up {
			t.Errorf("%s.RoundUp(%s) = %s, %v; want %s", tt.in, tt.step, up.Format(), err, tt.up)
		}
		if got := d.IsMultipleOf(step); got != tt.multiple {
			t.Errorf("%s.IsMultipleOf(%s) = %v, want %v", tt.in, tt.step, got, tt.multiple)
		}
	}
}

func TestFloat64(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"0", 0},
		{"0.00000000", 0},
		{"0.1", 0.1},
		{"9033.34000000", 9033.34},
		{"-1.5", -1.5},
		{"0.1234567890123456789", 0.1234567890123456789},
		{"9007199254740993", 9007199254740992}, // 2^53 + 1 rounds to even
		{maxCoef, 3.402823669209384634633746074317682114e38},
		{"-34028236692093846346.3374607431768211455", -34028236692093846346.3374607431768211455},
		{"0.0000000000000000001", 1e-19},
		{"0.9007199254740993001", 0.9007199254740993001},
		// float64(coefficient) / 10^scale rounds twice and misses by an ulp here.
		{"6.3874472715531422334", 6.3874472715531422334},
		{"112481.7559130279191", 112481.7559130279191},
	}
	for _, tt := range tests {
		if got := MustParse(tt.in).Float64(); got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("%s.Float64() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFromFloat64(t *testing.T) {
	tests := []struct {
		f     float64
		scale uint8
		want  string
		err   error
	}{
		{f: 0.29, scale: 2, want: "0.29"},
		{f: -0.29, scale: 2, want: "-0.29"},
		{f: 0.1 + 0.2, scale: 2, want: "0.30"},
		{f: 1.005, scale: 2, want: "1.00"},
		{f: 123.456, scale: 0, want: "123"},
		{f: -123.456, scale: 0, want: "-123"},
		{f: 0.5, scale: 8, want: "0.50000000"},
		{f: 1e-20, scale: 8, want: "0.00000000"},
		{f: -1e-20, scale: 8, want: "0.00000000"},
		{f: math.Copysign(0, -1), scale: 2, want: "0.00"},
		{f: -0.001, scale: 2, want: "0.00"},
		{f: 1e-19, scale: 19, want: "0.0000000000000000001"},
		{f: 0.1, scale: 25, want: "0.1000000000000000000"},
		{f: 12345678.9, scale: 18, want: "12345678.900000000000000000"},
		{f: 1e30, scale: 19, want: "1000000000000000000000000000000.00000000"},
		{f: 3e38, scale: 0, want: "300000000000000000000000000000000000000"},
		{f: 4e38, scale: 0, err: ErrOverflow},
		{f: -math.MaxFloat64, scale: 0, err: ErrOverflow},
		{f: math.NaN(), scale: 2, err: ErrSyntax},
		{f: math.Inf(1), scale: 2, err: ErrSyntax},
		{f: math.Inf(-1), scale: 2, err: ErrSyntax},
	}
	for _, tt := range tests {
		got, err := FromFloat64(tt.f, tt.scale)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("FromFloat64(%v, %d) = %s, %v; want %v", tt.f, tt.scale, got.Format(), err, tt.err)
			}
			continue
		}
		if err != nil || got.Format() != tt.want {
			t.Errorf("FromFloat64(%v, %d) = %s, %v; want %s", tt.f, tt.scale, got.Format(), err, tt.want)
		}
	}
}

func TestInt64(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1.9", 1, true},
		{"-1.9", -1, true},
		{"0.00", 0, true},
		{"9223372036854775807.9", math.MaxInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775808", math.MinInt64, true},
		{"-9223372036854775808.5", math.MinInt64, true},
		{"-9223372036854775809", 0, false},
		{maxCoef, 0, false},
		{"1844674407370955161.6000000000000000000", 1844674407370955161, true},
	}
	for _, tt := range tests {
		if got, ok := MustParse(tt.in).Int64(); got != tt.want || ok != tt.ok {
			t.Errorf("%s.Int64() = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUnscaled(t *testing.T) {
	tests := []struct {
		in    string
		scale uint8
		want  int64
		ok    bool
	}{
		{"1.5", 2, 150, true},
		{"1.50", 1, 15, true},
		{"1.55", 1, 0, false},
		{"-9033.34000000", 8, -903334000000, true},
		{"-9223372036854775808", 0, math.MinInt64, true},
		{"9223372036854775808", 0, 0, false},
		{"92233720368547758.07", 2, math.MaxInt64, true},
		{"-0.9223372036854775808", 19, math.MinInt64, true},
		{"0.00000000", 2, 0, true},
		{"1", 19, 0, false},
		{"0.1", 19, 1e18, true},
		{"10.0000000000000000000", 0, 10, true}, // the coefficient itself is above 2^64
		{"1", 20, 0, false},
		{maxCoef, 0, 0, false},
	}
	for _, tt := range tests {
		if got, ok := MustParse(tt.in).Unscaled(tt.scale); got != tt.want || ok != tt.ok {
			t.Errorf("%s.Unscaled(%d) = %d, %v; want %d, %v", tt.in, tt.scale, got, ok, tt.want, tt.ok)
		}
	}
}

// TestZeroAllocs holds the hot paths to their budget: no allocation.
func TestZeroAllocs(t *testing.T) {
	price, qty := MustParse("9033.34000000"), MustParse("0.00100000")
	fee, tick := MustParse("0.015"), MustParse("0.01000000")
	raw := []byte("9033.34000000")
	buf := make([]byte, 0, 64)
	var sink Decimal
	var sinkF float64
	var sinkI int
	var sinkB bool
	tests := []struct {
		name string
		fn   func()
	}{
		{"Add", func() { sink, _ = price.Add(qty) }},
		{"Add mixed scales", func() { sink, _ = price.Add(fee) }},
		{"Sub", func() { sink, _ = price.Sub(fee) }},
		{"Mul", func() { sink, _ = price.Mul(qty) }},
		{"Mul scale 38", func() { sink, _ = MustParse("0.1000000000000000000").Mul(MustParse("0.5000000000000000000")) }},
		{"Cmp", func() { sinkI = price.Cmp(qty) }},
		{"ParseBytes", func() { sink, _ = ParseBytes(raw) }},
		{"RoundDown", func() { sink, _ = price.RoundDown(tick) }},
		{"RoundUp", func() { sink, _ = price.RoundUp(tick) }},
		{"IsMultipleOf", func() { sinkB = price.IsMultipleOf(tick) }},
		{"QuoRem", func() { sink, _, _ = price.QuoRem(tick) }},
		{"Div", func() { sink, _ = price.Div(qty, 8) }},
		{"Float64", func() { sinkF = price.Float64() }},
		{"Float64 wide", func() { sinkF = MustParse(maxCoef).Float64() }},
		{"AppendText", func() { buf, _ = price.AppendText(buf[:0]) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tt.name, n)
		}
	}
	_, _, _, _ = sink, sinkF, sinkI, sinkB
}

func TestApproxFloat64(t *testing.T) {
	for _, s := range []string{"0", "1", "-2.5", "10625.1385350345", "6.3874472715531422334", "-34028236692093846346.3374607431768211455", "0.0000000000000000001"} {
		d := MustParse(s)
		exact, approx := d.Float64(), d.ApproxFloat64()
		if diff := math.Abs(exact - approx); diff > math.Abs(exact)*1e-15 {
			t.Errorf("%s: approx %v, exact %v", s, approx, exact)
		}
	}
}

func TestCalcKeepsFirstError(t *testing.T) {
	var c Calc
	a := c.Add(MustParse("1.5"), MustParse("2"))
	b := c.Mul(a, MustParse("2"))
	if c.Err() != nil || !b.Equal(MustParse("7")) {
		t.Fatalf("chain: %s %v", b, c.Err())
	}
	huge := MustParse("300000000000000000000")
	_ = c.Mul(huge, huge) // overflows
	first := c.Err()
	if !errors.Is(first, ErrOverflow) {
		t.Fatalf("overflow not kept: %v", first)
	}
	if got := c.Add(One, One); !got.IsZero() || c.Err() != first {
		t.Fatalf("after an error: %s %v", got, c.Err())
	}
	if got := c.Div(One, Zero, 2); !got.IsZero() || c.Err() != first {
		t.Fatal("a later error replaced the first")
	}
}
