// Package engine is the event loop every mode of thunes runs: one goroutine
// owns all trading state; market data drives the strategy; order intents pass
// the risk gate before any venue sees them; fills and order updates flow back
// into the account and the strategy in a fixed order.
package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"

	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/metrics"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue"
)

// RiskGate decides whether an order intent may go to the venue. It is asked
// for every submit, never for cancels, with a view of the engine's state;
// *risk.Gate implements it.
type RiskGate interface {
	Check(in *risk.Intent, v risk.View, now int64) risk.Decision
}

// RiskMonitor watches the portfolio after every fill and mark; *risk.Monitor
// implements it.
type RiskMonitor interface {
	// OnEquity reports the exact equity at now (Unix ms).
	OnEquity(equity num.Decimal, now int64)
	// OnTradeClosed reports the PnL, net of fees, of a position that was just
	// closed.
	OnTradeClosed(pnl num.Decimal, now int64)
}

// ErrDenied wraps every risk-gate denial returned by Submit.
var ErrDenied = risk.ErrDenied

// Engine owns the trading state of one run. It is not safe for concurrent
// use: everything happens on the goroutine that calls its methods.
type Engine struct {
	acct     *account.Account
	strat    strategy.Strategy
	gate     RiskGate
	monitor  RiskMonitor
	kill     *risk.KillSwitch
	autoTrip *risk.AutoTrip
	venue    venue.Venue
	insts    map[string]*market.Instrument
	syms     map[string]*symState
	symList  []*symState
	idPrefix string
	rec      Recorder

	view   riskView
	intent risk.Intent
	posBuf []risk.Position
	killed bool // the kill-switch trip has been acted on
	filled bool // a fill was applied since the monitor last saw equity
	// changed is set when a report was applied since protect last ran;
	// protecting guards protect against itself.
	changed     bool
	protecting  bool
	leaveUnprot bool
	keepOnHalt  bool
	flatOnKill  bool
	progress    func(done, total int)
	halted      bool // the monitor's halt has been acted on
	band        equityBand
	// trades are the closed trades; inMarket sums their durations (ms).
	trades   []metrics.Trade
	inMarket int64

	now    int64
	seq    int64
	orders map[string]*order.Order
	open   []*order.Order
	queue  []venue.Report
	err    error
	stepFn func(t int64, price num.Decimal)

	ledger    hash.Hash
	ledgerBuf []byte
	lineBuf   []byte

	Stats Stats
}

// Stats counts what happened in a run.
type Stats struct {
	Orders    int // orders that passed the engine and the gate
	Denied    int // orders the engine or the risk gate refused
	Rejected  int // orders the venue refused
	Fills     int
	Canceled  int
	Expired   int
	CancelRej int
	Gaps      int
	// Unprotected counts the times a position was found without a stop
	// covering it; EngineStops the stops the engine placed then, Closes the
	// positions it closed at market instead.
	Unprotected int
	EngineStops int
	Closes      int
	// Flattens counts the positions closed because trading halted or the
	// kill-switch asked for it.
	Flattens int
	// TakeProfits counts the positions closed at market because the price
	// reached their entry's take-profit; TrailMoves the times a trailing
	// stop was raised.
	TakeProfits int
	TrailMoves  int
}

// Config wires an Engine.
type Config struct {
	Account  *account.Account
	Strategy strategy.Strategy
	// Gate is the pre-trade risk gate every order passes. Required.
	Gate RiskGate
	// Monitor, when set, sees the equity after every fill and mark and every
	// closed trade.
	Monitor RiskMonitor
	// Kill, when set, is the kill-switch: once it is tripped the engine
	// cancels every open order (the gate denies new ones).
	Kill *risk.KillSwitch
	// AutoTrip, when set, trips the kill-switch on runs of venue rejections.
	AutoTrip *risk.AutoTrip
	// KeepPositionsOnHalt leaves positions (with their stops) when the
	// monitor halts trading; by default the engine closes them at market, so
	// a halted account stops losing beyond the stops' gaps.
	KeepPositionsOnHalt bool
	// FlattenOnKill closes every position at market when the kill-switch
	// trips, after canceling the working orders.
	FlattenOnKill bool
	// LeaveUnprotected makes the engine only count the positions it finds
	// without a stop (Stats.Unprotected) instead of protecting or closing
	// them. It exists for tests of other mechanics; never set it for money.
	LeaveUnprotected bool
	Instruments      []*market.Instrument
	// ClientIDPrefix starts every client order id the engine assigns; ids are
	// the prefix, '-', and a sequence number, so a run's ids are deterministic.
	ClientIDPrefix string
	// Progress, when set, is called by RunBacktest from the engine's
	// goroutine every 65 536 bars and once at the end with the bars done and
	// the bars in all series. It must return quickly.
	Progress func(done, total int)
	// Recorder, when set, records every order, report and bar before the
	// engine goes on (see Recorder).
	Recorder Recorder
}

