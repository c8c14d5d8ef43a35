package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/thunes/thunes/internal/catalog"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/simnet"
)

// balanceFlag collects repeated --balance ASSET=AMOUNT flags.
type balanceFlag map[string]num.Decimal

func (b balanceFlag) String() string {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + b[k].String()
	}
	return strings.Join(parts, ",")
}

func (b balanceFlag) Set(s string) error {
	asset, amount, ok := strings.Cut(s, "=")
	if !ok || !simnet.ValidAsset(asset) {
		return fmt.Errorf("want ASSET=AMOUNT with an upper-case asset, got %q", s)
	}
	d, err := num.Parse(amount)
	if err != nil || d.IsNeg() || d.Scale() > 8 {
		return fmt.Errorf("balance %s: %q is not a non-negative decimal with at most 8 decimals", asset, amount)
	}
	if _, dup := b[asset]; dup {
		return fmt.Errorf("balance %s given twice", asset)
	}
	b[asset] = d
	return nil
}

// runSimnet serves a Binance-compatible spot exchange on a loopback address,
// or manages its API keys (simnet keys add).
func runSimnet(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "keys" {
		return runSimnetKeys(e, args[1:])
	}
	fs := newFlagSet(e, "simnet", "simnet --listen 127.0.0.1:PORT [--data DIR] [--feed synthetic|replay:CATALOG] [--speed N] [--faults none|mild|harsh|FILE] [--seed N] [--limits=false]\n       thunes simnet keys add --data DIR --balance ASSET=AMOUNT... [--type hmac|ed25519] [--withdrawals] [--json]")
	listen := fs.String("listen", "127.0.0.1:8090", "loopback address to serve on (port 0 picks a free port)")
	data := fs.String("data", "", "directory of the API keys and the accounts' state (empty: in memory)")
	feedName := fs.String("feed", "synthetic", "market data: synthetic, or replay:CATALOG to replay the catalog's spot 1m bars")
	speed := fs.Float64("speed", 1, "market seconds per wall-clock second, in (0, 10000]")
	faults := fs.String("faults", "none", "fault profile: none, mild, harsh or a JSON profile file")
	seed := fs.Uint64("seed", 1, "seed of the synthetic market and of the faults")
	limits := fs.Bool("limits", true, "enforce Binance's request-weight and order-count limits")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("simnet: unexpected argument %q", fs.Arg(0))
	}
	var replay map[string][]market.Bar
	switch dir, ok := strings.CutPrefix(*feedName, "replay:"); {
	case *feedName == "synthetic":
	case ok && dir != "":
		r, err := loadReplay(dir)
		if err != nil {
			return usagef("simnet: --feed %s: %v", *feedName, err)
		}
		replay = r
	default:
		return usagef("simnet: --feed %q: want synthetic or replay:CATALOG", *feedName)
	}
	if !(*speed > 0 && *speed <= 10000) {
		return usagef("simnet: --speed %v must be in (0, 10000]", *speed)
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return usagef("simnet: --listen %q: want HOST:PORT", *listen)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("simnet: --listen %q: simnet serves loopback addresses only", *listen)
	}
	profile, err := simnet.LoadProfile(*faults)
	if err != nil {
		return usagef("simnet: %v", err)
	}
	x, err := simnet.New(simnet.Config{
		DataDir: *data, Seed: *seed, Speed: *speed, Limits: *limits, Faults: profile, Replay: replay,
		Logf: func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) },
	})
	if err != nil {
		return fmt.Errorf("simnet: %w", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("simnet: %w", err)
	}
	srv := &http.Server{Handler: x.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	ran := make(chan error, 1)
	go func() { ran <- x.Run(done) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	dataDesc := *data
	if dataDesc == "" {
		dataDesc = "in memory"
	}
	fmt.Fprintf(e.stdout, "simnet listening on http://%s (feed %s, speed %v, faults %s, seed %d, limits %v, data %s)\n",
		ln.Addr(), *feedName, *speed, profile.Name, *seed, *limits, dataDesc)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutCtx)
	close(done)
	saveErr := <-ran
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("simnet: %w", serveErr)
	}
	if saveErr != nil {
		return fmt.Errorf("simnet: save state: %w", saveErr)
	}
	return nil
}

func runSimnetKeys(e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usagef("simnet keys: want 'simnet keys add'")
	}
	fs := newFlagSet(e, "simnet keys add", "simnet keys add --data DIR --balance ASSET=AMOUNT... [--type hmac|ed25519] [--withdrawals] [--json]")
	data := fs.String("data", "", "simnet's data directory (required)")
	balances := balanceFlag{}
	fs.Var(balances, "balance", "starting balance ASSET=AMOUNT (repeatable), e.g. --balance USDT=10000")
	typ := fs.String("type", simnet.KeyHMAC, "key type: hmac or ed25519")
	withdrawals := fs.Bool("withdrawals", false, "report the key as allowed to withdraw (apiRestrictions.enableWithdrawals)")
	asJSON := fs.Bool("json", false, "print the credentials as one JSON object")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("simnet keys add: unexpected argument %q", fs.Arg(0))
	}
	if *data == "" {
		return usagef("simnet keys add: --data is required")
	}
	if *typ != simnet.KeyHMAC && *typ != simnet.KeyEd25519 {
		return usagef("simnet keys add: --type %q: want hmac or ed25519", *typ)
	}
	cred, err := simnet.AddKey(*data, simnet.NewKey{Type: *typ, Balances: balances, Withdrawals: *withdrawals}, time.Now())
	if err != nil {
		return fmt.Errorf("simnet keys add: %w", err)
	}
	if *asJSON {
		out, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(out))
		return nil
	}
	fmt.Fprintf(e.stdout, "api key:     %s\n", cred.APIKey)
	if cred.SecretKey != "" {
		fmt.Fprintf(e.stdout, "secret key:  %s\n", cred.SecretKey)
	} else {
		fmt.Fprintf(e.stdout, "private key (Ed25519, PKCS#8; not stored by simnet):\n%s", cred.PrivateKeyPEM)
	}
	fmt.Fprintln(e.stdout, "Keep these safe: simnet shows them only once.")
	return nil
}

// loadReplay reads the spot one-minute bars of every symbol simnet lists
// from the catalog in dir; at least one must be there.
func loadReplay(dir string) (map[string][]market.Bar, error) {
	cat, err := catalog.Open(dir)
	if err != nil {
		return nil, err
	}
	series, err := cat.List()
	if err != nil {
		return nil, err
	}
	info, err := market.DefaultSpot()
	if err != nil {
		return nil, err
	}
	out := map[string][]market.Bar{}
	for _, sr := range series {
		if sr.Market != catalog.Spot || out[sr.Symbol] != nil {
			continue
		}
		if _, ok := info.Instrument(sr.Symbol); !ok {
			continue
		}
		bars, err := cat.Load(catalog.Spot, sr.Symbol, market.Minute1, 0, 0)
		if err != nil {
			continue // not stored at 1m or finer
		}
		if len(bars) > 0 {
			out[sr.Symbol] = bars
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("catalog %s holds no spot 1m bars of %s", dir, strings.Join(info.Symbols(), ", "))
	}
	return out, nil
}
