package binance

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/thunes/thunes/internal/market"
)

// wsServer is a WebSocket server on 127.0.0.1 that runs script for each
// connection (n counts connections from 1). When refuse returns true the
// upgrade is refused with 503.
type wsServer struct {
	srv    *httptest.Server
	conns  atomic.Int32
	refuse func() bool
	script func(ctx context.Context, c *websocket.Conn, n int)
	pongs  atomic.Int32
}

func newWSServer(tb testing.TB, script func(ctx context.Context, c *websocket.Conn, n int)) *wsServer {
	tb.Helper()
	s := &wsServer{script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.refuse != nil && s.refuse() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			OnPongReceived: func(context.Context, []byte) { s.pongs.Add(1) }})
		if err != nil {
			return
		}
		defer c.CloseNow()
		n := int(s.conns.Add(1))
		s.script(r.Context(), c, n)
	}))
	tb.Cleanup(s.srv.Close)
	return s
}

func (s *wsServer) url() string { return "ws" + strings.TrimPrefix(s.srv.URL, "http") }

func send(ctx context.Context, c *websocket.Conn, stream, data string) error {
	return c.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"stream":%q,"data":%s}`, stream, data)))
}

const t0 = int64(1700000040000) // a minute boundary

func klineMsg(open int64, closed bool) string {
	return fmt.Sprintf(`{"e":"kline","E":%d,"s":"BTCUSDT","k":{"t":%d,"T":%d,"s":"BTCUSDT","i":"1m","f":1,"L":2,"o":"100","c":"101","h":"102","l":"99","v":"5","n":3,"x":%v,"q":"505","V":"1","Q":"101"}}`,
		open+60000, open, open+59999, closed)
}

// marketRec records what a MarketHandler receives.
type marketRec struct {
	mu      sync.Mutex
	tickers []BookTicker
	klines  []int64
	books   []int64
	bestBid []string
	inCall  atomic.Int32
	overlap atomic.Bool
}

func (r *marketRec) enter() func() {
	if r.inCall.Add(1) > 1 {
		r.overlap.Store(true)
	}
	return func() { r.inCall.Add(-1) }
}

func (r *marketRec) OnBookTicker(t *BookTicker) {
	defer r.enter()()
	r.mu.Lock()
	r.tickers = append(r.tickers, *t)
	r.mu.Unlock()
}

func (r *marketRec) OnKline(symbol string, k *Kline) {
	defer r.enter()()
	r.mu.Lock()
	r.klines = append(r.klines, k.Time)
	r.mu.Unlock()
}

func (r *marketRec) OnBook(b *Book) {
	defer r.enter()()
	r.mu.Lock()
	r.books = append(r.books, b.UpdateID)
	if len(b.Bids()) > 0 {
		r.bestBid = append(r.bestBid, b.Bids()[0].Price.String())
	}
	r.mu.Unlock()
}

func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type alertLog struct {
	mu sync.Mutex
	as []Alert
}

func (l *alertLog) add(a Alert) { l.mu.Lock(); l.as = append(l.as, a); l.mu.Unlock() }

func (l *alertLog) count(k AlertKind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, a := range l.as {
		if a.Kind == k {
			n++
		}
	}
	return n
}

func runMarket(tb testing.TB, cfg MarketConfig) (stop func()) {
	tb.Helper()
	m, err := NewMarketData(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				tb.Error("Run did not return after cancel")
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

func TestKlineGapBackfilledAfterReconnect(t *testing.T) {
	f := newFake(t)
	f.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) {
		p, _ := parseQuery(r.URL.RawQuery)
		if s, _ := p.Get("startTime"); s != fmt.Sprint(t0+120000) {
			writeErr(w, 400, -1100, "unexpected startTime "+s)
			return
		}
		fmt.Fprintf(w, `[[%d,"100","102","99","101","5",%d,"505",3,"1","101","0"],[%d,"100","102","99","101","5",%d,"505",3,"1","101","0"]]`,
			t0+120000, t0+179999, t0+180000, t0+239999)
	})
	ws := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		switch n {
		case 1:
			send(ctx, c, "btcusdt@kline_1m", klineMsg(t0, true))
			send(ctx, c, "btcusdt@kline_1m", klineMsg(t0+60000, false)) // not closed: ignored
			send(ctx, c, "btcusdt@kline_1m", klineMsg(t0+60000, true))
			send(ctx, c, "btcusdt@kline_1m", klineMsg(t0+60000, true)) // repeated
			time.Sleep(50 * time.Millisecond)
			// drop the connection abruptly
		default:
			send(ctx, c, "btcusdt@kline_1m", klineMsg(t0+240000, true))
			<-ctx.Done()
		}
	})
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	rec := &marketRec{}
	runMarket(t, MarketConfig{StreamURL: ws.url(), Client: c, Symbols: []string{"BTCUSDT"}, KlineInterval: market.Minute1,
		Handler: rec, PollEvery: time.Hour, WS: WSConfig{MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}})
	waitFor(t, "5 klines", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.klines) >= 5 })
	rec.mu.Lock()
	got := fmt.Sprint(rec.klines)
	rec.mu.Unlock()
	want := fmt.Sprint([]int64{t0, t0 + 60000, t0 + 120000, t0 + 180000, t0 + 240000})
	if got != want {
		t.Fatalf("klines %s, want %s", got, want)
	}
	if alerts.count(AlertGap) != 1 || alerts.count(AlertStreamDown) == 0 || ws.conns.Load() < 2 {
		t.Fatalf("gap alerts %d, down alerts %d, connections %d", alerts.count(AlertGap), alerts.count(AlertStreamDown), ws.conns.Load())
	}
	if rec.overlap.Load() {
		t.Fatal("handler calls overlapped")
	}
}

func TestFallbackToRESTPollingWhileStreamDown(t *testing.T) {
	f := newFake(t)
	f.handle("GET /api/v3/ticker/bookTicker", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"symbol":"BTCUSDT","bidPrice":"100.00","bidQty":"1.0","askPrice":"100.10","askQty":"2.0"}`)
	})
	var up atomic.Bool
	ws := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		send(ctx, c, "btcusdt@bookTicker", `{"u":7,"s":"BTCUSDT","b":"101","B":"1","a":"102","A":"1"}`)
		<-ctx.Done()
	})
	ws.refuse = func() bool { return !up.Load() }
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	rec := &marketRec{}
	runMarket(t, MarketConfig{StreamURL: ws.url(), Client: c, Symbols: []string{"BTCUSDT"}, BookTicker: true,
		Handler: rec, PollEvery: 20 * time.Millisecond, WS: WSConfig{MinBackoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}})
	waitFor(t, "polled tickers", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.tickers) >= 3 })
	if alerts.count(AlertStreamDown) != 1 {
		t.Fatalf("stream-down alerts %d, want 1", alerts.count(AlertStreamDown))
	}
	rec.mu.Lock()
	if rec.tickers[0].UpdateID != 0 || rec.tickers[0].BidPrice.String() != "100" {
		t.Fatalf("polled ticker %+v", rec.tickers[0])
	}
	rec.mu.Unlock()
	up.Store(true)
	waitFor(t, "stream ticker", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.tickers[len(rec.tickers)-1].UpdateID == 7
	})
	waitFor(t, "stream-up alert", func() bool { return alerts.count(AlertStreamUp) == 1 })
	polled := f.count("GET /api/v3/ticker/bookTicker")
	time.Sleep(100 * time.Millisecond)
	if after := f.count("GET /api/v3/ticker/bookTicker"); after != polled {
		t.Fatalf("still polling after the stream came back (%d -> %d)", polled, after)
	}
}

