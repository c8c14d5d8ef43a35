package feed

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
)

// readSequential reads a file held in memory with the plain Reader.
func readSequential(path string, data []byte) ([]Kline, error) {
	r, err := OpenBytes(path, data)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.ReadAll()
}

// readPieces reads with readParallel, forcing pieces of minSize bytes.
func readPieces(path string, data []byte, workers, minSize int) ([]Kline, int, error) {
	pieces, err := readParallel(path, data, workers, minSize, func(lines int) (*[]Kline, func(*Row)) {
		p := new([]Kline)
		*p = make([]Kline, 0, lines)
		return p, func(w *Row) {
			if len(*p) == cap(*p) {
				panic("more rows than lines")
			}
			*p = append(*p, w.Kline())
		}
	})
	var all []Kline
	for _, p := range pieces {
		all = append(all, *p...)
	}
	return all, len(pieces), err
}

// checkSameAsSequential asserts that the parallel read of data gives the
// rows and the error of the sequential one.
func checkSameAsSequential(t *testing.T, path string, data []byte, workers, minSize int) {
	t.Helper()
	want, wantErr := readSequential(path, data)
	got, _, gotErr := readPieces(path, data, workers, minSize)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("parallel error = %v\nsequential error = %v", gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("parallel read %d rows, sequential %d", len(got), len(want))
	}
	for i := range want {
		if !sameKline(got[i], want[i]) {
			t.Fatalf("row %d: parallel %+v, sequential %+v", i, got[i], want[i])
		}
	}
}

func TestReadParallelMatchesSequential(t *testing.T) {
	bars := testBars(t, 400, market.Minute1, jan2024)
	good := testCSV(bars, market.Minute1, csvStyle{header: true, padded: true})
	lines := strings.SplitAfter(string(good), "\n")
	// mutate returns good with line i (1-based) replaced.
	mutate := func(i int, repl string) []byte {
		l := append([]string(nil), lines...)
		l[i-1] = repl
		return []byte(strings.Join(l, ""))
	}
	row := func(i int) string { return lines[i-1] }
	cases := map[string][]byte{
		"good":                  good,
		"bad price late":        mutate(350, "1704088140000,1,0.5,1,1,1,,,,,,\n"),
		"bad price early":       mutate(3, "1704067260000,1,0.5,1,1,1,,,,,,\n"),
		"duplicate everywhere":  mutate(200, row(199)),
		"out of order":          mutate(100, row(50)),
		"blank line":            mutate(150, "\n"),
		"blank lines at end":    append(bytes.Clone(good), "\n\n"...),
		"column count changes":  mutate(300, strings.TrimSuffix(row(300), ",0\n")+"\n"),
		"header in the middle":  mutate(250, lines[0]),
		"only header":           []byte(lines[0]),
		"empty":                 nil,
		"two errors":            mutate(120, "garbage\n")[:len(good)-5],
		"no final newline":      bytes.TrimSuffix(good, []byte("\n")),
		"crlf":                  bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")),
		"blank then duplicate":  mutate(201, "\n"),
		"many blank lines only": []byte("\n\n\n\n\n\n\n\n"),
	}
	for name, data := range cases {
		for _, workers := range []int{2, 3, 7} {
			for _, minSize := range []int{1, 500, 5000} {
				t.Run(fmt.Sprintf("%s/w%d/min%d", name, workers, minSize), func(t *testing.T) {
					checkSameAsSequential(t, "BTCUSDT-1m-2024-01.csv", data, workers, minSize)
				})
			}
		}
	}
}

func TestReadParallelContainers(t *testing.T) {
	bars := testBars(t, 3000, market.Minute1, jan2024)
	csv := testCSV(bars, market.Minute1, csvStyle{padded: true, micros: true})
	gz := gzBytes(t, csv)
	files := map[string][]byte{
		"BTCUSDT-1m-2024-01.csv.gz":        gz,
		"BTCUSDT-1m-2024-01.zip":           zipBytes(t, "BTCUSDT-1m-2024-01.csv", csv),
		"BTCUSDT-1m.csv.gz/truncated":      gz[:len(gz)*2/3],
		"BTCUSDT-1m-2023-01.zip/wrong-per": zipBytes(t, "BTCUSDT-1m-2023-01.csv", csv),
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			path, _, _ := strings.Cut(name, "/")
			checkSameAsSequential(t, path, data, 3, 1000)
			_, n, err := readPieces(path, data, 3, 1000)
			if err == nil && n < 3 {
				t.Fatalf("read in %d pieces, want more", n)
			}
		})
	}
}

// FuzzReadParallel checks on arbitrary input, plain, gzipped or zipped, that
// cutting a file into pieces changes neither the rows read nor the error
// reported.
func FuzzReadParallel(f *testing.F) {
	f.Add([]byte("1704067200000,100,101,99,100.5,10,,,,,,\n1704067260000,100.5,102,100,101,12,,,,,,\n"), uint8(2), uint16(10), uint8(0))
	f.Add([]byte("open_time,o,h,l,c,v,ct,qv,n,tb,tq\n1704067200000,1,1,1,1,1,,,,,\n\n1704067200000,1,1,1,1,1,,,,,\n"), uint8(3), uint16(1), uint8(1))
	f.Add([]byte("1704067200000,1,2,1,1,0,1704067259999,1,1,0,0,0\r\n1704067140000,1,2,1,1,0,,,,,,\r\n"), uint8(4), uint16(5), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, workers uint8, minSize uint16, container uint8) {
		name := "BTCUSDT-1m-2024-01.csv"
		switch container % 4 {
		case 1:
			name, data = "BTCUSDT-1m-2024-01.csv.gz", gzBytes(t, data)
		case 2:
			name, data = "BTCUSDT-1m-2024-01.zip", zipBytes(t, "BTCUSDT-1m-2024-01.csv", data)
		case 3:
			gz := gzBytes(t, data)
			name, data = "BTCUSDT-1m-2024-01.csv.gz", gz[:len(gz)*int(minSize%100)/100]
		}
		checkSameAsSequential(t, name, data, int(workers%8)+1, int(minSize))
	})
}

// TestReadParallelLongLines checks lines about as long as the longest
// accepted, with and without a final newline, in pieces of every size.
func TestReadParallelLongLines(t *testing.T) {
	row := "1704067200000,100,101,99,100.5,10,,,,,,\n"
	for _, n := range []int{maxLine - 1, maxLine, maxLine + 1} {
		long := strings.Repeat("7", n-1) + "\n"
		for name, data := range map[string]string{
			"last":            row + long,
			"last no newline": row + long[:n-1],
			"last exact":      row + strings.Repeat("7", n),
			"first":           long + row,
		} {
			for _, minSize := range []int{1, 100, maxLine / 2, 4 * maxLine} {
				t.Run(fmt.Sprintf("%d/%s/min%d", n, name, minSize), func(t *testing.T) {
					checkSameAsSequential(t, "BTCUSDT-1m.csv", []byte(data), 3, minSize)
				})
			}
		}
	}
}
