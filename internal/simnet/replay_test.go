package simnet

import (
	"math"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

func TestReplayFollowsBars(t *testing.T) {
	var bars []market.Bar
	for i := range 10 {
		o := num.FromInt(int64(30000 + 10*i))
		c := num.FromInt(int64(30010 + 10*i))
		bars = append(bars, market.Bar{Time: int64(i) * minuteMs, Open: o, Close: c,
			High: mustAdd(c, num.FromInt(5)), Low: mustSub(o, num.FromInt(5)), Volume: num.FromInt(2)})
	}
	s := newTestServer(t, Config{Speed: 60, Replay: map[string][]market.Bar{"BTCUSDT": bars}})
	// History: the first five bars, ending at the current minute.
	var rows [][]any
	s.do("GET", "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=6", "", "").decode(t, &rows)
	if len(rows) != 6 || rows[0][1] != "30000.00000000" || rows[4][4] != "30050.00000000" {
		t.Fatalf("history klines %v", rows)
	}
	if open := int64(rows[4][0].(float64)); open != s.clock.Now().UnixMilli()-s.clock.Now().UnixMilli()%minuteMs-minuteMs {
		t.Fatalf("last history candle opens at %d", open)
	}
	fair := func() float64 {
		s.x.mu.Lock()
		defer s.x.mu.Unlock()
		return s.x.books["BTCUSDT"].fair
	}
	step := func(n int) {
		for range n {
			s.clock.Add(100 * time.Millisecond)
			s.x.Tick(s.clock.Now()) // 6 s of market time at speed 60
		}
	}
	// Bar 5 rises (30050 → 30060): open, low, high, close at 0, 15, 30, 45 s.
	for _, c := range []struct {
		steps int
		want  float64
	}{{5, 30065}, {2, 30061}, {3, 30060}, {5, 30075}} {
		step(c.steps)
		if got := fair(); math.Abs(got-c.want) > 1e-6 {
			t.Fatalf("fair %v, want %v", got, c.want)
		}
	}
	var tp struct {
		Price string `json:"price"`
	}
	s.do("GET", "/api/v3/ticker/price?symbol=BTCUSDT", "", "").decode(t, &tp)
	if p := num.MustParse(tp.Price).Float64(); math.Abs(p-30075) > 1 {
		t.Fatalf("last price %v far from the replayed 30075", p)
	}
	// After the last bar the random walk takes over from its close.
	step(40)
	before := fair()
	step(5)
	if fair() == before {
		t.Fatal("market stopped after the replay")
	}
	if _, err := New(Config{Replay: map[string][]market.Bar{"NOPEUSDT": bars}}); err == nil {
		t.Fatal("replay of an unlisted symbol accepted")
	}
}
