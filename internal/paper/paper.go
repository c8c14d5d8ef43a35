// Package paper runs a persistent paper-trading session: the engine on the
// simulated venue over replayed bars, with every order, report, risk event
// and balance recorded in the store and its audit journal.
//
// A session survives being killed at any point. Everything is recorded
// before the engine goes on (an order's intent is committed before the
// venue sees it), and a restarted session replays its bars from the start:
// the engine is deterministic, so it reproduces the events already
// recorded, which are checked (a running hash) but not written again, and
// records only what is new. Before the first new event, every order the
// store holds as not terminal is resolved against the venue's view. Fills
// are stored once per venue trade id.
package paper

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/engine"
	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/venue"
	"github.com/thunes/thunes/internal/venue/sim"
)

// Config describes a session.
type Config struct {
	Store *store.Store
	// Feed names the bars' source, such as "replay:/data/catalog"; with
	// Market, Symbol, Interval, From and To it identifies the run.
	Feed       string
	Market     string
	Symbol     string
	Interval   market.Interval
	From, To   int64
	Strategy   string
	Params     map[string]float64
	Capital    num.Decimal
	Venue      sim.Config
	Instrument *market.Instrument
	// Risk is the risk configuration; nil means risk.Defaults().
	Risk *risk.Config
	// Speed is how many times faster than real time bars are replayed; 0
	// replays as fast as possible.
	Speed float64
	// New starts a new run even when one with the same configuration
	// finished before.
	New bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Actor is who started the session, for the journal; "" is "operator".
	Actor string
}

// Result is what a session did.
type Result struct {
	RunID   string
	Resumed bool
	// Done is true when the run had already finished and nothing was done.
	Done     bool
	Bars     int
	Events   int64
	Resolved int
	Orders   int
	Fills    int
	Equity   num.Decimal
}

// killPoll is how often a running session reads the stored kill-switch.
const killPoll = 200 * time.Millisecond

// RunMode is the mode stored with paper runs.
const RunMode = "paper"

