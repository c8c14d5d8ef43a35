package catalog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// The columns of a part file, in file order. Prices and volumes are Parquet
// DECIMAL: INT64 with precision 18 when every value of the series fits, else
// FIXED_LEN_BYTE_ARRAY(16) with precision 38. The scale of each column is
// the largest number of significant fractional digits seen in the series.
const (
	colOpenTime      = "open_time"
	colOpen          = "open"
	colHigh          = "high"
	colLow           = "low"
	colClose         = "close"
	colVolume        = "volume"
	colQuoteVolume   = "quote_volume"
	colTrades        = "trades"
	colTakerBuyBase  = "taker_buy_base"
	colTakerBuyQuote = "taker_buy_quote"
)

// decimalColumns lists the decimal columns in the order of columnSpec slices.
var decimalColumns = [...]string{colOpen, colHigh, colLow, colClose, colVolume, colQuoteVolume, colTakerBuyBase, colTakerBuyQuote}

const (
	numDecimal = len(decimalColumns)
	// Indexes into decimalColumns of the columns that may be null.
	firstExtra = 5
)

// maxInt64Coef bounds the coefficients stored as INT64 DECIMAL(18, s).
const maxInt64Coef = 999_999_999_999_999_999

// columnSpec is how one decimal column is stored in every part of a series.
type columnSpec struct {
	Name  string `json:"name"`
	Scale uint8  `json:"scale"`
	// Wide is true for FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38, Scale), false for
	// INT64 DECIMAL(18, Scale).
	Wide bool `json:"wide,omitempty"`
}

// specs holds the storage of every decimal column, in decimalColumns order.
type specs [numDecimal]columnSpec

func newSpecs() specs {
	var s specs
	for i, n := range decimalColumns {
		s[i].Name = n
	}
	return s
}

// significantScale returns the number of fractional digits of d without its
// trailing zeros: 2 for 9033.34000000.
func significantScale(d num.Decimal) uint8 {
	sc := d.Scale()
	if c, ok := d.Unscaled(sc); ok {
		for sc > 0 && c%10 == 0 {
			c /= 10
			sc--
		}
		return sc
	}
	s := d.String()
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return uint8(len(s) - i - 1)
	}
	return 0
}

// wideCoef returns the coefficient of d at scale as a big integer of at most
// 38 digits.
func wideCoef(d num.Decimal, scale uint8) (*big.Int, error) {
	if v, ok := d.Unscaled(scale); ok {
		return big.NewInt(v), nil
	}
	s := d.String()
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) > int(scale) {
		return nil, fmt.Errorf("%s has more than %d fractional digits", s, scale)
	}
	v, ok := new(big.Int).SetString(intPart+frac+strings.Repeat("0", int(scale)-len(frac)), 10)
	if !ok {
		return nil, fmt.Errorf("cannot read %s", s)
	}
	maxWide := new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil), big.NewInt(1))
	if new(big.Int).Abs(v).Cmp(maxWide) > 0 {
		return nil, fmt.Errorf("%s has more than 38 digits", s)
	}
	return v, nil
}

// putWide writes v as a 16-byte big-endian two's complement integer.
func putWide(dst *[16]byte, v *big.Int) {
	if v.IsInt64() {
		x := v.Int64()
		hi := uint64(0)
		if x < 0 {
			hi = math.MaxUint64
		}
		binary.BigEndian.PutUint64(dst[:8], hi)
		binary.BigEndian.PutUint64(dst[8:], uint64(x))
		return
	}
	abs := new(big.Int).Abs(v)
	if v.Sign() < 0 {
		// Two's complement: 2^128 - |v|.
		abs.Sub(new(big.Int).Lsh(big.NewInt(1), 128), abs)
	}
	*dst = [16]byte{}
	abs.FillBytes(dst[:])
}

