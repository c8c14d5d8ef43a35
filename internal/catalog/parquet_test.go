package catalog

import (
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// TestPartFileIsPlainParquet opens a written part with the generic
// parquet-go reader, as another tool would, and checks the schema (names,
// order, physical and logical types) and every value.
func TestPartFileIsPlainParquet(t *testing.T) {
	bars := synthBars(t, 4, 3000, market.Minute1, jan2024)
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1m-2024-01.csv", binanceCSV(bars, market.Minute1, true)))
	key := seriesKey{Spot, "BTCUSDT", market.Minute1}
	m, err := c.readManifest(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(c.seriesDir(key), m.Parts[0].File)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}

	type col struct {
		name     string
		kind     parquet.Kind
		logical  string
		optional bool
	}
	dec := func(name string, scale int, optional bool) col {
		return col{name, parquet.Int64, "DECIMAL(18," + itoa(scale) + ")", optional}
	}
	want := []col{
		{"open_time", parquet.Int64, "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", false},
		dec("open", 2, false), dec("high", 2, false), dec("low", 2, false), dec("close", 2, false), dec("volume", 5, false),
		dec("quote_volume", int(m.Columns[5].Scale), true),
		{"trades", parquet.Int64, "INT(64,true)", true},
		dec("taker_buy_base", int(m.Columns[6].Scale), true), dec("taker_buy_quote", int(m.Columns[7].Scale), true),
	}
	fields := pf.Schema().Fields()
	if len(fields) != len(want) {
		t.Fatalf("%d columns, want %d", len(fields), len(want))
	}
	for i, w := range want {
		fl := fields[i]
		typ := fl.Type()
		if fl.Name() != w.name || typ.Kind() != w.kind || typ.LogicalType().String() != w.logical || fl.Optional() != w.optional {
			t.Errorf("column %d = %s %v %s optional=%v, want %s %v %s optional=%v",
				i, fl.Name(), typ.Kind(), typ.LogicalType(), fl.Optional(), w.name, w.kind, w.logical, w.optional)
		}
	}
	if v, ok := pf.Lookup("thunes.symbol"); !ok || v != "BTCUSDT" {
		t.Errorf("key-value metadata thunes.symbol = %q, %v", v, ok)
	}

	// Read every row generically and rebuild the decimals from the
	// coefficients and the scales in the schema.
	scales := map[string]int{}
	for _, fl := range fields {
		if d, ok := fl.Type().LogicalType().Value.(*format.DecimalType); ok {
			scales[fl.Name()] = int(d.Scale)
		}
	}
	r := parquet.NewReader(f)
	rows := make([]parquet.Row, 100)
	i := 0
	for {
		n, err := r.ReadRows(rows)
		for _, row := range rows[:n] {
			b := bars[i]
			if row[0].Int64() != b.Time {
				t.Fatalf("row %d open_time %d, want %d", i, row[0].Int64(), b.Time)
			}
			for j, d := range []num.Decimal{b.Open, b.High, b.Low, b.Close, b.Volume} {
				name := fields[j+1].Name()
				got, err := num.New(row[j+1].Int64(), uint8(scales[name]))
				if err != nil || !got.Equal(d) {
					t.Fatalf("row %d %s = %d at scale %d, want %s", i, name, row[j+1].Int64(), scales[name], d)
				}
			}
			if row[7].IsNull() || row[7].Int64() != int64(100+i) {
				t.Fatalf("row %d trades = %v, want %d", i, row[7], 100+i)
			}
			i++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if i != len(bars) {
		t.Fatalf("read %d rows, want %d", i, len(bars))
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

// TestPyarrowReadsCatalog reads a written part with pyarrow when the machine
// has it, comparing the exact decimals.
func TestPyarrowReadsCatalog(t *testing.T) {
	if err := exec.Command("python3", "-c", "import pyarrow.parquet").Run(); err != nil {
		t.Skip("python3 with pyarrow is not available")
	}
	bars := synthBars(t, 4, 100, market.Minute1, jan2024)
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, true)))
	key := seriesKey{Spot, "BTCUSDT", market.Minute1}
	m, _ := c.readManifest(key)
	script := `import json, sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
print(json.dumps({"schema": str(t.schema), "close": [str(v) for v in t.column("close").to_pylist()]}))`
	out, err := exec.Command("python3", "-c", script, filepath.Join(c.seriesDir(key), m.Parts[0].File)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Schema string
		Close  []string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Schema, "close: decimal128(18, 2)") || !strings.Contains(res.Schema, "open_time: timestamp[ms, tz=UTC]") {
		t.Fatalf("pyarrow schema:\n%s", res.Schema)
	}
	for i, s := range res.Close {
		if !num.MustParse(s).Equal(bars[i].Close) {
			t.Fatalf("row %d close %s, want %s", i, s, bars[i].Close)
		}
	}
}
