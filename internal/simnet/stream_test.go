package simnet

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/thunes/thunes/internal/num"
)

func dialWS(t *testing.T, s *testServer, path string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(websocket.StatusNormalClosure, "") })
	return c
}

// waitMarketSubs waits until n market-stream connections are registered:
// a dial returns once the handshake is done, a little before the server
// has registered the connection's streams.
func waitMarketSubs(t *testing.T, x *Exchange, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		x.mu.Lock()
		got := len(x.marketSubs)
		x.mu.Unlock()
		if got >= n {
			return
		}
	}
	t.Fatalf("fewer than %d stream connections registered", n)
}

func readJSON(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

type wireDiff struct {
	E    string      `json:"e"`
	Time int64       `json:"E"`
	Sym  string      `json:"s"`
	U    int64       `json:"U"`
	Last int64       `json:"u"`
	B    [][2]string `json:"b"`
	A    [][2]string `json:"a"`
}

// TestDepthDiffsFollowSyncRules keeps a local book from a REST snapshot
// plus the @depth@100ms stream by Binance's documented procedure and checks
// it against a fresh snapshot: the first kept diff spans the snapshot's
// lastUpdateId and every later diff starts where the previous ended.
func TestDepthDiffsFollowSyncRules(t *testing.T) {
	t.Run("changes pending at the snapshot", func(t *testing.T) { depthSync(t, true) })
	t.Run("nothing pending at the snapshot", func(t *testing.T) { depthSync(t, false) })
}

func depthSync(t *testing.T, orderFirst bool) {
	s := newTestServer(t, Config{Seed: 5})
	t.Cleanup(s.x.Close)
	c := dialWS(t, s, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade")
	waitMarketSubs(t, s.x, 1)
	tick := func(n int) {
		for range n {
			s.clock.Add(100 * time.Millisecond)
			s.x.Tick(s.clock.Now())
		}
	}
	tick(3)
	// A market order between steps: its changes are in the snapshot and in
	// the next diff.
	if orderFirst {
		if r := s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.1")); r.status != 200 {
			t.Fatalf("market order: %d %s", r.status, r.body)
		}
	}
	var snap depthJSON
	s.do("GET", "/api/v3/depth?symbol=BTCUSDT&limit=1000", "", "").decode(t, &snap)
	tick(40)
	s.x.mu.Lock()
	lastID := s.x.books["BTCUSDT"].updateID
	s.x.mu.Unlock()

	bids, asks := map[string]string{}, map[string]string{}
	for _, l := range snap.Bids {
		bids[l[0]] = l[1]
	}
	for _, l := range snap.Asks {
		asks[l[0]] = l[1]
	}
	bookID := int64(-1)
	trades := 0
	for bookID != lastID {
		var msg struct {
			Stream string          `json:"stream"`
			Data   json.RawMessage `json:"data"`
		}
		readJSON(t, c, &msg)
		if msg.Stream == "btcusdt@trade" {
			var tr struct {
				E  string `json:"e"`
				ET int64  `json:"E"`
				P  string `json:"p"`
			}
			json.Unmarshal(msg.Data, &tr)
			if tr.E != "trade" || !num.MustParse(tr.P).IsPos() {
				t.Fatalf("trade event %s", msg.Data)
			}
			trades++
			continue
		}
		if msg.Stream != "btcusdt@depth@100ms" {
			t.Fatalf("unexpected stream %q", msg.Stream)
		}
		var d wireDiff
		if err := json.Unmarshal(msg.Data, &d); err != nil || d.E != "depthUpdate" || d.Sym != "BTCUSDT" {
			t.Fatalf("diff %s (%v)", msg.Data, err)
		}
		switch {
		case bookID < 0 && d.Last <= snap.LastUpdateID:
			continue // older than the snapshot
		case bookID < 0:
			// Both forms of the rule: U ≤ id ≤ u and U ≤ id+1 ≤ u.
			if !(d.U <= snap.LastUpdateID && snap.LastUpdateID+1 <= d.Last) {
				t.Fatalf("first diff [%d, %d] does not span the snapshot's %d", d.U, d.Last, snap.LastUpdateID)
			}
		case d.U != bookID+1:
			t.Fatalf("gap: diff starts at %d after %d", d.U, bookID)
		}
		for _, l := range d.B {
			if num.MustParse(l[1]).IsZero() {
				delete(bids, l[0])
			} else {
				bids[l[0]] = l[1]
			}
		}
		for _, l := range d.A {
			if num.MustParse(l[1]).IsZero() {
				delete(asks, l[0])
			} else {
				asks[l[0]] = l[1]
			}
		}
		bookID = d.Last
	}
	if trades == 0 {
		t.Error("no trades streamed")
	}
	var now depthJSON
	s.do("GET", "/api/v3/depth?symbol=BTCUSDT&limit=100", "", "").decode(t, &now)
	top := func(m map[string]string, desc bool) [][2]string {
		l := sortedPairs(m, desc)
		if len(l) > 100 {
			l = l[:100]
		}
		return l
	}
	if got, want := top(bids, true), now.Bids; !equalLevels(got, want) {
		t.Fatalf("local bids differ from the snapshot:\n%v\n%v", got[:5], want[:5])
	}
	if got, want := top(asks, false), now.Asks; !equalLevels(got, want) {
		t.Fatalf("local asks differ from the snapshot:\n%v\n%v", got[:5], want[:5])
	}
}

func equalLevels(a, b [][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStreamSubscribe(t *testing.T) {
	s := newTestServer(t, Config{})
	t.Cleanup(s.x.Close)
	c := dialWS(t, s, "/ws")
	ctx := context.Background()
	send := func(v string) {
		if err := c.Write(ctx, websocket.MessageText, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	var ack map[string]any
	send(`{"method":"SUBSCRIBE","params":["ethusdt@bookTicker","ethusdt@kline_1m","ethusdt@miniTicker"],"id":1}`)
	readJSON(t, c, &ack)
	if ack["id"] != float64(1) || ack["result"] != nil {
		t.Fatalf("subscribe reply %v", ack)
	}
	send(`{"method":"LIST_SUBSCRIPTIONS","id":2}`)
	readJSON(t, c, &ack)
	if got, _ := json.Marshal(ack["result"]); string(got) != `["ethusdt@bookTicker","ethusdt@kline_1m","ethusdt@miniTicker"]` {
		t.Fatalf("list %s", got)
	}
	send(`{"method":"SUBSCRIBE","params":["nosuch@trade"],"id":3}`)
	readJSON(t, c, &ack)
	if ack["error"] == nil {
		t.Fatalf("bad stream accepted: %v", ack)
	}
	send(`not json`)
	readJSON(t, c, &ack)
	if ack["error"] == nil {
		t.Fatalf("bad JSON accepted: %v", ack)
	}
	s.clock.Add(100 * time.Millisecond)
	s.x.Tick(s.clock.Now())
	seen := map[string]bool{}
	for len(seen) < 3 {
		var ev map[string]any
		readJSON(t, c, &ev)
		switch {
		case ev["e"] == "kline":
			k := ev["k"].(map[string]any)
			if k["i"] != "1m" || k["s"] != "ETHUSDT" {
				t.Fatalf("kline %v", ev)
			}
			seen["kline"] = true
		case ev["e"] == "24hrMiniTicker":
			seen["mini"] = true
		case ev["u"] != nil && ev["b"] != nil:
			seen["bookTicker"] = true
		default:
			t.Fatalf("unexpected event %v", ev)
		}
	}
	// SET_PROPERTY combined wraps the payloads as /stream does.
	send(`{"method":"SET_PROPERTY","params":["combined",true],"id":4}`)
	for {
		var m map[string]any
		readJSON(t, c, &m)
		if m["id"] == float64(4) {
			break
		}
	}
	send(`{"method":"GET_PROPERTY","params":["combined"],"id":5}`)
	for {
		var m map[string]any
		readJSON(t, c, &m)
		if m["id"] == float64(5) {
			if m["result"] != true {
				t.Fatalf("GET_PROPERTY %v", m)
			}
			break
		}
	}
	s.clock.Add(100 * time.Millisecond)
	s.x.Tick(s.clock.Now())
	var wrapped map[string]any
	readJSON(t, c, &wrapped)
	if wrapped["stream"] == nil || wrapped["data"] == nil {
		t.Fatalf("combined payload %v", wrapped)
	}
	send(`{"method":"SET_PROPERTY","params":["combined",false],"id":6}`)
	for {
		var m map[string]any
		readJSON(t, c, &m)
		if m["id"] == float64(6) {
			break
		}
	}
	// A closed candle is streamed with x=true when the minute rolls over.
	s.clock.Add(time.Minute)
	s.x.Tick(s.clock.Now())
	for {
		var ev map[string]any
		readJSON(t, c, &ev)
		if ev["e"] == "kline" {
			if ev["k"].(map[string]any)["x"] != true {
				t.Fatalf("first kline after the minute is not closed: %v", ev)
			}
			break
		}
	}
}

func TestStreamIgnoresBadNames(t *testing.T) {
	s := newTestServer(t, Config{})
	t.Cleanup(s.x.Close)
	c := dialWS(t, s, "/ws/BTCUSDT@trade/0/btcusdt@nothing/btcusdt@kline_7m/ethusdt@trade")
	if err := c.Write(context.Background(), websocket.MessageText, []byte(`{"method":"LIST_SUBSCRIPTIONS","id":1}`)); err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	readJSON(t, c, &r)
	if got, _ := json.Marshal(r["result"]); string(got) != `["ethusdt@trade"]` {
		t.Fatalf("subscriptions %s", got)
	}
	// A plain HTTP request to a stream path is refused.
	if r := s.do("GET", "/ws/btcusdt@trade", "", ""); r.status != 400 || r.code() != -1000 {
		t.Fatalf("plain GET: %d %s", r.status, r.body)
	}
}

// TestPingPong checks that both WebSocket endpoints answer a client's ping.
func TestPingPong(t *testing.T) {
	s := newTestServer(t, Config{})
	t.Cleanup(s.x.Close)
	for _, path := range []string{"/ws", "/ws-api/v3"} {
		c := dialWS(t, s, path)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c.CloseRead(ctx) // reads in the background, so the pong is seen
		if err := c.Ping(ctx); err != nil {
			t.Errorf("%s: ping: %v", path, err)
		}
		cancel()
	}
}
