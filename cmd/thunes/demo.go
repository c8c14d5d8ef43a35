package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/thunes/thunes/internal/config"
	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/live"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/simnet"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/venue/binance"
)

// runDemo is 'thunes demo': simnet with its synthetic market on 127.0.0.1
// and the engine trading it in live mode through the real Binance adapter,
// with a database, reconciliation and the risk engine, on a clock that runs
// faster than the wall clock so that trades come within a minute.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "demo [--duration D] [--speed N] [--strategy NAME] [--faults none|mild|harsh] [--seed N]")
	duration := fs.Duration("duration", time.Minute, "how long the demo runs (wall time)")
	speed := fs.Float64("speed", 120, "simulated minutes per wall minute: at 120 a one-minute candle closes every half second")
	strat := fs.String("strategy", "ema-cross", "strategy to run")
	params := paramFlag{}
	fs.Var(params, "param", "strategy parameter name=value (repeatable)")
	faults := fs.String("faults", "none", "simnet fault profile: none, mild, harsh")
	seed := fs.Uint64("seed", 1, "seed of the synthetic market")
	keep := fs.String("data", "", "keep the demo's database and simnet state in this directory (default: a temporary one, removed)")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("demo: unexpected argument %q", fs.Arg(0))
	}
	if *duration <= 0 || *speed < 1 || *speed > 600 {
		return usagef("demo: --duration must be positive and --speed within 1 to 600")
	}
	if len(params) == 0 && *strat == "ema-cross" {
		// Short averages, so that a minute of demo sees trades.
		params = paramFlag{"fast": 3, "slow": 8}
	}
	profile, err := simnet.LoadProfile(*faults)
	if err != nil {
		return usagef("demo: --faults: %v", err)
	}
	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "thunes-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// One clock for the exchange, the client and the engine.
	start, base := time.Now(), time.Now().UTC().Truncate(time.Minute)
	now := func() time.Time { return base.Add(time.Duration(float64(time.Since(start)) * *speed)) }
	cred, err := simnet.AddKey(filepath.Join(dir, "simnet"), simnet.NewKey{Type: simnet.KeyHMAC, Balances: map[string]num.Decimal{"USDT": num.FromInt(10000)}}, now())
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	x, err := simnet.New(simnet.Config{DataDir: filepath.Join(dir, "simnet"), Seed: *seed, Speed: *speed, Step: 50 * time.Millisecond, Faults: profile, Now: now})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	srv := &http.Server{Handler: x.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	go func() { defer wg.Done(); _ = x.Run(done) }()
	defer func() {
		close(done)
		_ = srv.Close()
		wg.Wait()
	}()
	url := "http://" + ln.Addr().String()
	ws := "ws://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "simnet on %s (synthetic market, faults %s); one simulated minute every %.1f s\n", url, profile.Name, 60 / *speed)

	fc := config.Default()
	fc.Strategy = config.Strategy{Name: *strat, Symbols: []string{"BTCUSDT"}, Interval: "1m", Params: params}
	fc.Binance = config.Binance{RestURL: url, StreamURL: ws, WSAPIURL: ws + "/ws-api/v3"}
	fc.Live = config.Live{Enabled: true, Account: "simnet-demo", MaxCapital: num.FromInt(10000)}
	fc.Reconcile.Interval = 10 * time.Minute
	if _, err := config.Parse("demo", []byte(fc.String())); err != nil {
		return usagef("demo: %v", err)
	}
	signer, err := binance.NewHMACSigner(cred.APIKey, cred.SecretKey)
	if err != nil {
		return err
	}
	key, err := journal.LoadOrCreateKey(filepath.Join(dir, journalKeyFile))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "thunes.db"), store.Options{Create: true, JournalKey: key})
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	res, err := live.Run(ctx, live.Config{Mode: live.Live, File: fc, Signer: signer, Store: st, Actor: "demo", Out: e.stdout, Log: e.stderr,
		Now: now, RecvWindow: time.Minute, ClockMargin: time.Duration(*speed) * 50 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	pnl, _ := res.Equity.Sub(num.FromInt(10000))
	fmt.Fprintf(e.stdout, "demo over: %d orders, %d fills, PnL %s %s; %v\n", res.Orders, res.Fills, pnl, res.Quote, res.Reconcile)
	if *keep != "" {
		fmt.Fprintf(e.stdout, "database: %s (thunes audit verify --db %s)\n", filepath.Join(dir, "thunes.db"), filepath.Join(dir, "thunes.db"))
	}
	if res.Reconcile != nil && !res.Reconcile.Clean() {
		return errors.New("demo: the books differ from the exchange")
	}
	return nil
}
