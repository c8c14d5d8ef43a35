package feed

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// Kline is one validated row of a Binance kline file: the bar and, when the
// file carries them, Binance's extra columns. The close time column is checked
// against the open time and interval and then dropped, since it follows from
// them.
type Kline struct {
	market.Bar
	// HasExtra reports whether the row carried quote volume, trades and the
	// taker buy volumes. When it is false those fields are zero.
	HasExtra bool
	// QuoteVolume is the traded volume in the quote asset.
	QuoteVolume num.Decimal
	// Trades is the number of trades in the candle.
	Trades int64
	// TakerBuyBase is the base-asset volume bought by takers; it never exceeds Volume.
	TakerBuyBase num.Decimal
	// TakerBuyQuote is the quote-asset volume bought by takers; it never exceeds QuoteVolume.
	TakerBuyQuote num.Decimal
}

// FileError locates a problem in an input file: the file as named by the
// caller, the CSV inside it when it is a zip, and the 1-based line (0 when
// the problem is not on one line).
type FileError struct {
	File   string
	Member string
	Line   int
	Err    error
}

// Error reads like "BTCUSDT-1m-2024-01.zip: BTCUSDT-1m-2024-01.csv line 17:
// high 100 is below open 101".
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Member != "" {
		b.WriteString(": ")
		b.WriteString(e.Member)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// The bounds of plausible open times, in Unix milliseconds: 2001-09-09 to
// 2286-11-20. A value below is taken for seconds and refused; a value at or
// above microsBound is read as microseconds.
const (
	minMillis   = 1_000_000_000_000
	maxMillis   = 10_000_000_000_000
	microsBound = 1_000_000_000_000_000
)

// maxLine is the longest line accepted; a Binance kline row is about 150 bytes.
const maxLine = 64 << 10

// Reader reads and validates the rows of one kline file, one row at a time
// and without allocating per row. Every row is checked: column count, numbers,
// Bar.Validate's rules with a message naming the values, open times aligned
// to the interval of the file name, strictly increasing, inside the period
// the name gives, the close time (when present) consistent, and the extra
// columns non-negative with taker volumes not above the totals. Timestamps
// may be milliseconds or microseconds, told apart per row by magnitude. A
// first line that is not a number is taken as a header. A Reader is not safe
// for concurrent use.
type Reader struct {
	// The input: br, or when it is nil the bytes of mem not read yet.
	br      *bufio.Reader
	mem     []byte
	name    FileName
	file    string
	member  string
	closers []io.Closer

	line    int
	cols    int
	started bool
	blank   int
	rows    int
	// piece is set when the Reader reads one piece of a file split for
	// ReadParallel: an empty piece is then not an error, and a row that
	// fails is kept in failed.
	piece    bool
	failed   []byte
	prev     int64
	prevLine int
	// row is the last row read. k holds it too when kReady: parseSlow fills
	// k, and Kline builds it from row on demand after parseFast.
	row    Row
	k      Kline
	kReady bool
	err    error
	fields [12][]byte
}

// Open opens the kline file at path for reading. The format (zip, gzip or
// CSV), the symbol and the interval come from the file name; see
// ParseFileName. A zip must hold exactly one CSV whose name agrees with the
// zip's. Errors are *FileError naming path.
func Open(path string) (*Reader, error) {
	fn, err := ParseFileName(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &FileError{File: path, Err: err}
	}
	r, err := newReader(path, fn, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closers = append(r.closers, f)
	return r, nil
}

// OpenBytes is Open for a file already read into memory; path names it in
// errors and gives its format, symbol and interval. data must not change
// while the Reader is in use.
func OpenBytes(path string, data []byte) (*Reader, error) {
	fn, err := ParseFileName(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	return newReader(path, fn, bytes.NewReader(data), int64(len(data)))
}

// NewCSVReader reads plain kline CSV from r. name is the file name the rows
// belong to (such as "BTCUSDT-1m-2024-01.csv"); it gives the symbol and
// interval and names the file in errors.
func NewCSVReader(r io.Reader, name string) (*Reader, error) {
	fn, err := ParseFileName(name)
	if err != nil {
		return nil, &FileError{File: name, Err: err}
	}
	return &Reader{br: bufio.NewReaderSize(r, maxLine), name: fn, file: name}, nil
}

type readerAt interface {
	io.Reader
	io.ReaderAt
}

func newReader(path string, fn FileName, src readerAt, size int64) (*Reader, error) {
	csv, err := openCSV(path, fn, src, size)
	if err != nil {
		return nil, err
	}
	return &Reader{br: bufio.NewReaderSize(csv.r, maxLine), name: csv.name, file: path, member: csv.member, closers: csv.closers}, nil
}

// csvStream is the CSV content of a kline file, once out of its container.
type csvStream struct {
	r       io.Reader
	name    FileName // with the period of the zip member when the zip's name has none
	member  string
	size    int64 // the uncompressed size when the container tells it, else -1
	closers []io.Closer
}

func openCSV(path string, fn FileName, src readerAt, size int64) (csvStream, error) {
	cs := csvStream{name: fn, size: -1}
	switch fn.Format {
	case FormatCSV:
		cs.r, cs.size = src, size
	case FormatGzip:
		zr, err := gzip.NewReader(src)
		if err != nil {
			return cs, &FileError{File: path, Err: fmt.Errorf("not a gzip file: %w", err)}
		}
		cs.r = zr
		cs.closers = append(cs.closers, zr)
		// The gzip trailer holds the uncompressed size modulo 2^32.
		var tail [4]byte
		if _, err := src.ReadAt(tail[:], size-4); err == nil {
			cs.size = int64(binary.LittleEndian.Uint32(tail[:]))
		}
	case FormatZip:
		zr, err := zip.NewReader(src, size)
		if err != nil {
			return cs, &FileError{File: path, Err: fmt.Errorf("not a valid zip archive (truncated?): %w", err)}
		}
		// The klauspost inflater reads the same streams about twice as fast.
		zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
		zf, err := zipMember(zr, fn)
		if err != nil {
			return cs, &FileError{File: path, Err: err}
		}
		rc, err := zf.Open()
		if err != nil {
			return cs, &FileError{File: path, Member: zf.Name, Err: err}
		}
		inner, _ := ParseFileName(zf.Name)
		if cs.name.Period == "" {
			cs.name.Period, cs.name.From, cs.name.To = inner.Period, inner.From, inner.To
		}
		cs.member, cs.r, cs.size = zf.Name, rc, int64(zf.UncompressedSize64)
		cs.closers = append(cs.closers, rc)
	default:
		return cs, &FileError{File: path, Err: fmt.Errorf("unknown format %v", fn.Format)}
	}
	return cs, nil
}

// zipMember returns the one CSV in zr, checking that its name agrees with
// the archive's.
func zipMember(zr *zip.Reader, fn FileName) (*zip.File, error) {
	var files []*zip.File
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() {
			files = append(files, f)
		}
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("zip holds %d files, want exactly one CSV", len(files))
	}
	zf := files[0]
	inner, err := ParseFileName(zf.Name)
	if err != nil {
		return nil, fmt.Errorf("zip member: %w", err)
	}
	if inner.Format != FormatCSV {
		return nil, fmt.Errorf("zip member %q is not a .csv file", zf.Name)
	}
	if inner.Symbol != fn.Symbol || inner.Interval != fn.Interval || (fn.Period != "" && inner.Period != "" && inner.Period != fn.Period) {
		return nil, fmt.Errorf("zip member %q does not match the archive's name %s", zf.Name, fn)
	}
	return zf, nil
}

// Name returns what the file name says: symbol, interval, period, format.
func (r *Reader) Name() FileName { return r.name }

// Rows returns the number of rows read so far.
func (r *Reader) Rows() int { return r.rows }

// Next reads the next row and reports whether there is one. It returns false
// at the end of the file or on the first error; Err tells which. A file with
// no rows is an error.
func (r *Reader) Next() bool {
	if r.err != nil {
		return false
	}
	for {
		line, err := r.readLine()
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return r.fail(r.line+1, fmt.Errorf("line longer than %d bytes", maxLine))
		case err != nil && err != io.EOF:
			return r.fail(r.line+1, fmt.Errorf("read: %w (file truncated or corrupt?)", err))
		case len(line) == 0:
			if r.rows == 0 && !r.piece {
				return r.fail(0, errors.New("file holds no kline rows"))
			}
			r.err = io.EOF
			return false
		}
		r.line++
		line = trimEOL(line)
		if r.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(line) == 0 {
			if r.blank == 0 {
				r.blank = r.line
			}
			continue
		}
		if r.blank != 0 {
			return r.fail(r.blank, errors.New("empty line inside the file"))
		}
		if !r.started {
			r.started = true
			if line[0] < '0' || line[0] > '9' {
				if err := checkHeader(line); err != nil {
					return r.fail(r.line, err)
				}
				continue
			}
		}
		if err := r.parse(line); err != nil {
			if r.piece {
				r.failed = bytes.Clone(line)
			}
			return r.fail(r.line, err)
		}
		r.rows++
		r.prev, r.prevLine = r.row.Time, r.line
		return true
	}
}

// readLine returns the next line with its newline, as bufio.Reader's
// ReadSlice('\n') with a buffer of maxLine bytes does, from mem without
// copying it when the input is in memory.
func (r *Reader) readLine() ([]byte, error) {
	if r.br != nil {
		return r.br.ReadSlice('\n')
	}
	n := bytes.IndexByte(r.mem, '\n') + 1
	err := error(nil)
	if n == 0 {
		n, err = len(r.mem), io.EOF
	}
	// A full buffer without a newline is a line too long, also at the end.
	if n > maxLine || (err != nil && n == maxLine) {
		n, err = maxLine, bufio.ErrBufferFull
	}
	line := r.mem[:n]
	r.mem = r.mem[n:]
	return line, err
}

// Kline returns the row read by the last successful Next. The pointer stays
// valid until the next call to Next; copy the value to keep it.
func (r *Reader) Kline() *Kline {
	if !r.kReady {
		r.row.fill(&r.k)
		r.kReady = true
	}
	return &r.k
}

// Row returns the row read by the last successful Next in fixed-point form,
// which costs nothing more: most rows are read straight into it. The pointer
// stays valid until the next call to Next.
func (r *Reader) Row() *Row { return &r.row }

// Err returns the error that stopped Next, or nil at a clean end of file.
// Errors are *FileError naming the file, zip member and line.
func (r *Reader) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

// ReadAll reads every remaining row.
func (r *Reader) ReadAll() ([]Kline, error) {
	var ks []Kline
	for r.Next() {
		ks = append(ks, *r.Kline())
	}
	return ks, r.Err()
}

// Close releases the file. It is safe to call more than once.
func (r *Reader) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i].Close())
	}
	r.closers = nil
	return errors.Join(errs...)
}

