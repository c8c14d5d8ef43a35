package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/strategy"
)

// timed is a script with a timer.
type timed struct {
	*script
	every int64
	fired []string
}

func (s *timed) Every() int64 { return s.every }
func (s *timed) OnTimer(ctx strategy.Context, at int64) {
	s.fired = append(s.fired, fmt.Sprintf("%d@%d", at/minute, ctx.Now()/minute))
	s.log = append(s.log, "timer")
}

// A timer fires at each multiple of its period, after the bar closing then,
// once across a hole, and at the end when due.
func TestTimerFiresOnTheVirtualClock(t *testing.T) {
	s := &timed{script: &script{}, every: 3 * minute}
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	// Bars open at 0..9 (close at 1..10), a hole, then 20..22 (close 21..23).
	bars := append(flatBars(0, 10, "100"), flatBars(20, 3, "100")...)
	if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: bars}}, v); err != nil {
		t.Fatal(err)
	}
	// Due at 3, 6, 9 (each right after the bar closing then); across the
	// hole once, at 21 (due 12…21: the last multiple reached), then none
	// until the end at 23 (24 is not reached).
	want := []string{"3@3", "6@6", "9@9", "21@21"}
	if !slices.Equal(s.fired, want) {
		t.Fatalf("timer fired %v, want %v", s.fired, want)
	}
	// It runs after the bar that closes at its time, never before.
	i := slices.Index(s.log, "timer")
	if i < 1 || s.log[i-1] != "bar BTCUSDT 2 @3" {
		t.Fatalf("first timer after %q, want after the bar closing at 3: %v", s.log[i-1], s.log[:i+1])
	}
}

func TestTimerWithABadPeriodIsAnError(t *testing.T) {
	s := &timed{script: &script{}, every: 0}
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	_, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: flatBars(0, 3, "100")}}, v)
	if err == nil {
		t.Fatal("a timer every 0 ms was accepted")
	}
}

// Exit cancels the working sells that lock the position and sells what is
// asked at market; the rest of the position is covered again by a stop.
func TestExitSellsPartAndKeepsTheRestCovered(t *testing.T) {
	s := &script{}
	var exitErr error
	var exitOrder *order.Order
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		switch ev.Bar.Time {
		case 1 * minute:
			if _, err := ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), StopLoss: d("95")}); err != nil {
				t.Fatal(err)
			}
		case 4 * minute:
			exitOrder, exitErr = ctx.Exit("BTCUSDT", d("0.4"))
		case 7 * minute:
			if _, err := ctx.Exit("BTCUSDT", num.Zero); err != nil {
				t.Errorf("exit all: %v", err)
			}
		case 9 * minute:
			if _, err := ctx.Exit("BTCUSDT", num.Zero); err == nil {
				t.Error("exit with no position was accepted")
			}
			if _, err := ctx.Exit("ETHUSDT", num.Zero); err == nil {
				t.Error("exit of an unknown symbol was accepted")
			}
		}
	}
	seen := map[string]*order.Order{}
	s.onOrder = func(_ strategy.Context, o *order.Order) { seen[o.ClientID] = o }
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	e.leaveUnprot = false
	if _, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: flatBars(0, 10, "100")}}, v); err != nil {
		t.Fatal(err)
	}
	if exitErr != nil || exitOrder == nil || exitOrder.Status != order.Filled || !exitOrder.FilledQty.Equal(d("0.4")) {
		t.Fatalf("partial exit: %v %+v", exitErr, exitOrder)
	}
	if !e.Position("BTCUSDT").IsZero() {
		t.Fatalf("position after exit all: %s", e.Position("BTCUSDT"))
	}
	// Between the exits 0.6 was held under one working stop at 95.
	var stops []string
	for _, o := range seen {
		if o.Type == order.StopLoss {
			stops = append(stops, o.Quantity.String()+"@"+o.StopPrice.String()+" "+o.Status.String())
		}
	}
	slices.Sort(stops)
	want := []string{"0.6@95 CANCELED", "1@95 CANCELED"}
	if !slices.Equal(stops, want) {
		t.Fatalf("stops %v, want %v", stops, want)
	}
	if open := v.OpenOrders("BTCUSDT"); open != 0 {
		t.Fatalf("%d orders left open at the venue", open)
	}
}
