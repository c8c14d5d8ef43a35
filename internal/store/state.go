package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
)

// Run statuses.
const (
	RunRunning = "RUNNING"
	RunDone    = "DONE"
	RunFailed  = "FAILED"
)

// Run is one trading session: its configuration (canonical JSON), its
// account's quote asset and starting capital, and how far it got.
type Run struct {
	ID        string
	Mode      string
	Config    string
	Quote     string
	Capital   num.Decimal
	Status    string
	StartedAt int64
	UpdatedAt int64
	// Events is how many engine events the run has recorded and EventsHash
	// the SHA-256 (hex) over them, so a restart that replays the run can
	// prove it reproduced the same events before it records new ones.
	Events     int64
	EventsHash string
	// Bars is how many bars the run has processed.
	Bars int64
}

// Order is an order as stored: the request, its run, its status and how
// much of it filled.
type Order struct {
	RunID string
	order.Request
	Status    order.Status
	Filled    num.Decimal
	CreatedAt int64
	UpdatedAt int64
}

// Fill is a stored execution. Venue names the venue (and, for a simulated
// one, its run) whose trade ids it carries: (Venue, Symbol, TradeID) is
// unique, which is what makes a fill count once.
type Fill struct {
	Venue string
	RunID string
	order.Fill
}

// Position is a run's holding of one symbol.
type Position struct {
	Symbol    string
	Qty       num.Decimal
	Cost      num.Decimal
	Realized  num.Decimal
	FeesQuote num.Decimal
}

// EquityPoint is the exact equity of a run at a time.
type EquityPoint struct {
	Time   int64
	Equity num.Decimal
}

// OrderFilter selects orders; nil fields match everything.
type OrderFilter struct {
	RunID *string
	// Open selects the orders not in a terminal status.
	Open *bool
}

func dec(s, what string) (num.Decimal, error) {
	d, err := num.Parse(s)
	if err != nil {
		return num.Zero, fmt.Errorf("stored %s %q: %w", what, s, err)
	}
	return d, nil
}

func tifName(t order.TimeInForce) string { return t.String() }

// --- writes ---

