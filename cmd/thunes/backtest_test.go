package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/sharedtest"
)

// runCLI calls run as the binary would and returns stdout, stderr and the error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"thunes"}, args...), func(string) string { return "" },
		strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestVersionAndHelp(t *testing.T) {
	out, _, err := runCLI(t, "version")
	if err != nil || !strings.HasPrefix(out, "thunes ") {
		t.Fatalf("version: %q %v", out, err)
	}
	out, _, err = runCLI(t, "--help")
	if err != nil || !strings.Contains(out, "backtest") || !strings.Contains(out, "data") {
		t.Fatalf("help: %q %v", out, err)
	}
	for _, cmd := range []string{"version", "backtest", "data"} {
		out, _, err := runCLI(t, cmd, "--help")
		if err != nil || !strings.Contains(out, "usage: thunes "+cmd) {
			t.Errorf("%s --help: %q %v", cmd, out, err)
		}
	}
	if _, _, err := runCLI(t, "frobnicate"); err == nil || !isUsage(err) {
		t.Fatalf("unknown command: %v", err)
	}
	if _, _, err := runCLI(t); err == nil || !isUsage(err) {
		t.Fatalf("no command: %v", err)
	}
}

type result struct {
	Symbol         string  `json:"symbol"`
	Bars           int     `json:"bars"`
	Orders         int     `json:"orders"`
	Fills          int     `json:"fills"`
	Fees           string  `json:"fees"`
	InitialEquity  string  `json:"initial_equity"`
	FinalEquity    string  `json:"final_equity"`
	ReturnPct      float64 `json:"return_pct"`
	MaxDrawdownPct float64 `json:"max_drawdown_pct"`
	LedgerSHA256   string  `json:"ledger_sha256"`
	ElapsedMs      float64 `json:"elapsed_ms"`
	BarsPerSec     float64 `json:"bars_per_sec"`
	Gaps           int     `json:"gaps"`
}