func TestPingPongAndIdleReconnect(t *testing.T) {
	var answered atomic.Bool
	ws := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		if n == 1 {
			// A live server: pings the client and reads its pongs.
			rctx := c.CloseRead(ctx)
			pctx, cancel := context.WithTimeout(rctx, 2*time.Second)
			answered.Store(c.Ping(pctx) == nil)
			cancel()
			return
		}
		// A dead server: never reads, so the client's pings go unanswered.
		<-ctx.Done()
	})
	f := newFake(t)
	c := newTestClient(t, f, nil)
	rec := &marketRec{}
	runMarket(t, MarketConfig{StreamURL: ws.url(), Client: c, Symbols: []string{"BTCUSDT"}, BookTicker: true,
		Handler: rec, PollEvery: time.Hour, WS: WSConfig{IdleTimeout: 100 * time.Millisecond, MinBackoff: 10 * time.Millisecond}})
	waitFor(t, "pong to the server's ping", answered.Load)
	// The second connection goes silent and ignores pings: the client must
	// give up on it and dial a third.
	waitFor(t, "a third connection", func() bool { return ws.conns.Load() >= 3 })
}

func TestConnectionRotatedBeforeMaxAge(t *testing.T) {
	ws := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		rctx := c.CloseRead(ctx)
		send(rctx, c, "btcusdt@bookTicker", fmt.Sprintf(`{"u":%d,"s":"BTCUSDT","b":"101","B":"1","a":"102","A":"1"}`, n))
		<-rctx.Done()
	})
	f := newFake(t)
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	rec := &marketRec{}
	runMarket(t, MarketConfig{StreamURL: ws.url(), Client: c, Symbols: []string{"BTCUSDT"}, BookTicker: true,
		Handler: rec, PollEvery: time.Hour, WS: WSConfig{MaxConnAge: 100 * time.Millisecond, MinBackoff: time.Hour}})
	waitFor(t, "three connections", func() bool { return ws.conns.Load() >= 3 })
	if alerts.count(AlertStreamDown) != 0 {
		t.Fatal("a planned rotation raised a stream-down alert")
	}
}

