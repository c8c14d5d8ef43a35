package order

import (
	"errors"
	"testing"

	"github.com/thunes/thunes/internal/num"
)

func limitBuy(qty string) *Order {
	return NewOrder(Request{Symbol: "BTCUSDT", Side: Buy, Type: Limit, TimeInForce: GTC,
		Quantity: num.MustParse(qty), Price: num.MustParse("100"), ClientID: "c-1"}, 1)
}

func trade(id int64, qty string) *Event {
	return &Event{Kind: Trade, Time: 2, Fill: Fill{TradeID: id, Price: num.MustParse("100"), Qty: num.MustParse(qty)}}
}

func TestApplyTransitions(t *testing.T) {
	tests := []struct {
		name   string
		events []*Event
		want   Status
		errAt  int // index of the event that must fail, -1 for none
		errIs  error
	}{
		{"ack", []*Event{{Kind: Ack}}, New, -1, nil},
		{"reject pending", []*Event{{Kind: Reject, Code: -2010}}, Rejected, -1, nil},
		{"partial then full", []*Event{{Kind: Ack}, trade(1, "0.4"), trade(2, "0.6")}, Filled, -1, nil},
		{"fill without ack", []*Event{trade(1, "1")}, Filled, -1, nil},
		{"cancel partial", []*Event{{Kind: Ack}, trade(1, "0.4"), {Kind: Cancel}}, Canceled, -1, nil},
		{"expire", []*Event{{Kind: Ack}, {Kind: Expire}}, Expired, -1, nil},
		{"double ack", []*Event{{Kind: Ack}, {Kind: Ack}}, New, 1, ErrIllegalTransition},
		{"reject after ack", []*Event{{Kind: Ack}, {Kind: Reject}}, New, 1, ErrIllegalTransition},
		{"cancel filled", []*Event{trade(1, "1"), {Kind: Cancel}}, Filled, 1, ErrIllegalTransition},
		{"fill after cancel", []*Event{{Kind: Ack}, {Kind: Cancel}, trade(1, "1")}, Canceled, 2, ErrIllegalTransition},
		{"duplicate trade id", []*Event{{Kind: Ack}, trade(7, "0.5"), trade(7, "0.5")}, PartiallyFilled, 2, ErrDuplicateFill},
		{"duplicate after filled", []*Event{trade(7, "1"), trade(7, "1")}, Filled, 1, ErrDuplicateFill},
		{"overfill", []*Event{{Kind: Ack}, trade(1, "0.7"), trade(2, "0.4")}, PartiallyFilled, 2, ErrOverfill},
		{"unknown kind", []*Event{{Kind: 99}}, PendingNew, 0, ErrIllegalTransition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := limitBuy("1")
			for i, ev := range tt.events {
				before := *o
				err := o.Apply(ev)
				if i == tt.errAt {
					if !errors.Is(err, tt.errIs) {
						t.Fatalf("event %d: err = %v, want %v", i, err, tt.errIs)
					}
					if o.Status != before.Status || !o.FilledQty.Equal(before.FilledQty) || len(o.tradeIDs) != len(before.tradeIDs) {
						t.Fatalf("event %d: failed transition changed the order", i)
					}
					continue
				}
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
			if o.Status != tt.want {
				t.Fatalf("status = %s, want %s", o.Status, tt.want)
			}
		})
	}
}

func TestApplyTracksQuantities(t *testing.T) {
	o := limitBuy("1")
	for i, q := range []string{"0.25", "0.5", "0.25"} {
		ev := trade(int64(i+1), q)
		ev.Fill.Price = num.MustParse([]string{"100", "99.5", "101"}[i])
		if err := o.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	if !o.FilledQty.Equal(num.MustParse("1")) || !o.FilledQuote.Equal(num.MustParse("100")) {
		t.Fatalf("filled %s for %s, want 1 for 100", o.FilledQty, o.FilledQuote)
	}
	if !o.Remaining().IsZero() || o.Status != Filled {
		t.Fatalf("remaining %s status %s", o.Remaining(), o.Status)
	}
}

func TestQuoteSizedMarketOrder(t *testing.T) {
	o := NewOrder(Request{Symbol: "BTCUSDT", Side: Buy, Type: Market, QuoteOrderQty: num.MustParse("50"), ClientID: "q"}, 0)
	if err := o.Apply(trade(1, "0.3")); err != nil {
		t.Fatal(err)
	}
	if o.Status != PartiallyFilled {
		t.Fatalf("status %s", o.Status)
	}
	final := trade(2, "0.1")
	final.Final = true
	if err := o.Apply(final); err != nil {
		t.Fatal(err)
	}
	if o.Status != Filled {
		t.Fatalf("status %s", o.Status)
	}
	if err := o.Apply(trade(3, "0.2")); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("fill past quote: %v", err)
	}
	over := NewOrder(o.Request, 0)
	if err := over.Apply(trade(1, "0.6")); !errors.Is(err, ErrOverfill) {
		t.Fatalf("60 of 50 quote: %v", err)
	}
}