// runConfig is the run's identity, as canonical JSON: the data, the
// strategy, the venue's costs and the risk limits.
func runConfig(c *Config, rcfg *risk.Config) (string, error) {
	riskJSON, err := json.Marshal(rcfg)
	if err != nil {
		return "", err
	}
	params := map[string]any{}
	for k, v := range c.Params {
		params[k] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	raw, err := journal.AppendCanonical(nil, map[string]any{
		"feed": c.Feed, "market": c.Market, "symbol": c.Symbol, "interval": c.Interval.String(),
		"from": c.From, "to": c.To, "strategy": c.Strategy, "params": params, "capital": c.Capital,
		"maker_fee": c.Venue.MakerFee, "taker_fee": c.Venue.TakerFee, "latency_ms": c.Venue.LatencyMs,
		"slippage_bps": strconv.FormatFloat(c.Venue.SlippageBps, 'g', -1, 64), "max_volume_share": c.Venue.MaxVolumeShare,
		"risk": string(riskJSON),
	})
	return string(raw), err
}

// Run runs the session over bars (Symbol's, oldest first), resuming the
// unfinished run with the same configuration when there is one.
func Run(ctx context.Context, c Config, bars []market.Bar) (*Result, error) {
	if c.Store == nil || c.Instrument == nil {
		return nil, errors.New("paper: store and instrument are required")
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("paper: %s %s: no bars to replay", c.Symbol, c.Interval)
	}
	log := c.Log
	if log == nil {
		log = io.Discard
	}
	rcfg := risk.Defaults()
	if c.Risk != nil {
		rcfg = *c.Risk
	}
	if err := rcfg.Validate(); err != nil {
		return nil, err
	}
	cfgJSON, err := runConfig(&c, &rcfg)
	if err != nil {
		return nil, fmt.Errorf("paper: %w", err)
	}
	actor := c.Actor
	if actor == "" {
		actor = "operator"
	}
	if err := recordConfig(ctx, c.Store, cfgJSON, actor); err != nil {
		return nil, err
	}
	run, resumed, done, err := findOrCreateRun(ctx, &c, cfgJSON)
	if err != nil {
		return nil, err
	}
	if done {
		fmt.Fprintf(log, "run %s already finished; give --new to start another\n", run.ID)
		return &Result{RunID: run.ID, Done: true}, nil
	}
	if resumed {
		fmt.Fprintf(log, "resuming run %s: replaying %d recorded events over %d bars\n", run.ID, run.Events, run.Bars)
	} else {
		fmt.Fprintf(log, "started run %s\n", run.ID)
	}

	strat, err := backtest.NewStrategy(c.Strategy, c.Symbol, c.Params)
	if err != nil {
		return nil, fmt.Errorf("paper: %w", err)
	}
	acct, err := account.New(c.Instrument.QuoteAsset, c.Capital)
	if err != nil {
		return nil, err
	}
	rec := &recorder{ctx: ctx, s: c.Store, run: run, venue: "sim:" + run.ID, acct: acct, log: log,
		done: run.Events, wantHash: run.EventsHash, recordedBars: run.Bars, ivMs: int64(c.Interval), speed: c.Speed}
	kill, err := risk.OpenKillSwitch(&killStore{rec: rec}, rec, bars[0].Time)
	if err != nil {
		return nil, fmt.Errorf("paper: %w", err)
	}
	if kill.Tripped() {
		st := kill.Status()
		return nil, fmt.Errorf("paper: the kill-switch is ON (tripped by %s at %s: %s); not trading until a person resets it with 'thunes kill --reset'",
			st.By, time.UnixMilli(st.At).UTC().Format(time.RFC3339), st.Reason)
	}
	monitor, err := risk.NewMonitor(rcfg, rec)
	if err != nil {
		return nil, err
	}
	gate, err := risk.NewGate(rcfg, monitor, kill, rec)
	if err != nil {
		return nil, err
	}
	autoTrip, err := risk.NewAutoTrip(rcfg, kill)
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(engine.Config{Account: acct, Strategy: strat, Gate: gate, Monitor: monitor, Kill: kill,
		AutoTrip: autoTrip, Instruments: []*market.Instrument{c.Instrument}, ClientIDPrefix: run.ID, Recorder: rec})
	if err != nil {
		return nil, err
	}
	rec.eng, rec.kill = eng, kill
	v, err := sim.New(c.Venue, []*market.Instrument{c.Instrument}, map[string]num.Decimal{c.Instrument.QuoteAsset: c.Capital}, eng.Sink)
	if err != nil {
		return nil, err
	}
	eng.SetVenue(v)
	if _, err := eng.RunBacktest(ctx, []engine.Series{{Symbol: c.Symbol, Interval: c.Interval, Bars: bars}}, v); err != nil {
		return nil, fmt.Errorf("paper run %s: %w", run.ID, err)
	}
	if rec.err != nil {
		return nil, rec.err
	}
	if rec.k < rec.done {
		return nil, fmt.Errorf("paper run %s: the replay produced %d events but %d are recorded: the run cannot be resumed with this data or code", run.ID, rec.k, rec.done)
	}
	if err := rec.resolve(nil); err != nil {
		return nil, err
	}
	eq, err := acct.Equity()
	if err != nil {
		return nil, err
	}
	end := bars[len(bars)-1].Time + int64(c.Interval)
	rec.dirty = true
	if err := rec.flushWith(func(tx *store.Tx) error {
		if err := tx.UpdateRun(run.ID, store.RunDone, rec.k, hex.EncodeToString(rec.hash[:]), rec.bars, end); err != nil {
			return err
		}
		if _, err := tx.Journal(journal.Entry{Time: end, Actor: "engine", Kind: journal.KindRunEnd, Data: map[string]any{
			"run": run.ID, "equity": eq, "orders": int64(eng.Stats.Orders), "fills": int64(eng.Stats.Fills), "bars": rec.bars}}); err != nil {
			return err
		}
		return tx.Checkpoint(end)
	}); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "run %s finished: %d bars, %d orders, %d fills, equity %s %s\n", run.ID, rec.bars, eng.Stats.Orders, eng.Stats.Fills, eq, c.Instrument.QuoteAsset)
	return &Result{RunID: run.ID, Resumed: resumed, Bars: int(rec.bars), Events: rec.k, Resolved: rec.resolved,
		Orders: eng.Stats.Orders, Fills: eng.Stats.Fills, Equity: eq}, nil
}

