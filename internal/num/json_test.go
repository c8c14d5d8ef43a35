package num

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in     string
		format string // "" when an error is expected
		err    error
	}{
		{in: `"9033.34000000"`, format: "9033.34000000"},
		{in: `"0.00000000"`, format: "0.00000000"},
		{in: `"-0"`, format: "0"},
		{in: `9033.34`, format: "9033.34"},
		{in: `-7`, format: "-7"},
		{in: `0`, format: "0"},
		{in: `1e5`, format: "100000"},
		{in: `1.5e-3`, format: "0.0015"},
		{in: `1.50E+1`, format: "15.0"},
		{in: `-2E2`, format: "-200"},
		{in: `123.456e-2`, format: "1.23456"},
		{in: `1e-19`, format: "0.0000000000000000001"},
		{in: `0e99999`, format: "0"},
		{in: `3.4e38`, format: "340000000000000000000000000000000000000"},

		{in: `"1e5"`, err: ErrSyntax}, // strings follow Parse
		{in: `""`, err: ErrSyntax},
		{in: `"abc"`, err: ErrSyntax},
		{in: `" 1"`, err: ErrSyntax},
		{in: `"1`, err: ErrSyntax},
		{in: `"`, err: ErrSyntax},
		{in: ``, err: ErrSyntax},
		{in: `true`, err: ErrSyntax},
		{in: `{}`, err: ErrSyntax},
		{in: `[1]`, err: ErrSyntax},
		{in: `1e`, err: ErrSyntax},
		{in: `1e+`, err: ErrSyntax},
		{in: `1e-`, err: ErrSyntax},
		{in: `1e5.5`, err: ErrSyntax},
		{in: `e5`, err: ErrSyntax},
		{in: `+1`, err: ErrSyntax},
		{in: `.5e1`, err: ErrSyntax},
		{in: `1e-20`, err: ErrSyntax},
		{in: `1e-99999`, err: ErrSyntax},
		{in: `1e39`, err: ErrOverflow},
		{in: `1e99999`, err: ErrOverflow},
		{in: `"340282366920938463463374607431768211456"`, err: ErrOverflow},
	}
	for _, tt := range tests {
		d := MustParse("42.42")
		err := d.UnmarshalJSON([]byte(tt.in))
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("UnmarshalJSON(%s) = %s, %v; want %v", tt.in, d.Format(), err, tt.err)
			}
			if d.Format() != "42.42" {
				t.Errorf("UnmarshalJSON(%s) failed but changed d to %s", tt.in, d.Format())
			}
			continue
		}
		if err != nil || d.Format() != tt.format {
			t.Errorf("UnmarshalJSON(%s) = %s, %v; want %s", tt.in, d.Format(), err, tt.format)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type fill struct {
		Price      Decimal  `json:"price"`
		Qty        Decimal  `json:"qty"`
		Commission *Decimal `json:"commission"`
	}
	in := fill{Price: MustParse("9033.34000000"), Qty: MustParse("-0.00100000")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"price":"9033.34","qty":"-0.001","commission":null}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out fill
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Price.Equal(in.Price) || !out.Qty.Equal(in.Qty) || out.Commission != nil {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}

	// What Binance sends: strings, and the odd number.
	const binance = `{"price":"0.00100000","qty":12.5,"commission":"0.00000000"}`
	if err := json.Unmarshal([]byte(binance), &out); err != nil {
		t.Fatal(err)
	}
	if out.Price.Format() != "0.00100000" || out.Qty.Format() != "12.5" || out.Commission.Format() != "0.00000000" {
		t.Errorf("Unmarshal(%s) = %s %s %s", binance, out.Price.Format(), out.Qty.Format(), out.Commission.Format())
	}

	// null leaves the value alone, as encoding/json does for its own types.
	out.Price = MustParse("7")
	if err := json.Unmarshal([]byte(`{"price":null}`), &out); err != nil || out.Price.Format() != "7" {
		t.Errorf("null: price %s, %v", out.Price, err)
	}
	if err := json.Unmarshal([]byte(`{"price":"1.2.3"}`), &out); !errors.Is(err, ErrSyntax) {
		t.Errorf("bad price: error %v, want ErrSyntax", err)
	}
}

func TestText(t *testing.T) {
	d := MustParse("-0.00100000")
	b, err := d.MarshalText()
	if err != nil || string(b) != "-0.001" {
		t.Errorf("MarshalText = %s, %v", b, err)
	}
	b, err = d.AppendText([]byte("x="))
	if err != nil || string(b) != "x=-0.001" {
		t.Errorf("AppendText = %s, %v", b, err)
	}
	var e Decimal
	if err := e.UnmarshalText([]byte("1e5")); !errors.Is(err, ErrSyntax) || !e.IsZero() {
		t.Errorf("UnmarshalText(1e5) = %s, %v", e, err)
	}
	if err := e.UnmarshalText([]byte("0.00100000")); err != nil || e.Format() != "0.00100000" {
		t.Errorf("UnmarshalText = %s, %v", e.Format(), err)
	}
}

// TestBinanceData checks that every number in the real market data files
// reads and writes back unchanged, in whatever form Binance or the source
// wrote it ("9033.34000000", "105137.2").
func TestBinanceData(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "data")
	files, _ := filepath.Glob(filepath.Join(root, "klines", "*", "*-1d.csv.gz"))
	funding, _ := filepath.Glob(filepath.Join(root, "funding", "*.csv.gz"))
	files = append(files, funding...)
	if len(files) == 0 {
		t.Skipf("no market data under %s", root)
	}
	n := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(z)
		r.FieldsPerRecord = -1
		if _, err := r.Read(); err != nil { // header
			t.Fatal(err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, field := range rec {
				if field == "" || strings.EqualFold(field, "true") || strings.EqualFold(field, "false") {
					continue
				}
				d, err := Parse(field)
				if err != nil {
					t.Fatalf("%s: Parse(%q): %v", name, field, err)
				}
				if d.Format() != field {
					t.Fatalf("%s: Format(Parse(%q)) = %q", name, field, d.Format())
				}
				n++
			}
		}
		f.Close()
	}
	if n < 10000 {
		t.Errorf("only %d numbers checked", n)
	}
}