// New returns an engine; call SetVenue before running it, since the venue
// reports back to the engine's Sink.
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.Account == nil:
		return nil, errors.New("engine: no account")
	case cfg.Strategy == nil:
		return nil, errors.New("engine: no strategy")
	case cfg.Gate == nil:
		return nil, errors.New("engine: no risk gate")
	}
	prefix := cfg.ClientIDPrefix
	if prefix == "" {
		prefix = "th"
	}
	if !order.ValidClientID(prefix+"-0000000000") || len(prefix) > 20 {
		return nil, fmt.Errorf("engine: client id prefix %q must be 1-20 characters of [A-Za-z0-9_-]", prefix)
	}
	e := &Engine{
		acct:        cfg.Account,
		strat:       cfg.Strategy,
		gate:        cfg.Gate,
		monitor:     cfg.Monitor,
		kill:        cfg.Kill,
		autoTrip:    cfg.AutoTrip,
		leaveUnprot: cfg.LeaveUnprotected,
		keepOnHalt:  cfg.KeepPositionsOnHalt,
		flatOnKill:  cfg.FlattenOnKill,
		progress:    cfg.Progress,
		syms:        make(map[string]*symState, len(cfg.Instruments)),
		insts:       make(map[string]*market.Instrument, len(cfg.Instruments)),
		idPrefix:    prefix,
		rec:         cfg.Recorder,
		orders:      make(map[string]*order.Order),
		ledger:      sha256.New(),
		queue:       make([]venue.Report, 0, 16),
		lineBuf:     make([]byte, 0, 256),
		ledgerBuf:   make([]byte, 0, 9<<10),
	}
	for _, in := range cfg.Instruments {
		e.insts[in.Symbol] = in
		p, err := e.acct.AddSymbol(in.Symbol, in.BaseAsset, in.QuoteAsset)
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		st := &symState{inst: in, pos: p, minSell: minSellQty(in)}
		e.syms[in.Symbol] = st
		e.symList = append(e.symList, st)
	}
	e.view = riskView{e}
	return e, nil
}

// SetVenue sets the venue orders go to.
func (e *Engine) SetVenue(v venue.Venue) { e.venue = v }

// Sink is the venue.Sink to give the venue: reports are queued and applied in
// arrival order after the current step.
func (e *Engine) Sink(r *venue.Report) { e.queue = append(e.queue, *r) }

// Account returns the engine's account.
func (e *Engine) Account() *account.Account { return e.acct }

// LedgerSHA256 returns the hex SHA-256 of the canonical trade ledger so far:
// one line per fill, "tradeId,time,symbol,clientOrderId,side,price,qty,
// commission,commissionAsset,maker\n", decimals in their shortest exact form.
func (e *Engine) LedgerSHA256() string {
	e.ledger.Write(e.ledgerBuf)
	e.ledgerBuf = e.ledgerBuf[:0]
	return hex.EncodeToString(e.ledger.Sum(nil))
}

// Err returns the first internal error the engine hit (a report it could not
// apply); once set, the run must stop.
func (e *Engine) Err() error { return e.err }

// Open returns the orders still working, oldest first.
func (e *Engine) Open() []*order.Order { return e.open }

// --- strategy.Context ---

// Now implements strategy.Context.
func (e *Engine) Now() int64 { return e.now }

// Instrument implements strategy.Context.
func (e *Engine) Instrument(symbol string) *market.Instrument { return e.insts[symbol] }

// Position implements strategy.Context.
func (e *Engine) Position(symbol string) num.Decimal {
	if p := e.acct.Position(symbol); p != nil {
		return p.Qty
	}
	return num.Zero
}

// Free implements strategy.Context: the quote balance less what open buy
// orders with a limit price have committed.
func (e *Engine) Free() num.Decimal {
	free := e.acct.Balance(e.acct.Quote())
	for _, o := range e.open {
		if o.Side == order.Buy && o.Type.HasLimitPrice() {
			rem := o.Remaining()
			if c, err := o.Price.Mul(rem); err == nil {
				free, _ = free.Sub(c)
			}
		}
	}
	return free
}

