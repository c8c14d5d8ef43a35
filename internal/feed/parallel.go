package feed

import (
	"bufio"
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
// file (format, symbol, interval, errors). For each piece, in file order and
// on the calling goroutine, sink is called with the piece's index and its
// number of lines (an upper bound on its rows); the function it returns
// receives the piece's rows in file order on the piece's goroutine. The
// *Kline is valid only during that call. ReadParallel returns the error a
// sequential read would have stopped at: the same *FileError, naming the same
// line. On error the rows already delivered are to be discarded.
func ReadParallel(path string, data []byte, workers int, sink func(piece, lines int) func(*Kline)) error {
	return readParallel(path, data, workers, minPiece, sink)
}

// pieceResult is what the reader of one piece saw.
type pieceResult struct {
	err       *FileError
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

func readParallel(path string, data []byte, workers, minSize int, sink func(piece, lines int) func(*Kline)) error {
	fn, err := ParseFileName(path)
	if err != nil {
		return &FileError{File: path, Err: err}
	}
	cs, err := openCSV(path, fn, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range cs.closers {
			c.Close()
		}
	}()
	var results []*pieceResult
	sem := make(chan struct{}, max(workers, 1))
	var wg sync.WaitGroup
	base := 0
	start := func(piece []byte) {
		i := len(results)
		lines := bytes.Count(piece, []byte{'\n'})
		if len(piece) > 0 && piece[len(piece)-1] != '\n' {
			lines++
		}
		rows := sink(i, lines)
		res := &pieceResult{}
		results = append(results, res)
		// A buffer as long as the piece holds any of its lines.
		r := &Reader{
			br: bufio.NewReaderSize(bytes.NewReader(piece), min(maxLine, len(piece)+1)), name: cs.name,
			file: path, member: cs.member, line: base, started: i > 0, piece: true,
		}
		base += lines
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for r.Next() {
				k := r.Kline()
				if res.rows == 0 {
					res.first, res.firstLine = k.Time, r.line
				}
				res.rows++
				res.last, res.lastLine = k.Time, r.line
				rows(k)
			}
			res.cols, res.blank, res.failed = r.cols, r.blank, r.failed
			if err := r.Err(); err != nil {
				res.err = err.(*FileError)
			}
		}()
	}
	var readErr error
	if fn.Format == FormatCSV {
		for _, p := range split(data, workers, minSize) {
			start(p)
		}
	} else {
		readErr = streamPieces(cs.r, max(minSize, 1), start)
	}
	wg.Wait()
	if readErr != nil {
		// The stream broke: a sequential read names the line where it did,
		// or an earlier bad row.
		r, err := OpenBytes(path, data)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			return err
		}
		return &FileError{File: path, Member: cs.member, Err: fmt.Errorf("read: %w", readErr)}
	}
	return joinPieces(path, cs.member, cs.name, results)
}

// streamPieces reads r in blocks of about size bytes and passes on each one
// cut after its last newline, the rest carried into the next block. It
// returns nil at the end of r, or the error that broke it.
func streamPieces(r io.Reader, size int, emit func([]byte)) error {
	var carry []byte
	for {
		// A long line doubles the block, so carrying it costs linear time.
		buf := make([]byte, len(carry)+max(size, len(carry)))
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
			if res.failed != nil && prev >= 0 {
				// The piece failed on its first row, which was not checked
				// against the row before it: read it again as the row after
				// the previous piece's last, as a sequential read would.
				p := results[prev]
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
