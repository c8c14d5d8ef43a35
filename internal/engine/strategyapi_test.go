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
	"github.com/thunes/thunes/internal/venue"
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

// slowVenue acknowledges nothing by itself: the test answers for it, as a
// real exchange answers later.
type slowVenue struct {
	submitted []order.Request
	canceled  []string
}

func (v *slowVenue) Submit(_ int64, r *order.Request) { v.submitted = append(v.submitted, *r) }
func (v *slowVenue) Cancel(_ int64, _, id string)     { v.canceled = append(v.canceled, id) }

// On a venue that answers later, Exit holds the sell back until the cancel
// of the stop that locks the quantity is confirmed; if the stop filled
// instead, the exit ends without reaching the venue.
func TestExitWaitsForCancels(t *testing.T) {
	for _, stopFills := range []bool{false, true} {
		s := &script{}
		e, _ := setup(t, s, allowAll{}, "BTCUSDT")
		v := &slowVenue{}
		e.SetVenue(v)
		e.now = minute
		ack := func(id string) {
			e.Sink(&venue.Report{Symbol: "BTCUSDT", ClientID: id, Event: order.Event{Kind: order.Ack, Time: e.now}})
		}
		fill := func(id string, side order.Side, qty string, tid int64) {
			e.Sink(&venue.Report{Symbol: "BTCUSDT", ClientID: id, Event: order.Event{Kind: order.Trade, Time: e.now,
				Fill: order.Fill{TradeID: tid, Side: side, Qty: d(qty), Price: d("100"), Commission: num.Zero, CommissionAsset: "USDT"}}})
		}
		buy, err := e.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Market, Quantity: d("1"), StopLoss: d("95")})
		if err != nil {
			t.Fatal(err)
		}
		ack(buy.ClientID)
		fill(buy.ClientID, order.Buy, "1", 1)
		e.drain()
		stop, err := e.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Sell, Type: order.StopLoss, Quantity: d("1"), StopPrice: d("95")})
		if err != nil {
			t.Fatal(err)
		}
		ack(stop.ClientID)
		e.drain()
		ex, err := e.Exit("BTCUSDT", num.Zero)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.submitted) != 2 || len(v.canceled) != 1 || v.canceled[0] != stop.ClientID {
			t.Fatalf("after Exit: submitted %d, canceled %v; the sell must wait", len(v.submitted), v.canceled)
		}
		if _, err := e.Exit("BTCUSDT", num.Zero); err == nil {
			t.Fatal("a second exit while the first waits was accepted")
		}
		if stopFills {
			fill(stop.ClientID, order.Sell, "1", 2)
		} else {
			e.Sink(&venue.Report{Symbol: "BTCUSDT", ClientID: stop.ClientID, Event: order.Event{Kind: order.Cancel, Time: e.now}})
		}
		e.drain()
		switch {
		case !stopFills && (len(v.submitted) != 3 || v.submitted[2].ClientID != ex.ClientID || !v.submitted[2].Quantity.Equal(d("1"))):
			t.Fatalf("after the cancel: submitted %+v", v.submitted)
		case stopFills && (len(v.submitted) != 2 || ex.Status != order.Canceled):
			t.Fatalf("after the stop filled: %d submitted, exit %s", len(v.submitted), ex.Status)
		}
	}
}
