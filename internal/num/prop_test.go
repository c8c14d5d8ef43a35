package num

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// Property tests: random operands (fixed seed), math/big as the oracle.

const cases = 20000

func TestPropAddSub(t *testing.T) {
	r := newRand()
	for range cases {
		a, x, _ := randValue(t, r)
		b, y, _ := randValue(t, r)
		natural := int(max(a.Scale(), b.Scale()))
		sum, err := a.Add(b)
		checkExact(t, fmt.Sprintf("%s + %s", a.Format(), b.Format()), sum, err, new(big.Rat).Add(x, y), natural)
		diff, err := a.Sub(b)
		checkExact(t, fmt.Sprintf("%s - %s", a.Format(), b.Format()), diff, err, new(big.Rat).Sub(x, y), natural)
	}
}

func TestPropMul(t *testing.T) {
	r := newRand()
	var exact, inexact, overflow int
	for range cases {
		a, x, _ := randValue(t, r)
		b, y, _ := randValue(t, r)
		p, err := a.Mul(b)
		want := new(big.Rat).Mul(x, y)
		checkExact(t, fmt.Sprintf("%s × %s", a.Format(), b.Format()), p, err, want, min(int(a.Scale())+int(b.Scale()), MaxScale))
		switch _, werr := represent(want); werr {
		case nil:
			exact++
		case ErrInexact:
			inexact++
		default:
			overflow++
		}
	}
	// The draw must reach every outcome, or the test proves little.
	if exact < cases/10 || inexact < cases/20 || overflow < cases/20 {
		t.Errorf("weak draw: %d exact, %d inexact, %d overflow", exact, inexact, overflow)
	}
}

func TestPropCmp(t *testing.T) {
	r := newRand()
	for i := range cases {
		a, x, s := randValue(t, r)
		b, y, _ := randValue(t, r)
		if i%4 == 0 && strings.Contains(s, ".") {
			// The same number written with more trailing zeros.
			if more, err := Parse(s + strings.Repeat("0", r.IntN(3))); err == nil {
				b, y = more, x
			}
		}
		want := x.Cmp(y)
		if got := a.Cmp(b); got != want {
			t.Fatalf("Cmp(%s, %s) = %d, want %d", a.Format(), b.Format(), got, want)
		}
		if a.Equal(b) != (want == 0) || a.Less(b) != (want < 0) {
			t.Fatalf("Equal/Less(%s, %s) disagree with %d", a.Format(), b.Format(), want)
		}
		if Min(a, b).Cmp(b) > 0 || Max(a, b).Cmp(a) < 0 || x.Sign() != a.Sign() {
			t.Fatalf("Min/Max/Sign(%s, %s) wrong", a.Format(), b.Format())
		}
	}
}

func TestPropQuoRem(t *testing.T) {
	r := newRand()
	for range cases {
		a, x, _ := randValue(t, r)
		b, y, _ := randValue(t, r)
		what := fmt.Sprintf("QuoRem(%s, %s)", a.Format(), b.Format())
		q, rem, err := a.QuoRem(b)
		if y.Sign() == 0 {
			if !errors.Is(err, ErrDivByZero) {
				t.Fatalf("%s: error %v, want ErrDivByZero", what, err)
			}
			continue
		}
		z := new(big.Rat).Quo(x, y)
		qi := new(big.Int).Quo(z.Num(), z.Denom()) // truncated
		wq := new(big.Rat).SetInt(qi)
		if new(big.Int).Abs(qi).Cmp(two128) >= 0 {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("%s = %s, %s, %v; want ErrOverflow", what, q, rem, err)
			}
			continue
		}
		wr := new(big.Rat).Sub(x, new(big.Rat).Mul(wq, y))
		checkExact(t, what+" quotient", q, err, wq, 0)
		checkExact(t, what+" remainder", rem, err, wr, int(max(a.Scale(), b.Scale())))
	}
}

func TestPropDiv(t *testing.T) {
	r := newRand()
	for range cases {
		a, x, _ := randValue(t, r)
		b, y, _ := randValue(t, r)
		scale := uint8(r.IntN(MaxScale + 3))
		what := fmt.Sprintf("%s ÷ %s (%d)", a.Format(), b.Format(), scale)
		q, err := a.Div(b, scale)
		if y.Sign() == 0 {
			if !errors.Is(err, ErrDivByZero) {
				t.Fatalf("%s: error %v, want ErrDivByZero", what, err)
			}
			continue
		}
		s := min(int(scale), MaxScale)
		checkExact(t, what, q, err, truncRat(new(big.Rat).Quo(x, y), s), s)
	}
}