func (r *Reader) fail(line int, err error) bool {
	r.err = &FileError{File: r.file, Member: r.member, Line: line, Err: err}
	return false
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// checkHeader accepts a header row of 11 or 12 columns whose first column
// names the open time, as Binance's and the normalized layout's headers do.
func checkHeader(line []byte) error {
	n := bytes.Count(line, []byte{','}) + 1
	first, _, _ := bytes.Cut(line, []byte{','})
	first = bytes.ToLower(bytes.TrimSpace(first))
	if (n != 11 && n != 12) || !(bytes.Contains(first, []byte("open")) || bytes.Contains(first, []byte("time"))) {
		return fmt.Errorf("%q is neither a kline row nor a kline header (open_time,open,high,low,close,volume,...)", truncate(line, 80))
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Column indexes of a Binance kline row.
const (
	colOpenTime = iota
	colOpen
	colHigh
	colLow
	colClose
	colVolume
	colCloseTime
	colQuoteVolume
	colTrades
	colTakerBuyBase
	colTakerBuyQuote
	colIgnore
)

// parse reads and checks one row into r.row, through parseFast when it can.
func (r *Reader) parse(line []byte) error {
	if r.parseFast(line) {
		r.kReady = false
		return nil
	}
	if err := r.parseSlow(line); err != nil {
		return err
	}
	r.kReady = true
	r.row.set(&r.k)
	return nil
}

// parseSlow reads and checks one row into r.k. It is the definition of what
// a valid row is and of the error each invalid one gets; parseFast only
// takes a shortcut for rows this function accepts.
func (r *Reader) parseSlow(line []byte) error {
	n := 0
	for {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			break
		}
		if n == len(r.fields)-1 {
			return fmt.Errorf("has more than %d columns, want 12 (Binance) or 11", len(r.fields))
		}
		r.fields[n] = line[:i]
		line = line[i+1:]
		n++
	}
	r.fields[n] = line
	n++
	if n != 11 && n != 12 {
		return fmt.Errorf("has %d columns, want 12 (Binance) or 11", n)
	}
	if r.cols == 0 {
		r.cols = n
	} else if n != r.cols {
		return fmt.Errorf("has %d columns, earlier rows have %d", n, r.cols)
	}
	f := &r.fields
	k := &r.k
	iv := r.name.Interval

	t, err := parseTime(f[colOpenTime], "open time")
	if err != nil {
		return err
	}
	if iv.Start(t) != t {
		return fmt.Errorf("open time %s is not aligned to the %s interval of the file name", fmtTime(t), iv)
	}
	if r.rows > 0 {
		if err := orderError(t, r.prev, r.prevLine); err != nil {
			return err
		}
	}
	if r.name.Period != "" && (t < r.name.From || t >= r.name.To) {
		return fmt.Errorf("open time %s is outside the file's period %s", fmtTime(t), r.name.Period)
	}
	k.Time = t

	if k.Open, err = parseDec(f[colOpen], "open"); err != nil {
		return err
	}
	if k.High, err = parseDec(f[colHigh], "high"); err != nil {
		return err
	}
	if k.Low, err = parseDec(f[colLow], "low"); err != nil {
		return err
	}
	if k.Close, err = parseDec(f[colClose], "close"); err != nil {
		return err
	}
	if k.Volume, err = parseDec(f[colVolume], "volume"); err != nil {
		return err
	}
	if err := checkBar(&k.Bar); err != nil {
		return err
	}

	if len(f[colCloseTime]) > 0 {
		if err := checkCloseTime(f[colCloseTime], t, iv); err != nil {
			return err
		}
	}
	return r.parseExtra(k)
}

// orderError says why a row opening at t cannot follow the row opening at
// prev on line prevLine, or returns nil when it can.
func orderError(t, prev int64, prevLine int) error {
	switch {
	case t == prev:
		return fmt.Errorf("duplicate open time %s (also on line %d)", fmtTime(t), prevLine)
	case t < prev:
		return fmt.Errorf("open time %s is before %s on line %d: rows out of order", fmtTime(t), fmtTime(prev), prevLine)
	}
	return nil
}

// checkBar names the first broken rule with the values involved, then runs
// Bar.Validate so the rules stay those of the market package.
func checkBar(b *market.Bar) error {
	switch {
	case !b.Open.IsPos():
		return fmt.Errorf("open %s is not positive", b.Open)
	case !b.High.IsPos():
		return fmt.Errorf("high %s is not positive", b.High)
	case !b.Low.IsPos():
		return fmt.Errorf("low %s is not positive", b.Low)
	case !b.Close.IsPos():
		return fmt.Errorf("close %s is not positive", b.Close)
	case b.Volume.IsNeg():
		return fmt.Errorf("volume %s is negative", b.Volume)
	case b.High.Less(b.Open):
		return fmt.Errorf("high %s is below open %s", b.High, b.Open)
	case b.High.Less(b.Close):
		return fmt.Errorf("high %s is below close %s", b.High, b.Close)
	case b.Open.Less(b.Low):
		return fmt.Errorf("low %s is above open %s", b.Low, b.Open)
	case b.Close.Less(b.Low):
		return fmt.Errorf("low %s is above close %s", b.Low, b.Close)
	}
	return b.Validate()
}

func checkCloseTime(field []byte, open int64, iv market.Interval) error {
	ct, ok := parseUint(field)
	if !ok {
		return fmt.Errorf("close time %q is not a whole number", truncate(field, 40))
	}
	want := iv.Next(open) - 1
	if ct >= microsBound {
		want = iv.Next(open)*1000 - 1
	}
	if ct != want {
		return fmt.Errorf("close time %d does not end the %s candle opening at %s (want %d)", ct, iv, fmtTime(open), want)
	}
	return nil
}

func (r *Reader) parseExtra(k *Kline) error {
	f := &r.fields
	empty := 0
	for _, c := range f[colQuoteVolume : colTakerBuyQuote+1] {
		if len(c) == 0 {
			empty++
		}
	}
	switch empty {
	case 4:
		k.HasExtra, k.QuoteVolume, k.Trades, k.TakerBuyBase, k.TakerBuyQuote = false, num.Zero, 0, num.Zero, num.Zero
		return nil
	case 0:
	default:
		return errors.New("quote volume, trades and taker buy columns must be all present or all empty")
	}
	var err error
	if k.QuoteVolume, err = parseDec(f[colQuoteVolume], "quote volume"); err != nil {
		return err
	}
	trades, ok := parseUint(f[colTrades])
	if !ok {
		return fmt.Errorf("trades %q is not a whole number ≥ 0", truncate(f[colTrades], 40))
	}
	k.Trades = trades
	if k.TakerBuyBase, err = parseDec(f[colTakerBuyBase], "taker buy base volume"); err != nil {
		return err
	}
	if k.TakerBuyQuote, err = parseDec(f[colTakerBuyQuote], "taker buy quote volume"); err != nil {
		return err
	}
	switch {
	case k.QuoteVolume.IsNeg():
		return fmt.Errorf("quote volume %s is negative", k.QuoteVolume)
	case k.TakerBuyBase.IsNeg():
		return fmt.Errorf("taker buy base volume %s is negative", k.TakerBuyBase)
	case k.TakerBuyQuote.IsNeg():
		return fmt.Errorf("taker buy quote volume %s is negative", k.TakerBuyQuote)
	case k.Volume.Less(k.TakerBuyBase):
		return fmt.Errorf("taker buy base volume %s exceeds volume %s", k.TakerBuyBase, k.Volume)
	case k.QuoteVolume.Less(k.TakerBuyQuote):
		return fmt.Errorf("taker buy quote volume %s exceeds quote volume %s", k.TakerBuyQuote, k.QuoteVolume)
	}
	k.HasExtra = true
	return nil
}

// parseTime reads a Unix timestamp in milliseconds or microseconds (≥ 1e15)
// and returns milliseconds.
func parseTime(b []byte, what string) (int64, error) {
	v, ok := parseUint(b)
	if !ok {
		return 0, fmt.Errorf("%s %q is not a whole number", what, truncate(b, 40))
	}
	if v >= microsBound {
		if v%1000 != 0 {
			return 0, fmt.Errorf("%s %d µs is not a whole millisecond", what, v)
		}
		v /= 1000
	}
	if v < minMillis || v >= maxMillis {
		return 0, fmt.Errorf("%s %d is neither Unix milliseconds nor microseconds of a date between 2001 and 2286", what, v)
	}
	return v, nil
}

// parseUint reads 1 to 18 ASCII digits, which always fit an int64.
func parseUint(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func parseDec(b []byte, what string) (num.Decimal, error) {
	if d, ok := parseShortDec(b); ok {
		return d, nil
	}
	d, err := num.ParseBytes(b)
	if err != nil {
		s := strings.ToLower(strings.TrimLeft(string(b), "+-"))
		switch {
		case len(b) == 0:
			return num.Zero, fmt.Errorf("%s is empty", what)
		case s == "nan":
			return num.Zero, fmt.Errorf("%s is NaN", what)
		case s == "inf" || s == "infinity":
			return num.Zero, fmt.Errorf("%s is infinite", what)
		}
		return num.Zero, fmt.Errorf("%s %q is not a decimal number", what, truncate(b, 40))
	}
	return d, nil
}

// parseShortDec reads the common case of a decimal, -?digits[.digits] with
// at most 18 digits in all, straight into a coefficient and a scale, keeping
// the scale as written (as num.Parse does). It reports false for anything
// else, which num.ParseBytes then reads or rejects.
func parseShortDec(b []byte) (num.Decimal, bool) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var coef uint64
	start := i
	for i < len(b) && b[i]-'0' < 10 {
		coef = coef*10 + uint64(b[i]-'0')
		i++
	}
	intDigits, scale := i-start, 0
	if i < len(b) {
		if b[i] != '.' {
			return num.Zero, false
		}
		i++
		fracStart := i
		// Binance writes 8 fractional digits: take them in one step.
		if len(b)-i >= 8 {
			if v, ok := eightDigits(b[i:]); ok {
				coef = coef*100_000_000 + v
				i += 8
			}
		}
		for i < len(b) && b[i]-'0' < 10 {
			coef = coef*10 + uint64(b[i]-'0')
			i++
		}
		scale = i - fracStart
		if scale == 0 || i != len(b) {
			return num.Zero, false
		}
	}
	if intDigits == 0 || intDigits+scale > 18 {
		return num.Zero, false
	}
	c := int64(coef)
	if neg {
		c = -c
	}
	d, err := num.New(c, uint8(scale))
	return d, err == nil
}

// eightDigits reads b[:8] as eight ASCII digits at once (SWAR), and reports
// false when one of them is not a digit.
func eightDigits(b []byte) (uint64, bool) {
	v, ok := digitBytes(b)
	return joinDigits(v), ok
}

// digitBytes loads b[:8] as eight digit values, the first in the lowest
// byte, and reports false when one of them is not an ASCII digit.
func digitBytes(b []byte) (uint64, bool) {
	v := binary.LittleEndian.Uint64(b)
	const hi, six = 0xF0F0F0F0F0F0F0F0, 0x0606060606060606
	if v&hi != 0x3030303030303030 || (v+six)&hi != 0x3030303030303030 {
		return 0, false
	}
	return v - 0x3030303030303030, true
}

// joinDigits returns the number the eight digit values of v make.
func joinDigits(v uint64) uint64 {
	v = v*10 + v>>8
	return ((v&0x000000FF000000FF)*(100+(1000000<<32)) + ((v>>16)&0x000000FF000000FF)*(1+(10000<<32))) >> 32
}

// fmtTime shows a Unix millisecond time for people and for grep.
func fmtTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05") + " UTC (" + fmt.Sprint(ms) + ")"
}