// recordConfig journals a config.change when the effective configuration
// differs from the last one journaled, with both, so every change of
// limits, costs or strategy is on the record.
func recordConfig(ctx context.Context, s *store.Store, cfgJSON, actor string) error {
	var last string
	err := s.DB().QueryRowContext(ctx, `SELECT data FROM journal WHERE kind = $1 ORDER BY seq DESC LIMIT 1`, journal.KindConfigChange).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("paper: read the last configuration: %w", err)
	}
	var prev struct {
		To string `json:"to"`
	}
	if last != "" {
		if err := json.Unmarshal([]byte(last), &prev); err != nil {
			return fmt.Errorf("paper: the last config.change record: %w", err)
		}
	}
	if prev.To == cfgJSON {
		return nil
	}
	return s.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Journal(journal.Entry{Time: time.Now().UnixMilli(), Actor: actor, Kind: journal.KindConfigChange,
			Data: map[string]any{"scope": RunMode, "from": prev.To, "to": cfgJSON}})
		return err
	})
}

// findOrCreateRun returns the unfinished paper run with this configuration,
// or the finished one (done) unless a new one is asked for, or a new run.
func findOrCreateRun(ctx context.Context, c *Config, cfgJSON string) (run *store.Run, resumed, done bool, err error) {
	runs, err := c.Store.FindRuns(ctx)
	if err != nil {
		return nil, false, false, err
	}
	for _, r := range runs {
		if r.Mode != RunMode || r.Config != cfgJSON {
			continue
		}
		switch {
		case r.Status == store.RunRunning:
			return r, true, false, nil
		case r.Status == store.RunDone && !c.New:
			run, done = r, true
		}
	}
	if done {
		return run, false, true, nil
	}
	id := "p" + strconv.Itoa(len(runs)+1)
	now := time.Now().UnixMilli()
	run = &store.Run{ID: id, Mode: RunMode, Config: cfgJSON, Quote: c.Instrument.QuoteAsset, Capital: c.Capital,
		Status: store.RunRunning, StartedAt: now, UpdatedAt: now}
	in := c.Instrument
	err = c.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateRun(run); err != nil {
			return err
		}
		if err := tx.PutBalance(id, in.QuoteAsset, c.Capital, now); err != nil {
			return err
		}
		_, err := tx.Journal(journal.Entry{Time: now, Actor: "engine", Kind: journal.KindRunStart, Data: map[string]any{
			"run": id, "mode": RunMode, "config": cfgJSON, "quote": in.QuoteAsset, "capital": c.Capital,
			"symbols": []any{map[string]any{"symbol": in.Symbol, "base": in.BaseAsset, "quote": in.QuoteAsset}}}})
		return err
	})
	if err != nil {
		return nil, false, false, fmt.Errorf("paper: create run: %w", err)
	}
	return run, false, false, nil
}

// recorder records the engine's events. Events are numbered as the engine
// produces them; the first `done` were recorded by an earlier process and
// are only checked against the stored running hash.
type recorder struct {
	ctx   context.Context
	s     *store.Store
	run   *store.Run
	venue string
	acct  *account.Account
	eng   *engine.Engine
	log   io.Writer

	k, done      int64
	hash         [32]byte
	wantHash     string
	buf          []byte
	pending      []journal.Entry
	ops          []func(*store.Tx) error
	dirty        bool // the account changed since the last flush
	now          int64
	bars         int64
	recordedBars int64
	resolved     int
	caughtUp     bool
	err          error
	// kill is the session's kill-switch; the stored one is polled every
	// killPoll so a trip by 'thunes kill --db' reaches a running session.
	kill      *risk.KillSwitch
	lastPoll  time.Time
	stopAfter string
	ivMs      int64
	speed     float64
}

