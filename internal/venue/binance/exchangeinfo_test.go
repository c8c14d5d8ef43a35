package binance

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/market"
)

func TestExchangeInfoSyncRefreshesAndAppliesLimits(t *testing.T) {
	doc, err := os.ReadFile("../../market/testdata/exchangeinfo-spot.json")
	if err != nil {
		t.Fatal(err)
	}
	doc2 := strings.Replace(string(doc), `"limit": 6000`, `"limit": 1200`, 1)
	f := newFake(t)
	var n atomic.Int32
	f.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Write(doc)
		case 2:
			w.Write([]byte(`{"symbols":[{"symbol":"X"}]}`)) // broken: must not replace the rules
		default:
			w.Write([]byte(doc2))
		}
	})
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	var docs atomic.Int32
	var last atomic.Pointer[market.ExchangeInfo]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- c.RunExchangeInfoSync(ctx, 20*time.Millisecond, nil, func(x *market.ExchangeInfo) { docs.Add(1); last.Store(x) })
	}()
	waitFor(t, "two documents", func() bool { return docs.Load() >= 2 })
	if alerts.count(AlertBadMessage) < 1 {
		t.Fatal("a broken refresh was not alerted")
	}
	if _, ok := last.Load().Instrument("ETHBTC"); !ok {
		t.Fatal("ETHBTC missing")
	}
	c.lim.mu.Lock()
	wl := c.lim.lim.WeightPerMinute
	c.lim.mu.Unlock()
	if wl != 1200 {
		t.Fatalf("weight limit %d, want 1200 from the refreshed document", wl)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// A first fetch that fails is returned, not retried forever.
	f2 := newFake(t)
	c2 := newTestClient(t, f2, nil)
	if err := c2.RunExchangeInfoSync(testCtx(t), time.Hour, nil, func(*market.ExchangeInfo) {}); err == nil {
		t.Fatal("no error when exchangeInfo is unavailable")
	}
}