// Equity implements strategy.Context.
func (e *Engine) Equity() num.Decimal {
	eq, err := e.acct.Equity()
	if err != nil {
		e.fail(err)
	}
	return eq
}

// Submit implements strategy.Context.
func (e *Engine) Submit(r order.Request) (*order.Order, error) {
	return e.submit(r, false)
}

// submit sends r through the risk gate to the venue; protective marks an
// order the engine itself sends to protect capital.
func (e *Engine) submit(r order.Request, protective bool) (*order.Order, error) {
	return e.place(r, protective, false)
}

// place checks r and records it as submit does; with hold set the order is
// kept back from the venue (an exit waiting for cancels, see exit).
func (e *Engine) place(r order.Request, protective, hold bool) (*order.Order, error) {
	if e.err != nil {
		return nil, e.err
	}
	if e.venue == nil {
		return nil, errors.New("submit: engine has no venue")
	}
	if e.insts[r.Symbol] == nil {
		e.Stats.Denied++
		return nil, fmt.Errorf("submit: unknown symbol %q", r.Symbol)
	}
	if r.ClientID == "" {
		e.seq++
		b := append(e.lineBuf[:0], e.idPrefix...)
		b = append(b, '-')
		b = strconv.AppendInt(b, e.seq, 10)
		r.ClientID = string(b)
	} else if _, dup := e.orders[r.ClientID]; dup {
		e.Stats.Denied++
		return nil, fmt.Errorf("submit: client order id %s is already in use", r.ClientID)
	}
	if err := r.Valid(); err != nil {
		e.Stats.Denied++
		return nil, fmt.Errorf("submit %s: %w", r.ClientID, err)
	}
	st := e.syms[r.Symbol]
	eff := e.effect(st, &r)
	// A stop-loss that reduces a position protects it: it may be placed
	// whatever the trading state.
	prot := protective || (eff == risk.Reduce && r.Side == order.Sell && (r.Type == order.StopLoss || r.Type == order.StopLossLimit))
	e.intent = risk.Intent{Order: r, Action: risk.Submit, Effect: eff, StopLoss: r.StopLoss, Protective: prot}
	if d := e.gate.Check(&e.intent, &e.view, e.now); !d.Allowed() {
		e.Stats.Denied++
		return nil, fmt.Errorf("submit %s: %w", r.ClientID, d.Err())
	}
	if e.intent.Effect == risk.Entry && r.StopLoss.IsPos() {
		st.stopLoss = r.StopLoss
	}
	o := order.NewOrder(r, e.now)
	if e.rec != nil {
		if err := e.rec.OnSubmit(o); err != nil {
			e.fail(fmt.Errorf("record order %s: %w", r.ClientID, err))
			return nil, e.err
		}
	}
	e.orders[r.ClientID] = o
	e.open = append(e.open, o)
	e.Stats.Orders++
	if hold {
		return o, nil
	}
	e.send(o)
	return o, nil
}

// send hands o to the venue.
func (e *Engine) send(o *order.Order) {
	e.venue.Submit(e.now, &o.Request)
	if e.rec != nil {
		if err := e.rec.OnSent(o); err != nil {
			e.fail(fmt.Errorf("record order %s: %w", o.ClientID, err))
		}
	}
}

// Cancel implements strategy.Context. Cancels never pass the risk gate.
func (e *Engine) Cancel(o *order.Order) error {
	if e.venue == nil {
		return errors.New("cancel: engine has no venue")
	}
	if o == nil || e.orders[o.ClientID] != o {
		return errors.New("cancel: not an order of this engine")
	}
	if o.Status.Terminal() {
		return fmt.Errorf("cancel %s: order is %s", o.ClientID, o.Status)
	}
	e.venue.Cancel(e.now, o.Symbol, o.ClientID)
	return nil
}

// --- event handling ---

func (e *Engine) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// drain applies queued venue reports in arrival order, including those that
// the strategy's reactions add while draining.
func (e *Engine) drain() {
	for i := 0; i < len(e.queue) && e.err == nil; i++ {
		// Reports queued while applying this one may move the queue; the
		// pointer keeps this report alive and it is not written again.
		e.apply(&e.queue[i])
	}
	clear(e.queue)
	e.queue = e.queue[:0]
	if e.filled && e.monitor != nil && e.err == nil {
		e.filled = false
		e.watch()
	}
}