func TestRequestValid(t *testing.T) {
	d := num.MustParse
	ok := []Request{
		{Symbol: "X", Side: Buy, Type: Market, Quantity: d("1")},
		{Symbol: "X", Side: Sell, Type: Market, QuoteOrderQty: d("10")},
		{Symbol: "X", Side: Buy, Type: Limit, TimeInForce: GTC, Quantity: d("1"), Price: d("2")},
		{Symbol: "X", Side: Buy, Type: LimitMaker, Quantity: d("1"), Price: d("2")},
		{Symbol: "X", Side: Sell, Type: StopLoss, Quantity: d("1"), StopPrice: d("2")},
		{Symbol: "X", Side: Sell, Type: StopLossLimit, TimeInForce: GTC, Quantity: d("1"), Price: d("2"), StopPrice: d("2")},
		{Symbol: "X", Side: Sell, Type: TakeProfit, Quantity: d("1"), StopPrice: d("2"), ClientID: "abc_DEF-123"},
	}
	for i, r := range ok {
		if err := r.Valid(); err != nil {
			t.Errorf("ok[%d] %s: %v", i, r.Type, err)
		}
	}
	bad := []Request{
		{Side: Buy, Type: Market, Quantity: d("1")},
		{Symbol: "X", Type: Market, Quantity: d("1")},
		{Symbol: "X", Side: Buy, Quantity: d("1")},
		{Symbol: "X", Side: Buy, Type: Market},
		{Symbol: "X", Side: Buy, Type: Market, Quantity: d("-1")},
		{Symbol: "X", Side: Buy, Type: Market, Quantity: d("1"), QuoteOrderQty: d("1")},
		{Symbol: "X", Side: Buy, Type: Limit, Quantity: d("1"), QuoteOrderQty: d("1"), Price: d("1"), TimeInForce: GTC},
		{Symbol: "X", Side: Buy, Type: Limit, TimeInForce: GTC, Quantity: d("1")},
		{Symbol: "X", Side: Buy, Type: Limit, Quantity: d("1"), Price: d("2")},
		{Symbol: "X", Side: Buy, Type: Market, Quantity: d("1"), Price: d("2")},
		{Symbol: "X", Side: Buy, Type: Market, Quantity: d("1"), TimeInForce: GTC},
		{Symbol: "X", Side: Sell, Type: StopLoss, Quantity: d("1")},
		{Symbol: "X", Side: Buy, Type: Limit, TimeInForce: GTC, Quantity: d("1"), Price: d("2"), StopPrice: d("1")},
		{Symbol: "X", Side: Buy, Type: Market, Quantity: d("1"), ClientID: "has space"},
		{Symbol: "X", Side: Buy, Type: Market, Quantity: d("1"), ClientID: "0123456789012345678901234567890123456"},
	}
	for i, r := range bad {
		if err := r.Valid(); err == nil {
			t.Errorf("bad[%d] %+v accepted", i, r)
		}
	}
}

func TestNamesRoundTrip(t *testing.T) {
	for ty := Market; ty <= TakeProfitLimit; ty++ {
		got, err := ParseType(ty.String())
		if err != nil || got != ty {
			t.Errorf("type %s: %v %v", ty, got, err)
		}
	}
	for st := PendingNew; st <= Expired; st++ {
		got, err := ParseStatus(st.String())
		if err != nil || got != st {
			t.Errorf("status %s: %v %v", st, got, err)
		}
	}
	for _, s := range []Side{Buy, Sell} {
		if got, err := ParseSide(s.String()); err != nil || got != s {
			t.Errorf("side %s", s)
		}
	}
	for _, tif := range []TimeInForce{GTC, IOC, FOK} {
		if got, err := ParseTimeInForce(tif.String()); err != nil || got != tif {
			t.Errorf("tif %s", tif)
		}
	}
	if _, err := ParseType("STOP"); err == nil {
		t.Error("futures type STOP accepted as a spot type")
	}
}
