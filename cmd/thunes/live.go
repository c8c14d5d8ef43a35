package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/thunes/thunes/internal/config"
	"github.com/thunes/thunes/internal/live"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/venue/binance"
)

// The environment variables that carry API keys; keys are never read from
// the configuration file and never printed.
const (
	envAPIKey     = "THUNES_BINANCE_API_KEY"
	envSecretKey  = "THUNES_BINANCE_SECRET_KEY"
	envPrivateKey = "THUNES_BINANCE_PRIVATE_KEY_FILE"
)

// signerFromEnv builds the request signer from the environment: an Ed25519
// private key file (recommended) or an HMAC secret, with the API key.
func signerFromEnv(getenv func(string) string) (*binance.Signer, error) {
	api := strings.TrimSpace(getenv(envAPIKey))
	secret, keyFile := getenv(envSecretKey), getenv(envPrivateKey)
	switch {
	case api == "" && secret == "" && keyFile == "":
		return nil, nil
	case api == "":
		return nil, fmt.Errorf("%s is not set: it names the API key that %s or %s signs for", envAPIKey, envSecretKey, envPrivateKey)
	case secret != "" && keyFile != "":
		return nil, fmt.Errorf("both %s and %s are set: use one", envSecretKey, envPrivateKey)
	case keyFile != "":
		pem, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envPrivateKey, err)
		}
		s, err := binance.NewEd25519Signer(api, pem)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envPrivateKey, err)
		}
		return s, nil
	case secret != "":
		s, err := binance.NewHMACSigner(api, secret)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envSecretKey, err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s is set but neither %s nor %s", envAPIKey, envSecretKey, envPrivateKey)
}

// confirmLive asks for, or checks, the confirmation that live mode needs:
// the account and the maximum capital, repeated exactly as configured.
func confirmLive(e *env, fc *config.Config, given string) error {
	want := fc.Live.Account + ":" + fc.Live.MaxCapital.String()
	if given == "" {
		fmt.Fprintf(e.stderr, "LIVE TRADING with real money on account %q, at most %s.\nType %s to confirm: ", fc.Live.Account, fc.Live.MaxCapital, want)
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("live mode not confirmed (no answer); pass --confirm-live ACCOUNT:MAX_CAPITAL to confirm without a prompt")
		}
		given = strings.TrimSpace(line)
	}
	acct, capStr, ok := strings.Cut(given, ":")
	c, err := num.Parse(capStr)
	if !ok || err != nil || acct != fc.Live.Account || !c.Equal(fc.Live.MaxCapital) {
		return fmt.Errorf("live mode not confirmed: %q does not repeat the configured account and maximum capital (ACCOUNT:MAX_CAPITAL)", given)
	}
	return nil
}

// runLiveSession is 'thunes run --config FILE [--mode paper|testnet|live]':
// the strategy of the configuration on live market data.
func runLiveSession(ctx context.Context, e *env, mode, cfgFile string, dbf dbFlags, dbSet bool, duration time.Duration, confirm string) error {
	m, err := live.ParseMode(mode)
	if err != nil {
		return usagef("run: --mode: %v", err)
	}
	fc := config.Default()
	if cfgFile != "" {
		if fc, err = config.Load(cfgFile); err != nil {
			return fmt.Errorf("run: %w", err)
		}
	}
	if duration < 0 {
		return usagef("run: --duration %s must not be negative", duration)
	}
	signer, err := signerFromEnv(e.getenv)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if m == live.Live {
		if !fc.Live.Enabled {
			return usagef("run: live mode is off: set [live] enabled = true, account and max_capital in the configuration")
		}
		if err := confirmLive(e, fc, confirm); err != nil {
			return fmt.Errorf("run: %w", err)
		}
	} else if confirm != "" {
		return usagef("run: --confirm-live is for --mode live")
	}
	cfg := live.Config{Mode: m, File: fc, Signer: signer, Actor: e.getenv("USER"), Out: e.stdout, Log: e.stderr}
	if m != live.Paper || dbSet || fc.Store.DSN != "" {
		if !dbSet && fc.Store.DSN != "" {
			*dbf.db = fc.Store.DSN
		}
		s, key, err := dbf.open(ctx, true, true)
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		defer s.Close()
		if err := verified(ctx, s, key); err != nil {
			return fmt.Errorf("run: %w", err)
		}
		cfg.Store = s
	}
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	res, err := live.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if res.Reconcile != nil && !res.Reconcile.Clean() {
		return fmt.Errorf("run %s: %s", res.RunID, res.Reconcile)
	}
	return nil
}

// runReconcile is 'thunes reconcile': the last session's books in the
// store against the exchange, once. It exits 0 only when they agree.
func runReconcile(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "reconcile", "reconcile --config FILE [--mode testnet|live] [--db DSN]")
	cfgFile := fs.String("config", "", "configuration file (TOML): symbols and Binance URLs")
	mode := fs.String("mode", "", "the sessions to check: testnet or live (default: live when [live] enabled is set, else testnet)")
	dbf := addDBFlags(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("reconcile: unexpected argument %q", fs.Arg(0))
	}
	fc := config.Default()
	var err error
	if *cfgFile != "" {
		if fc, err = config.Load(*cfgFile); err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
	}
	if *mode == "" {
		*mode = string(live.Testnet)
		if fc.Live.Enabled {
			*mode = string(live.Live)
		}
	}
	m, err := live.ParseMode(*mode)
	if err != nil || m == live.Paper {
		return usagef("reconcile: --mode %q: want testnet or live", *mode)
	}
	signer, err := signerFromEnv(e.getenv)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if signer == nil {
		return fmt.Errorf("reconcile: reading the account needs an API key: set %s and %s (or %s)", envAPIKey, envSecretKey, envPrivateKey)
	}
	s, _, err := dbf.open(ctx, false, false)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	defer s.Close()
	rep, runID, err := live.ReconcileStored(ctx, live.Config{Mode: m, File: fc, Signer: signer, Store: s})
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	fmt.Fprintf(e.stdout, "session %s: %s\n", runID, rep)
	if !rep.Clean() {
		return fmt.Errorf("reconcile: session %s: the books differ from the exchange", runID)
	}
	return nil
}