func TestPropRounding(t *testing.T) {
	r := newRand()
	for range cases {
		a, x, _ := randValue(t, r)
		step, st := randStep(t, r)
		if r.IntN(8) == 0 {
			step, st = step.Neg(), new(big.Rat).Neg(st)
		}
		abs := new(big.Rat).Abs(st)
		fl := new(big.Rat).SetInt(floorDiv(x, abs))
		down := new(big.Rat).Mul(fl, abs)
		up := new(big.Rat).Set(down)
		if down.Cmp(x) != 0 {
			up.Add(up, abs)
		}
		natural := int(step.Scale())
		got, err := a.RoundDown(step)
		checkExact(t, fmt.Sprintf("%s.RoundDown(%s)", a.Format(), step.Format()), got, err, down, natural)
		got, err = a.RoundUp(step)
		checkExact(t, fmt.Sprintf("%s.RoundUp(%s)", a.Format(), step.Format()), got, err, up, natural)
		if m := a.IsMultipleOf(step); m != new(big.Rat).Quo(x, st).IsInt() {
			t.Fatalf("%s.IsMultipleOf(%s) = %v", a.Format(), step.Format(), m)
		}
	}
}

func TestPropUnscaledInt64(t *testing.T) {
	r := newRand()
	minI, maxI := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	inRange := func(v *big.Int) bool { return v.Cmp(minI) >= 0 && v.Cmp(maxI) <= 0 }
	for range cases {
		a, x, _ := randValue(t, r)
		if r.IntN(4) == 0 {
			// Values near the int64 limits.
			c := new(big.Int).Add(big.NewInt(math.MaxInt64), big.NewInt(int64(r.IntN(5))-2))
			s := r.IntN(MaxScale + 1)
			text := canonical(r.IntN(2) == 0, c, s)
			a = MustParse(text)
			x, _ = new(big.Rat).SetString(text)
		}
		scale := uint8(r.IntN(MaxScale + 2))
		got, ok := a.Unscaled(scale)
		y := scaled(x, int(scale))
		wantOK := scale <= MaxScale && y.IsInt() && inRange(y.Num())
		if ok != wantOK || ok && got != y.Num().Int64() {
			t.Fatalf("%s.Unscaled(%d) = %d, %v; want %s, %v", a.Format(), scale, got, ok, y.RatString(), wantOK)
		}
		i, ok := a.Int64()
		tr := truncRat(x, 0).Num()
		if ok != inRange(tr) || ok && i != tr.Int64() {
			t.Fatalf("%s.Int64() = %d, %v; want %s", a.Format(), i, ok, tr)
		}
	}
}

func TestPropFloat64(t *testing.T) {
	r := newRand()
	for range cases {
		a, x, _ := randValue(t, r)
		want, _ := x.Float64() // nearest, ties to even
		if got := a.Float64(); got != want {
			t.Fatalf("%s.Float64() = %v, want %v", a.Format(), got, want)
		}
	}
}

func TestPropFromFloat64(t *testing.T) {
	r := newRand()
	for i := range cases {
		var f float64
		switch i % 3 {
		case 0:
			f = math.Float64frombits(r.Uint64())
		case 1:
			f = (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(50)-20))
		default:
			f = float64(r.IntN(1e6)) / math.Pow(10, float64(r.IntN(10)))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		scale := uint8(r.IntN(MaxScale + 3))
		got, err := FromFloat64(f, scale)
		// The contract: the shortest decimal that reads back as f, truncated.
		x, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
		if !ok {
			t.Fatalf("oracle cannot read %v", f)
		}
		s := min(int(scale), MaxScale)
		checkExact(t, fmt.Sprintf("FromFloat64(%v, %d)", f, scale), got, err, truncRat(x, s), s)
	}
}

// TestPropRoundTrip: Format(Parse(s)) == s for canonical strings of every
// scale, and String, Format, text and JSON all read back to the same number.
func TestPropRoundTrip(t *testing.T) {
	r := newRand()
	for range cases {
		d, x, s := randValue(t, r)
		if got := d.Format(); got != s {
			t.Fatalf("Format(Parse(%q)) = %q", s, got)
		}
		// String is the shortest exact text.
		want := x.FloatString(int(d.Scale()))
		if strings.Contains(want, ".") {
			want = strings.TrimSuffix(strings.TrimRight(want, "0"), ".")
		}
		if got := d.String(); got != want {
			t.Fatalf("%q.String() = %q, want %q", s, got, want)
		}
		back, err := Parse(d.String())
		if err != nil || !back.Equal(d) {
			t.Fatalf("Parse(String(%s)) = %s, %v", s, back, err)
		}
		fixed := r.IntN(25)
		wantFixed := truncRat(x, fixed).FloatString(fixed)
		if got := d.StringFixed(uint8(fixed)); got != wantFixed {
			t.Fatalf("%q.StringFixed(%d) = %q, want %q", s, fixed, got, wantFixed)
		}
		text, _ := d.MarshalText()
		var dt Decimal
		if err := dt.UnmarshalText(text); err != nil || !dt.Equal(d) {
			t.Fatalf("text round trip of %s: %s, %v", s, dt, err)
		}
		js, _ := d.MarshalJSON()
		var dj Decimal
		if err := dj.UnmarshalJSON(js); err != nil || !dj.Equal(d) {
			t.Fatalf("JSON round trip of %s via %s: %s, %v", s, js, dj, err)
		}
	}
}
