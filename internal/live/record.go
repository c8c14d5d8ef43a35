package live

import (
	"context"
	"fmt"
	"sync"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/venue"
)

// recorder writes what the engine does to the store as it happens: each
// order intent is committed with its journal record before the venue sees
// the order, each report with its state change in one transaction. Fills
// count once: the store refuses a trade id twice. It also keeps the trade
// ids seen, for reconciliation.
type recorder struct {
	ctx   context.Context
	logf  func(format string, args ...any)
	s     *store.Store // nil: nothing is stored
	run   string
	venue string

	mu     sync.Mutex
	trades map[string]map[int64]bool // symbol → trade ids
}

func newRecorder(ctx context.Context, s *store.Store, run, venueName string, logf func(string, ...any)) *recorder {
	return &recorder{ctx: ctx, s: s, run: run, venue: venueName, logf: logf, trades: map[string]map[int64]bool{}}
}

func (r *recorder) write(e journal.Entry, ops ...func(*store.Tx) error) error {
	if r.s == nil {
		return nil
	}
	return r.s.Update(r.ctx, func(tx *store.Tx) error {
		for _, op := range ops {
			if err := op(tx); err != nil {
				return err
			}
		}
		_, err := tx.Journal(e)
		return err
	})
}

// OnSubmit implements engine.Recorder.
func (r *recorder) OnSubmit(o *order.Order) error {
	so := &store.Order{RunID: r.run, Request: o.Request, Status: o.Status, Filled: o.FilledQty, CreatedAt: o.Created, UpdatedAt: o.Updated}
	return r.write(journal.Entry{Time: o.Created, Actor: "engine", Kind: journal.KindIntent, Data: map[string]any{
		"run": r.run, "client_id": o.ClientID, "symbol": o.Symbol, "side": o.Side.String(), "type": o.Type.String(),
		"quantity": o.Quantity, "quote_qty": o.QuoteOrderQty, "price": o.Price, "stop_price": o.StopPrice, "stop_loss": o.StopLoss}},
		func(tx *store.Tx) error {
			isNew, err := tx.InsertOrder(so)
			if err == nil && !isNew {
				err = fmt.Errorf("client order id %s is already recorded: not sending it again", o.ClientID)
			}
			return err
		})
}

// OnSent implements engine.Recorder.
func (r *recorder) OnSent(o *order.Order) error {
	r.logf("order %s: %s %s %s %s%s%s", o.ClientID, o.Side, o.Type, o.Symbol, o.Quantity, at(" @ ", o.Price), at(" stop ", o.StopPrice))
	return r.write(journal.Entry{Time: o.Created, Actor: "engine", Kind: journal.KindSubmit, Data: map[string]any{
		"run": r.run, "client_id": o.ClientID, "venue": r.venue}})
}

// OnReport implements engine.Recorder.
func (r *recorder) OnReport(o *order.Order, rep *venue.Report) error {
	rr, err := store.RecordReport(r.run, r.venue, o, rep)
	if err != nil {
		return err
	}
	if f := rr.Fill; f != nil {
		r.mu.Lock()
		if r.trades[f.Symbol] == nil {
			r.trades[f.Symbol] = map[int64]bool{}
		}
		r.trades[f.Symbol][f.TradeID] = true
		r.mu.Unlock()
	}
	return r.write(rr.Entry, rr.Ops(o)...)
}

// OnBar implements engine.Recorder: nothing to commit per bar in live mode;
// every event was committed as it happened.
func (r *recorder) OnBar(string, int64) error { return nil }

// tradeIDs returns a copy of the trade ids recorded for symbol.
func (r *recorder) tradeIDs(symbol string) map[int64]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int64]bool, len(r.trades[symbol]))
	for id := range r.trades[symbol] {
		out[id] = true
	}
	return out
}

// riskLog keeps the risk engine's events: denials, state changes and trips
// are logged for the operator and journaled in the store; every event also
// goes to an in-memory journal.
type riskLog struct {
	s   *Session
	mem *risk.MemoryJournal
}

// Record implements risk.Journal.
func (j *riskLog) Record(e risk.Event) {
	j.mem.Record(e)
	if e.Kind == risk.EventDecision && e.Decision.Code == risk.CodeAllowed {
		return
	}
	j.s.logf("risk: %s", e)
	st := j.s.cfg.Store
	if st == nil {
		return
	}
	kind := journal.KindRiskState
	switch e.Kind {
	case risk.EventDecision:
		kind = journal.KindRiskDecision
	case risk.EventTrip:
		kind = journal.KindKillTrip
	case risk.EventReset:
		kind = journal.KindKillReset
	}
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Journal(journal.Entry{Time: e.Time, Actor: "risk", Kind: kind, Data: map[string]any{"run": j.s.runID, "event": e.String()}})
		return err
	})
	if err != nil {
		j.s.logf("ALERT journal a risk event: %v", err)
	}
}

func at(label string, d num.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return label + d.String()
}
