package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/venue/binance"

	"github.com/thunes/thunes/internal/engine"
	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/store"
)

// exchangeBooks reads the exchange's side over REST: open orders, the
// holdings since the session started (balances less the baseline), and the
// trades since it started.
func (s *Session) exchangeBooks(ctx context.Context) (Books, error) {
	b := Books{Open: map[string]string{}, Held: map[string]num.Decimal{}, Trades: map[string]map[int64]bool{}}
	for _, in := range s.insts {
		open, err := s.client.OpenOrders(ctx, in.Symbol)
		if err != nil {
			return b, fmt.Errorf("open orders %s: %w", in.Symbol, err)
		}
		for _, o := range open {
			b.Open[o.ClientOrderID] = o.Symbol
		}
		trades, err := s.client.MyTrades(ctx, in.Symbol, 0, 1000)
		if err != nil {
			return b, fmt.Errorf("trades %s: %w", in.Symbol, err)
		}
		ids := map[int64]bool{}
		for _, t := range trades {
			if t.Time >= s.start {
				ids[t.ID] = true
			}
		}
		if len(ids) > 0 {
			b.Trades[in.Symbol] = ids
		}
	}
	acc, err := s.client.Account(ctx)
	if err != nil {
		return b, fmt.Errorf("account: %w", err)
	}
	bal := map[string]num.Decimal{}
	for _, x := range acc.Balances {
		t, err := x.Free.Add(x.Locked)
		if err != nil {
			return b, err
		}
		bal[x.Asset] = t
	}
	for _, in := range s.insts {
		d, err := bal[in.BaseAsset].Sub(s.baseline[in.BaseAsset])
		if err != nil {
			return b, err
		}
		b.Held[in.Symbol] = d
	}
	d, err := bal[s.quote].Sub(s.baseline[s.quote])
	if err != nil {
		return b, err
	}
	b.Held[s.quote] = d
	return b, nil
}

// ourBooks reads the engine's side; it runs on the engine's goroutine.
// Orders not yet acknowledged are in flight, not open.
func (s *Session) ourBooks(e *engine.Engine) (Books, error) {
	b := Books{Open: map[string]string{}, Held: map[string]num.Decimal{}, Trades: map[string]map[int64]bool{}}
	for _, o := range e.Open() {
		if o.Status == order.New || o.Status == order.PartiallyFilled {
			b.Open[o.ClientID] = o.Symbol
		}
	}
	for _, in := range s.insts {
		b.Held[in.Symbol] = e.Position(in.Symbol)
		if ids := s.rec.tradeIDs(in.Symbol); len(ids) > 0 {
			b.Trades[in.Symbol] = ids
		}
	}
	d, err := s.acct.Balance(s.quote).Sub(s.acct.Initial())
	if err != nil {
		return b, err
	}
	b.Held[s.quote] = d
	return b, nil
}

// reconcileNow compares the books and acts on a difference: the engine goes
// to the state [reconcile] on_mismatch names (REDUCING or HALTED) and a
// position desync trips the kill-switch. A difference seen once while
// trading may be a report in flight, so it must show on two consecutive
// checks; at startup, with nothing in flight, once is enough. Every report
// is journaled.
func (s *Session) reconcileNow(ctx context.Context, startup bool) error {
	theirs, err := s.exchangeBooks(ctx)
	if err != nil {
		return err
	}
	if startup {
		// The engine is not running yet: its books are this goroutine's.
		return s.judge(s.eng, theirs, true, s.cfg.Now().UnixMilli())
	}
	var inner error
	err = s.Do(ctx, func(e *engine.Engine) { inner = s.judge(e, theirs, false, e.Now()) })
	if err != nil {
		return err
	}
	return inner
}

// judge compares the engine's books with theirs and acts; it runs where the
// engine's state may be read.
func (s *Session) judge(e *engine.Engine, theirs Books, startup bool, now int64) (inner error) {
	ours, err := s.ourBooks(e)
	if err != nil {
		return err
	}
	r := Compare(ours, theirs, now)
	s.last = r
	if r.Clean() {
		s.suspect = 0
	} else {
		s.suspect++
	}
	act := !r.Clean() && (startup || s.suspect >= 2)
	data := map[string]any{"run": s.runID, "clean": r.Clean(), "problems": len(r.Problems), "report": r.String(), "acted": act, "startup": startup}
	if s.cfg.Store != nil {
		inner = s.cfg.Store.Update(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Journal(journal.Entry{Time: now, Actor: "reconcile", Kind: journal.KindReconcile, Data: data})
			return err
		})
	}
	if !act {
		if !r.Clean() {
			s.logf("reconciliation: a difference, to be confirmed: %s", r)
		}
		return inner
	}
	s.logf("ALERT %s", r)
	reason := "reconciliation: " + r.String()
	if s.cfg.File.Reconcile.OnMismatch == "reducing" {
		err = s.monitor.Reduce(risk.ByRisk, reason, now)
	} else {
		err = s.monitor.Halt(risk.ByRisk, reason, now)
	}
	if err != nil {
		s.logf("reconciliation: %v", err)
	}
	if r.PositionDesync {
		if err := s.kill.Trip(risk.ByRisk, reason, now); err != nil {
			s.logf("ALERT kill-switch: %v", err)
		}
	}
	return inner
}

