package live

import (
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/num"
)

func TestCompare(t *testing.T) {
	d := num.MustParse
	ours := Books{
		Open:   map[string]string{"a-1": "BTCUSDT", "a-2": "BTCUSDT"},
		Held:   map[string]num.Decimal{"BTCUSDT": d("0.50"), "ETHUSDT": d("0")},
		Trades: map[string]map[int64]bool{"BTCUSDT": {1: true, 2: true, 9: true}},
	}
	same := Books{
		Open:   map[string]string{"a-1": "BTCUSDT", "a-2": "BTCUSDT"},
		Held:   map[string]num.Decimal{"BTCUSDT": d("0.5"), "ETHUSDT": d("0.000")},
		Trades: map[string]map[int64]bool{"BTCUSDT": {1: true, 2: true, 9: true}},
	}
	if r := Compare(ours, same, 5); !r.Clean() || r.PositionDesync || r.String() != "reconciliation clean" {
		t.Fatalf("equal books: %v", r)
	}
	theirs := Books{
		Open:   map[string]string{"a-1": "BTCUSDT", "x-9": "ETHUSDT"},
		Held:   map[string]num.Decimal{"BTCUSDT": d("0.49"), "ETHUSDT": d("0")},
		Trades: map[string]map[int64]bool{"BTCUSDT": {1: true, 2: true, 3: true}},
	}
	r := Compare(ours, theirs, 5)
	want := []string{
		"open order x-9 on ETHUSDT at the exchange is not ours or not known open",
		"order a-2 on BTCUSDT is open in our books but not at the exchange",
		"BTCUSDT: we hold 0.5, the exchange shows 0.49",
		"BTCUSDT: 1 trade(s) at the exchange not recorded here: 3",
		"BTCUSDT: 1 recorded trade(s) the exchange does not show: 9",
	}
	if strings.Join(r.Problems, "\n") != strings.Join(want, "\n") || !r.PositionDesync {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(r.Problems, "\n"), strings.Join(want, "\n"))
	}
	// Open orders and trades alone are not a position desync.
	theirs.Held = same.Held
	if r := Compare(ours, theirs, 5); r.PositionDesync || r.Clean() {
		t.Fatalf("%v", r)
	}
}
