package simnet

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testKey    = "simnetTestKey0123456789abcdefABCDEFsimnetTestKey0123456789abcdef"
	testSecret = "simnetTestSecret0123456789abcdefABCDEF"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testServer struct {
	tb    testing.TB
	x     *Exchange
	url   string
	clock *testClock
}

// newTestServer serves an in-memory exchange on 127.0.0.1 with the test key
// holding USDT=10000 and BTC=1, on a test clock that only moves when told.
func newTestServer(tb testing.TB, cfg Config) *testServer {
	tb.Helper()
	clock := &testClock{t: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	x, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := x.AddAccount(Key{APIKey: testKey, Type: KeyHMAC, Secret: testSecret, Balances: map[string]string{"USDT": "10000", "BTC": "1"}}); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(x.Handler())
	tb.Cleanup(srv.Close)
	return &testServer{tb: tb, x: x, url: srv.URL, clock: clock}
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) code() int {
	var e struct {
		Code int `json:"code"`
	}
	json.Unmarshal(r.body, &e)
	return e.Code
}

func (r reply) decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a raw request.
func (s *testServer) do(method, pathQuery, body, apiKey string) reply {
	s.tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+pathQuery, rd)
	if err != nil {
		s.tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if apiKey != "" {
		req.Header.Set("X-MBX-APIKEY", apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, b}
}

func sign(secret, payload string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil))
}

// signed sends params in the query string with the test clock's timestamp
// and the test key's signature.
func (s *testServer) signed(method, path string, params url.Values) reply {
	s.tb.Helper()
	p := url.Values{}
	for k, v := range params {
		p[k] = v
	}
	p.Set("timestamp", strconv.FormatInt(s.clock.Now().UnixMilli(), 10))
	q := p.Encode()
	return s.do(method, path+"?"+q+"&signature="+sign(testSecret, q), "", testKey)
}

// account returns free and locked of asset.
func (s *testServer) balance(asset string) (free, locked string) {
	s.tb.Helper()
	r := s.signed("GET", "/api/v3/account", nil)
	if r.status != 200 {
		s.tb.Fatalf("account: %d %s", r.status, r.body)
	}
	var a struct {
		Balances []balanceJSON `json:"balances"`
	}
	r.decode(s.tb, &a)
	for _, b := range a.Balances {
		if b.Asset == asset {
			return b.Free, b.Locked
		}
	}
	return "0.00000000", "0.00000000"
}

// decodeQuiet decodes the body into v and reports whether it could.
func (r reply) decodeQuiet(v any) bool { return json.Unmarshal(r.body, v) == nil }
