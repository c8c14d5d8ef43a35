package binance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/sharedtest"
)

// The HMAC test key from Binance's documentation (vectors.json).
const (
	testAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	testSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// vectors loads Binance's official vectors from the shared directory, used in
// place (skips when absent).
func vectors(tb testing.TB) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(sharedtest.Vectors(tb))
	if err != nil {
		tb.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// vectorJSON returns the JSON text at a path of keys inside vectors.json.
func vectorJSON(tb testing.TB, path ...string) []byte {
	tb.Helper()
	var cur any = vectors(tb)
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			tb.Fatalf("vectors: %v is not an object at %q", path, k)
		}
		if cur, ok = m[k]; !ok {
			tb.Fatalf("vectors: no %q in %v", k, path)
		}
	}
	b, err := json.Marshal(cur)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fakeBinance is a small Binance spot REST server on 127.0.0.1 written to
// the documented behaviour: signed requests are checked (API key, HMAC
// signature over the exact query string, timestamp against recvWindow), and
// each route answers with a handler the test sets.
type fakeBinance struct {
	tb     testing.TB
	srv    *httptest.Server
	offset time.Duration // server clock minus local clock

	mu     sync.Mutex
	hits   map[string]int
	routes map[string]http.HandlerFunc
	params map[string][]*Params // every request's parameters by route
}

func newFake(tb testing.TB) *fakeBinance {
	tb.Helper()
	f := &fakeBinance{tb: tb, hits: map[string]int{}, routes: map[string]http.HandlerFunc{}, params: map[string][]*Params{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.srv.Close)
	f.handle("GET /api/v3/time", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"serverTime":%d}`, f.serverNow().UnixMilli())
	})
	return f
}

func (f *fakeBinance) serverNow() time.Time { return time.Now().Add(f.offset) }

func (f *fakeBinance) handle(route string, h http.HandlerFunc) {
	f.mu.Lock()
	f.routes[route] = h
	f.mu.Unlock()
}

func (f *fakeBinance) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[route]
}

func (f *fakeBinance) lastParams(route string) *Params {
	f.mu.Lock()
	defer f.mu.Unlock()
	ps := f.params[route]
	if len(ps) == 0 {
		return nil
	}
	return ps[len(ps)-1]
}

func writeErr(w http.ResponseWriter, status, code int, msg string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code":%d,"msg":%q}`, code, msg)
}

var signedPrefixes = []string{"/api/v3/order", "/api/v3/openOrders", "/api/v3/account", "/api/v3/myTrades", "/sapi/"}

func (f *fakeBinance) serve(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	p, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		writeErr(w, 400, -1100, "Illegal characters found in a parameter.")
		return
	}
	f.mu.Lock()
	f.hits[route]++
	f.params[route] = append(f.params[route], p)
	h := f.routes[route]
	f.mu.Unlock()
	signed := false
	for _, pre := range signedPrefixes {
		signed = signed || strings.HasPrefix(r.URL.Path, pre)
	}
	if signed && !f.checkSigned(w, r, p) {
		return
	}
	if h == nil {
		writeErr(w, 404, -1000, "no handler for "+route)
		return
	}
	h(w, r)
}

func (f *fakeBinance) checkSigned(w http.ResponseWriter, r *http.Request, p *Params) bool {
	if r.Header.Get("X-MBX-APIKEY") != testAPIKey {
		writeErr(w, 401, -2015, "Invalid API-key, IP, or permissions for action.")
		return false
	}
	raw := r.URL.RawQuery
	i := strings.LastIndex(raw, "&signature=")
	if i < 0 {
		writeErr(w, 400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
		return false
	}
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write([]byte(raw[:i]))
	if got, want := raw[i+len("&signature="):], hex.EncodeToString(m.Sum(nil)); got != want {
		writeErr(w, 400, -1022, "Signature for this request is not valid.")
		return false
	}
	ts, _ := p.Get("timestamp")
	rw, _ := p.Get("recvWindow")
	t, err1 := strconv.ParseInt(ts, 10, 64)
	win, err2 := strconv.ParseInt(rw, 10, 64)
	now := f.serverNow().UnixMilli()
	if err1 != nil || err2 != nil || t >= now+1000 || now-t > win {
		writeErr(w, 400, -1021, "Timestamp for this request is outside of the recvWindow.")
		return false
	}
	return true
}

// newTestClient returns a client for f with the test HMAC key and fast
// retries.
func newTestClient(tb testing.TB, f *fakeBinance, mod func(*Config)) *Client {
	tb.Helper()
	s, err := NewHMACSigner(testAPIKey, testSecret)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := Config{BaseURL: f.srv.URL, Signer: s, RetryBase: time.Millisecond, TimeSamples: 2,
		HTTPClient: &http.Client{Timeout: 2 * time.Second}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func testCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}