// protect makes sure every position is covered, after the strategy had its
// say: the quantity not covered by working sell stops or market sells gets
// a stop-loss at the price its entry declared, or is closed at market when
// there is no such price or the stop cannot be placed (the price is already
// through it, or the venue refuses). Both are protective orders, which the
// risk gate lets through in every state. Each time counts as an alarm in
// Stats.Unprotected.
func (e *Engine) protect() {
	if !e.changed || e.protecting || e.err != nil {
		return
	}
	e.protecting = true
	defer func() { e.protecting = false }()
	for _, st := range e.symList {
		e.changed = false
		need := e.uncovered(st)
		if !need.IsPos() {
			continue
		}
		e.Stats.Unprotected++
		if e.leaveUnprot {
			continue
		}
		sym := st.inst.Symbol
		stop := num.Max(st.stopLoss, st.trailStop)
		if stop.IsPos() && stop.Less(st.last) {
			o, err := e.submit(order.Request{Symbol: sym, Side: order.Sell, Type: order.StopLoss, Quantity: need, StopPrice: stop}, true)
			if err == nil {
				e.drain()
				if !o.Status.Terminal() {
					e.Stats.EngineStops++
					continue
				}
			}
			if need = e.uncovered(st); !need.IsPos() {
				continue
			}
		}
		if _, err := e.submit(order.Request{Symbol: sym, Side: order.Sell, Type: order.Market, Quantity: need}, true); err == nil {
			e.Stats.Closes++
			e.drain()
		}
	}
	e.changed = false
}

// uncovered returns the part of st's position, rounded down to what can be
// sold, that no working sell stop or market sell covers; zero when the rest
// is too small to sell.
func (e *Engine) uncovered(st *symState) num.Decimal {
	if e.dust(st) {
		return num.Zero
	}
	need := st.pos.Qty
	for _, o := range e.open {
		if o.Symbol == st.inst.Symbol && o.Side == order.Sell && (o.Type.IsStop() || o.Type == order.Market) {
			need, _ = need.Sub(o.Remaining())
		}
	}
	if !need.IsPos() {
		return num.Zero
	}
	q, err := st.inst.RoundQty(need, true)
	if err != nil || !q.IsPos() {
		return num.Zero
	}
	if f := st.inst.Filters.LotSize; f != nil && q.Less(f.MinQty) {
		return num.Zero
	}
	if least, err := st.inst.MinQtyFor(st.last); err == nil && q.Less(least) {
		return num.Zero
	}
	return q
}

// watch gives the monitor the exact equity now.
func (e *Engine) watch() {
	eq, err := e.acct.Equity()
	if err != nil {
		e.fail(fmt.Errorf("equity: %w", err))
		return
	}
	e.monitor.OnEquity(eq, e.now)
	e.band.refresh(e.monitor)
	if e.keepOnHalt {
		return
	}
	st, ok := e.monitor.(interface{ State() risk.State })
	if !ok {
		return
	}
	switch halted := st.State() == risk.Halted; {
	case halted && !e.halted:
		e.halted = true
		e.flatten()
	case !halted:
		e.halted = false
	}
}

// flatten closes every position at market with protective orders, after
// canceling the working sells that lock its quantity. Stats.Flattens counts
// the positions it closed.
func (e *Engine) flatten() {
	if e.protecting {
		return
	}
	e.protecting = true
	defer func() { e.protecting = false }()
	for _, st := range e.symList {
		if e.close(st) {
			e.Stats.Flattens++
		}
	}
}

// close closes st's position at market with a protective order, after
// canceling the working sells that lock its quantity, and reports whether the
// order was placed (it goes to the venue once the cancels are confirmed).
// Callers guard it with e.protecting.
func (e *Engine) close(st *symState) bool {
	if e.dust(st) || st.exit != nil {
		return false
	}
	_, err := e.exit(st, num.Zero, true)
	e.drain()
	return err == nil
}

// thresholder is a monitor that can say which equities it needs to see.
type thresholder interface {
	Thresholds() (floor, peak num.Decimal, ok bool)
}

// equityBand is the range of equity, in float, inside which a mark cannot
// trip or move the monitor's limits, so the exact equity need not be
// computed for it.
type equityBand struct {
	floor, peak float64
	ok          bool
}

func (b *equityBand) refresh(m RiskMonitor) {
	t, ok := m.(thresholder)
	if !ok {
		b.ok = false
		return
	}
	f, p, ok := t.Thresholds()
	b.floor, b.peak, b.ok = f.ApproxFloat64(), p.ApproxFloat64(), ok
}