// ReconcileStored compares the books of the latest session of cfg.Mode in
// cfg.Store with the exchange: its open orders, its trades, and what it
// holds (the exchange's balances less those it started with). It is what
// `thunes reconcile` runs; the session need not be running, but a running
// one may have orders in flight.
func ReconcileStored(ctx context.Context, cfg Config) (*Report, string, error) {
	if cfg.Store == nil || cfg.Signer == nil || cfg.File == nil {
		return nil, "", errors.New("reconcile: a store, a key and a configuration are required")
	}
	runs, err := cfg.Store.FindRuns(ctx)
	if err != nil {
		return nil, "", err
	}
	var run *store.Run
	for _, r := range runs {
		if r.Mode == string(cfg.Mode) && (run == nil || r.StartedAt > run.StartedAt) {
			run = r
		}
	}
	if run == nil {
		return nil, "", fmt.Errorf("the store holds no %s session", cfg.Mode)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Session{cfg: cfg, mode: cfg.Mode, runID: run.ID, start: run.StartedAt, quote: run.Quote, baseline: map[string]num.Decimal{}, log: io.Discard, out: io.Discard}
	s.urls = DefaultURLs(cfg.Mode)
	fc := cfg.File
	if fc.Binance.RestURL != "" {
		s.urls.REST = fc.Binance.RestURL
	}
	if s.client, err = binance.NewClient(binance.Config{BaseURL: s.urls.REST, HTTPClient: cfg.HTTP, Signer: cfg.Signer, Now: cfg.Now, RecvWindow: cfg.RecvWindow, ClockMargin: cfg.ClockMargin}); err != nil {
		return nil, "", err
	}
	if err := s.client.SyncTime(ctx); err != nil {
		return nil, "", fmt.Errorf("cannot reach Binance at %s: %w", s.urls.REST, err)
	}
	info, err := s.client.ExchangeInfo(ctx, fc.Strategy.Symbols...)
	if err != nil {
		return nil, "", fmt.Errorf("exchange rules: %w", err)
	}
	for _, sym := range fc.Strategy.Symbols {
		in, ok := info.Instrument(sym)
		if !ok {
			return nil, "", fmt.Errorf("strategy.symbols: the exchange does not list %s", sym)
		}
		s.insts = append(s.insts, in)
	}
	if s.baseline, err = cfg.Store.Baselines(ctx, run.ID); err != nil {
		return nil, "", err
	}
	theirs, err := s.exchangeBooks(ctx)
	if err != nil {
		return nil, "", err
	}
	ours, err := s.storedBooks(ctx, run)
	if err != nil {
		return nil, "", err
	}
	return Compare(ours, theirs, cfg.Now().UnixMilli()), run.ID, nil
}

// storedBooks rebuilds a session's books from the store: open orders, and
// holdings and trades from its fills.
func (s *Session) storedBooks(ctx context.Context, run *store.Run) (Books, error) {
	b := Books{Open: map[string]string{}, Held: map[string]num.Decimal{}, Trades: map[string]map[int64]bool{}}
	open := true
	orders, err := s.cfg.Store.FindOrders(ctx, store.OrderFilter{RunID: &run.ID, Open: &open})
	if err != nil {
		return b, err
	}
	for _, o := range orders {
		if o.Status == order.New || o.Status == order.PartiallyFilled {
			b.Open[o.ClientID] = o.Symbol
		}
	}
	fills, err := s.cfg.Store.FindFills(ctx, run.ID)
	if err != nil {
		return b, err
	}
	acct, err := account.New(run.Quote, run.Capital)
	if err != nil {
		return b, err
	}
	for _, f := range fills {
		if err := acct.ApplyFill(&f.Fill); err != nil {
			return b, fmt.Errorf("stored fill %s #%d: %w", f.Symbol, f.TradeID, err)
		}
		if b.Trades[f.Symbol] == nil {
			b.Trades[f.Symbol] = map[int64]bool{}
		}
		b.Trades[f.Symbol][f.TradeID] = true
	}
	for _, in := range s.insts {
		b.Held[in.Symbol] = num.Zero
		if p := acct.Position(in.Symbol); p != nil {
			b.Held[in.Symbol] = p.Qty
		}
	}
	d, err := acct.Balance(run.Quote).Sub(run.Capital)
	if err != nil {
		return b, err
	}
	b.Held[run.Quote] = d
	return b, nil
}