// CreateRun inserts r.
func (t *Tx) CreateRun(r *Run) error {
	_, err := t.exec("create run "+r.ID, `INSERT INTO runs (id, mode, config, quote, capital, status, started_at, updated_at, events, events_hash, bars)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.Mode, r.Config, r.Quote, r.Capital.String(), r.Status, r.StartedAt, r.UpdatedAt, r.Events, r.EventsHash, r.Bars)
	return err
}

// UpdateRun records a run's progress and status.
func (t *Tx) UpdateRun(id, status string, events int64, eventsHash string, bars, at int64) error {
	res, err := t.exec("update run "+id, `UPDATE runs SET status = $1, events = $2, events_hash = $3, bars = $4, updated_at = $5 WHERE id = $6`,
		status, events, eventsHash, bars, at, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s: update run %s: %w", t.s.where, id, ErrNotFound)
	}
	return nil
}

// InsertOrder records a new order and reports whether it was new: an order
// whose client id is already stored is left as it is (false).
func (t *Tx) InsertOrder(o *Order) (bool, error) {
	res, err := t.exec("insert order "+o.ClientID, `INSERT INTO orders (client_id, run_id, symbol, side, type, tif, quantity, quote_qty, price, stop_price, status, filled_qty, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (client_id) DO NOTHING`,
		o.ClientID, o.RunID, o.Symbol, o.Side.String(), o.Type.String(), tifName(o.TimeInForce), o.Quantity.String(),
		o.QuoteOrderQty.String(), o.Price.String(), o.StopPrice.String(), o.Status.String(), o.Filled.String(), o.CreatedAt, o.UpdatedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UpdateOrder sets an order's status and filled quantity.
func (t *Tx) UpdateOrder(clientID string, status order.Status, filled num.Decimal, at int64) error {
	res, err := t.exec("update order "+clientID, `UPDATE orders SET status = $1, filled_qty = $2, updated_at = $3 WHERE client_id = $4`,
		status.String(), filled.String(), at, clientID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s: update order %s: %w", t.s.where, clientID, ErrNotFound)
	}
	return nil
}

// InsertFill records a fill once and reports whether it was new: a fill
// whose (venue, symbol, trade id) is already stored is not applied again.
func (t *Tx) InsertFill(f *Fill) (bool, error) {
	res, err := t.exec(fmt.Sprintf("insert fill %s %s #%d", f.Venue, f.Symbol, f.TradeID), `INSERT INTO fills (venue, symbol, trade_id, run_id, client_id, side, price, qty, commission, commission_asset, maker, time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (venue, symbol, trade_id) DO NOTHING`,
		f.Venue, f.Symbol, f.TradeID, f.RunID, f.ClientID, f.Side.String(), f.Price.String(), f.Qty.String(),
		f.Commission.String(), f.CommissionAsset, f.Maker, f.Time)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PutBalance sets a run's total balance of asset.
func (t *Tx) PutBalance(runID, asset string, total num.Decimal, at int64) error {
	_, err := t.exec("put balance "+asset, `INSERT INTO balances (run_id, asset, total, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (run_id, asset) DO UPDATE SET total = excluded.total, updated_at = excluded.updated_at`,
		runID, asset, total.String(), at)
	return err
}

// PutPosition sets a run's position in p.Symbol.
func (t *Tx) PutPosition(runID string, p *Position, at int64) error {
	_, err := t.exec("put position "+p.Symbol, `INSERT INTO positions (run_id, symbol, qty, cost, realized, fees_quote, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (run_id, symbol) DO UPDATE SET qty = excluded.qty, cost = excluded.cost, realized = excluded.realized,
		fees_quote = excluded.fees_quote, updated_at = excluded.updated_at`,
		runID, p.Symbol, p.Qty.String(), p.Cost.String(), p.Realized.String(), p.FeesQuote.String(), at)
	return err
}

// AddEquity records a run's equity at a time; a second point at the same
// time replaces the first.
func (t *Tx) AddEquity(runID string, p EquityPoint) error {
	_, err := t.exec("add equity", `INSERT INTO equity (run_id, time, equity) VALUES ($1, $2, $3)
		ON CONFLICT (run_id, time) DO UPDATE SET equity = excluded.equity`, runID, p.Time, p.Equity.String())
	return err
}

// PutKillSwitch stores the kill-switch's state.
func (t *Tx) PutKillSwitch(s risk.KillSwitchState) error {
	_, err := t.exec("save kill-switch", `INSERT INTO kill_switch (id, tripped, by_name, reason, cause, at) VALUES (1, $1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET tripped = excluded.tripped, by_name = excluded.by_name, reason = excluded.reason,
		cause = excluded.cause, at = excluded.at`, s.Tripped, s.By, s.Reason, s.Cause, s.At)
	return err
}

// PutRiskState stores a run's trading state (ACTIVE, REDUCING, HALTED).
func (t *Tx) PutRiskState(runID string, state risk.State, cause string, at int64) error {
	_, err := t.exec("save risk state", `INSERT INTO risk_state (run_id, state, cause, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (run_id) DO UPDATE SET state = excluded.state, cause = excluded.cause, updated_at = excluded.updated_at`,
		runID, state.String(), cause, at)
	return err
}

// --- reads ---

func (s *Store) query(ctx context.Context, what, q string, args ...any) (*sql.Rows, context.CancelFunc, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("%s: %s: %w", s.where, what, s.openErr(err))
	}
	return rows, cancel, nil
}

const runCols = `id, mode, config, quote, capital, status, started_at, updated_at, events, events_hash, bars`

func scanRun(sc interface{ Scan(...any) error }) (*Run, error) {
	var r Run
	var capital string
	if err := sc.Scan(&r.ID, &r.Mode, &r.Config, &r.Quote, &capital, &r.Status, &r.StartedAt, &r.UpdatedAt, &r.Events, &r.EventsHash, &r.Bars); err != nil {
		return nil, err
	}
	var err error
	r.Capital, err = dec(capital, "capital")
	return &r, err
}

// FindRun returns the run id, or an error wrapping ErrNotFound.
func (s *Store) FindRun(ctx context.Context, id string) (*Run, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: run %s: %w", s.where, id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: run %s: %w", s.where, id, err)
	}
	return r, nil
}

// FindRuns returns every run, oldest first.
func (s *Store) FindRuns(ctx context.Context) ([]*Run, error) {
	rows, cancel, err := s.query(ctx, "runs", `SELECT `+runCols+` FROM runs ORDER BY started_at, id`)
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: runs: %w", s.where, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindOrders returns the orders f selects, oldest first.
func (s *Store) FindOrders(ctx context.Context, f OrderFilter) ([]*Order, error) {
	q := `SELECT client_id, run_id, symbol, side, type, tif, quantity, quote_qty, price, stop_price, status, filled_qty, created_at, updated_at
		FROM orders WHERE ($1 = '' OR run_id = $1) AND ($2 = 0 OR status NOT IN ('FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'))
		ORDER BY created_at, client_id`
	run, open := "", 0
	if f.RunID != nil {
		run = *f.RunID
	}
	if f.Open != nil && *f.Open {
		open = 1
	}
	rows, cancel, err := s.query(ctx, "orders", q, run, open)
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer rows.Close()
	var out []*Order
	for rows.Next() {
		var o Order
		var side, typ, tif, qty, qq, price, stop, status, filled string
		if err := rows.Scan(&o.ClientID, &o.RunID, &o.Symbol, &side, &typ, &tif, &qty, &qq, &price, &stop, &status, &filled, &o.CreatedAt, &o.UpdatedAt); err != nil {
			return nil, fmt.Errorf("%s: orders: %w", s.where, err)
		}
		if err := toOrder(&o, side, typ, tif, qty, qq, price, stop, status, filled); err != nil {
			return nil, fmt.Errorf("%s: order %s: %w", s.where, o.ClientID, err)
		}
		out = append(out, &o)
	}
	return out, rows.Err()
}

func toOrder(o *Order, side, typ, tif, qty, qq, price, stop, status, filled string) error {
	var err error
	if o.Side, err = order.ParseSide(side); err != nil {
		return err
	}
	if o.Type, err = order.ParseType(typ); err != nil {
		return err
	}
	if tif != "" {
		if o.TimeInForce, err = order.ParseTimeInForce(tif); err != nil {
			return err
		}
	}
	if o.Status, err = order.ParseStatus(status); err != nil {
		return err
	}
	for _, f := range []struct {
		s   string
		dst *num.Decimal
		n   string
	}{{qty, &o.Quantity, "quantity"}, {qq, &o.QuoteOrderQty, "quote_qty"}, {price, &o.Price, "price"},
		{stop, &o.StopPrice, "stop_price"}, {filled, &o.Filled, "filled_qty"}} {
		if *f.dst, err = dec(f.s, f.n); err != nil {
			return err
		}
	}
	return nil
}

// FindFills returns a run's fills in time order ("" for every run).
func (s *Store) FindFills(ctx context.Context, runID string) ([]*Fill, error) {
	rows, cancel, err := s.query(ctx, "fills", `SELECT venue, symbol, trade_id, run_id, client_id, side, price, qty, commission, commission_asset, maker, time
		FROM fills WHERE ($1 = '' OR run_id = $1) ORDER BY time, venue, symbol, trade_id`, runID)
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer rows.Close()
	var out []*Fill
	for rows.Next() {
		var f Fill
		var side, price, qty, comm string
		if err := rows.Scan(&f.Venue, &f.Symbol, &f.TradeID, &f.RunID, &f.ClientID, &side, &price, &qty, &comm, &f.CommissionAsset, &f.Maker, &f.Time); err != nil {
			return nil, fmt.Errorf("%s: fills: %w", s.where, err)
		}
		if f.Side, err = order.ParseSide(side); err != nil {
			return nil, err
		}
		if f.Price, err = dec(price, "fill price"); err != nil {
			return nil, err
		}
		if f.Qty, err = dec(qty, "fill qty"); err != nil {
			return nil, err
		}
		if f.Commission, err = dec(comm, "commission"); err != nil {
			return nil, err
		}
		out = append(out, &f)
	}
	return out, rows.Err()
}

// Balances returns a run's balances by asset.
func (s *Store) Balances(ctx context.Context, runID string) (map[string]num.Decimal, error) {
	return s.assetTotals(ctx, "balances", `SELECT asset, total FROM balances WHERE run_id = $1 ORDER BY asset`, runID)
}

// assetTotals reads (asset, total) rows of a run.
func (s *Store) assetTotals(ctx context.Context, what, query, runID string) (map[string]num.Decimal, error) {
	rows, cancel, err := s.query(ctx, what, query, runID)
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer rows.Close()
	out := map[string]num.Decimal{}
	for rows.Next() {
		var asset, total string
		if err := rows.Scan(&asset, &total); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", s.where, what, err)
		}
		if out[asset], err = dec(total, what+" of "+asset); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// Positions returns a run's positions by symbol.
func (s *Store) Positions(ctx context.Context, runID string) (map[string]Position, error) {
	rows, cancel, err := s.query(ctx, "positions", `SELECT symbol, qty, cost, realized, fees_quote FROM positions WHERE run_id = $1 ORDER BY symbol`, runID)
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer rows.Close()
	out := map[string]Position{}
	for rows.Next() {
		var p Position
		var qty, cost, realized, fees string
		if err := rows.Scan(&p.Symbol, &qty, &cost, &realized, &fees); err != nil {
			return nil, fmt.Errorf("%s: positions: %w", s.where, err)
		}
		for _, f := range []struct {
			s   string
			dst *num.Decimal
		}{{qty, &p.Qty}, {cost, &p.Cost}, {realized, &p.Realized}, {fees, &p.FeesQuote}} {
			if *f.dst, err = dec(f.s, "position of "+p.Symbol); err != nil {
				return nil, err
			}
		}
		out[p.Symbol] = p
	}
	return out, rows.Err()
}

// Equity returns a run's equity points in time order.
func (s *Store) Equity(ctx context.Context, runID string) ([]EquityPoint, error) {
	rows, cancel, err := s.query(ctx, "equity", `SELECT time, equity FROM equity WHERE run_id = $1 ORDER BY time`, runID)
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer rows.Close()
	var out []EquityPoint
	for rows.Next() {
		var p EquityPoint
		var eq string
		if err := rows.Scan(&p.Time, &eq); err != nil {
			return nil, fmt.Errorf("%s: equity: %w", s.where, err)
		}
		if p.Equity, err = dec(eq, "equity"); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// KillSwitch returns the stored kill-switch state; found is false when it
// was never stored.
func (s *Store) KillSwitch(ctx context.Context) (st risk.KillSwitchState, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err = s.db.QueryRowContext(ctx, `SELECT tripped, by_name, reason, cause, at FROM kill_switch WHERE id = 1`).
		Scan(&st.Tripped, &st.By, &st.Reason, &st.Cause, &st.At)
	if errors.Is(err, sql.ErrNoRows) {
		return risk.KillSwitchState{}, false, nil
	}
	if err != nil {
		return risk.KillSwitchState{}, false, fmt.Errorf("%s: kill-switch: %w", s.where, err)
	}
	return st, true, nil
}

// RiskState returns a run's stored trading state, "" when none.
func (s *Store) RiskState(ctx context.Context, runID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var st string
	err := s.db.QueryRowContext(ctx, `SELECT state FROM risk_state WHERE run_id = $1`, runID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: risk state: %w", s.where, err)
	}
	return st, nil
}

// PutBaseline records a run's starting balance of asset at the exchange.
func (t *Tx) PutBaseline(runID, asset string, total num.Decimal) error {
	_, err := t.exec("put baseline "+asset, `INSERT INTO baselines (run_id, asset, total) VALUES ($1, $2, $3)
		ON CONFLICT (run_id, asset) DO UPDATE SET total = excluded.total`, runID, asset, total.String())
	return err
}

// Baselines returns a run's starting balances at the exchange.
func (s *Store) Baselines(ctx context.Context, runID string) (map[string]num.Decimal, error) {
	return s.assetTotals(ctx, "baselines", `SELECT asset, total FROM baselines WHERE run_id = $1 ORDER BY asset`, runID)
}
