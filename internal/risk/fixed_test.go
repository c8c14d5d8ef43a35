package risk

import (
	"math/rand/v2"
	"testing"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// TestEntryFastMatchesReference draws entries around every limit and checks
// that the integer path allows exactly what the decimal reference allows,
// whenever the values fit its scale.
func TestEntryFastMatchesReference(t *testing.T) {
	g := newTestGate(t, Defaults())
	feedCorrelated(g.Gate)
	rng := rand.New(rand.NewPCG(1, 2))
	// dec returns a random decimal in [lo, hi) with scale decimals.
	dec := func(lo, hi float64, scale uint8) num.Decimal {
		v, err := num.FromFloat64(lo+rng.Float64()*(hi-lo), scale)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	symbols := []string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "LTCUSDT", "BNBUSDT", "XRPUSDT", "ADAUSDT"}
	allowed, total := 0, 10_000
	for range total {
		side := order.Buy
		if rng.IntN(4) == 0 {
			side = order.Sell
		}
		price := dec(40000, 60000, 2)
		distPct := 1.5 + rng.Float64()*4 // 1.5% .. 5.5%
		stopF := price.Float64() * (1 - distPct/100)
		if side == order.Sell {
			stopF = price.Float64() * (1 + distPct/100)
		}
		stop, _ := num.FromFloat64(stopF, 2)
		eq := dec(5000, 20000, 8)
		qty := dec(0.001, 0.08, 5)
		in := Intent{Order: order.Request{Symbol: "BTCUSDT", Side: side, Type: order.Limit, TimeInForce: order.GTC,
			Quantity: qty, Price: price}, Action: Submit, Effect: Entry, StopLoss: stop, Leverage: rng.IntN(5)}
		if rng.IntN(20) == 0 {
			in.StopLoss = num.Zero
		}
		var positions []Position
		for _, s := range symbols[:rng.IntN(len(symbols)+1)] {
			if rng.IntN(2) == 0 {
				continue
			}
			p := Position{Symbol: s, Qty: dec(-0.02, 0.05, 5), Working: dec(0, 0.01, 5), Mark: dec(30000, 60000, 2)}
			if rng.IntN(8) == 0 {
				p.Mark = num.Zero // the intent's symbol is then valued at last; others deny
			}
			positions = append(positions, p)
		}
		openRisk := dec(0, 600, 8)
		last := dec(45000, 55000, 2)

		fast := g.entryAllowedFast(&in, qty, last, eq, positions, openRisk)
		ref := g.entry(&in, qty, last, eq, positions, openRisk)
		if fast != ref.Allowed() {
			t.Fatalf("fast = %v, reference = %v\nintent %+v\npositions %+v\nequity %s open risk %s last %s",
				fast, ref, in, positions, eq, openRisk, last)
		}
		if fast {
			allowed++
		}
	}
	// Both answers must be common, or the test proves little.
	if allowed < total/10 || allowed > total*9/10 {
		t.Errorf("%d of %d allowed; the draw does not straddle the limits", allowed, total)
	}
}

// TestEntryFastDefersWhatDoesNotFit checks that values beyond 8 decimals
// leave the decision to the reference.
func TestEntryFastDefersWhatDoesNotFit(t *testing.T) {
	g := newTestGate(t, Defaults())
	in := buyEntry("0.04", "50000", "49000")
	args := func(eq, risk string) bool {
		return g.entryAllowedFast(&in, in.Order.Quantity, d("50000"), d(eq), nil, d(risk))
	}
	if !args("10000", "0") {
		t.Fatal("fast path refuses the base entry")
	}
	if args("10000", "0.000000001") {
		t.Error("fast path took an open risk with 9 decimals")
	}
	// The reference still decides it.
	if dec := g.entry(&in, in.Order.Quantity, d("50000"), d("10000"), nil, d("0.000000001")); !dec.Allowed() {
		t.Errorf("reference: %v", dec)
	}
}
