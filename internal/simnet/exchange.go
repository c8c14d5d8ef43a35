package simnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// stateFile is the server's state inside the data directory.
const stateFile = "state.json"

// Config sets up an Exchange. The zero value serves an in-memory exchange
// with seed 0 at speed 1.
type Config struct {
	// DataDir holds the keys (DIR/keys/*.json) and the accounts, orders and
	// fills (DIR/state.json). Empty keeps everything in memory.
	DataDir string
	// Seed makes the synthetic market reproducible.
	Seed uint64
	// Speed is how many seconds of market time pass per second of wall time
	// (default 1).
	Speed float64
	// Step is the market's update period in wall time (default 100 ms).
	Step time.Duration
	// Limits turns on Binance's request-weight and order-count limits.
	Limits bool
	// Replay holds one-minute bars per symbol to replay instead of the
	// synthetic random walk (symbols without bars stay synthetic).
	Replay map[string][]market.Bar
	// Faults is the fault profile; nil injects none.
	Faults *FaultProfile
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logf logs operational messages (default: discard). It never receives
	// secrets.
	Logf func(format string, args ...any)
}

// Exchange is simnet's venue: the symbols' synthetic markets, the accounts
// and their orders. It is safe for concurrent use.
type Exchange struct {
	cfg      Config
	info     *market.ExchangeInfo
	infoRest []byte // exchangeInfo without serverTime, from "{" on
	symbols  []string

	mu          sync.Mutex
	books       map[string]*book
	keys        map[string]*Key
	keysLoaded  time.Time
	accounts    map[string]*account
	open        map[string][]*simOrder
	nextOrderID int64
	nextListID  int64
	dirty       bool
	pending     []userEvent
	userSubs    map[string]map[*userSub]struct{}
	marketSubs  map[*marketSub]struct{}
	weights     map[string]*ipWeight
	faults      *faultState
	idRand      *rand.Rand
	execID      int64
	subSeq      int64
	lastKline   map[string]int64 // open time of the last candle streamed, by "symbol interval"
	stop        chan struct{}
	stopOnce    sync.Once

	saveMu sync.Mutex
}

// savedState is DIR/state.json.
type savedState struct {
	Version     int                 `json:"version"`
	NextOrderID int64               `json:"next_order_id"`
	NextListID  int64               `json:"next_list_id"`
	Accounts    map[string]*account `json:"accounts"`
}

