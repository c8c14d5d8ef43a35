package live

import (
	"context"
	"crypto/ed25519"
	"github.com/thunes/thunes/internal/sharedtest"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/config"
	"github.com/thunes/thunes/internal/engine"
	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/simnet"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/store/storetest"
	"github.com/thunes/thunes/internal/venue/binance"
)

// exchange is simnet on 127.0.0.1 with one HMAC key, on a clock running
// `speed` times faster than the wall clock, which the session shares: a
// minute of test is `speed` minutes of trading, candles and all.
type exchange struct {
	url    string
	key    *simnet.Credentials
	x      *simnet.Exchange
	client *binance.Client
	now    func() time.Time
}

const speed = 120

func virtualClock() func() time.Time {
	start := time.Now()
	base := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	return func() time.Time { return base.Add(time.Since(start) * speed) }
}

func startSimnet(t *testing.T, faults string, balances map[string]num.Decimal, withdrawals bool) *exchange {
	t.Helper()
	dir := t.TempDir()
	cred, err := simnet.AddKey(dir, simnet.NewKey{Type: simnet.KeyHMAC, Balances: balances, Withdrawals: withdrawals}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	profile, err := simnet.LoadProfile(faults)
	if err != nil {
		t.Fatal(err)
	}
	now := virtualClock()
	x, err := simnet.New(simnet.Config{DataDir: dir, Seed: 7, Speed: speed, Step: 25 * time.Millisecond, Faults: profile, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(x.Handler())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = x.Run(done) }()
	t.Cleanup(func() {
		close(done)
		wg.Wait()
		srv.Close()
	})
	signer, err := binance.NewHMACSigner(cred.APIKey, cred.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := binance.NewClient(binance.Config{BaseURL: srv.URL, Signer: signer, Now: now, RecvWindow: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return &exchange{url: srv.URL, key: cred, x: x, client: c, now: now}
}

func (x *exchange) signer(t *testing.T) *binance.Signer {
	s, err := binance.NewHMACSigner(x.key.APIKey, x.key.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (x *exchange) config(t *testing.T, strategy string, params map[string]float64) *config.Config {
	t.Helper()
	c := config.Default()
	ws := "ws" + strings.TrimPrefix(x.url, "http")
	c.Binance = config.Binance{RestURL: x.url, StreamURL: ws, WSAPIURL: ws + "/ws-api/v3"}
	c.Strategy = config.Strategy{Name: strategy, Symbols: []string{"BTCUSDT"}, Interval: "1m", Params: params}
	c.Reconcile.Interval = 10 * time.Minute
	// Losing streaks are the risk engine's business, tested elsewhere: here
	// they would only pause the trading the test needs.
	c.Risk.MaxConsecutiveLosses = 50
	if err := c.Risk.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func openStore(t *testing.T) (*store.Store, ed25519.PublicKey) {
	t.Helper()
	key := storetest.NewKey(t)
	return storetest.MustOpen(t, filepath.Join(t.TempDir(), "live.db"), store.Options{Create: true, JournalKey: key}), key.Public().(ed25519.PublicKey)
}

// The engine in testnet mode trades through the Binance adapter on simnet
// with the mild fault profile (latency, 5xx with unknown outcomes,
// timeouts, 429 bursts, stream disconnects, duplicated and reordered stream
// messages, clock skew, thin books) for about ten simulated hours: no order
// is sent twice, every fill at the exchange is recorded exactly once, the
// journal verifies and reconciliation is clean at the end.
func TestTradesOnSimnetThroughFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a live session for a minute")
	}
	x := startSimnet(t, "mild", map[string]num.Decimal{"USDT": num.FromInt(10000)}, false)
	st, pub := openStore(t)
	cfg := x.config(t, "ema-cross", map[string]float64{"fast": 3, "slow": 8})
	var out, log syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, Config{Mode: Testnet, File: cfg, Signer: x.signer(t), Store: st, Actor: "test", Out: &out, Log: &log, Now: x.now, RecvWindow: time.Minute, ClockMargin: 3 * time.Second})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	t.Logf("bars %d, orders %d (%d denied), fills %d, equity %s; reconciliation: %v\n%s", res.Bars, res.Orders, res.Denied, res.Fills, res.Equity, res.Reconcile, log.String())
	if res.Bars < 40 || res.Fills < 4 {
		t.Fatalf("too little happened to prove anything: %+v\nlog:\n%s", res, log.String())
	}
	if res.Reconcile == nil || !res.Reconcile.Clean() {
		t.Fatalf("final reconciliation: %v\nlog:\n%s", res.Reconcile, log.String())
	}
	// Every trade at the exchange is recorded once, and nothing else is.
	bg := context.Background()
	trades, err := x.client.MyTrades(bg, "BTCUSDT", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	fills, err := st.FindFills(bg, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, f := range fills {
		seen[f.TradeID]++
	}
	for _, tr := range trades {
		if seen[tr.ID] != 1 {
			t.Errorf("trade %d recorded %d times", tr.ID, seen[tr.ID])
		}
	}
	if len(fills) != len(trades) || len(fills) != res.Fills {
		t.Fatalf("exchange %d trades, store %d fills, engine %d", len(trades), len(fills), res.Fills)
	}
	// No client order id was used twice (simnet refuses a duplicate of an
	// open one; the store refuses any duplicate): every stored order is one
	// request, and every exchange order is a stored one.
	orders, err := st.FindOrders(bg, store.OrderFilter{RunID: &res.RunID})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, o := range orders {
		if ids[o.ClientID] {
			t.Fatalf("client order id %s stored twice", o.ClientID)
		}
		ids[o.ClientID] = true
	}
	if len(orders) != res.Orders {
		t.Fatalf("%d orders stored, engine sent %d", len(orders), res.Orders)
	}
	if !strings.Contains(out.String(), "fill BUY") {
		t.Errorf("no fills printed:\n%s", out.String())
	}
	verifyJournal(t, st, pub)
}

func verifyJournal(t *testing.T, st *store.Store, pub ed25519.PublicKey) {
	t.Helper()
	rep, err := journal.Verify(context.Background(), st.DB(), pub, journal.DefaultCheckpointEvery)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Fatalf("journal: %v", err)
	}
}

// A kill-switch tripped while trading stops new entries at once: the next
// event the engine handles is refused, and working orders are canceled.
func TestKillSwitchHonouredWithinOneEvent(t *testing.T) {
	x := startSimnet(t, "none", map[string]num.Decimal{"USDT": num.FromInt(10000)}, false)
	st, _ := openStore(t)
	cfg := x.config(t, "grid", map[string]float64{"levels": 3, "spacing": 0.3})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var log syncBuffer
	var tripped, checked bool
	var afterErr error
	started := func(s *Session) {
		go func() {
			// Let the grid rest its orders, then trip and submit on the same
			// engine turn, then look at the next one.
			time.Sleep(4 * time.Second)
			_ = s.Do(ctx, func(e *engine.Engine) {
				if err := e.Kill().Trip("test", "drill", e.Now()); err != nil {
					t.Error(err)
				}
				tripped = true
			})
			_ = s.Do(ctx, func(e *engine.Engine) {
				// The very next event: entries are refused (the cancels of the
				// resting orders went out on the trip's own turn).
				_, afterErr = e.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: num.MustParse("0.001"), StopLoss: num.MustParse("1000")})
				checked = true
			})
			time.Sleep(2 * time.Second)
			cancel()
		}()
	}
	res, err := Run(ctx, Config{Mode: Testnet, File: cfg, Signer: x.signer(t), Store: st, Log: &log, Started: started, Now: x.now, RecvWindow: time.Minute, ClockMargin: 3 * time.Second})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !tripped || !checked {
		t.Fatal("the drill did not run")
	}
	if afterErr == nil || !strings.Contains(afterErr.Error(), "KILL_SWITCH") {
		t.Fatalf("an order after the trip: %v", afterErr)
	}
	open, err := x.client.OpenOrders(context.Background(), "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 {
		t.Fatalf("%d orders left open at the exchange", len(open))
	}
	// Every order of the session ended; none is left open in the store.
	openOnly := true
	left, err := st.FindOrders(context.Background(), store.OrderFilter{RunID: &res.RunID, Open: &openOnly})
	if err != nil || len(left) != 0 {
		t.Fatalf("%d orders open in the store after the kill (%v)", len(left), err)
	}
	if res.Orders == 0 {
		t.Fatalf("the grid placed no orders: the drill proves nothing: %+v\n%s", res, log.String())
	}
	ks, found, err := st.KillSwitch(context.Background())
	if err != nil || !found || !ks.Tripped || ks.Reason != "drill" {
		t.Fatalf("stored kill-switch %+v %v %v", ks, found, err)
	}
}

// Bad keys and unsafe keys stop a session before any order.
func TestRefusesBadAndUnsafeKeys(t *testing.T) {
	x := startSimnet(t, "none", map[string]num.Decimal{"USDT": num.FromInt(1000)}, true)
	st, _ := openStore(t)
	cfg := x.config(t, "ema-cross", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Run(ctx, Config{Mode: Testnet, File: cfg, Signer: x.signer(t), Store: st})
	if err == nil || !strings.Contains(err.Error(), "withdrawals enabled") {
		t.Fatalf("a key with withdrawals: %v", err)
	}
	wrong, _ := binance.NewHMACSigner(x.key.APIKey, "not-the-secret-0123456789abcdefABCDEF0123456789")
	_, err = Run(ctx, Config{Mode: Testnet, File: cfg, Signer: wrong, Store: st})
	if err == nil || strings.Contains(err.Error(), "not-the-secret") {
		t.Fatalf("a wrong secret: %v", err)
	}
	_, err = Run(ctx, Config{Mode: Testnet, File: cfg, Store: st})
	if err == nil || !strings.Contains(err.Error(), "THUNES_BINANCE_API_KEY") {
		t.Fatalf("no key: %v", err)
	}
	cfg.Binance.RestURL = "http://127.0.0.1:1"
	_, err = Run(ctx, Config{Mode: Paper, File: cfg})
	if err == nil || !strings.Contains(err.Error(), "cannot reach Binance at http://127.0.0.1:1") {
		t.Fatalf("unreachable: %v", err)
	}
	live := x.config(t, "ema-cross", nil)
	_, err = Run(ctx, Config{Mode: Live, File: live, Signer: x.signer(t), Store: st})
	if err == nil || !strings.Contains(err.Error(), "live mode is off") {
		t.Fatalf("live without [live] enabled: %v", err)
	}
	orders, _ := st.FindOrders(ctx, store.OrderFilter{})
	if len(orders) != 0 {
		t.Fatalf("%d orders recorded by refused sessions", len(orders))
	}
}

// syncBuffer captures a session's output from its goroutines.
type syncBuffer = sharedtest.Buffer
