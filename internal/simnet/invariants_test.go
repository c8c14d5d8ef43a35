package simnet

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// checkInvariants verifies every account: no negative balance, and each
// asset's locked amount is exactly what its open orders hold.
func checkInvariants(t *testing.T, x *Exchange, step int) {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	for key, a := range x.accounts {
		held := map[string]num.Decimal{}
		for _, o := range a.Orders {
			if o.Locked.IsNeg() {
				t.Fatalf("step %d: order %d locks %s", step, o.ID, o.Locked)
			}
			if !o.open() {
				if o.Locked.IsPos() {
					t.Fatalf("step %d: closed order %d (%s) still locks %s", step, o.ID, o.Status, o.Locked)
				}
				continue
			}
			asset := x.lockAsset(o)
			held[asset] = mustAdd(held[asset], o.Locked)
		}
		for asset, b := range a.Balances {
			if b.Free.IsNeg() || b.Locked.IsNeg() {
				t.Fatalf("step %d: %s %s free %s locked %s", step, key[:8], asset, b.Free, b.Locked)
			}
			if !b.Locked.Equal(held[asset]) {
				t.Fatalf("step %d: %s %s locked %s, open orders hold %s", step, key[:8], asset, b.Locked, held[asset])
			}
		}
	}
}

// TestAccountInvariants sends a seeded random mix of orders, cancels and
// OCO lists while the market moves, and checks the accounts after each
// step.
func TestAccountInvariants(t *testing.T) {
	for _, seed := range []uint64{17, 18, 19} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) { accountInvariants(t, seed) })
	}
}

func accountInvariants(t *testing.T, seed uint64) {
	s := newTestServer(t, Config{Seed: seed, Faults: &FaultProfile{Name: "thin", LiquidityScale: 0.05}})
	rng := rand.New(rand.NewPCG(seed, 17))
	price := func(off float64) string {
		var p struct {
			Price string `json:"price"`
		}
		s.do("GET", "/api/v3/ticker/price?symbol=BTCUSDT", "", "").decode(t, &p)
		f := num.MustParse(p.Price).Float64() * (1 + off)
		d, _ := num.FromFloat64(f, 2)
		return d.String()
	}
	qty := func() string { return fmt.Sprintf("0.%03d", 1+rng.IntN(200)) }
	sides := []string{"BUY", "SELL"}
	var ids []int64
	codes := map[int]int{}
	for step := range 600 {
		side := sides[rng.IntN(2)]
		var r reply
		switch rng.IntN(9) {
		case 0, 1:
			r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", side, "type", "MARKET", "quantity", qty()))
		case 2:
			r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", side, "type", "MARKET", "quoteOrderQty", strconv.Itoa(10+rng.IntN(3000))))
		case 3, 4:
			off := (rng.Float64() - 0.5) * 0.002
			tif := []string{"GTC", "GTC", "IOC", "FOK"}[rng.IntN(4)]
			r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", side, "type", "LIMIT", "timeInForce", tif, "quantity", qty(), "price", price(off)))
		case 5:
			typ := []string{"STOP_LOSS", "TAKE_PROFIT"}[rng.IntN(2)]
			r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", side, "type", typ, "quantity", qty(), "trailingDelta", strconv.Itoa(10+rng.IntN(50))))
		case 6:
			if rng.IntN(2) == 0 {
				r = s.ocoAround(qty(), strconv.Itoa(1+rng.IntN(30)))
			}
		case 7:
			if len(ids) > 0 {
				id := ids[rng.IntN(len(ids))]
				r = s.signed("DELETE", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(id, 10)))
			}
		case 8:
			r = s.signed("POST", "/simnet/v1/balance", vals("asset", []string{"USDT", "BTC"}[rng.IntN(2)], "amount", []string{"500", "0.01"}[rng.IntN(2)]))
		}
		if r.status >= 500 {
			t.Fatalf("step %d: %d %s", step, r.status, r.body)
		}
		codes[r.code()]++
		var o struct {
			OrderID int64 `json:"orderId"`
		}
		if r.status == 200 && r.decodeQuiet(&o) && o.OrderID > 0 {
			ids = append(ids, o.OrderID)
		}
		for range 1 + rng.IntN(5) {
			s.clock.Add(100 * time.Millisecond)
			s.x.Tick(s.clock.Now())
		}
		checkInvariants(t, s.x, step)
	}
	if codes[0] < 200 {
		t.Fatalf("too few requests succeeded: %v", codes)
	}
	t.Logf("reply codes: %v", codes)
}
