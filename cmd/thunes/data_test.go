package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/sharedtest"

	"github.com/thunes/thunes/internal/feed"
)

// runThunes runs the program with args and returns stdout, stderr and the
// error.
func runThunes(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"thunes"}, args...), func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// klineFile writes n synthetic 1m bars as a Binance kline CSV named name in
// dir, skipping the bars whose index is in holes.
func klineFile(t *testing.T, dir, name string, start int64, n int, holes ...int) string {
	t.Helper()
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 3, Bars: n, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	skip := map[int]bool{}
	for _, h := range holes {
		skip[h] = true
	}
	var b strings.Builder
	b.WriteString("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n")
	for i, bar := range bars {
		if !skip[i] {
			fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%d,,,,,\n", bar.Time, bar.Open, bar.High, bar.Low, bar.Close, bar.Volume, bar.Time+59999)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDataImportAndList(t *testing.T) {
	in := t.TempDir()
	cat := filepath.Join(t.TempDir(), "catalog")
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	btc := klineFile(t, in, "BTCUSDT-1m-2024-01.csv", jan, 1000, 10, 11, 12, 500)
	eth := klineFile(t, in, "ETHUSDT-1m.csv", jan, 50)

	// Flags may follow the files.
	out, _, err := runThunes(t, "data", "import", btc, eth, "--data", cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"spot BTCUSDT 1m: read 996 rows from 1 file(s), added 996",
		"series: 996 rows, 2024-01-01 00:00 UTC → 2024-01-01 16:39 UTC",
		"gaps:   2, 4 1m bars missing; largest 2024-01-01 00:10 UTC → 2024-01-01 00:13 UTC (3 bars)",
		"spot ETHUSDT 1m: read 50 rows from 1 file(s), added 50",
		"gaps:   none",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runThunes(t, "data", "import", "--data", cat, btc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "read 0 rows from 0 file(s), added 0; skipped 1 file(s) already imported") {
		t.Errorf("re-import output:\n%s", out)
	}

	out, _, err = runThunes(t, "data", "ls", "--data", cat)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "MARKET") ||
		strings.Join(strings.Fields(lines[1]), " ") != "spot BTCUSDT 1m 2024-01-01 00:00 UTC 2024-01-01 16:39 UTC 996 2 (4 missing)" ||
		strings.Join(strings.Fields(lines[2]), " ") != "spot ETHUSDT 1m 2024-01-01 00:00 UTC 2024-01-01 00:49 UTC 50 0" {
		t.Fatalf("ls output:\n%s", out)
	}

	out, _, err = runThunes(t, "data", "ls", "--json", "--data", cat)
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Market, Symbol, Interval string
		First, Last              time.Time
		Rows, Missing            int64
		Gaps                     []struct {
			Start, End time.Time
			Missing    int64
		}
		Sources []struct {
			Name, SHA256 string
			Rows         int64
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("ls --json is not JSON: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0].Symbol != "BTCUSDT" || list[0].Rows != 996 || list[0].Missing != 4 || len(list[0].Gaps) != 2 ||
		!list[0].Gaps[0].Start.Equal(time.UnixMilli(jan+10*60000)) || list[0].Gaps[0].Missing != 3 ||
		!list[0].Last.Equal(time.UnixMilli(jan+999*60000)) || len(list[0].Sources) != 1 || len(list[0].Sources[0].SHA256) != 64 {
		t.Fatalf("ls --json:\n%s", out)
	}
}

func TestDataImportBadFile(t *testing.T) {
	in := t.TempDir()
	cat := filepath.Join(t.TempDir(), "catalog")
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	good := klineFile(t, in, "BTCUSDT-1m.csv", jan, 100)
	if _, _, err := runThunes(t, "data", "import", "--data", cat, good); err != nil {
		t.Fatal(err)
	}
	before, _, _ := runThunes(t, "data", "ls", "--json", "--data", cat)

	data, _ := os.ReadFile(good)
	lines := strings.Split(string(data), "\n")
	lines[17] = fmt.Sprintf("%d,101,100,99,100,1,,,,,,", jan+200*60000)
	bad := filepath.Join(in, "ETHUSDT-1m-2024-01.csv")
	os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644)
	_, _, err := runThunes(t, "data", "import", "--data", cat, good, bad)
	if err == nil || isUsage(err) || !strings.Contains(err.Error(), "ETHUSDT-1m-2024-01.csv line 18: high 100 is below open 101") {
		t.Fatalf("error = %v, want one naming the file and line", err)
	}
	if exitCode(err) != 1 {
		t.Fatalf("exit code %d, want 1", exitCode(err))
	}
	after, _, _ := runThunes(t, "data", "ls", "--json", "--data", cat)
	if before != after {
		t.Fatalf("a failed import changed the catalog:\n%s\n%s", before, after)
	}
	_, _, err = runThunes(t, "data", "import", "--data", cat, filepath.Join(in, "BTCUSDT-1m-missing.csv"))
	if err == nil || !strings.Contains(err.Error(), "BTCUSDT-1m-missing.csv") {
		t.Fatalf("missing file: error = %v", err)
	}
}

func TestDataUsage(t *testing.T) {
	cat := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" when the command succeeds
		usage   bool
		stdout  string
	}{
		{"no subcommand", []string{"data"}, "no subcommand", true, ""},
		{"unknown subcommand", []string{"data", "rm"}, `unknown subcommand "rm"`, true, ""},
		{"help", []string{"data", "--help"}, "", false, "import"},
		{"import help", []string{"data", "import", "--help"}, "", false, "-market"},
		{"ls help", []string{"data", "ls", "-h"}, "", false, "-json"},
		{"import no files", []string{"data", "import", "--data", cat}, "no FILE given", true, ""},
		{"import bad market", []string{"data", "import", "--market", "margin", "x.csv"}, `--market: unknown market "margin"`, true, ""},
		{"import unknown flag", []string{"data", "import", "--force", "x.csv"}, "force", true, ""},
		{"import flag without value", []string{"data", "import", "x.csv", "--data"}, "flag needs an argument: -data", true, ""},
		{"ls unknown flag", []string{"data", "ls", "--csv"}, "csv", true, ""},
		{"ls extra argument", []string{"data", "ls", "--data", cat, "BTCUSDT"}, `unexpected argument "BTCUSDT"`, true, ""},
		{"ls bad json value", []string{"data", "ls", "--json=maybe"}, "json", true, ""},
		{"ls empty", []string{"data", "ls", "--data", filepath.Join(cat, "none")}, "", false, "holds no series"},
		{"ls empty json", []string{"data", "ls", "--json", "--data", filepath.Join(cat, "none")}, "", false, "[]"},
		{"import bad name", []string{"data", "import", "--data", cat, "klines.csv"}, `file name "klines.csv"`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runThunes(t, tt.args...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(stdout, tt.stdout) {
					t.Fatalf("stdout lacks %q:\n%s", tt.stdout, stdout)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if isUsage(err) != tt.usage {
				t.Fatalf("isUsage(%v) = %v, want %v", err, isUsage(err), tt.usage)
			}
		})
	}
}

// TestDataImportReal imports a real Binance file end to end.
func TestDataImportReal(t *testing.T) {
	path := sharedtest.File(t, "klines", "futures-um", "FILUSDT-1m.csv.gz")
	cat := t.TempDir()
	out, _, err := runThunes(t, "data", "import", "--market", "futures-um", "--data", cat, path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "futures-um FILUSDT 1m: read 175680 rows from 1 file(s), added 175680") || !strings.Contains(out, "gaps:   none") {
		t.Fatalf("output:\n%s", out)
	}
}