// New builds an exchange over the shipped spot symbols, loading keys and
// state from cfg.DataDir.
func New(cfg Config) (*Exchange, error) {
	if cfg.Speed == 0 {
		cfg.Speed = 1
	}
	if cfg.Speed < 0 || cfg.Speed > 10000 {
		return nil, fmt.Errorf("speed %v: want (0, 10000]", cfg.Speed)
	}
	if cfg.Step == 0 {
		cfg.Step = 100 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	info, err := market.DefaultSpot()
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(market.DefaultSpotJSON(), &doc); err != nil {
		return nil, fmt.Errorf("exchangeInfo snapshot: %w", err)
	}
	delete(doc, "serverTime")
	rest, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	x := &Exchange{
		cfg: cfg, info: info, infoRest: rest,
		books: map[string]*book{}, accounts: map[string]*account{}, open: map[string][]*simOrder{},
		userSubs: map[string]map[*userSub]struct{}{}, marketSubs: map[*marketSub]struct{}{},
		weights: map[string]*ipWeight{}, lastKline: map[string]int64{}, stop: make(chan struct{}),
	}
	x.faults = newFaultState(cfg.Faults, cfg.Seed)
	x.idRand = rand.New(rand.NewPCG(cfg.Seed, 0x1d))
	now := cfg.Now().UnixMilli()
	liquidity := 1.0
	if cfg.Faults != nil && cfg.Faults.LiquidityScale > 0 {
		liquidity = cfg.Faults.LiquidityScale
	}
	for _, in := range info.Instruments() {
		b, err := newBook(in, cfg.Seed, now, liquidity, cfg.Replay[in.Symbol])
		if err != nil {
			return nil, err
		}
		x.books[in.Symbol] = b
		x.symbols = append(x.symbols, in.Symbol)
	}
	sort.Strings(x.symbols)
	for sym := range cfg.Replay {
		if x.books[sym] == nil {
			return nil, fmt.Errorf("replay: simnet does not list %s", sym)
		}
	}
	if err := x.load(); err != nil {
		return nil, err
	}
	return x, nil
}

// load reads the keys and state.json.
func (x *Exchange) load() error {
	keys, err := loadKeys(x.cfg.DataDir)
	if err != nil {
		return err
	}
	x.keys = keys
	x.keysLoaded = x.cfg.Now()
	if x.cfg.DataDir != "" {
		data, err := os.ReadFile(filepath.Join(x.cfg.DataDir, stateFile))
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return fmt.Errorf("read state: %w", err)
		default:
			var st savedState
			if err := json.Unmarshal(data, &st); err != nil {
				return fmt.Errorf("state file %s is not valid: %w", filepath.Join(x.cfg.DataDir, stateFile), err)
			}
			if st.Version != 1 {
				return fmt.Errorf("state file version %d: want 1", st.Version)
			}
			x.nextOrderID, x.nextListID = st.NextOrderID, st.NextListID
			for k, a := range st.Accounts {
				if a.Balances == nil {
					a.Balances = map[string]*balance{}
				}
				if a.Orders == nil {
					a.Orders = map[int64]*simOrder{}
				}
				a.key = k
				x.accounts[k] = a
			}
		}
	}
	// Working orders go back on their books, in arrival order.
	var open []*simOrder
	for _, a := range x.accounts {
		for _, o := range a.Orders {
			if o.open() && x.books[o.Symbol] != nil {
				open = append(open, o)
			}
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].ID < open[j].ID })
	for _, o := range open {
		x.rest(o)
	}
	for _, k := range x.keys {
		x.ensureAccount(k)
	}
	return nil
}

// ensureAccount gives key k its account with the starting balances when it
// has none yet.
func (x *Exchange) ensureAccount(k *Key) {
	if _, ok := x.accounts[k.APIKey]; ok {
		return
	}
	a := newAccount()
	a.key = k.APIKey
	for asset, v := range k.Balances {
		a.bal(asset).Free = num.MustParse(v)
	}
	a.UpdateTime = k.CreateTime
	x.accounts[k.APIKey] = a
	x.dirty = true
}

// lookupKey returns the key apiKey, rereading the key files (at most once a
// second) when it is unknown, so keys added while simnet runs work.
// x.mu must be held.
func (x *Exchange) lookupKey(apiKey string) *Key {
	if k := x.keys[apiKey]; k != nil {
		return k
	}
	now := x.cfg.Now()
	if x.cfg.DataDir == "" || now.Sub(x.keysLoaded) < time.Second {
		return nil
	}
	x.keysLoaded = now
	keys, err := loadKeys(x.cfg.DataDir)
	if err != nil {
		x.cfg.Logf("simnet: reload keys: %v", err)
		return nil
	}
	// New keys join the known ones; a key removed from disk stays usable
	// until simnet restarts.
	for name, k := range keys {
		if x.keys[name] == nil {
			x.keys[name] = k
		}
	}
	k := x.keys[apiKey]
	if k != nil {
		x.ensureAccount(k)
	}
	return k
}

// AddAccount registers a key in memory with starting balances (for tests and
// in-memory exchanges); it is not written to disk.
func (x *Exchange) AddAccount(k Key) error {
	if err := k.check(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	kk := k
	x.keys[k.APIKey] = &kk
	x.ensureAccount(&kk)
	return nil
}

// Save writes the state to DIR/state.json atomically when it changed.
func (x *Exchange) Save() error {
	if x.cfg.DataDir == "" {
		return nil
	}
	x.saveMu.Lock()
	defer x.saveMu.Unlock()
	x.mu.Lock()
	if !x.dirty {
		x.mu.Unlock()
		return nil
	}
	data, err := json.Marshal(savedState{Version: 1, NextOrderID: x.nextOrderID, NextListID: x.nextListID, Accounts: x.accounts})
	x.dirty = false
	x.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(x.cfg.DataDir, stateFile), data, 0o600); err != nil {
		x.mu.Lock()
		x.dirty = true
		x.mu.Unlock()
		return err
	}
	return nil
}

