package simnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// faultRun sends the same sequence of orders and reads to a fresh exchange
// and returns what came back.
func faultRun(t *testing.T, seed uint64, p FaultProfile) []string {
	s := newTestServer(t, Config{Seed: seed, Faults: &p})
	var out []string
	for i := range 60 {
		var r reply
		if i%3 == 2 {
			r = s.do("GET", "/api/v3/ticker/price?symbol=BTCUSDT", "", "")
		} else {
			r = s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC",
				"quantity", "0.001", "price", "20000", "newClientOrderId", "f-"+strconv.Itoa(i)))
		}
		out = append(out, fmt.Sprintf("%d/%d", r.status, r.code()))
	}
	return out
}

func TestFaultsAreDeterministicForASeed(t *testing.T) {
	p := FaultProfile{Name: "test", ServerErrorRate: 0.2, TimeoutRate: 0.1, TimeoutMs: 1, BurstRate: 0.05, BurstLength: 3, RejectRate: 0.1}
	a, b := faultRun(t, 11, p), faultRun(t, 11, p)
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	c := faultRun(t, 12, p)
	if strings.Join(a, " ") == strings.Join(c, " ") {
		t.Fatalf("another seed gave the same faults: %v", a)
	}
	kinds := map[string]bool{}
	for _, r := range a {
		kinds[r] = true
	}
	for _, want := range []string{"200/0", "503/-1001", "503/-1007", "429/-1003", "503/-1008"} {
		if !kinds[want] {
			t.Errorf("no %s in %v", want, a)
		}
	}
}

// TestServerErrorsLeaveTheOutcomeUnknown answers every order with 503 and
// checks that some of them were placed all the same, as a real 5xx allows.
func TestServerErrorsLeaveTheOutcomeUnknown(t *testing.T) {
	s := newTestServer(t, Config{Seed: 4, Faults: &FaultProfile{Name: "5xx", ServerErrorRate: 1}})
	placed, lost := 0, 0
	for i := range 30 {
		id := "u-" + strconv.Itoa(i)
		r := s.signed("POST", "/api/v3/order", vals("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC",
			"quantity", "0.001", "price", "20000", "newClientOrderId", id))
		if r.status != 503 || r.code() != -1001 {
			t.Fatalf("order %d: %d %s", i, r.status, r.body)
		}
		q := s.signed("GET", "/api/v3/order", vals("symbol", "BTCUSDT", "origClientOrderId", id))
		switch {
		case q.status == 200:
			placed++
		case q.code() == -2013:
			lost++
		default:
			t.Fatalf("query %s: %d %s", id, q.status, q.body)
		}
	}
	if placed == 0 || lost == 0 {
		t.Fatalf("placed %d, not placed %d: want both", placed, lost)
	}
}

func TestClockSkew(t *testing.T) {
	s := newTestServer(t, Config{Faults: &FaultProfile{Name: "skew", ClockSkewMs: 900}})
	var tm struct {
		ServerTime int64 `json:"serverTime"`
	}
	s.do("GET", "/api/v3/time", "", "").decode(t, &tm)
	if want := s.clock.Now().Add(900 * time.Millisecond).UnixMilli(); tm.ServerTime != want {
		t.Fatalf("serverTime %d, want %d", tm.ServerTime, want)
	}
	// A timestamp 4.6 s old by the client's clock is 5.5 s old by the
	// server's: outside the default recvWindow of 5000 ms.
	old := strconv.FormatInt(s.clock.Now().Add(-4600*time.Millisecond).UnixMilli(), 10)
	q := "timestamp=" + old
	if r := s.do("GET", "/api/v3/account?"+q+"&signature="+sign(testSecret, q), "", testKey); r.code() != -1021 {
		t.Fatalf("skewed request: %d %s", r.status, r.body)
	}
}

func TestLoadProfile(t *testing.T) {
	for _, name := range []string{"none", "mild", "harsh"} {
		p, err := LoadProfile(name)
		if err != nil || p.Name != name || p.Validate() != nil {
			t.Errorf("built-in %s: %v %v", name, p, err)
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"name":"custom","server_error_rate":0.5,"latency_min_ms":1,"latency_max_ms":2}`), 0o600)
	if p, err := LoadProfile(good); err != nil || p.ServerErrorRate != 0.5 {
		t.Errorf("good file: %v %v", p, err)
	}
	for name, body := range map[string]string{
		"unknown.json": `{"name":"x","server_error":0.5}`,
		"range.json":   `{"name":"x","server_error_rate":1.5}`,
		"latency.json": `{"name":"x","latency_min_ms":5,"latency_max_ms":1}`,
		"syntax.json":  `{"name":`,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := LoadProfile(path); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := LoadProfile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestStreamFaults(t *testing.T) {
	read := func(c *websocket.Conn) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, data, err := c.Read(ctx)
		return string(data), err
	}
	// Every message twice.
	s := newTestServer(t, Config{Faults: &FaultProfile{Name: "dup", WSDuplicateRate: 1}})
	t.Cleanup(s.x.Close)
	c := dialWS(t, s, "/ws/btcusdt@bookTicker")
	waitMarketSubs(t, s.x, 1)
	s.clock.Add(100 * time.Millisecond)
	s.x.Tick(s.clock.Now())
	a, err1 := read(c)
	b, err2 := read(c)
	if err1 != nil || err2 != nil || a != b || !strings.Contains(a, `"s":"BTCUSDT"`) {
		t.Fatalf("duplicate: %q %q %v %v", a, b, err1, err2)
	}
	// Held back and sent after the next one.
	s = newTestServer(t, Config{Faults: &FaultProfile{Name: "reorder", WSReorderRate: 1}})
	t.Cleanup(s.x.Close)
	c = dialWS(t, s, "/ws/btcusdt@bookTicker")
	waitMarketSubs(t, s.x, 1)
	var ids []int64
	for range 2 {
		s.clock.Add(100 * time.Millisecond)
		s.x.Tick(s.clock.Now())
	}
	for range 2 {
		m, err := read(c)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			U int64 `json:"u"`
		}
		json.Unmarshal([]byte(m), &ev)
		ids = append(ids, ev.U)
	}
	if ids[0] <= ids[1] {
		t.Fatalf("update ids %v not swapped", ids)
	}
	// Disconnected at the first message.
	s = newTestServer(t, Config{Faults: &FaultProfile{Name: "drop", WSDisconnectRate: 1}})
	t.Cleanup(s.x.Close)
	c = dialWS(t, s, "/ws/btcusdt@trade")
	waitMarketSubs(t, s.x, 1)
	s.clock.Add(100 * time.Millisecond)
	s.x.Tick(s.clock.Now())
	// The connection ends, with a close frame or abruptly, but it never
	// times out waiting.
	if m, err := read(c); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read after a simulated disconnect: %q %v", m, err)
	}
}