// near reports whether eq may be at or below the floor, or above the peak
// by more than one part in a billion. The margin covers the float estimate's
// error many times over; on the peak side it means the monitor's peak may
// lag a new high by less than that part, so the drawdown floor sits lower by
// at most as much.
func (b *equityBand) near(eq float64) bool {
	return !b.ok || eq > b.peak*(1+1e-9) || eq <= b.floor*(1+1e-9)
}

// checkKill acts on a tripped kill-switch once: every open order is
// canceled. New orders are denied by the gate for as long as it stays on.
func (e *Engine) checkKill() {
	if e.kill == nil || e.killed || !e.kill.Tripped() {
		return
	}
	e.killed = true
	for _, o := range append([]*order.Order(nil), e.open...) {
		e.venue.Cancel(e.now, o.Symbol, o.ClientID)
	}
	e.drain()
	if e.flatOnKill {
		e.flatten()
	}
}

func (e *Engine) apply(rep *venue.Report) {
	o := e.orders[rep.ClientID]
	if o == nil {
		e.fail(fmt.Errorf("report for unknown order %s on %s (%s)", rep.ClientID, rep.Symbol, rep.Kind))
		return
	}
	e.changed = true
	if rep.CancelRejected {
		e.Stats.CancelRej++
		e.record(o, rep)
		return
	}
	if err := o.Apply(&rep.Event); err != nil {
		e.fail(fmt.Errorf("apply report: %w", err))
		return
	}
	var fill *order.Fill
	switch rep.Kind {
	case order.Trade:
		fill = &rep.Fill
		st := e.syms[fill.Symbol]
		wasFlat := e.dust(st)
		realized, fees := st.pos.Realized, st.pos.FeesQuote
		if err := e.acct.ApplyFill(fill); err != nil {
			e.fail(fmt.Errorf("apply fill: %w", err))
			return
		}
		e.Stats.Fills++
		e.filled = true
		e.writeLedger(fill)
		e.tradeBoundary(st, wasFlat, realized, fees, fill)
		if fill.Side == order.Buy && (o.TakeProfit.IsPos() || o.TrailingPct.IsPos()) {
			e.adoptExits(st, o)
		}
	case order.Ack:
		if e.autoTrip != nil {
			e.autoTrip.OnAccept()
		}
	case order.Reject:
		e.Stats.Rejected++
		if e.autoTrip != nil {
			if err := e.autoTrip.OnReject(rep.Reason, e.now); err != nil {
				e.fail(fmt.Errorf("kill-switch: %w", err))
			}
		}
	case order.Cancel:
		e.Stats.Canceled++
	case order.Expire:
		e.Stats.Expired++
	}
	if !e.record(o, rep) {
		return
	}
	if o.Status.Terminal() {
		delete(e.orders, o.ClientID)
		for i, x := range e.open {
			if x == o {
				e.open = append(e.open[:i], e.open[i+1:]...)
				break
			}
		}
		if st := e.syms[o.Symbol]; st != nil && st.exit != nil {
			if st.exit == o {
				st.exit = nil
			} else {
				e.releaseExit(st)
			}
		}
	}
	e.strat.OnOrder(e, o, fill)
}

// record gives the recorder a report just applied and reports whether the
// run may go on.
func (e *Engine) record(o *order.Order, rep *venue.Report) bool {
	if e.rec == nil {
		return true
	}
	if err := e.rec.OnReport(o, rep); err != nil {
		e.fail(fmt.Errorf("record %s of %s: %w", rep.Kind, o.ClientID, err))
		return false
	}
	return true
}

func (e *Engine) writeLedger(f *order.Fill) {
	b := e.lineBuf[:0]
	b = strconv.AppendInt(b, f.TradeID, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, f.Time, 10)
	b = append(b, ',')
	b = append(b, f.Symbol...)
	b = append(b, ',')
	b = append(b, f.ClientID...)
	b = append(b, ',')
	b = append(b, f.Side.String()...)
	b = append(b, ',')
	b, _ = f.Price.AppendText(b)
	b = append(b, ',')
	b, _ = f.Qty.AppendText(b)
	b = append(b, ',')
	b, _ = f.Commission.AppendText(b)
	b = append(b, ',')
	b = append(b, f.CommissionAsset...)
	b = append(b, ',')
	b = strconv.AppendBool(b, f.Maker)
	b = append(b, '\n')
	e.lineBuf = b
	// Lines are hashed in batches: one Write per few kilobytes.
	e.ledgerBuf = append(e.ledgerBuf, b...)
	if len(e.ledgerBuf) >= 8<<10 {
		e.ledger.Write(e.ledgerBuf)
		e.ledgerBuf = e.ledgerBuf[:0]
	}
}
