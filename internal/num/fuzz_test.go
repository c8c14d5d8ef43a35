package num

import (
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// plain is the grammar Parse accepts, checked by a regular expression
// instead of the parser itself.
var plain = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,19})?$`)

var seeds = []string{
	"9033.34000000", "0.00100000", "105137.2", "0", "-0", "0.00000000", "-1.5",
	"007", maxCoef, "-" + maxCoef, "340282366920938463463374607431768211456",
	"34028236692093846346.3374607431768211455", "0.1234567890123456789",
	"0.12345678901234567890", "", "-", ".", "1.", ".5", "+1", "1e5", " 1",
	"NaN", "Inf", "1.2.3", "1234567890123456789012345678901234567890",
	"99999999999999999999999999999999999999999x", "١",
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		db, errb := ParseBytes([]byte(s))
		if (err == nil) != (errb == nil) || err == nil && db.Format() != d.Format() {
			t.Fatalf("Parse and ParseBytes disagree on %q: %v, %v", s, err, errb)
		}
		// Accepted exactly when the grammar matches and the coefficient fits.
		want, _ := new(big.Rat).SetString(s)
		grammar := plain.MatchString(s)
		if err != nil {
			switch {
			case errors.Is(err, ErrOverflow):
				if !grammar || fitsAt(want, scaleOf(s)) {
					t.Fatalf("Parse(%q): ErrOverflow for a value that fits or is not plain", s)
				}
			case errors.Is(err, ErrSyntax):
				if grammar {
					t.Fatalf("Parse(%q): ErrSyntax for plain text", s)
				}
			default:
				t.Fatalf("Parse(%q): error %v wraps neither ErrSyntax nor ErrOverflow", s, err)
			}
			return
		}
		if !grammar {
			t.Fatalf("Parse(%q) accepted text outside the grammar", s)
		}
		if ratOf(t, d).Cmp(want) != 0 || int(d.Scale()) != scaleOf(s) {
			t.Fatalf("Parse(%q) = %s (scale %d)", s, d.Format(), d.Scale())
		}
		back, err := Parse(d.String())
		if err != nil || !back.Equal(d) {
			t.Fatalf("Parse(String(%q)) = %s, %v", s, back, err)
		}
		fixed, err := Parse(d.Format())
		if err != nil || !fixed.Equal(d) || fixed.Scale() != d.Scale() || fixed.Format() != d.Format() {
			t.Fatalf("Parse(Format(%q)) = %s, %v", s, fixed, err)
		}
	})
}

// scaleOf returns the number of digits after the point in plain text.
func scaleOf(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func FuzzUnmarshalJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add(`"` + s + `"`)
		f.Add(s)
	}
	for _, s := range []string{"1e5", "1.5e-3", "-2E+2", "1e-20", "1e39", "0e99999", "null", "true", "{}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d Decimal
		err := d.UnmarshalJSON([]byte(s))
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrOverflow) {
				t.Fatalf("UnmarshalJSON(%q): error %v wraps neither ErrSyntax nor ErrOverflow", s, err)
			}
			if !d.IsZero() {
				t.Fatalf("UnmarshalJSON(%q) failed but set %s", s, d)
			}
			return
		}
		// A JSON number must read as the number JSON means.
		if json.Valid([]byte(s)) && s != "null" && !strings.HasPrefix(s, `"`) {
			want, ok := new(big.Rat).SetString(s)
			// big.Rat cannot read exponents beyond its int range; only 0 can
			// carry one and still be accepted.
			if ok && ratOf(t, d).Cmp(want) != 0 || !ok && !d.IsZero() {
				t.Fatalf("UnmarshalJSON(%s) = %s", s, d.Format())
			}
		}
		b, err := d.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Decimal
		if err := back.UnmarshalJSON(b); err != nil || !back.Equal(d) {
			t.Fatalf("JSON round trip of %q via %s: %s, %v", s, b, back, err)
		}
	})
}

// FuzzArithmetic checks every operation on two parsed operands against the
// math/big oracle.
func FuzzArithmetic(f *testing.F) {
	f.Add("9033.34000000", "0.00100000")
	f.Add("35000000000000000000", "-34000000000000000000.0000000000000000000")
	f.Add("0.0000000005", "0.0000000002")
	f.Add(maxCoef, "0.0000000000000000001")
	f.Add("-6487428557.112455031", "3402823669209384634633746074317.68211148")
	f.Add("34028236692093846346337460743176.8211059", "0.00000025")
	f.Fuzz(func(t *testing.T, sa, sb string) {
		a, err1 := Parse(sa)
		b, err2 := Parse(sb)
		if err1 != nil || err2 != nil {
			return
		}
		x, y := ratOf(t, a), ratOf(t, b)
		natural := int(max(a.Scale(), b.Scale()))
		got, err := a.Add(b)
		checkExact(t, sa+" + "+sb, got, err, new(big.Rat).Add(x, y), natural)
		got, err = a.Sub(b)
		checkExact(t, sa+" - "+sb, got, err, new(big.Rat).Sub(x, y), natural)
		got, err = a.Mul(b)
		checkExact(t, sa+" × "+sb, got, err, new(big.Rat).Mul(x, y), min(int(a.Scale())+int(b.Scale()), MaxScale))
		if x.Cmp(y) != a.Cmp(b) {
			t.Fatalf("Cmp(%s, %s) = %d", sa, sb, a.Cmp(b))
		}
		if y.Sign() == 0 {
			return
		}
		got, err = a.Div(b, 8)
		checkExact(t, sa+" ÷ "+sb, got, err, truncRat(new(big.Rat).Quo(x, y), 8), 8)
		step, st := b.Abs(), new(big.Rat).Abs(y)
		down := new(big.Rat).Mul(new(big.Rat).SetInt(floorDiv(x, st)), st)
		got, err = a.RoundDown(step)
		checkExact(t, sa+" down to "+sb, got, err, down, int(step.Scale()))
		up := new(big.Rat).Set(down)
		if down.Cmp(x) != 0 {
			up.Add(up, st)
		}
		got, err = a.RoundUp(step)
		checkExact(t, sa+" up to "+sb, got, err, up, int(step.Scale()))
		if a.IsMultipleOf(b) != new(big.Rat).Quo(x, y).IsInt() {
			t.Fatalf("%s.IsMultipleOf(%s) = %v", sa, sb, a.IsMultipleOf(b))
		}
	})
}
