// Package report writes a backtest's result as files a person can open: the
// summary as JSON, the closed trades and the daily equity curve as CSV, and
// one self-contained HTML page with charts and tables that needs no network.
// docs/reports.md describes every file and column.
package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/engine"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// The files Write creates in its directory.
const (
	ResultFile = "result.json"
	TradesFile = "trades.csv"
	EquityFile = "equity.csv"
	HTMLFile   = "report.html"
)

// TimeLayout is how the CSV files write instants: RFC 3339 in UTC with
// milliseconds, since fills happen between whole seconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// DrawdownScale is the number of fractional digits of equity.csv's
// drawdown_pct, which is truncated toward zero.
const DrawdownScale = 4

// Write writes res's report into dir, creating dir (and its parents) when
// it is missing: result.json, trades.csv, equity.csv and report.html. bars
// are the run's bars, oldest first, for the price chart; they may be empty.
//
// Each file is written to a temporary file in dir and synced; only once all
// four are complete are they renamed over their final names, so a reader
// never sees a partly written file, and a Write that fails while writing
// removes its temporary files and leaves an earlier report in dir as it was.
// Errors name the path at fault. Write refuses a dir that exists and is not
// a directory.
func Write(dir string, res *backtest.Result, bars []market.Bar) error {
	if res == nil {
		return errors.New("report: no result")
	}
	if dir == "" {
		return errors.New("report: no directory given")
	}
	if err := makeDir(dir); err != nil {
		return err
	}
	curve := Curve(res.Curve)
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{ResultFile, func(w io.Writer) error { return writeResult(w, res) }},
		{TradesFile, func(w io.Writer) error { return WriteTrades(w, res) }},
		{EquityFile, func(w io.Writer) error { return writeEquity(w, curve) }},
		{HTMLFile, func(w io.Writer) error { return WriteHTML(w, res, bars) }},
	}
	temps := make([]string, 0, len(files))
	done := false
	defer func() {
		if !done {
			for _, t := range temps {
				os.Remove(t)
			}
		}
	}()
	for _, f := range files {
		tmp, err := writeTemp(dir, f.name, f.write)
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if err != nil {
			return err
		}
	}
	for i, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.Rename(temps[i], path); err != nil {
			return fmt.Errorf("report: write %s: %w", path, err)
		}
	}
	done = true
	return syncDir(dir)
}

func makeDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("report: %s exists and is not a directory", dir)
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: create directory: %w", err)
	}
	return nil
}

// writeTemp writes one file's content to a new temporary file in dir and
// syncs it; it returns the temporary file's path, also on error once the file
// exists, so the caller can remove it.
func writeTemp(dir, name string, write func(io.Writer) error) (string, error) {
	path := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("report: write %s: %w", path, err)
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 256<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return tmp, fmt.Errorf("report: write %s: %w", path, err)
	}
	return tmp, nil
}

// syncDir makes the renames durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("report: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("report: sync %s: %w", dir, err)
	}
	return nil
}

// writeResult writes the summary exactly as 'thunes backtest --json' prints
// it: one JSON object and a newline.
func writeResult(w io.Writer, res *backtest.Result) error {
	return json.NewEncoder(w).Encode(res)
}

// TradesHeader is trades.csv's header row.
var TradesHeader = []string{"symbol", "entry_time", "exit_time", "qty", "entry_price", "exit_price", "gross_pnl", "fees", "net_pnl"}

// WriteTrades writes res's closed trades as CSV: TradesHeader, then one row
// per trade in the order they closed. Money and quantities are exact
// decimals.
func WriteTrades(w io.Writer, res *backtest.Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(TradesHeader); err != nil {
		return err
	}
	row := make([]string, len(TradesHeader))
	for _, t := range res.Trades {
		row[0] = t.Symbol
		row[1] = formatTime(t.Entry)
		row[2] = formatTime(t.Exit)
		row[3] = t.Qty.String()
		row[4] = t.EntryPrice.String()
		row[5] = t.ExitPrice.String()
		row[6] = t.GrossPnL.String()
		row[7] = t.Fees.String()
		row[8] = t.NetPnL.String()
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// EquityHeader is equity.csv's header row.
var EquityHeader = []string{"time", "equity", "drawdown_pct"}

// Point is one row of equity.csv: the exact equity at a time (Unix ms) and
// how far it is below the highest equity so far, in percent.
type Point struct {
	Time        int64
	Equity      num.Decimal
	DrawdownPct num.Decimal
}

// Curve returns the rows of equity.csv for a backtest's equity curve: times
// strictly increasing (of points that share a time the last one counts, as
// in the metrics), and the drawdown from the running peak, in percent,
// truncated to DrawdownScale digits; it is 0 while the peak is not positive.
func Curve(curve []engine.EquityPoint) []Point {
	out := make([]Point, 0, len(curve))
	for _, p := range curve {
		if n := len(out); n > 0 && out[n-1].Time >= p.Time {
			out[n-1].Equity = p.Equity
			continue
		}
		out = append(out, Point{Time: p.Time, Equity: p.Equity})
	}
	hundred := num.FromInt(100)
	var peak num.Decimal
	for i := range out {
		p := &out[i]
		if i == 0 || p.Equity.Cmp(peak) > 0 {
			peak = p.Equity
		}
		p.DrawdownPct = num.Zero
		if peak.IsPos() && p.Equity.Less(peak) {
			var c num.Calc
			dd := c.Div(c.Mul(c.Sub(peak, p.Equity), hundred), peak, DrawdownScale)
			if c.Err() == nil {
				p.DrawdownPct = dd
			}
		}
	}
	return out
}

func writeEquity(w io.Writer, curve []Point) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(EquityHeader); err != nil {
		return err
	}
	row := make([]string, len(EquityHeader))
	for _, p := range curve {
		row[0] = formatTime(p.Time)
		row[1] = p.Equity.String()
		row[2] = p.DrawdownPct.StringFixed(DrawdownScale)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(TimeLayout)
}