func backtestJSON(t *testing.T, args ...string) result {
	t.Helper()
	out, errOut, err := runCLI(t, append([]string{"backtest", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("backtest %v: %v\n%s", args, err, errOut)
	}
	var r result
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	return r
}

func TestSyntheticBacktestIsDeterministic(t *testing.T) {
	a := backtestJSON(t, "--synthetic", "--bars", "30000", "--seed", "5")
	b := backtestJSON(t, "--synthetic", "--bars", "30000", "--seed", "5")
	if a.LedgerSHA256 != b.LedgerSHA256 || a.FinalEquity != b.FinalEquity || len(a.LedgerSHA256) != 64 {
		t.Fatalf("two runs differ: %+v / %+v", a, b)
	}
	if a.Bars != 30000 || a.Fills == 0 || a.InitialEquity != "10000" || a.BarsPerSec <= 0 || a.ElapsedMs <= 0 {
		t.Fatalf("%+v", a)
	}
	c := backtestJSON(t, "--synthetic", "--bars", "30000", "--seed", "5", "--param", "fast=20", "--param", "slow=60")
	if c.LedgerSHA256 == a.LedgerSHA256 {
		t.Fatal("different parameters gave the same ledger")
	}
	out, _, err := runCLI(t, "backtest", "--synthetic", "--bars", "2000")
	if err != nil || !strings.Contains(out, "ledger") || !strings.Contains(out, "max drawdown") {
		t.Fatalf("text output: %q %v", out, err)
	}
}

func TestBacktestBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--synthetic", "--interval", "7m"}, "--interval"},
		{[]string{"--synthetic", "--strategy", "moon"}, "ema-cross"},
		{[]string{"--synthetic", "--param", "fast"}, "name=value"},
		{[]string{"--synthetic", "--param", "speed=3"}, "valid: fast"},
		{[]string{"--synthetic", "--param", "fast=50", "--param", "slow=10"}, "slow"},
		{[]string{"--synthetic", "--from", "yesterday"}, "--from"},
		{[]string{"--synthetic", "--from", "2024-02-01", "--to", "2024-01-01"}, "not after"},
		{[]string{"--synthetic", "--capital", "-5"}, "--capital"},
		{[]string{"--synthetic", "--capital", "1e4"}, "--capital"},
		{[]string{"--synthetic", "--symbol", "FOOBAR"}, "unknown symbol"},
		{[]string{"--synthetic", "--taker-fee", "2"}, "taker fee"},
		{[]string{"--synthetic", "--bars", "0"}, "no 1m bar"},
		{[]string{"--nope"}, "nope"},
		{[]string{"--synthetic", "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, append([]string{"backtest"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("backtest %v: err %v, want it to mention %q", tt.args, err, tt.want)
		}
	}
	// A catalog that does not hold the series.
	_, _, err := runCLI(t, "backtest", "--data", t.TempDir(), "--symbol", "BTCUSDT")
	if err == nil {
		t.Fatal("empty catalog accepted")
	}
}

// sharedData returns ../shared/data when it holds spot BTCUSDT-1m, or skips.
func sharedData(t *testing.T) string {
	t.Helper()
	sharedtest.File(t, "klines", "spot", "BTCUSDT-1m.csv.gz")
	return sharedtest.Data(t)
}

// On real Binance data: import, then backtest a window that spans the April
// 2021 outage, which must show as a gap.
func TestRealDataBacktest(t *testing.T) {
	data := sharedData(t)
	cat := t.TempDir()
	if _, errOut, err := runCLI(t, "data", "import", "--data", cat, filepath.Join(data, "klines", "spot", "BTCUSDT-1m.csv.gz")); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	r := backtestJSON(t, "--data", cat, "--symbol", "BTCUSDT", "--interval", "1m", "--from", "2021-04-20", "--to", "2021-04-30")
	// 11 days of minutes (15 840) less the outage of 2021-04-25.
	if r.Bars < 15000 || r.Bars >= 15840 || r.Gaps < 1 || r.Fills == 0 {
		t.Fatalf("%+v", r)
	}
	again := backtestJSON(t, "--data", cat, "--symbol", "BTCUSDT", "--interval", "1m", "--from", "2021-04-20", "--to", "2021-04-30")
	if again.LedgerSHA256 != r.LedgerSHA256 {
		t.Fatal("real-data backtest is not deterministic")
	}
	h := backtestJSON(t, "--data", cat, "--symbol", "BTCUSDT", "--interval", "1h", "--from", "2021-04-20", "--to", "2021-04-30")
	if h.Bars < 255 || h.Bars > 264 {
		t.Fatalf("1h bars aggregated from 1m: %d", h.Bars)
	}
}

func TestStrategiesCommand(t *testing.T) {
	out, _, err := runCLI(t, "strategies")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ema-cross — trend", "rsi-reversion", "bollinger-breakout", "donchian-breakout", "grid", "dca", "slow  ", "[2, 5000] bars, whole"} {
		if !strings.Contains(out, want) {
			t.Errorf("strategies output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "strategies", "--json", "grid")
	if err != nil {
		t.Fatal(err)
	}
	var specs []struct {
		Name   string
		Params []struct {
			Name    string
			Default float64
		}
	}
	if err := json.Unmarshal([]byte(out), &specs); err != nil {
		t.Fatal(err)
	}
	if len(specs) != 1 || specs[0].Name != "grid" || len(specs[0].Params) != 4 || specs[0].Params[0].Name != "levels" {
		t.Fatalf("strategies --json grid: %+v", specs)
	}
	if _, _, err := runCLI(t, "strategies", "nope"); err == nil || !strings.Contains(err.Error(), "valid: bollinger-breakout") {
		t.Fatalf("unknown strategy: %v", err)
	}
}

// --out writes the report; its result.json is what --json prints, and its
// trades add up to the metrics and, with the open PnL, to the change in
// equity.
func TestBacktestOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	out, errOut, err := runCLI(t, "backtest", "--synthetic", "--bars", "30000", "--seed", "5", "--json", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	stored, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(stored) != out {
		t.Fatalf("result.json differs from --json:\n%s\n%s", stored, out)
	}
	for _, name := range []string{"trades.csv", "equity.csv", "report.html"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var res struct {
		InitialEquity string `json:"initial_equity"`
		FinalEquity   string `json:"final_equity"`
		Metrics       struct {
			Trades   int    `json:"trades"`
			NetPnL   string `json:"net_pnl"`
			GrossPnL string `json:"gross_pnl"`
			Fees     string `json:"trade_fees"`
			OpenPnL  string `json:"open_pnl"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(stored, &res); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "trades.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "symbol,entry_time,exit_time,qty,entry_price,exit_price,gross_pnl,fees,net_pnl" {
		t.Fatalf("trades.csv: %v", rows)
	}
	if len(rows)-1 != res.Metrics.Trades {
		t.Fatalf("%d trade rows, metrics count %d trades", len(rows)-1, res.Metrics.Trades)
	}
	var c num.Calc
	gross, fees, net := num.Zero, num.Zero, num.Zero
	for _, r := range rows[1:] {
		gross = c.Add(gross, num.MustParse(r[6]))
		fees = c.Add(fees, num.MustParse(r[7]))
		net = c.Add(net, num.MustParse(r[8]))
	}
	change := c.Sub(num.MustParse(res.FinalEquity), num.MustParse(res.InitialEquity))
	explained := c.Add(net, num.MustParse(res.Metrics.OpenPnL))
	if c.Err() != nil || !net.Equal(num.MustParse(res.Metrics.NetPnL)) || !gross.Equal(num.MustParse(res.Metrics.GrossPnL)) ||
		!fees.Equal(num.MustParse(res.Metrics.Fees)) || !change.Equal(explained) {
		t.Fatalf("trades.csv Σ gross %s fees %s net %s; metrics %+v; equity change %s, net + open %s (%v)",
			gross, fees, net, res.Metrics, change, explained, c.Err())
	}

	// Text output names the page; an --out that is a file is refused before
	// the run.
	text, _, err := runCLI(t, "backtest", "--synthetic", "--bars", "2000", "--out", dir)
	if err != nil || !strings.Contains(text, filepath.Join(dir, "report.html")) {
		t.Fatalf("text output: %q %v", text, err)
	}
	file := filepath.Join(dir, "result.json")
	if _, _, err := runCLI(t, "backtest", "--synthetic", "--out", file); err == nil || !isUsage(err) || !strings.Contains(err.Error(), file) {
		t.Fatalf("--out onto a file: %v", err)
	}
}

// The progress bar is drawn on stderr only when both streams are terminals
// and the output is not JSON, and it is erased before the summary.
func TestBacktestProgressBar(t *testing.T) {
	args := []string{"--synthetic", "--bars", "140000"}
	for _, tt := range []struct {
		name     string
		terminal func(io.Writer) bool
		json     bool
		want     bool
	}{
		{"terminal", func(io.Writer) bool { return true }, false, true},
		{"json on a terminal", func(io.Writer) bool { return true }, true, false},
		{"redirected", func(io.Writer) bool { return false }, false, false},
		{"only stdout a terminal", func(w io.Writer) bool { _, ok := w.(*stdoutBuffer); return ok }, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out stdoutBuffer
			var errOut bytes.Buffer
			e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, terminal: tt.terminal}
			a := args
			if tt.json {
				a = append([]string{"--json"}, a...)
			}
			if err := runBacktest(context.Background(), e, a); err != nil {
				t.Fatal(err)
			}
			got := errOut.String()
			if !tt.want {
				if got != "" {
					t.Fatalf("stderr %q", got)
				}
				return
			}
			if !strings.HasPrefix(got, "\r[") || !strings.Contains(got, "100%  140000/140000 bars") || !strings.HasSuffix(got, "\r\x1b[K") {
				t.Fatalf("stderr %q", got)
			}
			if strings.Contains(out.String(), "\r") || !strings.Contains(out.String(), "ledger") {
				t.Fatalf("stdout %q", out.String())
			}
		})
	}
}

// stdoutBuffer is a bytes.Buffer of its own type, to tell stdout from stderr.
type stdoutBuffer struct{ bytes.Buffer }

func TestBacktestSeveralSymbols(t *testing.T) {
	r := backtestJSON(t, "--synthetic", "--bars", "40000", "--symbol", "BTCUSDT,ETHUSDT", "--strategy", "donchian-breakout")
	if r.Symbol != "BTCUSDT,ETHUSDT" || r.Bars != 80000 {
		t.Fatalf("%+v", r)
	}
	if _, _, err := runCLI(t, "backtest", "--synthetic", "--symbol", "BTCUSDT,FOO"); err == nil || !strings.Contains(err.Error(), `unknown symbol "FOO" (known: `) {
		t.Fatalf("unknown symbol: %v", err)
	}
}
