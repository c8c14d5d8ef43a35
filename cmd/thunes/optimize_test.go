package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOptimizeWritesTableCSVAndJSON(t *testing.T) {
	dir := t.TempDir()
	csvPath, jsonPath := filepath.Join(dir, "rank.csv"), filepath.Join(dir, "rank.json")
	out, _, err := runCLI(t, "optimize", "--synthetic", "--bars", "30000", "--strategy", "ema-cross",
		"--param", "fast=10:30:10", "--param", "slow=50,100", "--metric", "return", "--csv", csvPath, "--json", jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "ema-cross: 6 sets (0 skipped), ranked by return") || !strings.Contains(out, "RANK") {
		t.Fatalf("table:\n%s", out)
	}
	var res struct {
		Rows []struct {
			Key         string
			FinalEquity string `json:"final_equity"`
			Score       float64
		}
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 || len(res.Rows) != 6 || recs[0][1] != "fast" || recs[0][2] != "slow" {
		t.Fatalf("csv %d records (header %v), json %d rows", len(recs), recs[0], len(res.Rows))
	}
	// The CSV and the JSON rank the same sets the same way.
	for i, r := range res.Rows {
		if got := "fast=" + recs[i+1][1] + " slow=" + recs[i+1][2]; got != r.Key || recs[i+1][11] != r.FinalEquity {
			t.Fatalf("row %d: csv %v, json %+v", i+1, recs[i+1], r)
		}
	}
	// Deterministic: the same search twice gives the same JSON but its timing.
	out2, _, err := runCLI(t, "optimize", "--synthetic", "--bars", "30000", "--strategy", "ema-cross",
		"--param", "fast=10:30:10", "--param", "slow=50,100", "--metric", "return", "--json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var again struct{ Rows json.RawMessage }
	var first struct{ Rows json.RawMessage }
	json.Unmarshal([]byte(out2), &again)
	json.Unmarshal(b, &first)
	if string(again.Rows) != string(first.Rows) {
		t.Fatal("two identical searches ranked differently")
	}
}

func TestOptimizeRejectsBadInput(t *testing.T) {
	cases := map[string][]string{
		"unknown strategy \"nope\" (valid: bollinger-breakout":                {"--strategy", "nope", "--param", "fast=1:2:1"},
		"give at least one --param":                                           {"--strategy", "grid", "--synthetic"},
		"parameters of grid: levels, spacing, alloc, stop":                    {"--strategy", "grid", "--synthetic"},
		"range 50:10:5 is inverted":                                           {"--param", "fast=50:10:5", "--synthetic"},
		`ema-cross has no parameter "fats" (valid: fast, slow`:                {"--param", "fats=1:5:1", "--synthetic"},
		"unknown metric \"sharp\" (valid: sharpe":                             {"--param", "fast=5:10:5", "--metric", "sharp", "--synthetic"},
		"--to 2024-01-01 is not after --from 2024-02-01":                      {"--param", "fast=5:10:5", "--from", "2024-02-01", "--to", "2024-01-01", "--synthetic"},
		"walk-forward \"90d\": want IS:OOS":                                   {"--param", "fast=5:10:5", "--walk-forward", "90d", "--synthetic"},
		"narrow it or sample it with --random N":                              {"--param", "fast=1:1000:1", "--param", "slow=2:1000:1", "--synthetic"},
		"fast=0 is outside [1, 1000] bars, whole (valid: fast [1, 1000] bars": {"--param", "fast=0:10:5", "--synthetic"},
	}
	for want, args := range cases {
		_, _, err := runCLI(t, append([]string{"optimize"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: error %v, want it to say %q", args, err, want)
		}
	}
	// An empty date range in a catalog is a clear error.
	cat := filepath.Join(t.TempDir(), "catalog")
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	if _, _, err := runThunes(t, "data", "import", klineFile(t, t.TempDir(), "BTCUSDT-1m.csv", jan, 100), "--data", cat); err != nil {
		t.Fatal(err)
	}
	_, _, err := runCLI(t, "optimize", "--data", cat, "--param", "fast=5:10:5", "--from", "2020-01-01", "--to", "2020-01-02")
	if err == nil || !strings.Contains(err.Error(), "BTCUSDT 1m has no bars between 2020-01-01 and 2020-01-02") {
		t.Errorf("empty range: %v", err)
	}
	// One bar runs.
	out, _, err := runCLI(t, "optimize", "--data", cat, "--param", "fast=5:10:5", "--to", "2024-01-01T00:01:00Z")
	if err != nil || !strings.Contains(out, "2 sets") {
		t.Errorf("one bar: %v\n%s", err, out)
	}
}
