package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// minPiece is the size of the pieces a file is cut into: the smallest
// piece of a plain CSV worth a goroutine of its own, and the block size in
// which a compressed file is inflated.
const minPiece = 2 << 20

// ReadParallel reads and checks every row of a kline file held in memory,
// like Open and Next, but cuts the CSV at line boundaries into pieces parsed
// on up to workers goroutines; a zip or gzip file is inflated block by block
// on the calling goroutine while earlier blocks are parsed. path names the
// file (format, symbol, interval, errors). For each piece, newPiece is
// called on the piece's goroutine with the piece's number of lines (an upper
// bound on its rows); it returns a value for the piece and the function that
// receives the piece's rows in file order, on that goroutine. The *Row is
// valid only during that call. ReadParallel returns the pieces' values in
// file order, and the error a sequential read would have stopped at: the
// same *FileError, naming the same line. On error the rows already delivered
// are to be discarded.
func ReadParallel[T any](path string, data []byte, workers int, newPiece func(lines int) (T, func(*Row))) ([]T, error) {
	return readParallel(path, data, workers, minPiece, newPiece)
}

// pieceResult is what the reader of one piece saw. Its line numbers count
// from the start of the piece until readParallel adds the lines before it.
type pieceResult struct {
	err       *FileError
	lines     int
	rows      int
	cols      int
	first     int64 // open time of the first row
	firstLine int
	last      int64
	lastLine  int
	blank     int // line of an empty line not yet followed by a row
	// failed is the first row of the piece when it failed to parse, so that
	// it can be checked again against the previous piece.
	failed []byte
}

// shift makes the piece's line numbers count from the start of the file,
// base lines before the piece's.
func (res *pieceResult) shift(base int) {
	if res.rows > 0 {
		res.firstLine += base
		res.lastLine += base
	}
	if res.blank != 0 {
		res.blank += base
	}
	if res.err != nil && res.err.Line != 0 {
		res.err.Line += base
	}
}

// piece is one piece of a file being read.
type piece[T any] struct {
	res pieceResult
	val T
}

func readParallel[T any](path string, data []byte, workers, minSize int, newPiece func(lines int) (T, func(*Row))) ([]T, error) {
	fn, err := ParseFileName(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	cs, err := openCSV(path, fn, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range cs.closers {
			c.Close()
		}
	}()
	var pieces []*piece[T]
	sem := make(chan struct{}, max(workers, 1))
	// The blocks of an inflated stream, once parsed, are read into again.
	free := make(chan []byte, max(workers, 1)+1)
	var wg sync.WaitGroup
	start := func(data []byte) {
		p := &piece[T]{}
		r := &Reader{mem: data, name: cs.name, file: path, member: cs.member, started: len(pieces) > 0, piece: true}
		pieces = append(pieces, p)
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res := &p.res
			res.lines = bytes.Count(data, []byte{'\n'})
			if len(data) > 0 && data[len(data)-1] != '\n' {
				res.lines++
			}
			var rows func(*Row)
			p.val, rows = newPiece(res.lines)
			for r.Next() {
				w := r.Row()
				if res.rows == 0 {
					res.first, res.firstLine = w.Time, r.line
				}
				res.rows++
				res.last, res.lastLine = w.Time, r.line
				rows(w)
			}
			res.cols, res.blank, res.failed = r.cols, r.blank, r.failed
			if err := r.Err(); err != nil {
				res.err = err.(*FileError)
			}
			if fn.Format != FormatCSV {
				select {
				case free <- data[:cap(data)]:
				default:
				}
			}
		}()
	}
	var readErr error
	if fn.Format == FormatCSV {
		for _, p := range split(data, workers, minSize) {
			start(p)
		}
	} else {
		readErr = streamPieces(cs.r, max(minSize, 1), free, start)
	}
	wg.Wait()
	if readErr != nil {
		// The stream broke: a sequential read names the line where it did,
		// or an earlier bad row.
		r, err := OpenBytes(path, data)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
		return nil, &FileError{File: path, Member: cs.member, Err: fmt.Errorf("read: %w", readErr)}
	}
	results := make([]*pieceResult, len(pieces))
	vals := make([]T, len(pieces))
	base := 0
	for i, p := range pieces {
		p.res.shift(base)
		base += p.res.lines
		results[i], vals[i] = &p.res, p.val
	}
	if err := joinPieces(path, cs.member, cs.name, results); err != nil {
		return nil, err
	}
	return vals, nil
}

// streamPieces reads r in blocks of about size bytes and passes on each one
// cut after its last newline, the rest carried into the next block. It takes
// its blocks from free when it can. It returns nil at the end of r, or the
// error that broke it.
func streamPieces(r io.Reader, size int, free <-chan []byte, emit func([]byte)) error {
	var carry []byte
	for {
		// A long line doubles the block, so carrying it costs linear time.
		need := len(carry) + max(size, len(carry))
		var buf []byte
		select {
		case b := <-free:
			if cap(b) >= need {
				buf = b[:need]
			}
		default:
		}
		if buf == nil {
			buf = make([]byte, need)
		}
		// The carry may lie in buf, when the block it ends was parsed and
		// given back already: copy moves it to the front all the same.
		copy(buf, carry)
		n, err := readFull(r, buf[len(carry):])
		buf = buf[:len(carry)+n]
		if err == io.EOF {
			if len(buf) > 0 {
				emit(buf)
			}
			return nil
		}
		if err != nil {
			return err
		}
		cut := bytes.LastIndexByte(buf, '\n')
		if cut < 0 && len(buf) <= maxLine {
			carry = buf
			continue
		}
		// A block without a newline longer than maxLine goes on as it is:
		// its reader reports the overlong line.
		if cut < 0 {
			cut = len(buf) - 1
		}
		emit(buf[:cut+1])
		carry = buf[cut+1:]
	}
}

// readFull fills buf from r and returns io.EOF only at the clean end of r.
func readFull(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// joinPieces finds the first error a sequential read would have met: inside
// a piece, or where two pieces meet (order, column count, an empty line).
func joinPieces(path, member string, name FileName, results []*pieceResult) error {
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
		res := results[i]
		total += res.rows
		if blank != 0 && (res.rows > 0 || res.err != nil) {
			consider(blank, errors.New("empty line inside the file"))
		}
		if res.err != nil {
			// A row that failed is read again with the line numbers of the
			// file, which its error may quote, and the first row of a piece
			// as the row after the previous piece's last, against which it
			// was not checked: as a sequential read would.
			before := res
			if res.rows == 0 && prev >= 0 {
				before = results[prev]
			}
			if res.failed != nil && before.rows > 0 {
				r := &Reader{
					mem: res.failed, name: name, file: path, member: member,
					line: res.err.Line - 1, started: true, piece: true,
					rows: before.rows, cols: before.cols, prev: before.last, prevLine: before.lastLine,
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
			p := results[prev]
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
