package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/strategy"
	"github.com/thunes/thunes/internal/venue"
	"github.com/thunes/thunes/internal/venue/sim"
)

// logRecorder logs what the engine records, and fails OnSubmit of the
// order whose client id is failID.
type logRecorder struct {
	log    []string
	failID string
	sent   *sim.Venue
}

func (r *logRecorder) OnSubmit(o *order.Order) error {
	if o.ClientID == r.failID {
		return errors.New("disk full")
	}
	r.log = append(r.log, fmt.Sprintf("intent %s %s open=%d", o.ClientID, o.Status, r.sent.OpenOrders(o.Symbol)))
	return nil
}

func (r *logRecorder) OnSent(o *order.Order) error {
	r.log = append(r.log, "sent "+o.ClientID)
	return nil
}

func (r *logRecorder) OnReport(o *order.Order, rep *venue.Report) error {
	r.log = append(r.log, fmt.Sprintf("report %s %s %s", o.ClientID, rep.Kind, o.Status))
	return nil
}

func (r *logRecorder) OnBar(symbol string, closeAt int64) error {
	r.log = append(r.log, fmt.Sprintf("bar %s %d", symbol, closeAt/minute))
	return nil
}

func recordedRun(t *testing.T, failID string) (*logRecorder, *script, error) {
	t.Helper()
	s := &script{}
	s.onBar = func(ctx strategy.Context, ev strategy.BarEvent) {
		if ev.Bar.Time == 0 || ev.Bar.Time == 2*minute {
			ctx.Submit(order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.GTC, Price: d("50"), Quantity: d("0.1")})
		}
	}
	e, v := setup(t, s, allowAll{}, "BTCUSDT")
	rec := &logRecorder{failID: failID, sent: v}
	e.rec = rec
	_, err := e.RunBacktest(context.Background(), []Series{{Symbol: "BTCUSDT", Interval: market.Minute1, Bars: flatBars(0, 4, "100")}}, v)
	return rec, s, err
}

func TestRecorderSeesEachOrderBeforeTheVenue(t *testing.T) {
	rec, _, err := recordedRun(t, "")
	if err != nil {
		t.Fatal(err)
	}
	// Bar 0 (closing at 1): the strategy submits, the intent is recorded
	// before the venue has the order, then the report, then the bar.
	want := []string{
		"intent t-1 PENDING_NEW open=0",
		"sent t-1",
		"report t-1 ACK NEW",
		"bar BTCUSDT 1",
		"bar BTCUSDT 2",
		"intent t-2 PENDING_NEW open=1",
		"sent t-2",
		"report t-2 ACK NEW",
		"bar BTCUSDT 3",
		"bar BTCUSDT 4",
	}
	if got := strings.Join(rec.log, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("recorded:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestRecorderFailureStopsTheOrder(t *testing.T) {
	rec, _, err := recordedRun(t, "t-2")
	if err == nil || !strings.Contains(err.Error(), "record order t-2: disk full") {
		t.Fatalf("run error = %v", err)
	}
	for _, l := range rec.log {
		if strings.Contains(l, "t-2") {
			t.Fatalf("an order whose intent was not recorded went on: %q", l)
		}
	}
}