// Tick advances every symbol's market by one step at wall time now: prices
// move, resting orders that the market reached fill, and the streams get the
// depth diffs, trades and account events.
func (x *Exchange) Tick(now time.Time) {
	nowMs := now.UnixMilli()
	dt := x.cfg.Step.Seconds() * x.cfg.Speed
	x.mu.Lock()
	var md []marketUpdate
	wantKlines := x.klineIntervals()
	for _, s := range x.symbols {
		bk := x.books[s]
		bk.step(dt, nowMs)
		x.matchResting(bk, nowMs)
		bk.klineAt(nowMs)
		u := marketUpdate{Symbol: s, Trades: bk.newTrades, Time: nowMs}
		bk.newTrades = nil
		if d, ok := bk.takeDiff(nowMs); ok {
			u.Diff = &d
		}
		u.BookTicker = bk.ticker()
		u.UpdateID = bk.updateID
		if len(x.marketSubs) > 0 {
			u.Mini = bk.stats24h(nowMs)
			u.Top = bk.depthLevels(20)
			for iv := range wantKlines[strings.ToLower(s)] {
				i, err := market.ParseInterval(iv)
				if err != nil {
					continue
				}
				cs := bk.candles(i, nowMs)
				cur := cs[len(cs)-1]
				if u.Klines == nil {
					u.Klines, u.ClosedKlines = map[string]kline{}, map[string]kline{}
				}
				u.Klines[iv] = cur
				key := s + " " + iv
				if last, ok := x.lastKline[key]; ok && last != cur.Time && len(cs) > 1 {
					u.ClosedKlines[iv] = cs[len(cs)-2]
				}
				x.lastKline[key] = cur.Time
			}
		}
		md = append(md, u)
	}
	events := x.takeEvents()
	x.mu.Unlock()
	x.publishMarket(md)
	x.publishUser(events)
}

// Run ticks the market every cfg.Step and saves the state every second
// until done is closed, then saves once more.
func (x *Exchange) Run(done <-chan struct{}) error {
	tick := time.NewTicker(x.cfg.Step)
	defer tick.Stop()
	save := time.NewTicker(time.Second)
	defer save.Stop()
	for {
		select {
		case <-done:
			x.Close()
			return x.Save()
		case <-tick.C:
			x.Tick(x.cfg.Now())
		case <-save.C:
			if err := x.Save(); err != nil {
				x.cfg.Logf("simnet: save state: %v", err)
			}
		}
	}
}

// Close ends every WebSocket connection; the REST API keeps working.
func (x *Exchange) Close() {
	x.stopOnce.Do(func() { close(x.stop) })
}

// emit queues a user-data event for delivery after the lock is released;
// nothing is queued for an account nobody listens to. x.mu must be held.
func (x *Exchange) emit(ev userEvent) {
	subs := x.userSubs[ev.Account]
	if len(subs) == 0 {
		return
	}
	for s := range subs {
		ev.subs = append(ev.subs, s)
	}
	sort.Slice(ev.subs, func(i, j int) bool { return ev.subs[i].seq < ev.subs[j].seq })
	if ev.Order != nil {
		c := *ev.Order
		ev.Order = &c
		x.execID++
		ev.ExecID = x.execID
	}
	if a := x.accounts[ev.Account]; a != nil {
		for _, asset := range ev.Assets {
			b := a.bal(asset)
			ev.balances = append(ev.balances, balanceJSON{asset, dec(b.Free), dec(b.Locked)})
		}
	}
	x.pending = append(x.pending, ev)
}

func (x *Exchange) takeEvents() []userEvent {
	ev := x.pending
	x.pending = nil
	return ev
}

// uid is a stable number for the account, derived from its key.
func (a *account) uid() int64 {
	var h int64 = 1
	for i := 0; i < len(a.key); i++ {
		h = (h*131 + int64(a.key[i])) % 1_000_000_000
	}
	return h
}