// readWide decodes a big-endian two's complement integer of any length.
func readWide(b []byte, scale uint8) (num.Decimal, error) {
	if len(b) == 0 {
		return num.Zero, errors.New("empty decimal")
	}
	neg := b[0]&0x80 != 0
	fits := len(b) <= 8
	if !fits {
		pad := byte(0)
		if neg {
			pad = 0xff
		}
		fits = true
		for _, c := range b[:len(b)-8] {
			if c != pad {
				fits = false
				break
			}
		}
		// The int64 read below must keep the sign bit of the full number.
		fits = fits && (b[len(b)-8]&0x80 != 0) == neg
	}
	if fits {
		var x uint64
		if neg {
			x = math.MaxUint64
		}
		for _, c := range b[max(0, len(b)-8):] {
			x = x<<8 | uint64(c)
		}
		return num.New(int64(x), scale)
	}
	v := new(big.Int).SetBytes(b)
	if neg {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	s := v.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if scale > 0 {
		if len(s) <= int(scale) {
			s = strings.Repeat("0", int(scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(scale)] + "." + s[len(s)-int(scale):]
	}
	return num.Parse(sign + s)
}

// orderedGroup is a Parquet group whose columns keep the order given, so
// open_time comes first for people browsing the files with other tools
// (parquet.Group sorts its columns by name).
type orderedGroup struct {
	parquet.Group
	names []string
}

// Fields returns the columns in the order they were added.
func (g orderedGroup) Fields() []parquet.Field {
	fs := make([]parquet.Field, len(g.names))
	for i, n := range g.names {
		fs[i] = namedField{Node: g.Group[n], name: n}
	}
	return fs
}

type namedField struct {
	parquet.Node
	name string
}

func (f namedField) Name() string { return f.name }

func (f namedField) Value(base reflect.Value) reflect.Value {
	return base.MapIndex(reflect.ValueOf(f.name))
}

func decimalNode(s columnSpec) parquet.Node {
	if s.Wide {
		return parquet.Decimal(int(s.Scale), 38, parquet.FixedLenByteArrayType(16))
	}
	return parquet.Encoded(parquet.Decimal(int(s.Scale), 18, parquet.Int64Type), &parquet.DeltaBinaryPacked)
}

// partSchema returns the schema of a part file with the given decimal
// storage.
func partSchema(sp specs) *parquet.Schema {
	g := orderedGroup{Group: parquet.Group{}}
	add := func(name string, n parquet.Node) {
		g.Group[name] = n
		g.names = append(g.names, name)
	}
	add(colOpenTime, parquet.Encoded(parquet.Timestamp(parquet.Millisecond), &parquet.DeltaBinaryPacked))
	for i := 0; i < firstExtra; i++ {
		add(sp[i].Name, decimalNode(sp[i]))
	}
	add(colQuoteVolume, parquet.Optional(decimalNode(sp[5])))
	add(colTrades, parquet.Optional(parquet.Encoded(parquet.Int(64), &parquet.DeltaBinaryPacked)))
	add(colTakerBuyBase, parquet.Optional(decimalNode(sp[6])))
	add(colTakerBuyQuote, parquet.Optional(decimalNode(sp[7])))
	return parquet.NewSchema("kline", g)
}

// rowGroupRows bounds the rows of one row group. Row groups are encoded in
// parallel, and readers that skip row groups by statistics have something to
// skip.
const rowGroupRows = 1 << 16

// writePart writes rows [lo, hi) of r as a Parquet file at path, syncs it to
// disk and returns its size. The file is created exclusively: path must not
// exist.
func writePart(path string, r *run, lo, hi int, sp specs, meta map[string]string) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	err = encodePart(f, r, lo, hi, sp, meta)
	if err == nil {
		err = f.Sync()
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil {
			size = st.Size()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return size, nil
}

// Leaf column indexes of a part file.
const (
	leafOpenTime = 0
	leafTrades   = 7
)

// decimalLeaf maps a decimal column to its leaf column index.
var decimalLeaf = [numDecimal]int{1, 2, 3, 4, 5, 6, 8, 9}

// encodePart writes rows [lo, hi) of r as a Parquet file. Row groups are
// encoded and compressed on up to GOMAXPROCS goroutines, then committed to
// the file in order.
func encodePart(w io.Writer, r *run, lo, hi int, sp specs, meta map[string]string) error {
	schema := partSchema(sp)
	opts := []parquet.WriterOption{
		schema,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
		parquet.CreatedBy("thunes", "", ""),
	}
	for k, v := range meta {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	pw := parquet.NewWriter(w, opts...)

	groups := make([]*parquet.ConcurrentRowGroupWriter, (hi-lo+rowGroupRows-1)/rowGroupRows)
	errs := make([]error, len(groups))
	for g := range groups {
		groups[g] = pw.BeginRowGroup()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(groups)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := newColumnEncoder(sp)
			for {
				g := int(next.Add(1) - 1)
				if g >= len(groups) {
					return
				}
				start := lo + g*rowGroupRows
				errs[g] = enc.encode(groups[g], r, start, min(start+rowGroupRows, hi))
			}
		}()
	}
	wg.Wait()
	for g, rg := range groups {
		if errs[g] != nil {
			return errs[g]
		}
		if _, err := rg.Commit(); err != nil {
			return err
		}
	}
	return pw.Close()
}

// columnEncoder turns rows into Parquet column values, a batch of rows
// and one column at a time, so the batch stays in cache.
type columnEncoder struct {
	sp   specs
	vals []parquet.Value
	wide [][16]byte
}

const encodeBatch = 1024

func newColumnEncoder(sp specs) *columnEncoder {
	return &columnEncoder{sp: sp, vals: make([]parquet.Value, encodeBatch), wide: make([][16]byte, encodeBatch)}
}

// encode writes rows [lo, hi) of r into the row group rg. Values of the
// required columns are passed without levels, which those columns ignore;
// those of the nullable columns carry only the definition level, which is
// all that the column buffers of parquet-go read.
func (e *columnEncoder) encode(rg *parquet.ConcurrentRowGroupWriter, r *run, lo, hi int) error {
	cols := rg.ColumnWriters()
	for start := lo; start < hi; start += encodeBatch {
		rows := r.rows[start:min(start+encodeBatch, hi)]
		vals := e.vals[:len(rows)]
		for j := range rows {
			vals[j] = parquet.Int64Value(rows[j].time)
		}
		if _, err := cols[leafOpenTime].WriteRowValues(vals); err != nil {
			return err
		}
		for j := range rows {
			if rows[j].extra {
				vals[j] = parquet.Int64Value(rows[j].trades)
				vals[j].SetDefinitionLevel(1)
			} else {
				vals[j] = parquet.Value{}
			}
		}
		if _, err := cols[leafTrades].WriteRowValues(vals); err != nil {
			return err
		}
		for c := range numDecimal {
			if err := e.decimals(vals, r, start, rows, c); err != nil {
				return err
			}
			if _, err := cols[decimalLeaf[c]].WriteRowValues(vals); err != nil {
				return err
			}
		}
	}
	for _, col := range cols {
		if err := col.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// decimals fills vals with decimal column c of rows, which start at row
// start of r.
func (e *columnEncoder) decimals(vals []parquet.Value, r *run, start int, rows []row, c int) error {
	sp := &e.sp[c]
	optional := c >= firstExtra
	for j := range rows {
		rw := &rows[j]
		if optional && !rw.extra {
			vals[j] = parquet.Value{}
			continue
		}
		if rw.big == 0 && !sp.Wide {
			v, ok := rescale(rw.coef[c], rw.scale[c], sp.Scale, maxInt64Coef)
			if !ok {
				d, _ := r.dec(start+j, c)
				return fmt.Errorf("%s %s at %d does not fit DECIMAL(18, %d)", sp.Name, d, rw.time, sp.Scale)
			}
			vals[j] = parquet.Int64Value(v)
		} else if err := e.general(vals, r, start, j, c); err != nil {
			return err
		}
		if optional {
			vals[j].SetDefinitionLevel(1)
		}
	}
	return nil
}

// general sets vals[j] to decimal column c of row start+j of r, whatever
// its size and the column's storage.
func (e *columnEncoder) general(vals []parquet.Value, r *run, start, j, c int) error {
	sp := &e.sp[c]
	rw := &r.rows[start+j]
	v, ok := int64(0), false
	if rw.big == 0 {
		v, ok = rescale(rw.coef[c], rw.scale[c], sp.Scale, math.MaxInt64)
	} else {
		d, _ := r.dec(start+j, c)
		v, ok = d.Unscaled(sp.Scale)
	}
	switch {
	case sp.Wide:
		buf := &e.wide[j]
		if ok {
			putWideInt64(buf, v)
		} else {
			d, _ := r.dec(start+j, c)
			bv, err := wideCoef(d, sp.Scale)
			if err != nil {
				return fmt.Errorf("%s at %d: %w", sp.Name, rw.time, err)
			}
			putWide(buf, bv)
		}
		vals[j] = parquet.FixedLenByteArrayValue(buf[:])
	case ok && v <= maxInt64Coef && v >= -maxInt64Coef:
		vals[j] = parquet.Int64Value(v)
	default:
		d, _ := r.dec(start+j, c)
		return fmt.Errorf("%s %s at %d does not fit DECIMAL(18, %d)", sp.Name, d, rw.time, sp.Scale)
	}
	return nil
}

func putWideInt64(dst *[16]byte, v int64) {
	hi := uint64(0)
	if v < 0 {
		hi = math.MaxUint64
	}
	binary.BigEndian.PutUint64(dst[:8], hi)
	binary.BigEndian.PutUint64(dst[8:], uint64(v))
}

// partColumn is what reading needs to know about one column of a part file.
type partColumn struct {
	index int
	scale uint8
	wide  bool
}

// openPart opens a part file and finds its columns, checking their types:
// open_time TIMESTAMP(MILLIS) over INT64, prices and volumes DECIMAL over
// INT64 or FIXED_LEN_BYTE_ARRAY, trades INT64.
func openPart(path string) (*parquet.File, *os.File, map[string]partColumn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipBloomFilters(true))
	if err != nil {
		f.Close()
		return nil, nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	cols := make(map[string]partColumn, 10)
	schema := pf.Schema()
	check := func(name string) error {
		leaf, ok := schema.Lookup(name)
		if !ok {
			return fmt.Errorf("no column %s", name)
		}
		typ := leaf.Node.Type()
		lt := typ.LogicalType()
		pc := partColumn{index: leaf.ColumnIndex}
		switch name {
		case colOpenTime:
			ts, ok := logical[*format.TimestampType](lt)
			if !ok || typ.Kind() != parquet.Int64 {
				return fmt.Errorf("column %s is %s, want TIMESTAMP(MILLIS) over INT64", name, typ)
			}
			if _, ms := ts.Unit.Value.(*format.MilliSeconds); !ms {
				return fmt.Errorf("column %s is %s, want TIMESTAMP(MILLIS)", name, typ)
			}
		case colTrades:
			if typ.Kind() != parquet.Int64 {
				return fmt.Errorf("column %s is %s, want INT64", name, typ)
			}
		default:
			dt, ok := logical[*format.DecimalType](lt)
			if !ok || dt.Scale < 0 || dt.Scale > num.MaxScale {
				return fmt.Errorf("column %s is %s, want DECIMAL with a scale of 0 to %d", name, typ, num.MaxScale)
			}
			pc.scale = uint8(dt.Scale)
			switch typ.Kind() {
			case parquet.Int64:
			case parquet.FixedLenByteArray, parquet.ByteArray:
				pc.wide = true
			default:
				return fmt.Errorf("column %s is DECIMAL over %s, want INT64 or FIXED_LEN_BYTE_ARRAY", name, typ.Kind())
			}
		}
		cols[name] = pc
		return nil
	}
	for _, name := range []string{colOpenTime, colOpen, colHigh, colLow, colClose, colVolume, colQuoteVolume, colTrades, colTakerBuyBase, colTakerBuyQuote} {
		if err := check(name); err != nil {
			f.Close()
			return nil, nil, nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return pf, f, cols, nil
}

func logical[T any](lt *format.LogicalType) (T, bool) {
	var zero T
	if lt == nil {
		return zero, false
	}
	v, ok := lt.Value.(T)
	return v, ok
}

// scanColumn calls set for every value of the column, with the row index
// across the whole file. Null values are passed as they are.
func scanColumn(pf *parquet.File, col int, set func(row int, v parquet.Value) error) error {
	buf := make([]parquet.Value, 4096)
	base := 0
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[col].Pages()
		row := base
		for {
			p, err := pages.ReadPage()
			if err == io.EOF {
				break
			}
			if err != nil {
				pages.Close()
				return err
			}
			vr := p.Values()
			for {
				n, err := vr.ReadValues(buf)
				for _, v := range buf[:n] {
					if err := set(row, v); err != nil {
						parquet.Release(p)
						pages.Close()
						return err
					}
					row++
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					parquet.Release(p)
					pages.Close()
					return err
				}
			}
			parquet.Release(p)
		}
		if err := pages.Close(); err != nil {
			return err
		}
		base += int(rg.NumRows())
		if row != base {
			return fmt.Errorf("column %d holds %d values in a row group of %d rows", col, row-(base-int(rg.NumRows())), rg.NumRows())
		}
	}
	return nil
}

func decimalValue(v parquet.Value, pc partColumn) (num.Decimal, error) {
	if pc.wide {
		return readWide(v.ByteArray(), pc.scale)
	}
	return num.New(v.Int64(), pc.scale)
}

// readRun reads every row of a part file.
func readRun(path string) (*run, error) {
	pf, f, cols, err := openPart(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &run{rows: make([]row, pf.NumRows())}
	err = scanColumn(pf, cols[colOpenTime].index, func(i int, v parquet.Value) error {
		if v.IsNull() {
			return fmt.Errorf("row %d: open_time is null", i)
		}
		r.rows[i].time = v.Int64()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %s: %w", path, colOpenTime, err)
	}
	err = scanColumn(pf, cols[colTrades].index, func(i int, v parquet.Value) error {
		if !v.IsNull() {
			r.rows[i].trades = v.Int64()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %s: %w", path, colTrades, err)
	}
	// bigs collects the values whose coefficient does not fit an int64.
	bigs := map[int]map[int]num.Decimal{}
	for c, name := range decimalColumns {
		pc := cols[name]
		err := scanColumn(pf, pc.index, func(i int, v parquet.Value) error {
			if v.IsNull() {
				if c < firstExtra {
					return fmt.Errorf("row %d is null", i)
				}
				return nil
			}
			w := &r.rows[i]
			if c == firstExtra {
				w.extra = true
			}
			if !pc.wide {
				w.coef[c], w.scale[c] = trim(v.Int64(), pc.scale)
				return nil
			}
			d, err := readWide(v.ByteArray(), pc.scale)
			if err != nil {
				return fmt.Errorf("row %d: %w", i, err)
			}
			coef, sc, ok := compact(d)
			if !ok {
				if bigs[i] == nil {
					bigs[i] = map[int]num.Decimal{}
				}
				bigs[i][c] = d
				return nil
			}
			w.coef[c], w.scale[c] = coef, sc
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %s: %w", path, name, err)
		}
	}
	for i := 0; len(bigs) > 0 && i < len(r.rows); i++ {
		vals, ok := bigs[i]
		if !ok {
			continue
		}
		k := r.kline(i)
		for c, d := range vals {
			setDecimal(&k, c, d)
		}
		r.bigs = append(r.bigs, k)
		r.rows[i] = row{time: k.Time, extra: k.HasExtra, trades: k.Trades, big: int32(len(r.bigs))}
	}
	return r, nil
}

// readBars appends the bars of a part file whose open time is in [from, to)
// (to = 0: unbounded) to dst.
func readBars(dst []market.Bar, path string, from, to int64) ([]market.Bar, error) {
	pf, f, cols, err := openPart(path)
	if err != nil {
		return dst, err
	}
	defer f.Close()
	n := int(pf.NumRows())
	base := len(dst)
	dst = append(dst, make([]market.Bar, n)...)
	bars := dst[base:]
	err = scanColumn(pf, cols[colOpenTime].index, func(i int, v parquet.Value) error {
		if v.IsNull() {
			return fmt.Errorf("row %d: open_time is null", i)
		}
		bars[i].Time = v.Int64()
		return nil
	})
	if err != nil {
		return dst[:base], fmt.Errorf("read %s: %s: %w", path, colOpenTime, err)
	}
	for c, name := range decimalColumns[:firstExtra] {
		pc := cols[name]
		err := scanColumn(pf, pc.index, func(i int, v parquet.Value) error {
			if v.IsNull() {
				return fmt.Errorf("row %d is null", i)
			}
			d, err := decimalValue(v, pc)
			if err != nil {
				return fmt.Errorf("row %d: %w", i, err)
			}
			setBarDecimal(&bars[i], c, d)
			return nil
		})
		if err != nil {
			return dst[:base], fmt.Errorf("read %s: %s: %w", path, name, err)
		}
	}
	// Keep [from, to): the rows are sorted by open time.
	lo, hi := 0, n
	for lo < n && bars[lo].Time < from {
		lo++
	}
	if to != 0 {
		for hi > lo && bars[hi-1].Time >= to {
			hi--
		}
	}
	if lo > 0 {
		copy(bars, bars[lo:hi])
	}
	return dst[:base+hi-lo], nil
}