func TestDepthSyncAndResyncOnGap(t *testing.T) {
	f := newFake(t)
	var snaps atomic.Int32
	f.handle("GET /api/v3/depth", func(w http.ResponseWriter, r *http.Request) {
		if snaps.Add(1) == 1 {
			fmt.Fprint(w, `{"lastUpdateId":160,"bids":[["99","1"]],"asks":[["105","1"]]}`)
			return
		}
		fmt.Fprint(w, `{"lastUpdateId":300,"bids":[["90","1"]],"asks":[["105","1"]]}`)
	})
	ws := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		diff := func(U, u int64, bid string) {
			send(ctx, c, "btcusdt@depth@100ms", fmt.Sprintf(`{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":%d,"u":%d,"b":[[%q,"1"]],"a":[]}`, U, u, bid))
		}
		diff(150, 155, "98")
		diff(156, 162, "100")
		diff(163, 170, "101")
		diff(172, 175, "102") // gap: 171 missing
		diff(301, 305, "91")
		<-ctx.Done()
	})
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	rec := &marketRec{}
	runMarket(t, MarketConfig{StreamURL: ws.url(), Client: c, Symbols: []string{"BTCUSDT"}, Depth: true,
		Handler: rec, PollEvery: time.Hour})
	waitFor(t, "book at 305", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return len(rec.books) > 0 && rec.books[len(rec.books)-1] == 305
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if fmt.Sprint(rec.books) != "[160 162 170 300 305]" || fmt.Sprint(rec.bestBid) != "[99 100 101 90 91]" {
		t.Fatalf("books %v best bids %v", rec.books, rec.bestBid)
	}
	if snaps.Load() != 2 || alerts.count(AlertGap) != 1 {
		t.Fatalf("snapshots %d gap alerts %d", snaps.Load(), alerts.count(AlertGap))
	}
}

func TestHostileStreamMessagesAlertAndContinue(t *testing.T) {
	ws := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		c.Write(ctx, websocket.MessageText, []byte(`not json`))
		send(ctx, c, "btcusdt@bookTicker", `{"u":1,"s":"BTCUSDT","b":"105","B":"1","a":"102","A":"1"}`) // crossed
		send(ctx, c, "btcusdt@bookTicker", `{"u":2,"s":"BTCUSDT","b":"-1","B":"1","a":"102","A":"1"}`)
		c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("[", 100000)))
		send(ctx, c, "btcusdt@bookTicker", `{"u":3,"s":"BTCUSDT","b":"101","B":"1","a":"102","A":"1"}`)
		<-ctx.Done()
	})
	f := newFake(t)
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	rec := &marketRec{}
	runMarket(t, MarketConfig{StreamURL: ws.url(), Client: c, Symbols: []string{"BTCUSDT"}, BookTicker: true,
		Handler: rec, PollEvery: time.Hour})
	waitFor(t, "the good ticker", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.tickers) == 1 })
	rec.mu.Lock()
	if rec.tickers[0].UpdateID != 3 {
		t.Fatalf("ticker %+v", rec.tickers[0])
	}
	rec.mu.Unlock()
	if n := alerts.count(AlertBadMessage); n != 4 {
		t.Fatalf("bad-message alerts %d, want 4", n)
	}
}

