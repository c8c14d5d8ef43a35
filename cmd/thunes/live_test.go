package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// liveConfig writes a configuration pointing at simnet's base URL.
func liveConfig(t *testing.T, base string, extra string) string {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(base, "http")
	body := `[strategy]
name = "ema-cross"
symbols = ["BTCUSDT"]
interval = "1m"

[binance]
rest_url = "` + base + `"
stream_url = "` + ws + `"
ws_api_url = "` + ws + `/ws-api/v3"
` + extra
	path := filepath.Join(t.TempDir(), "thunes.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runWithEnv(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut syncBuffer
	err := run(context.Background(), append([]string{"thunes"}, args...), func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// testnet mode on simnet: starts, reconciles before anything is sent, stops
// cleanly after --duration, records the session; 'thunes reconcile' then
// agrees (exit 0) and the journal verifies. An Ed25519 key file works as
// well as an HMAC secret.
func TestRunTestnetOnSimnetAndReconcile(t *testing.T) {
	dir := t.TempDir()
	hmac := addKey(t, dir, "--balance", "USDT=5000", "--balance", "BTC=0.1")
	ed := addKey(t, dir, "--type", "ed25519", "--balance", "USDT=5000")
	base, stop := startSimnet(t, "--data", dir)
	defer stop()
	cfg := liveConfig(t, base, "")
	db := filepath.Join(t.TempDir(), "state.db")
	env := map[string]string{envAPIKey: hmac.APIKey, envSecretKey: hmac.SecretKey}
	out, stderr, err := runWithEnv(t, env, "", "run", "--config", cfg, "--mode", "testnet", "--db", db, "--duration", "3s")
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	if !strings.Contains(out, "testnet mode, ema-cross on BTCUSDT 1m, capital 5000 USDT") || strings.Contains(out+stderr, hmac.SecretKey) {
		t.Fatalf("output:\n%s\n%s", out, stderr)
	}
	out, stderr, err = runWithEnv(t, env, "", "reconcile", "--config", cfg, "--db", db)
	if err != nil || !strings.Contains(out, "reconciliation clean") {
		t.Fatalf("reconcile: %v\n%s\n%s", err, out, stderr)
	}
	if out, _, err := runThunes(t, "audit", "verify", "--db", db); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	// The Ed25519 key, from a file.
	pem := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(pem, []byte(ed.PrivateKeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	env2 := map[string]string{envAPIKey: ed.APIKey, envPrivateKey: pem}
	if out, stderr, err := runWithEnv(t, env2, "", "run", "--config", cfg, "--mode", "testnet", "--db", filepath.Join(t.TempDir(), "ed.db"), "--duration", "2s"); err != nil {
		t.Fatalf("ed25519: %v\n%s\n%s", err, out, stderr)
	}
}

// Live mode needs [live] enabled and a confirmation repeating the account
// and the maximum capital; keys with withdrawals enabled are refused; keys
// never come from the configuration.
func TestLiveModeGuards(t *testing.T) {
	dir := t.TempDir()
	key := addKey(t, dir, "--balance", "USDT=5000")
	risky := addKey(t, dir, "--balance", "USDT=5000", "--withdrawals")
	base, stop := startSimnet(t, "--data", dir)
	defer stop()
	db := filepath.Join(t.TempDir(), "state.db")
	env := map[string]string{envAPIKey: key.APIKey, envSecretKey: key.SecretKey}

	off := liveConfig(t, base, "")
	if _, _, err := runWithEnv(t, env, "", "run", "--config", off, "--mode", "live", "--db", db); err == nil || !strings.Contains(err.Error(), "live mode is off") {
		t.Fatalf("live without [live]: %v", err)
	}
	on := liveConfig(t, base, "\n[live]\nenabled = true\naccount = \"main\"\nmax_capital = \"1000\"\n")
	if _, _, err := runWithEnv(t, env, "", "run", "--config", on, "--mode", "live", "--db", db); err == nil || !strings.Contains(err.Error(), "not confirmed") {
		t.Fatalf("live with no answer: %v", err)
	}
	if _, _, err := runWithEnv(t, env, "main:2000\n", "run", "--config", on, "--mode", "live", "--db", db); err == nil || !strings.Contains(err.Error(), "does not repeat") {
		t.Fatalf("live with a wrong answer: %v", err)
	}
	if _, _, err := runWithEnv(t, env, "", "run", "--config", on, "--mode", "live", "--db", db, "--confirm-live", "other:1000"); err == nil || !strings.Contains(err.Error(), "does not repeat") {
		t.Fatalf("live with a wrong --confirm-live: %v", err)
	}
	renv := map[string]string{envAPIKey: risky.APIKey, envSecretKey: risky.SecretKey}
	if _, _, err := runWithEnv(t, renv, "main:1000\n", "run", "--config", on, "--mode", "live", "--db", db); err == nil || !strings.Contains(err.Error(), "withdrawals enabled") {
		t.Fatalf("a key with withdrawals: %v", err)
	}
	// Confirmed at the prompt, capital capped at max_capital.
	out, stderr, err := runWithEnv(t, env, "main:1000\n", "run", "--config", on, "--mode", "live", "--db", db, "--duration", "2s")
	if err != nil || !strings.Contains(out, "live mode, ema-cross on BTCUSDT 1m, capital 1000 USDT") || !strings.Contains(stderr, "LIVE TRADING") {
		t.Fatalf("confirmed live: %v\n%s\n%s", err, out, stderr)
	}
	withKey := liveConfig(t, base, "api_key = \"abc\"\n")
	if _, _, err := runWithEnv(t, env, "", "run", "--config", withKey, "--mode", "testnet", "--db", db); err == nil || !strings.Contains(err.Error(), "API keys are never read from the configuration") {
		t.Fatalf("a key in the config: %v", err)
	}
	if _, _, err := runWithEnv(t, map[string]string{envSecretKey: "x"}, "", "run", "--config", off, "--mode", "testnet", "--db", db); err == nil || !strings.Contains(err.Error(), envAPIKey+" is not set") {
		t.Fatalf("a secret without its key: %v", err)
	}
	if _, _, err := runWithEnv(t, nil, "", "run", "--config", off, "--mode", "testnet", "--db", db); err == nil || !strings.Contains(err.Error(), "needs an API key") {
		t.Fatalf("no key: %v", err)
	}
}

// The demo trades simnet in live mode and ends with clean books.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 15 seconds")
	}
	out, stderr, err := runWithEnv(t, nil, "", "demo", "--duration", "15s", "--speed", "120")
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	for _, want := range []string{"simnet on http://127.0.0.1:", "live mode, ema-cross on BTCUSDT 1m", "demo over:", "reconciliation clean"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// Paper mode needs no key: Binance's market data (here simnet's), simulated
// fills, no database unless asked.
func TestRunPaperNeedsNoKey(t *testing.T) {
	base, stop := startSimnet(t, "--data", t.TempDir())
	defer stop()
	cfg := liveConfig(t, base, "\n[paper]\ncapital = \"2500\"\n")
	out, stderr, err := runWithEnv(t, nil, "", "run", "--config", cfg, "--duration", "2s")
	if err != nil || !strings.Contains(out, "paper mode, ema-cross on BTCUSDT 1m, capital 2500 USDT") {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	if _, _, err := runWithEnv(t, nil, "", "run", "--config", cfg, "--mode", "paper", "--confirm-live", "a:1"); err == nil || !strings.Contains(err.Error(), "--confirm-live is for --mode live") {
		t.Fatalf("--confirm-live in paper: %v", err)
	}
	if _, _, err := runWithEnv(t, nil, "", "run", "--config", cfg, "--mode", "demo"); err == nil || !strings.Contains(err.Error(), "valid: paper, testnet, live") {
		t.Fatalf("a bad mode: %v", err)
	}
}
