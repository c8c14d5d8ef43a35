// Package account keeps a trading account's books from its fills: balances,
// positions with FIFO lots, realized and unrealized PnL, fees by asset and the
// equity curve, all in exact decimals.
//
// Every figure is exact, so the account can prove its own consistency:
// equity = initial + realized + unrealized − fees, to the last decimal (Check).
package account

import (
	"errors"
	"fmt"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// Position is the holding of one symbol's base asset, bought in lots.
type Position struct {
	Symbol string
	Base   string
	Quote  string
	// Qty is the base quantity held from trading; Cost what it cost in quote
	// (the sum of its open lots).
	Qty  num.Decimal
	Cost num.Decimal
	// Mark is the last price seen, Realized the PnL closed so far and
	// FeesQuote the fees its fills paid, in the quote asset.
	Mark      num.Decimal
	Realized  num.Decimal
	FeesQuote num.Decimal
	lots      []lot
	// Cells of the account's balance and fee maps, so a fill needs no lookup.
	baseBal, quoteBal   *num.Decimal
	baseFees, quoteFees *num.Decimal
}

type lot struct {
	qty   num.Decimal
	price num.Decimal
}

// Unrealized returns Qty × Mark − Cost.
func (p *Position) Unrealized() (num.Decimal, error) {
	v, err := p.Qty.Mul(p.Mark)
	if err != nil {
		return num.Zero, err
	}
	return v.Sub(p.Cost)
}

// AvgEntry returns Cost ÷ Qty truncated to 8 decimals, for display; 0 when
// flat.
func (p *Position) AvgEntry() num.Decimal {
	if p.Qty.IsZero() {
		return num.Zero
	}
	v, _ := p.Cost.Div(p.Qty, 8)
	return v
}

// Account is one account's books in a single quote currency. It is not safe
// for concurrent use; the engine owns it.
type Account struct {
	quote     string
	initial   num.Decimal
	balances  map[string]*num.Decimal
	positions []*Position
	bySymbol  map[string]*Position
	fees      map[string]*num.Decimal
	feesQuote num.Decimal
	realized  num.Decimal
}

// New returns an account holding initial of the quote asset.
func New(quote string, initial num.Decimal) (*Account, error) {
	if initial.IsNeg() {
		return nil, fmt.Errorf("account: initial %s %s is negative", initial, quote)
	}
	return &Account{
		quote:    quote,
		initial:  initial,
		balances: map[string]*num.Decimal{quote: &initial},
		bySymbol: make(map[string]*Position),
		fees:     make(map[string]*num.Decimal),
	}, nil
}

// AddSymbol registers a tradable symbol with its base asset (the quote asset
// must be the account's) and returns its position.
func (a *Account) AddSymbol(symbol, base, quote string) (*Position, error) {
	if quote != a.quote {
		return nil, fmt.Errorf("account: %s is quoted in %s, the account in %s", symbol, quote, a.quote)
	}
	if p, ok := a.bySymbol[symbol]; ok {
		return p, nil
	}
	p := &Position{Symbol: symbol, Base: base, Quote: quote,
		baseBal: a.slot(base), quoteBal: a.slot(quote), baseFees: a.feeSlot(base), quoteFees: a.feeSlot(quote)}
	a.positions = append(a.positions, p)
	a.bySymbol[symbol] = p
	return p, nil
}

// Quote returns the account's quote asset.
func (a *Account) Quote() string { return a.quote }

// Initial returns the starting equity.
func (a *Account) Initial() num.Decimal { return a.initial }

// Balance returns the total balance of asset (free and locked).
func (a *Account) Balance(asset string) num.Decimal {
	if b := a.balances[asset]; b != nil {
		return *b
	}
	return num.Zero
}

// slot returns the balance cell of asset, creating it at zero.
func (a *Account) slot(asset string) *num.Decimal {
	b := a.balances[asset]
	if b == nil {
		b = new(num.Decimal)
		a.balances[asset] = b
	}
	return b
}

// feeSlot returns the fee total cell of asset, creating it at zero.
func (a *Account) feeSlot(asset string) *num.Decimal {
	f := a.fees[asset]
	if f == nil {
		f = new(num.Decimal)
		a.fees[asset] = f
	}
	return f
}

// Balances returns a copy of all balances.
func (a *Account) Balances() map[string]num.Decimal {
	out := make(map[string]num.Decimal, len(a.balances))
	for k, v := range a.balances {
		out[k] = *v
	}
	return out
}

// Position returns the position in symbol, or nil.
func (a *Account) Position(symbol string) *Position { return a.bySymbol[symbol] }

// Positions returns every position, in the order symbols were added.
func (a *Account) Positions() []*Position { return a.positions }

// Realized returns the realized PnL over all symbols, before fees.
func (a *Account) Realized() num.Decimal { return a.realized }

// FeesQuote returns all fees paid, converted to the quote asset at the price
// of the fill that paid them.
func (a *Account) FeesQuote() num.Decimal { return a.feesQuote }

// Fees returns the fees paid by asset, in that asset.
func (a *Account) Fees() map[string]num.Decimal {
	out := make(map[string]num.Decimal, len(a.fees))
	for k, v := range a.fees {
		out[k] = *v
	}
	return out
}

// Mark sets the last price of symbol.
func (a *Account) Mark(symbol string, price num.Decimal) {
	if p := a.bySymbol[symbol]; p != nil {
		p.Mark = price
	}
}

// ErrSellMoreThanHeld is returned when a sell fill exceeds the position.
var ErrSellMoreThanHeld = errors.New("sell exceeds position")

// disposal is the effect of taking qty out of a position's lots, first in,
// first out, at a price: computed without changing the position, applied by
// commit.
type disposal struct {
	p          *Position
	k          int // whole lots consumed
	partial    num.Decimal
	hasPartial bool
	qty        num.Decimal // the position's quantity after
	cost       num.Decimal // its cost after
	realized   num.Decimal // (price − lot price) × qty over the lots taken
}

func (c *calc) dispose(p *Position, qty, price num.Decimal) disposal {
	d := disposal{p: p, cost: p.Cost, realized: num.Zero}
	left := qty
	for d.k < len(p.lots) && left.IsPos() && c.Err() == nil {
		l := p.lots[d.k]
		take := num.Min(left, l.qty)
		d.realized = c.Add(d.realized, c.Mul(take, c.Sub(price, l.price)))
		d.cost = c.Sub(d.cost, c.Mul(take, l.price))
		left = c.Sub(left, take)
		if take.Less(l.qty) {
			d.partial, d.hasPartial = c.Sub(l.qty, take), true
			break
		}
		d.k++
	}
	d.qty = c.Sub(p.Qty, qty)
	return d
}

func (d *disposal) commit() {
	p := d.p
	p.lots = p.lots[d.k:]
	if d.hasPartial {
		p.lots[0].qty = d.partial
	}
	p.Qty, p.Cost = d.qty, d.cost
	p.Realized, _ = p.Realized.Add(d.realized)
}

// ApplyFill books one fill. A buy adds a lot at the fill price; a sell closes
// lots first in, first out, realizing (price − lot price) × qty. The
// commission is taken from its asset and counted in fees, converted to the
// quote asset: commission in the base asset (usual on buys) shrinks what was
// received, or on a sell leaves like a sale at the fill price; commission in
// the quote asset reduces the proceeds; commission in a third asset (BNB)
// leaves that asset's position like a sale at its mark, which converts it. On
// error nothing changes.
func (a *Account) ApplyFill(f *order.Fill) error {
	p := a.bySymbol[f.Symbol]
	if p == nil {
		return fmt.Errorf("fill %d: unknown symbol %s", f.TradeID, f.Symbol)
	}
	if f.Side != order.Buy && f.Side != order.Sell {
		return fmt.Errorf("fill %d: invalid side %v", f.TradeID, f.Side)
	}
	c := calc{}
	notional := c.Mul(f.Price, f.Qty)
	feeInBase := f.CommissionAsset == p.Base
	feeInQuote := f.CommissionAsset == p.Quote || f.CommissionAsset == ""
	var feeQuote num.Decimal
	var feePos *Position // the third asset's position paying the commission
	switch {
	case feeInBase:
		feeQuote = c.Mul(f.Commission, f.Price)
	case feeInQuote:
		feeQuote = f.Commission
	default:
		feePos = a.byBase(f.CommissionAsset)
		if feePos == nil || feePos == p || !feePos.Mark.IsPos() {
			return fmt.Errorf("fill %d: commission in %s, which the account cannot value (no %s%s position with a price)",
				f.TradeID, f.CommissionAsset, f.CommissionAsset, a.quote)
		}
		if feePos.Qty.Less(f.Commission) {
			return fmt.Errorf("fill %d: commission %s %s exceeds the %s held", f.TradeID, f.Commission, f.CommissionAsset, feePos.Qty)
		}
		feeQuote = c.Mul(f.Commission, feePos.Mark)
	}
	newQuote, newBase := *p.quoteBal, *p.baseBal
	if feeInQuote {
		newQuote = c.Sub(newQuote, f.Commission)
	}
	realized := num.Zero
	var sold disposal
	var add *lot
	switch f.Side {
	case order.Buy:
		got := f.Qty
		if feeInBase {
			got = c.Sub(got, f.Commission)
		}
		newQuote = c.Sub(newQuote, notional)
		newBase = c.Add(newBase, got)
		// The lot is what was received, at the fill price; the base given up
		// as commission is a fee, not a cost.
		add = &lot{qty: got, price: f.Price}
	case order.Sell:
		out := f.Qty
		if feeInBase {
			out = c.Add(out, f.Commission)
		}
		if c.Err() == nil && p.Qty.Less(out) {
			return fmt.Errorf("fill %d: sell %s %s holding %s: %w", f.TradeID, out, f.Symbol, p.Qty, ErrSellMoreThanHeld)
		}
		newBase = c.Sub(newBase, out)
		newQuote = c.Add(newQuote, notional)
		sold = c.dispose(p, out, f.Price)
		realized = c.Add(realized, sold.realized)
	}
	var fee disposal
	var feeBal num.Decimal
	if feePos != nil {
		fee = c.dispose(feePos, f.Commission, feePos.Mark)
		realized = c.Add(realized, fee.realized)
		feeBal = c.Sub(*feePos.baseBal, f.Commission)
	}
	var feeCell *num.Decimal
	switch {
	case feeInBase:
		feeCell = p.baseFees
	case f.CommissionAsset == p.Quote:
		feeCell = p.quoteFees
	case feePos != nil:
		feeCell = feePos.baseFees
	}
	var fees num.Decimal
	if feeCell != nil {
		fees = c.Add(*feeCell, f.Commission)
	}
	feesQuote := c.Add(a.feesQuote, feeQuote)
	posFees := c.Add(p.FeesQuote, feeQuote)
	total := c.Add(a.realized, realized)
	var addQty, addCost num.Decimal
	if add != nil {
		addQty, addCost = c.Add(p.Qty, add.qty), c.Add(p.Cost, c.Mul(add.qty, add.price))
	}
	if c.Err() != nil {
		return fmt.Errorf("fill %d: %w", f.TradeID, c.Err())
	}
	// Commit: nothing below can fail.
	*p.quoteBal, *p.baseBal = newQuote, newBase
	if add != nil {
		p.lots = append(p.lots, *add)
		p.Qty, p.Cost = addQty, addCost
	} else {
		sold.commit()
	}
	if feePos != nil {
		fee.commit()
		*feePos.baseBal = feeBal
	}
	p.Mark = f.Price
	if feeCell != nil {
		*feeCell = fees
	}
	a.feesQuote, a.realized = feesQuote, total
	p.FeesQuote = posFees
	return nil
}

// byBase returns the position whose base asset is asset, or nil.
func (a *Account) byBase(asset string) *Position {
	for _, p := range a.positions {
		if p.Base == asset {
			return p
		}
	}
	return nil
}

// Deposit adds qty of the base asset of symbol, valued at price, to the
// account before trading starts: it becomes a lot at price and part of the
// initial equity. It is how a backtest starts with BNB to pay discounted fees.
func (a *Account) Deposit(symbol string, qty, price num.Decimal) error {
	p := a.bySymbol[symbol]
	if p == nil {
		return fmt.Errorf("deposit: unknown symbol %s", symbol)
	}
	if !qty.IsPos() || !price.IsPos() {
		return fmt.Errorf("deposit %s %s at %s: quantity and price must be positive", qty, p.Base, price)
	}
	c := calc{}
	value := c.Mul(qty, price)
	initial := c.Add(a.initial, value)
	newQty, newCost, bal := c.Add(p.Qty, qty), c.Add(p.Cost, value), c.Add(*p.baseBal, qty)
	if c.Err() != nil {
		return fmt.Errorf("deposit: %w", c.Err())
	}
	a.initial, *p.baseBal = initial, bal
	p.lots = append(p.lots, lot{qty: qty, price: price})
	p.Qty, p.Cost = newQty, newCost
	if p.Mark.IsZero() {
		p.Mark = price
	}
	return nil
}

// Unrealized returns the unrealized PnL over all positions at their marks.
func (a *Account) Unrealized() (num.Decimal, error) {
	c := calc{}
	u := num.Zero
	for _, p := range a.positions {
		v, err := p.Unrealized()
		if err != nil {
			return num.Zero, err
		}
		u = c.Add(u, v)
	}
	return u, c.Err()
}

// Equity returns the quote balance plus every base balance valued at its
// symbol's mark.
func (a *Account) Equity() (num.Decimal, error) {
	c := calc{}
	e := a.Balance(a.quote)
	for _, p := range a.positions {
		e = c.Add(e, c.Mul(*p.baseBal, p.Mark))
	}
	return e, c.Err()
}

// Check proves the books add up: equity = initial + realized + unrealized −
// fees (in quote), exactly, and each position's quantity equals its base
// balance and the sum of its lots.
func (a *Account) Check() error {
	c := calc{}
	eq, err := a.Equity()
	if err != nil {
		return err
	}
	un, err := a.Unrealized()
	if err != nil {
		return err
	}
	want := c.Sub(c.Add(c.Add(a.initial, a.realized), un), a.feesQuote)
	if c.Err() != nil {
		return c.Err()
	}
	if !eq.Equal(want) {
		return fmt.Errorf("account does not reconcile: equity %s, initial %s + realized %s + unrealized %s - fees %s = %s",
			eq, a.initial, a.realized, un, a.feesQuote, want)
	}
	for _, p := range a.positions {
		sum, cost := num.Zero, num.Zero
		for _, l := range p.lots {
			sum = c.Add(sum, l.qty)
			cost = c.Add(cost, c.Mul(l.qty, l.price))
		}
		if !sum.Equal(p.Qty) || !cost.Equal(p.Cost) || !p.Qty.Equal(*p.baseBal) {
			return fmt.Errorf("position %s does not reconcile: qty %s, lots %s, balance %s, cost %s, lot cost %s",
				p.Symbol, p.Qty, sum, *p.baseBal, p.Cost, cost)
		}
	}
	return c.Err()
}

// calc is num.Calc with the account's own steps (dispose).
type calc struct{ num.Calc }