// emit numbers an event, chains it into the running hash and queues it
// with its state changes, unless it was recorded before. cur is the order
// it concerns, if any.
func (r *recorder) emit(cur *order.Order, e journal.Entry, ops ...func(*store.Tx) error) error {
	if r.err != nil {
		return r.err
	}
	raw, err := journal.AppendCanonical(r.buf[:0], map[string]any{"kind": e.Kind, "actor": e.Actor, "time": e.Time, "data": e.Data})
	if err != nil {
		r.err = fmt.Errorf("record %s: %w", e.Kind, err)
		return r.err
	}
	r.buf = raw
	h := sha256.New()
	h.Write(r.hash[:])
	h.Write(raw)
	h.Sum(r.hash[:0])
	r.k++
	r.now = e.Time
	if r.k < r.done {
		return nil
	}
	if r.k == r.done {
		if got := hex.EncodeToString(r.hash[:]); got != r.wantHash {
			r.err = fmt.Errorf("paper run %s: the replay diverged from the recorded run by event %d (hash %s, recorded %s): refusing to continue; start a new run with --new",
				r.run.ID, r.k, got[:16], short(r.wantHash))
			return r.err
		}
		if r.err = r.resolve(cur); r.err != nil {
			return r.err
		}
		return nil
	}
	r.pending = append(r.pending, e)
	r.ops = append(r.ops, ops...)
	return nil
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

// skipping reports whether the last event emitted was already recorded.
func (r *recorder) skipping() bool { return r.k <= r.done }

// resolve runs once, when the replay has reproduced every recorded event:
// each order the store holds as not terminal must be in the state the
// venue's reports gave the engine. cur is an order being submitted, not yet
// among the engine's open orders. Each resolution is journaled.
func (r *recorder) resolve(cur *order.Order) error {
	if r.caughtUp {
		return nil
	}
	r.caughtUp = true
	if r.done == 0 {
		return nil
	}
	open := true
	stored, err := r.s.FindOrders(r.ctx, store.OrderFilter{RunID: &r.run.ID, Open: &open})
	if err != nil {
		return err
	}
	live := map[string]*order.Order{}
	for _, o := range r.eng.Open() {
		// An order the current report just ended is still listed.
		if !o.Status.Terminal() {
			live[o.ClientID] = o
		}
	}
	if cur != nil && !cur.Status.Terminal() {
		live[cur.ClientID] = cur
	}
	var entries []journal.Entry
	for _, so := range stored {
		o := live[so.ClientID]
		if o == nil {
			return fmt.Errorf("paper run %s: order %s is %s in the store but the venue has no open order by that id: refusing to trade", r.run.ID, so.ClientID, so.Status)
		}
		if o.Status != so.Status || !o.FilledQty.Equal(so.Filled) {
			return fmt.Errorf("paper run %s: order %s is %s filled %s in the store, %s filled %s at the venue: refusing to trade",
				r.run.ID, so.ClientID, so.Status, so.Filled, o.Status, o.FilledQty)
		}
		delete(live, so.ClientID)
		action := "still working at the venue"
		if o.Status == order.PendingNew {
			action = "recorded but never sent: sending it now"
		}
		entries = append(entries, journal.Entry{Time: r.now, Actor: "engine", Kind: journal.KindResolve, Data: map[string]any{
			"run": r.run.ID, "client_id": so.ClientID, "status": so.Status.String(), "filled": so.Filled, "resolution": action}})
	}
	if len(live) > 0 {
		ids := make([]string, 0, len(live))
		for id := range live {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		return fmt.Errorf("paper run %s: the venue has open orders the store does not: %v: refusing to trade", r.run.ID, ids)
	}
	r.resolved = len(entries)
	fmt.Fprintf(r.log, "caught up with run %s at event %d: %d open orders resolved against the venue\n", r.run.ID, r.k, len(entries))
	if len(entries) == 0 {
		return nil
	}
	return r.s.Update(r.ctx, func(tx *store.Tx) error {
		_, err := tx.Journal(entries...)
		return err
	})
}

// flush commits the queued events, their state changes and the account's
// balances and positions in one transaction.
func (r *recorder) flush() error { return r.flushWith(nil) }

func (r *recorder) flushWith(extra func(*store.Tx) error) error {
	if r.err != nil {
		return r.err
	}
	if len(r.pending) == 0 && !r.dirty && extra == nil {
		return nil
	}
	if r.skipping() && extra == nil {
		r.dirty = false
		return nil
	}
	err := r.s.Update(r.ctx, func(tx *store.Tx) error {
		for _, op := range r.ops {
			if err := op(tx); err != nil {
				return err
			}
		}
		if _, err := tx.Journal(r.pending...); err != nil {
			return err
		}
		if r.dirty {
			if err := r.snapshot(tx); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(tx)
		}
		return tx.UpdateRun(r.run.ID, store.RunRunning, r.k, hex.EncodeToString(r.hash[:]), max(r.bars, r.recordedBars), r.now)
	})
	if err != nil {
		r.err = fmt.Errorf("paper run %s: %w", r.run.ID, err)
		return r.err
	}
	r.pending, r.ops, r.dirty = r.pending[:0], r.ops[:0], false
	return nil
}

// snapshot writes the account's balances, positions and equity.
func (r *recorder) snapshot(tx *store.Tx) error {
	for asset, v := range r.acct.Balances() {
		if err := tx.PutBalance(r.run.ID, asset, v, r.now); err != nil {
			return err
		}
	}
	for _, p := range r.acct.Positions() {
		if err := tx.PutPosition(r.run.ID, &store.Position{Symbol: p.Symbol, Qty: p.Qty, Cost: p.Cost, Realized: p.Realized, FeesQuote: p.FeesQuote}, r.now); err != nil {
			return err
		}
	}
	eq, err := r.acct.Equity()
	if err != nil {
		return err
	}
	return tx.AddEquity(r.run.ID, store.EquityPoint{Time: r.now, Equity: eq})
}

func requestData(run string, o *order.Order) map[string]any {
	d := map[string]any{"run": run, "client_id": o.ClientID, "symbol": o.Symbol, "side": o.Side.String(), "type": o.Type.String()}
	if o.TimeInForce != 0 {
		d["time_in_force"] = o.TimeInForce.String()
	}
	for name, v := range map[string]num.Decimal{"quantity": o.Quantity, "quote_qty": o.QuoteOrderQty, "price": o.Price,
		"stop_price": o.StopPrice, "stop_loss": o.StopLoss, "take_profit": o.TakeProfit, "trailing_pct": o.TrailingPct} {
		if !v.IsZero() {
			d[name] = v
		}
	}
	return d
}

// OnSubmit implements engine.Recorder: the intent is committed, with the
// risk decisions before it, before the venue sees the order.
func (r *recorder) OnSubmit(o *order.Order) error {
	so := &store.Order{RunID: r.run.ID, Request: o.Request, Status: o.Status, Filled: o.FilledQty, CreatedAt: o.Created, UpdatedAt: o.Updated}
	err := r.emit(o, journal.Entry{Time: o.Created, Actor: "engine", Kind: journal.KindIntent, Data: requestData(r.run.ID, o)},
		func(tx *store.Tx) error {
			if _, err := tx.InsertOrder(so); err != nil {
				return err
			}
			return nil
		})
	if err != nil {
		return err
	}
	return r.flush()
}

// OnSent implements engine.Recorder.
func (r *recorder) OnSent(o *order.Order) error {
	return r.emit(o, journal.Entry{Time: o.Created, Actor: "engine", Kind: journal.KindSubmit, Data: map[string]any{
		"run": r.run.ID, "client_id": o.ClientID, "venue": r.venue}})
}

// OnReport implements engine.Recorder.
func (r *recorder) OnReport(o *order.Order, rep *venue.Report) error {
	rr, err := store.RecordReport(r.run.ID, r.venue, o, rep)
	if err != nil {
		return err
	}
	if rr.Fill != nil {
		r.dirty = true
	}
	return r.emit(o, rr.Entry, rr.Ops(o)...)
}

// OnBar implements engine.Recorder: the bar's events are committed, and a
// replay faster than the feed's time sleeps as the speed asks.
func (r *recorder) OnBar(symbol string, closeAt int64) error {
	r.bars++
	if r.now < closeAt {
		r.now = closeAt
	}
	if err := r.flush(); err != nil {
		return err
	}
	if r.stopAfter != "" {
		// The engine canceled the working orders at this bar's close.
		r.err = fmt.Errorf("paper run %s stopped: %s", r.run.ID, r.stopAfter)
		return r.err
	}
	if r.k >= r.done && time.Since(r.lastPoll) >= killPoll {
		r.lastPoll = time.Now()
		st, found, err := r.s.KillSwitch(r.ctx)
		if err != nil {
			r.err = err
			return err
		}
		if found && st.Tripped && !r.kill.Tripped() {
			if err := r.kill.Trip(st.By, st.Reason, r.now); err != nil {
				r.err = err
				return err
			}
			r.stopAfter = fmt.Sprintf("the kill-switch was tripped by %s: %s; working orders canceled, positions keep their stops", st.By, st.Reason)
		}
	}
	if r.speed > 0 && r.k >= r.done {
		select {
		case <-time.After(time.Duration(float64(r.ivMs)/r.speed) * time.Millisecond):
		case <-r.ctx.Done():
			return r.ctx.Err()
		}
	}
	return r.ctx.Err()
}

// Record implements risk.Journal: risk decisions, state changes,
// cool-downs and kill-switch changes become events.
func (r *recorder) Record(e risk.Event) {
	data := map[string]any{"run": r.run.ID}
	var kind string
	var ops []func(*store.Tx) error
	actor := "risk"
	switch e.Kind {
	case risk.EventDecision:
		kind = journal.KindRiskDecision
		data["allowed"], data["code"], data["decision"] = e.Decision.Allowed(), e.Decision.Code.String(), e.Decision.String()
		data["action"], data["effect"], data["client_id"] = e.Action.String(), e.Effect.String(), e.ClientID
		data["side"], data["type"], data["quantity"], data["price"], data["stop_loss"] = e.Side.String(), e.Type.String(), e.Quantity, e.Price, e.StopLoss
	case risk.EventStateChange:
		kind = journal.KindRiskState
		if e.To > e.From {
			kind = journal.KindLimitBreach
		}
		data["from"], data["to"], data["cause"], data["until"], data["reason"] = e.From.String(), e.To.String(), e.Cause, e.Until, e.Reason
		to, cause, at := e.To, e.Cause, e.Time
		ops = append(ops, func(tx *store.Tx) error { return tx.PutRiskState(r.run.ID, to, cause, at) })
	case risk.EventCoolDownStart, risk.EventCoolDownEnd:
		kind = journal.KindRiskState
		data["event"], data["state"], data["cause"], data["until"] = e.Kind.String(), e.To.String(), e.Cause, e.Until
	case risk.EventTrip, risk.EventReset:
		kind = journal.KindKillTrip
		if e.Kind == risk.EventReset {
			kind = journal.KindKillReset
		}
		data["cause"], data["reason"] = e.Cause, e.Reason
		if e.By != "" {
			actor = e.By
		}
	default:
		kind = "risk." + e.Kind.String()
	}
	r.emit(nil, journal.Entry{Time: e.Time, Actor: actor, Kind: kind, Data: data}, ops...)
}

// killStore keeps the run's kill-switch in the store: Load reads it, Save
// queues the new state with the trip event the kill-switch has just
// recorded and commits both before it returns.
type killStore struct{ rec *recorder }

func (k *killStore) Load() (risk.KillSwitchState, bool, error) { return k.rec.s.KillSwitch(k.rec.ctx) }

func (k *killStore) Save(st risk.KillSwitchState) error {
	r := k.rec
	if r.skipping() {
		return r.err
	}
	r.ops = append(r.ops, func(tx *store.Tx) error { return tx.PutKillSwitch(st) })
	return r.flush()
}
