package binance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/venue"
)

// VenueConfig tunes the adapter. The zero value is usable.
type VenueConfig struct {
	// RespType is the newOrderRespType asked for (default FULL, whose fills
	// give trades without waiting for the user-data stream).
	RespType RespType
	// ResolveTimeout bounds the lookup of an order whose outcome is unknown
	// (default 2 minutes). An order still unknown after it stays in flight
	// (no report) and is alerted, for reconciliation to settle.
	ResolveTimeout time.Duration
	// RequestTimeout bounds one submit or cancel when the outcome is clear
	// (default 30 s).
	RequestTimeout time.Duration
	// OnAccount, if set, receives balance changes from the user-data stream.
	// It is called from the adapter's dispatch goroutine.
	OnAccount func(*AccountPosition)
}

// Venue is the Binance spot adapter behind venue.Venue. Submit and Cancel
// return at once; the HTTP work runs on goroutines, and every report —
// from REST answers and from the user-data stream alike — goes to the sink
// from a single dispatch goroutine, in order, each order event once: fills
// are de-duplicated by trade id, and an order's end (cancel, expiry) is held
// back until every fill before it has been reported. Venue is safe for
// concurrent use.
//
// The adapter speaks only domain types (order.Request, venue.Report); a
// USDⓈ-M futures adapter can sit beside it with its own client and the same
// shape.
type Venue struct {
	c        *Client
	sink     venue.Sink
	cfg      VenueConfig
	ctx      context.Context
	cancel   context.CancelFunc
	out      chan func()
	wg       sync.WaitGroup
	dispatch sync.WaitGroup

	// jobs hands HTTP work to idle workers, whose stacks have already grown
	// to what a request needs; when none is idle a new goroutine is started,
	// so Submit never waits.
	jobs chan func()

	mu     sync.Mutex
	closed bool
	orders map[string]*tracked
}

// workers is how many goroutines wait for HTTP work.
const workers = 8

// tracked is what the adapter knows of one order, to report each change once.
type tracked struct {
	symbol   string
	side     order.Side
	acked    bool
	done     bool
	filled   num.Decimal
	trades   map[int64]struct{}
	terminal *venue.Report // an end seen before all its fills
	until    num.Decimal   // the cumulative quantity the end waits for
}

// maxTracked bounds the memory of finished orders kept for de-duplication.
const maxTracked = 100_000

