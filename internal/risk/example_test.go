package risk_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
)

// account is the smallest View: a flat 10000 USDT account with one symbol.
type account struct {
	inst *market.Instrument
	last risk.MarketState
}

func (a *account) Equity() (num.Decimal, bool)          { return num.FromInt(10000), true }
func (a *account) Instrument(string) *market.Instrument { return a.inst }
func (a *account) Market(string) risk.MarketState       { return a.last }
func (a *account) Positions() []risk.Position           { return nil }
func (a *account) OpenRisk() num.Decimal                { return num.Zero }

func Example() {
	dir, err := os.MkdirTemp("", "risk-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	const now = 1_700_000_000_000 // the engine clock, Unix ms

	cfg := risk.Defaults()
	journal := risk.NewMemoryJournal(1024)
	kill, err := risk.OpenKillSwitch(risk.FileStore{Path: filepath.Join(dir, "kill-switch.json")}, journal, now)
	if err != nil {
		panic(err)
	}
	monitor, err := risk.NewMonitor(cfg, journal)
	if err != nil {
		panic(err)
	}
	gate, err := risk.NewGate(cfg, monitor, kill, journal)
	if err != nil {
		panic(err)
	}

	info, err := market.DefaultSpot()
	if err != nil {
		panic(err)
	}
	btc, _ := info.Instrument("BTCUSDT")
	view := &account{inst: btc, last: risk.MarketState{Last: num.MustParse("50000"), LastTime: now}}

	// Buy 0.04 BTC at 50000 with a stop 2% below: risk 40 USDT, 0.4% of equity.
	in := risk.Intent{
		Order: order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC,
			Quantity: num.MustParse("0.04"), Price: num.MustParse("50000")},
		Action:   risk.Submit,
		Effect:   risk.EffectOf(order.Buy, num.MustParse("0.04"), num.Zero),
		StopLoss: num.MustParse("49000"),
	}
	fmt.Println(gate.Check(&in, view, now))

	// The same order with its stop 1% away: too close to the entry.
	in.Order.Quantity = num.MustParse("0.05")
	in.StopLoss = num.MustParse("49500")
	fmt.Println(gate.Check(&in, view, now+1))

	// A person trips the kill-switch: nothing goes through until a reset.
	if err := kill.Trip("alice", "exchange incident", now+2); err != nil {
		panic(err)
	}
	fmt.Println(gate.Check(&in, view, now+3))
	fmt.Println(journal.CountCode(risk.CodeAllowed), "allowed of", journal.CountKind(risk.EventDecision))

	// Output:
	// ALLOWED (BTCUSDT)
	// STOP_TOO_CLOSE: distance=1% min=2% entry=50000 stop=49500 (BTCUSDT)
	// KILL_SWITCH (BTCUSDT)
	// 1 allowed of 3
}
