package simnet

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// TestTrailingStopScenarios runs the three scenarios of Binance's trailing
// stop FAQ (vectors.json → spot_trailing_stop_scenarios) as price paths and
// checks that each order triggers exactly where the FAQ says. The paths are
// the FAQ's, one price per trade; a jump is given as the trades it crosses.
func TestTrailingStopScenarios(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "testdata", "binance", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Trailing struct {
			Scenarios []struct {
				ID    string `json:"id"`
				Order struct {
					Type          string `json:"type"`
					Side          string `json:"side"`
					StopPrice     string `json:"stopPrice"`
					TrailingDelta int64  `json:"trailingDelta"`
				} `json:"order"`
				PlacedAt string `json:"placed_at_last"`
			} `json:"scenarios"`
		} `json:"spot_trailing_stop_scenarios"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	paths := map[string][]string{
		// 40000→37000 ignored; up through 44000 (tracking, low 44000) to
		// 45000 and 46000; down to a new low of 42000; up to 44100 = 42000×1.05.
		"A": {"37000", "44000", "45000", "46000", "42000", "44100"},
		// Up to 41500 ignored; down through 39000 (tracking, high 39000) to
		// 37000; up to a new high of 41000; down to 36900 = 41000×0.90.
		"B": {"41500", "39000", "37000", "41000", "37000", "36900"},
		// Up to 42000 ignored; down through 38000 to a low of 37000; up to
		// 39000 (+540 bps); down to 38000 (no new low); up to 40145 = 37000×1.085.
		"C": {"42000", "38000", "37000", "39000", "38000", "40145"},
	}
	if len(v.Trailing.Scenarios) != 3 {
		t.Fatalf("%d scenarios", len(v.Trailing.Scenarios))
	}
	for _, sc := range v.Trailing.Scenarios {
		t.Run(sc.ID, func(t *testing.T) {
			o := &simOrder{Side: sc.Order.Side, Type: sc.Order.Type, StopPrice: num.MustParse(sc.Order.StopPrice),
				TrailingDelta: sc.Order.TrailingDelta, TrailTime: -1}
			path := paths[sc.ID]
			for i, p := range path {
				trig := o.trail(num.MustParse(p), int64(i+1))
				if last := i == len(path)-1; trig != last {
					t.Fatalf("at %s (step %d): triggered %v, want %v; extreme %s", p, i, trig, last, o.Extreme)
				}
			}
		})
	}
}

// TestTrailingStopOverREST places a trailing STOP_LOSS SELL without a stop
// price and lets the market move until it triggers and sells.
func TestTrailingStopOverREST(t *testing.T) {
	s := newTestServer(t, Config{Seed: 21})
	r := s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "SELL", "type", "STOP_LOSS",
		"quantity", "0.01", "trailingDelta", "10", "newOrderRespType", "RESULT"))
	if r.status != 200 {
		t.Fatalf("place: %d %s", r.status, r.body)
	}
	var o orderJSON
	r.decode(t, &o)
	if o.TrailingDelta != 10 || o.TrailingTime == nil || *o.TrailingTime != -1 {
		t.Fatalf("reply %s", r.body)
	}
	if r := s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "SELL", "type", "STOP_LOSS", "quantity", "0.01", "trailingDelta", "5")); r.code() != -1013 {
		t.Fatalf("delta below TRAILING_DELTA's minimum: %d %s", r.status, r.body)
	}
	for i := 0; i < 20000 && o.Status != "FILLED" && o.Status != "EXPIRED"; i++ {
		s.clock.Add(100 * time.Millisecond)
		s.x.Tick(s.clock.Now())
		if i%20 == 0 {
			s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(o.OrderID, 10))).decode(t, &o)
		}
	}
	s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "orderId", strconv.FormatInt(o.OrderID, 10))).decode(t, &o)
	if o.Status != "FILLED" || o.TrailingTime == nil || *o.TrailingTime <= 0 {
		t.Fatalf("trailing stop after the market moved: %+v", o)
	}
	if free, locked := s.balance("BTC"); free != "0.99000000" || locked != "0.00000000" {
		t.Fatalf("BTC %s %s", free, locked)
	}
}