func TestKlineBackfillIgnoresHostileAnswer(t *testing.T) {
	f := newFake(t)
	f.handle("GET /api/v3/klines", func(w http.ResponseWriter, r *http.Request) {
		// Rows from before the gap: they must not be delivered, and the
		// backfill must stop instead of asking forever.
		fmt.Fprintf(w, `[[%d,"100","102","99","101","5",%d,"505",3,"1","101","0"]]`, t0, t0+59999)
	})
	alerts := &alertLog{}
	c := newTestClient(t, f, func(cfg *Config) { cfg.OnAlert = alerts.add })
	rec := &marketRec{}
	m, err := NewMarketData(MarketConfig{StreamURL: "ws://127.0.0.1:1", Client: c, Symbols: []string{"BTCUSDT"},
		KlineInterval: market.Minute1, Handler: rec})
	if err != nil {
		t.Fatal(err)
	}
	k0 := Kline{Bar: market.Bar{Time: t0}}
	k5 := Kline{Bar: market.Bar{Time: t0 + 300000}}
	m.hmu.Lock()
	m.kline(testCtx(t), "BTCUSDT", &k0)
	m.kline(testCtx(t), "BTCUSDT", &k5)
	m.hmu.Unlock()
	if fmt.Sprint(rec.klines) != fmt.Sprint([]int64{t0, t0 + 300000}) {
		t.Fatalf("klines %v", rec.klines)
	}
	if alerts.count(AlertGap) != 2 || f.count("GET /api/v3/klines") != 1 {
		t.Fatalf("gap alerts %d, REST calls %d", alerts.count(AlertGap), f.count("GET /api/v3/klines"))
	}
}

func TestMarketConfigErrors(t *testing.T) {
	f := newFake(t)
	c := newTestClient(t, f, nil)
	rec := &marketRec{}
	cases := []struct {
		cfg  MarketConfig
		want string
	}{
		{MarketConfig{StreamURL: "http://x", Client: c, Handler: rec, Symbols: []string{"BTCUSDT"}, BookTicker: true}, "ws:// or wss://"},
		{MarketConfig{StreamURL: "ws://x", Client: c, Handler: rec, Symbols: []string{"btc/usdt"}, BookTicker: true}, "must be 1-30 of [A-Z0-9]"},
		{MarketConfig{StreamURL: "ws://x", Client: c, Handler: rec, Symbols: []string{"BTCUSDT"}}, "no streams"},
		{MarketConfig{StreamURL: "ws://x", Client: c, Handler: rec, Symbols: []string{"BTCUSDT"}, Depth: true, DepthLimit: 9000}, "depth limit"},
		{MarketConfig{StreamURL: "ws://x", Handler: rec, Symbols: []string{"BTCUSDT"}, BookTicker: true}, "client and handler"},
	}
	for _, tc := range cases {
		if _, err := NewMarketData(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

func TestBackoffIsJitteredExponentialAndCapped(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: 800 * time.Millisecond}
	seen := map[time.Duration]bool{}
	for round := 0; round < 50; round++ {
		b.reset()
		for i, cur := 0, 100*time.Millisecond; i < 6; i++ {
			d := b.next()
			if d < cur/2 || d > cur {
				t.Fatalf("step %d: %s outside [%s, %s]", i, d, cur/2, cur)
			}
			seen[d] = true
			cur = min(cur*2, 800*time.Millisecond)
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d distinct delays: not jittered", len(seen))
	}
}
