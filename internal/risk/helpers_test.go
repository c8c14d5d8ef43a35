package risk

import (
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// t0 is the clock of most tests, in Unix ms (2023-11-14T22:13:20Z).
const t0 int64 = 1_700_000_000_000

// d parses a decimal constant.
func d(s string) num.Decimal { return num.MustParse(s) }

// fakeView is a View backed by plain fields.
type fakeView struct {
	equity    num.Decimal
	equityOK  bool
	insts     map[string]*market.Instrument
	markets   map[string]MarketState
	positions []Position
	openRisk  num.Decimal
}

func (v *fakeView) Equity() (num.Decimal, bool)                 { return v.equity, v.equityOK }
func (v *fakeView) Instrument(symbol string) *market.Instrument { return v.insts[symbol] }
func (v *fakeView) Market(symbol string) MarketState            { return v.markets[symbol] }
func (v *fakeView) Positions() []Position                       { return v.positions }
func (v *fakeView) OpenRisk() num.Decimal                       { return v.openRisk }

// fakeState is a StateSource with a fixed status.
type fakeState struct{ st Status }

func (s *fakeState) Status(int64) Status { return s.st }

// fakeSwitch is a Switch.
type fakeSwitch struct{ on bool }

func (s *fakeSwitch) Tripped() bool { return s.on }

// spotInstruments returns the shipped spot instruments by symbol.
func spotInstruments(tb testing.TB) map[string]*market.Instrument {
	tb.Helper()
	x, err := market.DefaultSpot()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*market.Instrument{}
	for _, sym := range []string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"} {
		in, ok := x.Instrument(sym)
		if !ok {
			tb.Fatalf("snapshot lacks %s", sym)
		}
		out[sym] = in
	}
	return out
}

// baseView is an account of 10000 USDT, flat, with fresh prices:
// BTCUSDT 50000, ETHUSDT 2500, SOLUSDT 100, BNBUSDT 500, XRPUSDT 0.5,
// ADAUSDT 0.4, DOGEUSDT 0.1, LTCUSDT 80.
func baseView(tb testing.TB) *fakeView {
	tb.Helper()
	prices := map[string]string{"BTCUSDT": "50000", "ETHUSDT": "2500", "SOLUSDT": "100", "BNBUSDT": "500",
		"XRPUSDT": "0.5", "ADAUSDT": "0.4", "DOGEUSDT": "0.1", "LTCUSDT": "80"}
	v := &fakeView{equity: d("10000"), equityOK: true, insts: spotInstruments(tb),
		markets: map[string]MarketState{}, openRisk: num.Zero}
	for sym, p := range prices {
		v.markets[sym] = MarketState{Last: d(p), LastTime: t0}
	}
	return v
}

// hold sets a position in the view, valued at its market's last price.
func (v *fakeView) hold(symbol, qty string) {
	v.positions = append(v.positions, Position{Symbol: symbol, Qty: d(qty), Working: num.Zero, Mark: v.markets[symbol].Last})
}

// buyEntry is a BUY LIMIT of qty BTCUSDT at price with a stop.
func buyEntry(qty, price, stop string) Intent {
	return Intent{
		Order:    order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Quantity: d(qty), Price: d(price)},
		Action:   Submit,
		Effect:   Entry,
		StopLoss: d(stop),
	}
}

// sellReduce is a SELL LIMIT of qty BTCUSDT at price that reduces a long.
func sellReduce(qty, price string) Intent {
	return Intent{
		Order:  order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.Limit, TimeInForce: order.GTC, Quantity: d(qty), Price: d(price)},
		Action: Submit,
		Effect: Reduce,
	}
}

// testGate is a gate with fake state and switch and a memory journal.
type testGate struct {
	*Gate
	state   *fakeState
	kill    *fakeSwitch
	journal *MemoryJournal
}

func newTestGate(tb testing.TB, cfg Config) *testGate {
	tb.Helper()
	st, ks, j := &fakeState{st: Status{State: Active}}, &fakeSwitch{}, NewMemoryJournal(64)
	g, err := NewGate(cfg, st, ks, j)
	if err != nil {
		tb.Fatal(err)
	}
	return &testGate{Gate: g, state: st, kill: ks, journal: j}
}
