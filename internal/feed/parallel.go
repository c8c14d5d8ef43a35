package feed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// minPiece is the smallest piece of CSV worth a goroutine of its own.
const minPiece = 1 << 20

// ReadParallel reads and checks every row of a kline file held in memory,
// like Open and Next, but splits the CSV at line boundaries into up to
// workers pieces parsed on as many goroutines. path names the file (format,
// symbol, interval, errors). Before parsing starts, sinks is called once, on
// the calling goroutine, with the number of lines of each piece in file order
// (an upper bound on its rows); it returns one function per piece, which
// receives that piece's rows in file order on the piece's goroutine. The
// *Kline is valid only during the call. ReadParallel returns the error a
// sequential read would have stopped at: the same *FileError, naming the same
// line. On error the rows already delivered are to be discarded.
func ReadParallel(path string, data []byte, workers int, sinks func(lines []int) []func(*Kline)) error {
	return readParallel(path, data, workers, minPiece, sinks)
}

// pieceResult is what the reader of one piece saw.
type pieceResult struct {
	err        *FileError
	rows       int
	cols       int
	first      int64 // open time of the first row
	firstLine  int
	last       int64
	lastLine   int
	blank      int // line of an empty line not yet followed by a row
	// failed is the first row of the piece when it failed to parse, so that
	// it can be checked again against the previous piece.
	failed []byte
}

func readParallel(path string, data []byte, workers, minSize int, sinks func(lines []int) []func(*Kline)) error {
	fn, err := ParseFileName(path)
	if err != nil {
		return &FileError{File: path, Err: err}
	}
	cs, err := openCSV(path, fn, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	raw := data
	if fn.Format != FormatCSV {
		raw, err = readAllSized(cs.r, cs.size)
		for _, c := range cs.closers {
			c.Close()
		}
		if err != nil {
			// Let a sequential read name the line where the stream broke.
			r, oerr := OpenBytes(path, data)
			if oerr != nil {
				return oerr
			}
			defer r.Close()
			k := sinks([]int{r.Rows() + bytes.Count(raw, []byte{'\n'}) + 1})[0]
			for r.Next() {
				k(r.Kline())
			}
			if rerr := r.Err(); rerr != nil {
				return rerr
			}
			return &FileError{File: path, Member: cs.member, Err: fmt.Errorf("read: %w", err)}
		}
	}
	pieces := split(raw, workers, minSize)
	lines := make([]int, len(pieces))
	for i, piece := range pieces {
		lines[i] = bytes.Count(piece, []byte{'\n'})
		if len(piece) > 0 && piece[len(piece)-1] != '\n' {
			lines[i]++
		}
	}
	fns := sinks(lines)
	results := make([]pieceResult, len(pieces))
	base := 0
	var wg sync.WaitGroup
	for i, piece := range pieces {
		r := &Reader{
			br: bufio.NewReaderSize(bytes.NewReader(piece), maxLine), name: cs.name,
			file: path, member: cs.member, line: base, started: i > 0, piece: true,
		}
		base += lines[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[i]
			for r.Next() {
				k := r.Kline()
				if res.rows == 0 {
					res.first, res.firstLine = k.Time, r.line
				}
				res.rows++
				res.last, res.lastLine = k.Time, r.line
				fns[i](k)
			}
			res.cols, res.blank, res.failed = r.cols, r.blank, r.failed
			if err := r.Err(); err != nil {
				res.err = err.(*FileError)
			}
		}()
	}
	wg.Wait()
	return joinPieces(path, cs.member, cs.name, results)
}

// joinPieces finds the first error a sequential read would have met: inside
// a piece, or where two pieces meet (order, column count, an empty line).
func joinPieces(path, member string, name FileName, results []pieceResult) error {
	var first *FileError
	consider := func(line int, err error) {
		if first == nil || line < first.Line {
			first = &FileError{File: path, Member: member, Line: line, Err: err}
		}
	}
	prev := -1 // the last piece with rows
	blank := 0
	total := 0
	for i := range results {
		res := &results[i]
		total += res.rows
		if blank != 0 && (res.rows > 0 || res.err != nil) {
			consider(blank, errors.New("empty line inside the file"))
		}
		if res.err != nil {
			if res.failed != nil && prev >= 0 {
				// The piece failed on its first row, which was not checked
				// against the row before it: read it again as the row after
				// the previous piece's last, as a sequential read would.
				p := &results[prev]
				r := &Reader{
					br: bufio.NewReader(bytes.NewReader(res.failed)), name: name, file: path, member: member,
					line: res.err.Line - 1, started: true, piece: true,
					rows: p.rows, cols: p.cols, prev: p.last, prevLine: p.lastLine,
				}
				r.Next()
				if fe, ok := r.Err().(*FileError); ok {
					res.err = fe
				}
			}
			consider(res.err.Line, res.err.Err)
		}
		if res.rows == 0 {
			if blank == 0 {
				blank = res.blank
			}
			continue
		}
		if prev >= 0 {
			p := &results[prev]
			if res.cols != p.cols {
				consider(res.firstLine, fmt.Errorf("has %d columns, earlier rows have %d", res.cols, p.cols))
			}
			if err := orderError(res.first, p.last, p.lastLine); err != nil {
				consider(res.firstLine, err)
			}
		}
		prev = i
		blank = res.blank
	}
	if first != nil {
		return first
	}
	if total == 0 {
		return &FileError{File: path, Member: member, Err: errors.New("file holds no kline rows")}
	}
	return nil
}

// split cuts data after newlines into up to n pieces of at least minSize
// bytes.
func split(data []byte, n, minSize int) [][]byte {
	n = max(1, min(n, len(data)/max(minSize, 1)))
	pieces := make([][]byte, 0, n)
	for i := n; i > 1 && len(data) > 0; i-- {
		cut := len(data) / i
		j := bytes.IndexByte(data[cut:], '\n')
		if j < 0 {
			break
		}
		pieces = append(pieces, data[:cut+j+1])
		data = data[cut+j+1:]
	}
	return append(pieces, data)
}

// readAllSized reads r to the end into a buffer sized from the hint.
func readAllSized(r io.Reader, hint int64) ([]byte, error) {
	if hint < 0 || hint > 1<<32 {
		hint = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, hint+512))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}
