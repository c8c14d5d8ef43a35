package account

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

var d = num.MustParse

func newAcct(t *testing.T) *Account {
	t.Helper()
	a, err := New("USDT", d("10000"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddSymbol("BTCUSDT", "BTC", "USDT"); err != nil {
		t.Fatal(err)
	}
	return a
}

func fill(id int64, side order.Side, price, qty, fee, asset string) *order.Fill {
	return &order.Fill{Symbol: "BTCUSDT", TradeID: id, Side: side, Price: d(price), Qty: d(qty), Commission: d(fee), CommissionAsset: asset}
}

func eq(t *testing.T, what string, got num.Decimal, want string) {
	t.Helper()
	if !got.Equal(d(want)) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

// A hand-computed round trip: buy 0.1 at 20000 paying 0.0001 BTC, buy 0.1 at
// 22000 paying 0.0001 BTC, sell 0.15 at 25000 paying 3.75 USDT.
func TestRoundTripByHand(t *testing.T) {
	a := newAcct(t)
	steps := []*order.Fill{
		fill(1, order.Buy, "20000", "0.1", "0.0001", "BTC"),
		fill(2, order.Buy, "22000", "0.1", "0.0001", "BTC"),
		fill(3, order.Sell, "25000", "0.15", "3.75", "USDT"),
	}
	for _, f := range steps {
		if err := a.ApplyFill(f); err != nil {
			t.Fatal(err)
		}
		if err := a.Check(); err != nil {
			t.Fatalf("after fill %d: %v", f.TradeID, err)
		}
	}
	// Lots: 0.0999@20000, 0.0999@22000. Sell 0.15: 0.0999@20000 + 0.0501@22000.
	// Realized = 0.0999×5000 + 0.0501×3000 = 499.5 + 150.3 = 649.8.
	eq(t, "realized", a.Realized(), "649.8")
	p := a.Position("BTCUSDT")
	eq(t, "qty", p.Qty, "0.0498")
	eq(t, "cost", p.Cost, "1095.6")
	// USDT: 10000 − 2000 − 2200 + 3750 − 3.75 = 9546.25.
	eq(t, "usdt", a.Balance("USDT"), "9546.25")
	// Fees: 0.0001×20000 + 0.0001×22000 + 3.75 = 7.95 USDT.
	eq(t, "fees", a.FeesQuote(), "7.95")
	eq(t, "fees BTC", a.Fees()["BTC"], "0.0002")
	a.Mark("BTCUSDT", d("30000"))
	u, _ := a.Unrealized()
	eq(t, "unrealized", u, "398.4") // 0.0498×30000 − 1095.6
	e, _ := a.Equity()
	eq(t, "equity", e, "11040.25") // 9546.25 + 1494
	if err := a.Check(); err != nil {
		t.Fatal(err)
	}
	eq(t, "avg entry", p.AvgEntry(), "22000")
}

func TestSellMoreThanHeldChangesNothing(t *testing.T) {
	a := newAcct(t)
	if err := a.ApplyFill(fill(1, order.Buy, "100", "1", "0", "BTC")); err != nil {
		t.Fatal(err)
	}
	before := a.Balances()
	err := a.ApplyFill(fill(2, order.Sell, "100", "1.5", "0", "USDT"))
	if !errors.Is(err, ErrSellMoreThanHeld) {
		t.Fatalf("err = %v", err)
	}
	for k, v := range a.Balances() {
		if !v.Equal(before[k]) {
			t.Fatalf("%s changed to %s", k, v)
		}
	}
	if err := a.ApplyFill(&order.Fill{Symbol: "ETHUSDT", TradeID: 3, Side: order.Buy, Price: d("1"), Qty: d("1")}); err == nil {
		t.Fatal("fill for unknown symbol accepted")
	}
	if err := a.ApplyFill(fill(4, order.Buy, "1", "1", "0.1", "BNB")); err == nil {
		t.Fatal("commission in a third asset accepted")
	}
}

// Random fills must always reconcile exactly.
func TestReconcilesOnRandomFills(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for run := 0; run < 200; run++ {
		a := newAcct(t)
		for i := int64(1); i <= 50; i++ {
			price, _ := num.New(int64(rng.IntN(5_000_000)+100_000), 2)
			qty, _ := num.New(int64(rng.IntN(10_000)+1), 5)
			p := a.Position("BTCUSDT")
			side := order.Buy
			if rng.IntN(2) == 0 && p.Qty.IsPos() {
				side = order.Sell
				qty = num.Min(qty, p.Qty)
			}
			f := &order.Fill{Symbol: "BTCUSDT", TradeID: i, Side: side, Price: price, Qty: qty}
			if side == order.Buy {
				f.Commission, _ = qty.Mul(d("0.001"))
				f.CommissionAsset = "BTC"
			} else {
				n, _ := price.Mul(qty)
				f.Commission, _ = n.Mul(d("0.00075"))
				f.CommissionAsset = "USDT"
			}
			if err := a.ApplyFill(f); err != nil {
				t.Fatal(err)
			}
			mark, _ := num.New(int64(rng.IntN(5_000_000)+100_000), 2)
			a.Mark("BTCUSDT", mark)
			if err := a.Check(); err != nil {
				t.Fatalf("run %d fill %d: %v", run, i, err)
			}
		}
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	if _, err := New("USDT", d("-1")); err == nil {
		t.Fatal("negative capital accepted")
	}
	a := newAcct(t)
	if _, err := a.AddSymbol("ETHBTC", "ETH", "BTC"); err == nil {
		t.Fatal("symbol in another quote accepted")
	}
}

// A sell whose commission is charged in the base asset: the commission leaves
// the position like a sale whose proceeds are the fee.
func TestSellWithBaseCommission(t *testing.T) {
	a := newAcct(t)
	if err := a.ApplyFill(fill(1, order.Buy, "100", "1", "0", "BTC")); err != nil {
		t.Fatal(err)
	}
	if err := a.ApplyFill(fill(2, order.Sell, "120", "0.5", "0.001", "BTC")); err != nil {
		t.Fatal(err)
	}
	eq(t, "btc", a.Balance("BTC"), "0.499")
	eq(t, "usdt", a.Balance("USDT"), "9960")
	eq(t, "realized", a.Realized(), "10.02")
	eq(t, "fees", a.FeesQuote(), "0.12")
	if err := a.Check(); err != nil {
		t.Fatal(err)
	}
	if err := a.ApplyFill(fill(3, order.Sell, "120", "0.499", "0.001", "BTC")); !errors.Is(err, ErrSellMoreThanHeld) {
		t.Fatalf("selling the rest plus a base commission: %v", err)
	}
}

// A commission paid in BNB, a third asset: it is valued at BNB's mark and
// leaves the BNB position like a sale at that mark.
func TestCommissionInBNB(t *testing.T) {
	a := newAcct(t)
	if _, err := a.AddSymbol("BNBUSDT", "BNB", "USDT"); err != nil {
		t.Fatal(err)
	}
	if err := a.Deposit("BNBUSDT", d("1"), d("600")); err != nil {
		t.Fatal(err)
	}
	eq(t, "initial", a.Initial(), "10600")
	a.Mark("BNBUSDT", d("610"))
	// 0.1 BTC at 20000 = 2000 USDT; 0.1% with the 25% discount = 1.5 USDT = 0.0025 BNB at 600.
	f := fill(1, order.Buy, "20000", "0.1", "0.0025", "BNB")
	if err := a.ApplyFill(f); err != nil {
		t.Fatal(err)
	}
	eq(t, "btc", a.Balance("BTC"), "0.1")
	eq(t, "bnb", a.Balance("BNB"), "0.9975")
	eq(t, "usdt", a.Balance("USDT"), "8000")
	eq(t, "fees", a.FeesQuote(), "1.525")    // 0.0025 × 610
	eq(t, "realized", a.Realized(), "0.025") // 0.0025 × (610 − 600)
	eq(t, "bnb fees", a.Fees()["BNB"], "0.0025")
	if err := a.Check(); err != nil {
		t.Fatal(err)
	}
	// Not enough BNB, or no way to value the asset: refused, nothing changes.
	if err := a.ApplyFill(fill(2, order.Buy, "20000", "0.1", "5", "BNB")); err == nil {
		t.Fatal("commission above the BNB held accepted")
	}
	if err := a.ApplyFill(fill(3, order.Buy, "20000", "0.1", "1", "ETH")); err == nil {
		t.Fatal("commission in an asset without a price accepted")
	}
	eq(t, "usdt unchanged", a.Balance("USDT"), "8000")
	if err := a.Deposit("BTCUSDT", d("-1"), d("1")); err == nil {
		t.Fatal("negative deposit accepted")
	}
}
