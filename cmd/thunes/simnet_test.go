package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/thunes/thunes/internal/sharedtest"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/feed"
)

// syncBuffer captures a session's output from its goroutines.
type syncBuffer = sharedtest.Buffer

var listeningRE = regexp.MustCompile(`simnet listening on (http://127\.0\.0\.1:\d+)`)

// startSimnet runs 'thunes simnet' on a free loopback port with args and
// returns its base URL and a stop function that waits for it to exit.
func startSimnet(t *testing.T, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"thunes", "simnet", "--listen", "127.0.0.1:0"}, args...), func(string) string { return "" }, strings.NewReader(""), out, errOut)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(out.String()); m != nil {
			stopped := false
			return m[1], func() {
				if stopped {
					return
				}
				stopped = true
				cancel()
				if err := <-done; err != nil {
					t.Errorf("simnet exited with %v; stderr: %s", err, errOut.String())
				}
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("simnet exited before listening: %v; stderr: %s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("simnet did not start; stdout: %s stderr: %s", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type creds struct {
	APIKey        string `json:"api_key"`
	SecretKey     string `json:"secret_key"`
	PrivateKeyPEM string `json:"private_key_pem"`
}

func addKey(t *testing.T, dir string, args ...string) creds {
	t.Helper()
	out, stderr, err := runThunes(t, append([]string{"simnet", "keys", "add", "--data", dir, "--json"}, args...)...)
	if err != nil {
		t.Fatalf("keys add: %v; stderr: %s", err, stderr)
	}
	var c creds
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("keys add --json printed %q: %v", out, err)
	}
	return c
}

// signedDo sends a signed request the way Binance clients do: the parameters
// in the query string, the HMAC-SHA256 signature last.
func signedDo(t *testing.T, method, base, path string, c creds, params url.Values) (int, []byte) {
	t.Helper()
	params.Set("timestamp", strconv.FormatInt(time.Now().UnixMilli(), 10))
	q := params.Encode()
	m := hmac.New(sha256.New, []byte(c.SecretKey))
	m.Write([]byte(q))
	q += "&signature=" + hex.EncodeToString(m.Sum(nil))
	req, err := http.NewRequest(method, base+path+"?"+q, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-MBX-APIKEY", c.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestSimnetKeysAdd(t *testing.T) {
	dir := t.TempDir()
	h := addKey(t, dir, "--balance", "USDT=10000", "--balance", "BTC=1")
	if len(h.APIKey) != 64 || len(h.SecretKey) != 64 || h.PrivateKeyPEM != "" {
		t.Errorf("hmac credentials = %+v", h)
	}
	e := addKey(t, dir, "--type", "ed25519", "--balance", "USDT=5", "--withdrawals")
	if e.SecretKey != "" || !strings.HasPrefix(e.PrivateKeyPEM, "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("ed25519 credentials = %+v", e)
	}
	data, err := os.ReadFile(filepath.Join(dir, "keys", e.APIKey+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("PRIVATE KEY")) {
		t.Error("the Ed25519 private key was stored")
	}
	fi, err := os.Stat(filepath.Join(dir, "keys", h.APIKey+".json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	for _, bad := range [][]string{
		{"simnet", "keys", "add", "--balance", "USDT=1"},                                 // no --data
		{"simnet", "keys", "add", "--data", dir, "--balance", "usdt=1"},                  // lower-case asset
		{"simnet", "keys", "add", "--data", dir, "--balance", "USDT=-1"},                 // negative
		{"simnet", "keys", "add", "--data", dir, "--balance", "USDT=0.000000001"},        // 9 decimals
		{"simnet", "keys", "add", "--data", dir, "--balance", "USDT=1", "--type", "rsa"}, // unsupported type
		{"simnet", "keys", "list"},
	} {
		_, _, err := runThunes(t, bad...)
		if !isUsage(err) {
			t.Errorf("%v: err = %v, want a usage error", bad, err)
		}
	}
	for _, bad := range [][]string{
		{"simnet", "--listen", "0.0.0.0:0"},
		{"simnet", "--speed", "0"},
		{"simnet", "--faults", "nonexistent-profile"},
		{"simnet", "--feed", "bogus"},
	} {
		_, _, err := runThunes(t, bad...)
		if !isUsage(err) {
			t.Errorf("%v: err = %v, want a usage error", bad, err)
		}
	}
}

// TestSimnetPersistsAcrossRestart places a resting order, stops simnet,
// starts it again on the same data directory and finds the order, its
// locked balance and the apiRestrictions of a withdrawal-enabled key.
func TestSimnetPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	c := addKey(t, dir, "--balance", "USDT=1000", "--withdrawals")
	base, stop := startSimnet(t, "--data", dir)
	defer stop()

	status, body := signedDo(t, "POST", base, "/api/v3/order", c, url.Values{
		"symbol": {"BTCUSDT"}, "side": {"BUY"}, "type": {"LIMIT"}, "timeInForce": {"GTC"},
		"quantity": {"0.001"}, "price": {"20000.00"}, "newClientOrderId": {"restart-1"},
	})
	if status != 200 {
		t.Fatalf("place: %d %s", status, body)
	}
	var placed struct {
		OrderID int64  `json:"orderId"`
		Status  string `json:"status"`
	}
	if err := json.Unmarshal(body, &placed); err != nil || placed.Status != "NEW" {
		t.Fatalf("place reply %s (%v)", body, err)
	}
	stop()

	base, stop2 := startSimnet(t, "--data", dir)
	defer stop2()
	status, body = signedDo(t, "GET", base, "/api/v3/order", c, url.Values{"symbol": {"BTCUSDT"}, "origClientOrderId": {"restart-1"}})
	if status != 200 || !strings.Contains(string(body), `"status":"NEW"`) || !strings.Contains(string(body), `"orderId":`+strconv.FormatInt(placed.OrderID, 10)) {
		t.Fatalf("order after restart: %d %s", status, body)
	}
	status, body = signedDo(t, "GET", base, "/api/v3/account", c, url.Values{})
	if status != 200 || !strings.Contains(string(body), `{"asset":"USDT","free":"980.00000000","locked":"20.00000000"}`) {
		t.Fatalf("account after restart: %d %s", status, body)
	}
	status, body = signedDo(t, "GET", base, "/sapi/v1/account/apiRestrictions", c, url.Values{})
	if status != 200 || !strings.Contains(string(body), `"enableWithdrawals":true`) {
		t.Fatalf("apiRestrictions: %d %s", status, body)
	}
	if strings.Contains(string(body), c.SecretKey) {
		t.Fatal("a reply carried the secret key")
	}
}

// TestSimnetConformanceClients drives simnet with ccxt and @binance/connector
// from npm (test/clients). It needs node and 'npm ci' in test/clients; it
// skips without them, except in CI (CI=true), where it must run.
func TestSimnetConformanceClients(t *testing.T) {
	clients, err := filepath.Abs(filepath.Join("..", "..", "test", "clients"))
	if err != nil {
		t.Fatal(err)
	}
	node, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(clients, "node_modules", "ccxt"))
	if nodeErr != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs node and test/clients/node_modules (npm ci): node %v, modules %v", nodeErr, modErr)
		}
		t.Skip("node or test/clients/node_modules missing; run 'npm ci' in test/clients")
	}
	dir := t.TempDir()
	hm := addKey(t, dir, "--balance", "USDT=10000")
	ed := addKey(t, dir, "--balance", "USDT=10000", "--type", "ed25519")
	base, stop := startSimnet(t, "--data", dir, "--seed", "7")
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "conformance.mjs")
	cmd.Dir = clients
	cmd.Env = append(os.Environ(),
		"SIMNET_URL="+base,
		"CCXT_KEY="+hm.APIKey, "CCXT_SECRET="+hm.SecretKey,
		"CONNECTOR_KEY="+ed.APIKey, "CONNECTOR_PEM="+ed.PrivateKeyPEM,
	)
	out, err := cmd.CombinedOutput()
	text := string(out)
	for _, secret := range []string{hm.SecretKey, ed.PrivateKeyPEM} {
		text = strings.ReplaceAll(text, secret, "[secret]")
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run node: %v", err)
	}
	t.Logf("conformance:\n%s", text)
	if err != nil {
		t.Fatalf("conformance failed: %v", err)
	}
	if !regexp.MustCompile(`(?m)^\d+ passed, 0 failed$`).MatchString(text) {
		t.Fatal("conformance printed no passing summary")
	}
}

