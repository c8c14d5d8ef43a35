package live

import (
	"context"
	"fmt"

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
