package backtest

import (
	"context"
	"math"
	"testing"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/strategy"
)

// reckless tries everything a risk engine must stop: entries without a stop,
// with absurd stops, oversized, and revenge trading (twice the size after
// every loss). It never places a stop of its own. It records what it saw.
type reckless struct {
	sym      string
	losses   int
	entryAt  num.Decimal // average entry price of the open position
	buyFills []buyFill
	equity   []sample
}

type buyFill struct {
	time     int64
	stopLoss num.Decimal
}

type sample struct {
	time     int64
	equity   float64
	position float64 // value of the position held, in USDT
}

func (s *reckless) Name() string                         { return "reckless" }
func (s *reckless) Start(strategy.Context) error         { return nil }
func (s *reckless) OnGap(strategy.Context, strategy.Gap) {}

func (s *reckless) OnBar(ctx strategy.Context, ev strategy.BarEvent) {
	s.equity = append(s.equity, sample{ctx.Now(), ctx.Equity().Float64(),
		ctx.Position(s.sym).Float64() * ev.Bar.Close.Float64()})
	if ctx.Position(s.sym).Float64()*ev.Bar.Close.Float64() > 5 {
		return // holding; the reckless never sells
	}
	price := ev.Bar.Close.Float64()
	eq := ctx.Equity().Float64()
	size := math.Pow(2, float64(min(s.losses, 4))) // revenge: double after each loss
	try := func(fraction, stopPct float64) {
		q := num.MustNew(int64(eq*fraction*size/price*1e5), 5)
		r := order.Request{Symbol: s.sym, Side: order.Buy, Type: order.Market, Quantity: q}
		if stopPct > 0 {
			r.StopLoss = num.MustNew(int64(price*(1-stopPct)*100), 2)
		}
		ctx.Submit(r)
	}
	try(1, 0)           // all in, no stop
	try(1, 0.2)         // a stop too far
	try(1, 0.005)       // a stop too close
	try(1, 0.02)        // too big for the risk budget
	try(0.4, 0.02)      // revenge-sized: too big once doubled
	try(0.2/size, 0.02) // what the gate allows
}

func (s *reckless) OnOrder(ctx strategy.Context, o *order.Order, f *order.Fill) {
	if f == nil {
		return
	}
	if o.Side == order.Buy {
		s.buyFills = append(s.buyFills, buyFill{f.Time, o.StopLoss})
		s.entryAt = f.Price
		return
	}
	if f.Price.Less(s.entryAt) {
		s.losses++
	} else {
		s.losses = 0
	}
}

// journalTail keeps every risk event but decisions.
type journalTail struct {
	events    []risk.Event
	decisions map[risk.Code]int
}

func (j *journalTail) Record(e risk.Event) {
	if e.Kind == risk.EventDecision {
		j.decisions[e.Decision.Code]++
		return
	}
	j.events = append(j.events, e)
}

// On real BTCUSDT minutes through the May 2021 crash, a reckless strategy is
// contained: no fill without a stop, the daily loss stays within its limit
// plus one bar's move, the drawdown halt fires and holds, cool-downs hold.
func TestRecklessStrategyIsContained(t *testing.T) {
	bars := realBars(t)
	// 2021-04-02 → 2021-05-20: the first contiguous window, crash included.
	var window = bars[:0:0]
	for _, b := range bars {
		if b.Time >= 1617321600000 && b.Time < 1621468800000 {
			window = append(window, b)
		}
	}
	if len(window) < 60000 {
		t.Fatalf("window has %d bars", len(window))
	}
	s := &reckless{sym: "BTCUSDT"}
	j := &journalTail{decisions: map[risk.Code]int{}}
	cfg := config(t)
	cfg.Custom, cfg.Journal = s, j
	res, err := Run(context.Background(), cfg, window)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("orders %d, denied %d, fills %d, final %s, drawdown %.2f%%, decisions %v", res.Orders, res.Denied, res.Fills, res.FinalEquity, res.MaxDrawdownPct, j.decisions)
	for _, code := range []risk.Code{risk.CodeStopRequired, risk.CodeStopTooFar, risk.CodeStopTooClose, risk.CodeMaxRiskPerTrade} {
		if j.decisions[code] == 0 {
			t.Errorf("no %s denial: the strategy was not reckless enough to test it", code)
		}
	}
	if len(s.buyFills) == 0 {
		t.Fatal("nothing traded")
	}
	// No fill without a stop.
	for _, f := range s.buyFills {
		if !f.stopLoss.IsPos() {
			t.Fatalf("entry filled at %d without a stop", f.time)
		}
	}
	// The drawdown halt fires and holds: no entry fills after it.
	var haltAt int64 = -1
	var coolDowns [][2]int64
	for _, e := range j.events {
		switch {
		case e.Kind == risk.EventStateChange && e.Cause == risk.CauseMaxDrawdown && haltAt < 0:
			haltAt = e.Time
		case e.Kind == risk.EventCoolDownStart:
			coolDowns = append(coolDowns, [2]int64{e.Time, e.Until})
		}
	}
	if haltAt < 0 {
		t.Fatal("the drawdown halt never fired")
	}
	for _, f := range s.buyFills {
		if f.time > haltAt {
			t.Fatalf("entry filled at %d after the drawdown halt at %d", f.time, haltAt)
		}
		for _, cd := range coolDowns {
			if f.time > cd[0] && f.time < cd[1] {
				t.Fatalf("entry filled at %d inside a cool-down %d–%d", f.time, cd[0], cd[1])
			}
		}
	}
	// A halt closes the positions: from the bar after the halt on, nothing
	// but dust is held.
	for _, p := range s.equity {
		if p.time > haltAt+2*60_000 && p.position > 5 {
			t.Fatalf("holding %.2f USDT at %d, after the drawdown halt at %d", p.position, p.time, haltAt)
		}
	}
	if len(coolDowns) == 0 {
		t.Fatal("no cool-down started: three losses in a row never happened")
	}
	// The daily loss stays within 3% of the day's starting equity plus the
	// largest move between two bar closes that day.
	const dayMs = 86_400_000
	base, day := s.equity[0].equity, s.equity[0].time/dayMs
	worst, maxDrop, prev := base, 0.0, base
	check := func() {
		if loss := base - worst; loss > 0.03*base+maxDrop+1e-6 {
			t.Errorf("day %d lost %.2f of %.2f (limit 3%% = %.2f, largest bar move %.2f)", day, loss, base, 0.03*base, maxDrop)
		}
	}
	for _, p := range s.equity {
		if d := p.time / dayMs; d != day {
			check()
			base, day, worst, maxDrop = prev, d, prev, 0
		}
		worst = math.Min(worst, p.equity)
		maxDrop = math.Max(maxDrop, prev-p.equity)
		prev = p.equity
	}
	check()
}