// TestSimnetReplayFeed imports BTCUSDT bars into a catalog and serves them:
// the klines' history is the catalog's bars.
func TestSimnetReplayFeed(t *testing.T) {
	in := t.TempDir()
	cat := filepath.Join(t.TempDir(), "catalog")
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	csv := klineFile(t, in, "BTCUSDT-1m.csv", jan, 200)
	if _, _, err := runThunes(t, "data", "import", "--data", cat, csv); err != nil {
		t.Fatal(err)
	}
	base, stop := startSimnet(t, "--feed", "replay:"+cat, "--speed", "60")
	defer stop()
	resp, err := http.Get(base + "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=101")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rows [][]any
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil || len(rows) != 101 {
		t.Fatalf("klines: %v, %d rows", err, len(rows))
	}
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 3, Bars: 200, Start: jan})
	if err != nil {
		t.Fatal(err)
	}
	// The first 100 bars are the history, in order.
	if rows[0][1] != bars[0].Open.StringFixed(8) || rows[99][4] != bars[99].Close.StringFixed(8) {
		t.Fatalf("history %v ... %v; want open %s, close %s", rows[0], rows[99], bars[0].Open, bars[99].Close)
	}
	if _, _, err := runThunes(t, "simnet", "--feed", "replay:"+t.TempDir()); !isUsage(err) {
		t.Fatalf("empty catalog: %v", err)
	}
}