// NewVenue returns an adapter sending orders through c and reports to sink.
// Close stops it.
func NewVenue(c *Client, sink venue.Sink, cfg VenueConfig) (*Venue, error) {
	if c == nil || sink == nil {
		return nil, errors.New("binance venue: client and sink are required")
	}
	if c.signer == nil {
		return nil, errors.New("binance venue: the client has no API key")
	}
	if cfg.RespType == "" {
		cfg.RespType = RespFull
	}
	if cfg.ResolveTimeout <= 0 {
		cfg.ResolveTimeout = 2 * time.Minute
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	v := &Venue{c: c, sink: sink, cfg: cfg, ctx: ctx, cancel: cancel, out: make(chan func(), 4096),
		jobs: make(chan func()), orders: make(map[string]*tracked)}
	for range workers {
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			for {
				select {
				case f := <-v.jobs:
					f()
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	v.dispatch.Add(1)
	go func() {
		defer v.dispatch.Done()
		for f := range v.out {
			f()
		}
	}()
	return v, nil
}

// Close cancels work in flight, waits for it, and delivers what is queued.
// Calls after Close are ignored.
func (v *Venue) Close() {
	v.cancel()
	v.wg.Wait()
	v.mu.Lock()
	v.closed = true
	close(v.out)
	v.mu.Unlock()
	v.dispatch.Wait()
}

// emit queues a report. Callers hold v.mu, so reports leave in the order
// the adapter decided them.
func (v *Venue) emit(r venue.Report) {
	if !v.closed {
		v.out <- func() { v.sink(&r) }
	}
}

func (v *Venue) track(symbol, clientID string, side order.Side) *tracked {
	t, ok := v.orders[clientID]
	if !ok {
		if len(v.orders) >= maxTracked {
			for id, o := range v.orders {
				if o.done {
					delete(v.orders, id)
				}
			}
		}
		t = &tracked{symbol: symbol, side: side, trades: map[int64]struct{}{}}
		v.orders[clientID] = t
	}
	return t
}

// Submit implements venue.Venue. The request is copied; a client id already
// submitted is refused without sending anything.
func (v *Venue) Submit(now int64, r *order.Request) {
	req := *r
	v.mu.Lock()
	if v.closed || v.ctx.Err() != nil {
		v.mu.Unlock()
		return
	}
	if _, dup := v.orders[req.ClientID]; dup || !order.ValidClientID(req.ClientID) {
		reason := fmt.Sprintf("client order id %.40q already submitted; not sent again", req.ClientID)
		if !dup {
			reason = fmt.Sprintf("client order id %.40q must be 1-36 of [A-Za-z0-9_-]; not sent", req.ClientID)
		}
		v.emit(venue.Report{Symbol: req.Symbol, ClientID: req.ClientID,
			Event: order.Event{Kind: order.Reject, Time: now, Code: venue.CodeBadParameter, Reason: reason}})
		v.mu.Unlock()
		return
	}
	v.track(req.Symbol, req.ClientID, req.Side)
	v.mu.Unlock()
	v.run(func() { v.place(now, &req) })
}

// run gives f to an idle worker or, if none is idle, to a new goroutine.
func (v *Venue) run(f func()) {
	select {
	case v.jobs <- f:
	default:
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			f()
		}()
	}
}

func (v *Venue) place(now int64, r *order.Request) {
	ctx, cancel := context.WithTimeout(v.ctx, v.cfg.ResolveTimeout)
	defer cancel()
	rep, _, err := v.c.PlaceOrder(ctx, r, v.cfg.RespType)
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.orders[r.ClientID]
	if err == nil {
		v.applyOrderReport(t, r.ClientID, rep)
		return
	}
	if errors.Is(err, ErrUnknownOutcome) {
		v.c.alert(AlertUnknownOutcome, fmt.Sprintf("order %s %s stays in flight: %v", r.Symbol, r.ClientID, err))
		return
	}
	code, reason := venue.CodeInternalRefuse, err.Error()
	var ae *APIError
	if errors.As(err, &ae) && ae.Code != 0 {
		code, reason = ae.Code, ae.Msg
	}
	if !t.acked && !t.done {
		t.done = true
		v.emit(venue.Report{Symbol: r.Symbol, ClientID: r.ClientID,
			Event: order.Event{Kind: order.Reject, Time: v.c.Timestamp(), Code: code, Reason: reason}})
	}
}

// applyOrderReport reports what a REST answer (placement, query or cancel)
// says about an order. Fills without trade ids (RESULT answers, queries)
// are left to the user-data stream.
func (v *Venue) applyOrderReport(t *tracked, clientID string, rep *OrderReport) {
	ts := rep.TransactTime
	if ts == 0 {
		ts = rep.UpdateTime
	}
	if ts == 0 {
		ts = v.c.Timestamp()
	}
	if rep.Status == order.Rejected {
		v.reject(t, clientID, ts, venue.CodeNewRejected, "rejected")
		return
	}
	v.ack(t, clientID, ts, rep.OrderID)
	for i, f := range rep.Fills {
		v.trade(t, clientID, order.Fill{Symbol: t.symbol, ClientID: clientID, TradeID: f.TradeID, Side: t.side,
			Price: f.Price, Qty: f.Qty, Commission: f.Commission, CommissionAsset: f.CommissionAsset, Time: ts},
			rep.OrderID, rep.Status == order.Filled && i == len(rep.Fills)-1)
	}
	switch rep.Status {
	case order.Canceled:
		v.end(t, clientID, order.Cancel, ts, rep.OrderID, rep.ExecutedQty, "")
	case order.Expired:
		v.end(t, clientID, order.Expire, ts, rep.OrderID, rep.ExecutedQty, rep.ExpiryReason)
	case order.Filled:
		if t.filled.Cmp(rep.ExecutedQty) >= 0 {
			t.done = true
		}
	}
}

func (v *Venue) ack(t *tracked, clientID string, ts, orderID int64) {
	if t.acked || t.done {
		return
	}
	t.acked = true
	v.emit(venue.Report{Symbol: t.symbol, ClientID: clientID, Event: order.Event{Kind: order.Ack, Time: ts, OrderID: orderID}})
}

func (v *Venue) reject(t *tracked, clientID string, ts int64, code int, reason string) {
	if t.acked || t.done {
		return
	}
	t.done = true
	v.emit(venue.Report{Symbol: t.symbol, ClientID: clientID, Event: order.Event{Kind: order.Reject, Time: ts, Code: code, Reason: reason}})
}

func (v *Venue) trade(t *tracked, clientID string, f order.Fill, orderID int64, final bool) {
	if _, seen := t.trades[f.TradeID]; seen {
		return
	}
	t.trades[f.TradeID] = struct{}{}
	t.acked = true // a trade implies the order was accepted; a late NEW adds nothing
	t.filled, _ = t.filled.Add(f.Qty)
	v.emit(venue.Report{Symbol: t.symbol, ClientID: clientID, Event: order.Event{Kind: order.Trade, Time: f.Time,
		OrderID: orderID, Fill: f, Final: final}})
	if t.terminal != nil && t.filled.Cmp(t.until) >= 0 {
		v.emit(*t.terminal)
		t.terminal, t.done = nil, true
	}
}

// end reports a cancel or expiry once every fill up to cum has been reported;
// until then it is held.
func (v *Venue) end(t *tracked, clientID string, kind order.EventKind, ts, orderID int64, cum num.Decimal, reason string) {
	if t.done || t.terminal != nil {
		return
	}
	r := venue.Report{Symbol: t.symbol, ClientID: clientID, Event: order.Event{Kind: kind, Time: ts, OrderID: orderID, Reason: reason}}
	if t.filled.Cmp(cum) >= 0 {
		t.done = true
		v.emit(r)
		return
	}
	t.terminal, t.until = &r, cum
}

// Cancel implements venue.Venue.
func (v *Venue) Cancel(now int64, symbol, clientID string) {
	if v.ctx.Err() != nil {
		return
	}
	v.run(func() {
		ctx, cancel := context.WithTimeout(v.ctx, v.cfg.RequestTimeout)
		defer cancel()
		rep, resolved, err := v.c.CancelOrder(ctx, symbol, clientID)
		v.mu.Lock()
		defer v.mu.Unlock()
		if err == nil && rep.Status.Terminal() {
			t := v.track(symbol, clientID, rep.Side)
			v.applyOrderReport(t, clientID, rep)
			return
		}
		code, reason := venue.CodeInternalRefuse, ""
		var ae *APIError
		switch {
		case err == nil && resolved:
			reason = "cancel outcome unknown; the order is still " + rep.RawStatus
		case errors.As(err, &ae) && ae.Code != 0:
			code, reason = ae.Code, ae.Msg
		case err != nil:
			reason = err.Error()
		default:
			reason = "cancel answered with status " + rep.RawStatus
		}
		v.emit(venue.Report{Symbol: symbol, ClientID: clientID, CancelRejected: true,
			Event: order.Event{Time: v.c.Timestamp(), Code: code, Reason: reason}})
	})
}

// HandleUserEvent applies one user-data event: executionReports become order
// reports; balance changes go to VenueConfig.OnAccount.
func (v *Venue) HandleUserEvent(ev UserEvent) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if p := ev.Position; p != nil && v.cfg.OnAccount != nil && !v.closed {
		v.out <- func() { v.cfg.OnAccount(p) }
	}
	e := ev.Execution
	if e == nil {
		return
	}
	id := e.OrderClientID()
	t := v.track(e.Symbol, id, e.Side)
	switch e.ExecType {
	case "NEW":
		v.ack(t, id, e.TransactTime, e.OrderID)
	case "TRADE":
		v.trade(t, id, order.Fill{Symbol: e.Symbol, ClientID: id, TradeID: e.TradeID, Side: e.Side, Price: e.LastPrice,
			Qty: e.LastQty, Commission: e.Commission, CommissionAsset: e.CommissionAsset, Maker: e.Maker, Time: e.TransactTime},
			e.OrderID, e.Status == order.Filled)
		if e.Status == order.Filled && t.filled.Cmp(e.CumQty) >= 0 {
			t.done = true
		}
	case "CANCELED":
		v.end(t, id, order.Cancel, e.TransactTime, e.OrderID, e.CumQty, "")
	case "REJECTED":
		v.reject(t, id, e.TransactTime, venue.CodeNewRejected, e.RejectReason)
	case "EXPIRED", "TRADE_PREVENTION":
		if e.Status.Terminal() {
			v.end(t, id, order.Expire, e.TransactTime, e.OrderID, e.CumQty, e.ExpiryReason)
		}
	}
}

// Resync asks Binance about every order the adapter still has open and
// reports what it missed: acknowledgements, fills (from myTrades by order
// id, each once) and ends. Call it when the user-data stream resubscribes
// (UserStreamConfig.OnResubscribe), since events may have been lost while it
// was down. Orders Binance does not know are left alone. It returns every
// lookup error, joined.
func (v *Venue) Resync(ctx context.Context) error {
	type open struct{ id, symbol string }
	var todo []open
	v.mu.Lock()
	for id, t := range v.orders {
		if !t.done {
			todo = append(todo, open{id, t.symbol})
		}
	}
	v.mu.Unlock()
	var errs []error
	for _, o := range todo {
		rep, err := v.c.QueryOrder(ctx, o.symbol, o.id)
		if APICode(err) == CodeNoSuchOrder {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("resync %s: %w", o.id, err))
			continue
		}
		v.mu.Lock()
		behind := v.orders[o.id].filled.Less(rep.ExecutedQty)
		v.mu.Unlock()
		var trades []MyTrade
		if behind {
			if trades, err = v.c.OrderTrades(ctx, o.symbol, rep.OrderID); err != nil {
				errs = append(errs, fmt.Errorf("resync %s trades: %w", o.id, err))
				continue
			}
		}
		v.mu.Lock()
		t := v.orders[o.id]
		v.ack(t, o.id, rep.Time, rep.OrderID)
		for _, tr := range trades {
			if tr.OrderID != rep.OrderID {
				continue
			}
			after, _ := t.filled.Add(tr.Qty)
			if _, seen := t.trades[tr.ID]; seen {
				after = t.filled
			}
			side := order.Buy
			if !tr.IsBuyer {
				side = order.Sell
			}
			v.trade(t, o.id, order.Fill{Symbol: tr.Symbol, ClientID: o.id, TradeID: tr.ID, Side: side, Price: tr.Price,
				Qty: tr.Qty, Commission: tr.Commission, CommissionAsset: tr.CommissionAsset, Maker: tr.IsMaker, Time: tr.Time},
				rep.OrderID, rep.Status == order.Filled && after.Cmp(rep.ExecutedQty) >= 0)
		}
		v.applyOrderReport(t, o.id, rep)
		v.mu.Unlock()
	}
	return errors.Join(errs...)
}

// CancelAll cancels every open order on symbol (DELETE /api/v3/openOrders,
// order lists included) and reports each cancel, as the kill-switch needs.
// It waits for Binance's answer; on an unknown outcome it returns the error
// and Resync tells what happened.
func (v *Venue) CancelAll(ctx context.Context, symbol string) error {
	reps, err := v.c.CancelAll(ctx, symbol)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, rep := range reps {
		id := rep.OrigClientOrderID
		if id == "" {
			id = rep.ClientOrderID
		}
		v.applyOrderReport(v.track(rep.Symbol, id, rep.Side), id, rep)
	}
	return nil
}
