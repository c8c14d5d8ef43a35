package binance

import (
	"testing"

	"github.com/thunes/thunes/internal/num"
)

func diff(first, last int64, bids, asks [][2]string) *DepthUpdate {
	d := &DepthUpdate{Symbol: "BTCUSDT", FirstID: first, LastID: last}
	for _, l := range bids {
		d.Bids = append(d.Bids, Level{num.MustParse(l[0]), num.MustParse(l[1])})
	}
	for _, l := range asks {
		d.Asks = append(d.Asks, Level{num.MustParse(l[0]), num.MustParse(l[1])})
	}
	return d
}

// TestBookSyncVectors replays vectors.json → order_book_sync (spot cases).
func TestBookSyncVectors(t *testing.T) {
	b := &Book{Symbol: "BTCUSDT"}
	if r := b.Apply(diff(150, 155, nil, nil)); r != BookNeedSnapshot {
		t.Fatalf("first diff: %v", r)
	}
	b.Apply(diff(156, 162, [][2]string{{"10", "1"}}, nil))
	b.Apply(diff(163, 170, [][2]string{{"11", "2"}}, [][2]string{{"12", "1"}}))
	snap := &DepthSnapshot{LastUpdateID: 160, Bids: []Level{{num.MustParse("9"), num.MustParse("5")}}}
	if r, err := b.Load(snap); r != BookApplied || err != nil {
		t.Fatalf("load: %v %v", r, err)
	}
	if b.UpdateID != 170 || len(b.Bids()) != 3 || b.Bids()[0].Price.String() != "11" || b.Asks()[0].Price.String() != "12" {
		t.Fatalf("book %d bids %v asks %v", b.UpdateID, b.Bids(), b.Asks())
	}
	if r := b.Apply(diff(165, 170, nil, nil)); r != BookIgnored {
		t.Fatalf("old diff: %v", r)
	}
	if r := b.Apply(diff(171, 171, [][2]string{{"11", "0"}}, nil)); r != BookApplied || b.Bids()[0].Price.String() != "10" {
		t.Fatalf("delete: %v %v", r, b.Bids())
	}
	if r := b.Apply(diff(173, 175, nil, nil)); r != BookNeedSnapshot || b.Synced() {
		t.Fatalf("gap: %v synced %v", r, b.Synced())
	}
	// A snapshot older than the first buffered diff must be fetched again.
	b2 := &Book{Symbol: "BTCUSDT"}
	b2.Apply(diff(200, 205, nil, nil))
	if r, _ := b2.Load(&DepthSnapshot{LastUpdateID: 190}); r != BookNeedSnapshot || b2.Synced() {
		t.Fatalf("stale snapshot: %v", r)
	}
	if r, _ := b2.Load(&DepthSnapshot{LastUpdateID: 203}); r != BookApplied || b2.UpdateID != 205 {
		t.Fatalf("fresh snapshot: %v %d", r, b2.UpdateID)
	}
}
