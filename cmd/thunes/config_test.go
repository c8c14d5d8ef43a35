package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes text to a config file in a temporary directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "thunes.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBacktestConfig(t *testing.T) {
	type summary struct {
		Orders       int    `json:"orders"`
		Denied       int    `json:"denied"`
		LedgerSHA256 string `json:"ledger_sha256"`
	}
	backtest := func(args ...string) summary {
		t.Helper()
		out, errOut, err := runCLI(t, append([]string{"backtest", "--synthetic", "--bars", "5000", "--json"}, args...)...)
		if err != nil {
			t.Fatalf("backtest %v: %v\n%s", args, err, errOut)
		}
		var s summary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return s
	}
	builtIn := backtest()

	// A file that only states the default daily loss limit changes nothing.
	same := backtest("--config", writeConfig(t, "[risk]\ndaily_loss_pct = \"3\"\n"))
	if same != builtIn {
		t.Fatalf("default limits from a file: %+v, built in: %+v", same, builtIn)
	}
	// A tighter risk per trade reaches the gate: it denies more.
	tight := backtest("--config", writeConfig(t, "[risk]\ndaily_loss_pct = \"3\"\nrisk_per_trade_pct = \"0.5\"\n"))
	if tight.Denied <= builtIn.Denied || tight.LedgerSHA256 == builtIn.LedgerSHA256 {
		t.Fatalf("risk_per_trade_pct 0.5: %+v, built in: %+v", tight, builtIn)
	}
}

func TestBacktestBadConfig(t *testing.T) {
	capped := writeConfig(t, "[risk]\ndaily_loss_pct = \"3\"\nrisk_per_trade_pct = \"3\"\nmax_leveridge = 2\n")
	missing := filepath.Join(t.TempDir(), "missing.toml")
	tests := []struct {
		path string
		want []string
	}{
		{capped, []string{
			"config file " + capped + " is invalid",
			capped + ":3: [risk] risk_per_trade_pct = 3 exceeds the hard cap 2",
			capped + ":4: unknown key risk.max_leveridge",
		}},
		{missing, []string{missing, "no such file"}},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, "backtest", "--synthetic", "--bars", "5000", "--config", tt.path)
		if err == nil || isUsage(err) {
			t.Errorf("--config %s: got %v, want a plain error", tt.path, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("--config %s: the error does not say %q:\n%v", tt.path, w, err)
			}
		}
	}
}
