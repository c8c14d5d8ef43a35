package binance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Group is an endpoint group: each has its own circuit breaker, so failing
// order endpoints do not stop market data, and the reverse.
type Group uint8

// Endpoint groups.
const (
	// GroupMarket is public market data (time, exchangeInfo, depth, klines).
	GroupMarket Group = iota
	// GroupAccount is signed reads (account, orders, trades, key rights).
	GroupAccount
	// GroupTrade is order placement and cancels.
	GroupTrade
	numGroups
)

var groupNames = [numGroups]string{"market", "account", "trade"}

// String names g.
func (g Group) String() string {
	if g < numGroups {
		return groupNames[g]
	}
	return fmt.Sprintf("Group(%d)", uint8(g))
}

// AlertKind classifies an Alert.
type AlertKind uint8

// Alert kinds.
const (
	AlertBreaker AlertKind = iota + 1
	AlertRateLimit
	AlertTimeSync
	AlertStreamDown
	AlertStreamUp
	AlertGap
	AlertUnknownOutcome
	AlertBadMessage
	AlertKeyPermissions
)

var alertNames = [...]string{"", "BREAKER", "RATE_LIMIT", "TIME_SYNC", "STREAM_DOWN", "STREAM_UP", "GAP", "UNKNOWN_OUTCOME", "BAD_MESSAGE", "KEY_PERMISSIONS"}

// String names k.
func (k AlertKind) String() string {
	if int(k) < len(alertNames) && k != 0 {
		return alertNames[k]
	}
	return fmt.Sprintf("AlertKind(%d)", uint8(k))
}

// Alert is something an operator should hear about: a breaker opening, a ban,
// a stream falling back to REST polling, a malformed exchange message.
type Alert struct {
	Time time.Time
	Kind AlertKind
	Msg  string
}

// Config is everything a Client needs. BaseURL is required; the rest has
// defaults.
type Config struct {
	// BaseURL is the REST root, such as https://api.binance.com or
	// https://testnet.binance.vision (no trailing path).
	BaseURL string
	// HTTPClient sends requests; it should carry a timeout. Default: a
	// client with a 10 s timeout (Binance gives up after 10 s with -1007).
	HTTPClient *http.Client
	// Signer signs USER_DATA and TRADE requests. Nil allows public data only.
	Signer *Signer
	// Now is the local clock. Default time.Now.
	Now func() time.Time
	// RecvWindow is sent with signed requests (default 5 s, max 60 s).
	RecvWindow time.Duration
	// Limits are the rate limits to keep under.
	Limits Limits
	// MaxRetries bounds retries of idempotent requests (default 2; negative
	// means none). Requests that change state are never retried.
	MaxRetries int
	// RetryBase is the first retry back-off (default 200 ms), doubled on
	// each retry, with full jitter.
	RetryBase time.Duration
	// BreakerFailures is how many consecutive failures open a group's breaker
	// (default 5); BreakerOpenFor is how long it stays open (default 30 s).
	BreakerFailures uint32
	BreakerOpenFor  time.Duration
	// TimeSamples is how many /api/v3/time round trips a sync takes, keeping
	// the one with the smallest round-trip time (default 5).
	TimeSamples int
	// OnAlert, if set, receives alerts. It must not block.
	OnAlert func(Alert)
	// ClockMargin is how far behind the estimated server time requests are
	// stamped, on top of half the sync's round trip (the estimate's error
	// bound). Binance refuses a timestamp more than 1 s ahead of its clock
	// but accepts one behind it within recvWindow, so erring behind is safe.
	ClockMargin time.Duration
}

// Client is a Binance spot REST client. It is safe for concurrent use.
type Client struct {
	base       string
	http       *http.Client
	signer     *Signer
	now        func() time.Time
	recvWindow time.Duration
	maxRetries int
	retryBase  time.Duration
	samples    int
	onAlert    func(Alert)
	lim        *limiter
	ep         endpoints
	breakers   [numGroups]*gobreaker.CircuitBreaker[[]byte]

	margin time.Duration

	mu       sync.Mutex
	offsetMs int64
	rtt      time.Duration
	synced   bool
	syncedAt time.Time
}

// NewClient checks cfg and returns a client.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("binance client: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.RecvWindow < 0 || cfg.RecvWindow > time.Minute {
		return nil, fmt.Errorf("binance client: recvWindow %s must be in (0, 60s]", cfg.RecvWindow)
	}
	c := &Client{
		base:       strings.TrimRight(cfg.BaseURL, "/"),
		http:       cfg.HTTPClient,
		signer:     cfg.Signer,
		now:        cfg.Now,
		recvWindow: cfg.RecvWindow,
		maxRetries: cfg.MaxRetries,
		retryBase:  cfg.RetryBase,
		samples:    cfg.TimeSamples,
		onAlert:    cfg.OnAlert,
		margin:     cfg.ClockMargin,
		ep:         spotEndpoints(),
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 10 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.recvWindow == 0 {
		c.recvWindow = 5 * time.Second
	}
	if c.maxRetries == 0 {
		c.maxRetries = 2
	} else if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.retryBase <= 0 {
		c.retryBase = 200 * time.Millisecond
	}
	if c.samples <= 0 {
		c.samples = 5
	}
	failures, openFor := cfg.BreakerFailures, cfg.BreakerOpenFor
	if failures == 0 {
		failures = 5
	}
	if openFor <= 0 {
		openFor = 30 * time.Second
	}
	c.lim = &limiter{now: c.now, lim: cfg.Limits.withDefaults()}
	for g := range numGroups {
		c.breakers[g] = gobreaker.NewCircuitBreaker[[]byte](gobreaker.Settings{
			Name:        g.String(),
			MaxRequests: 1,
			Timeout:     openFor,
			ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= failures },
			IsSuccessful: func(err error) bool {
				// A clear answer from Binance (even a rejection or a rate
				// limit) means the endpoint works.
				var ae *APIError
				return err == nil || errors.As(err, &ae) && ae.HTTPStatus < 500
			},
			IsExcluded: func(err error) bool {
				return errors.Is(err, context.Canceled)
			},
			OnStateChange: func(name string, from, to gobreaker.State) {
				c.alert(AlertBreaker, fmt.Sprintf("%s endpoints: circuit breaker %s -> %s", name, from, to))
			},
		})
	}
	return c, nil
}

// String describes the client without secrets.
func (c *Client) String() string {
	s := "none"
	if c.signer != nil {
		s = c.signer.String()
	}
	return fmt.Sprintf("binance.Client{%s signer=%s}", c.base, s)
}

// GoString is String.
func (c *Client) GoString() string { return c.String() }

func (c *Client) alert(kind AlertKind, msg string) {
	if c.onAlert != nil {
		c.onAlert(Alert{Time: c.now(), Kind: kind, Msg: msg})
	}
}

// Usage returns the current request-weight and order counts as Binance last
// reported them.
func (c *Client) Usage() Usage { return c.lim.usage() }

// SetLimits replaces the rate limits, for instance with exchangeInfo's.
func (c *Client) SetLimits(l Limits) {
	c.lim.mu.Lock()
	c.lim.lim = l.withDefaults()
	c.lim.mu.Unlock()
}

// BreakerState returns the state of group g's circuit breaker ("closed",
// "open" or "half-open").
func (c *Client) BreakerState(g Group) string { return c.breakers[g].State().String() }

// endpoint describes one REST endpoint.
type endpoint struct {
	method string
	path   string
	weight int
	signed bool
	group  Group
	order  bool // counts toward the ORDERS limits
}

func (ep endpoint) idempotent() bool { return ep.method == http.MethodGet }

// errNotSent marks failures that happened before anything reached the wire.
var errNotSent = errors.New("request not sent")

// do sends a request and returns the body of a 200 answer. GET requests are
// retried on transport errors, 5xx and short rate limits; other methods are
// sent once, and an unknown outcome comes back wrapping ErrUnknownOutcome.
// A -1021 (timestamp outside recvWindow) is a definite rejection: the clock is
// resynced and the request sent once more with a new timestamp.
func (c *Client) do(ctx context.Context, ep endpoint, p *Params) ([]byte, error) {
	if ep.signed && c.signer == nil {
		return nil, fmt.Errorf("%s %s: needs an API key and none is configured", ep.method, ep.path)
	}
	resynced := false
	for attempt := 0; ; attempt++ {
		body, err := c.once(ctx, ep, p)
		if err == nil {
			return body, nil
		}
		if ep.signed && APICode(err) == CodeTimestamp && !resynced {
			resynced = true
			c.alert(AlertTimeSync, fmt.Sprintf("%s %s: -1021, resyncing the clock", ep.method, ep.path))
			if serr := c.SyncTime(ctx); serr != nil {
				return nil, fmt.Errorf("%w (and resync failed: %v)", err, serr)
			}
			continue
		}
		if !ep.idempotent() {
			if unknownOutcome(err) {
				return nil, fmt.Errorf("%w: %w", ErrUnknownOutcome, err)
			}
			return nil, err
		}
		if attempt >= c.maxRetries || ctx.Err() != nil || !retryable(err) {
			return nil, err
		}
		if serr := sleepCtx(ctx, c.backoff(attempt)); serr != nil {
			return nil, err
		}
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.retryBase << attempt
	return d/2 + rand.N(d/2+1)
}

// retryable reports whether an idempotent request that failed with err may
// be sent again (the caller's context is checked separately: an
// http.Client timeout is worth a retry, the caller's deadline is not).
func retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatus >= 500
	}
	return !errors.Is(err, ErrBanned) && !errors.Is(err, ErrThrottled) && !errors.Is(err, ErrCircuitOpen) &&
		!errors.Is(err, ErrBadResponse)
}

// unknownOutcome reports whether a state-changing request that failed with
// err might nevertheless have taken effect.
func unknownOutcome(err error) bool {
	if errors.Is(err, errNotSent) || errors.Is(err, ErrBanned) || errors.Is(err, ErrThrottled) || errors.Is(err, ErrCircuitOpen) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return !ae.Rejected() && ae.HTTPStatus != 429 && ae.HTTPStatus != 418
	}
	return true // transport error or timeout after sending
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once waits for the rate limiter, then sends one request through the
// group's breaker.
func (c *Client) once(ctx context.Context, ep endpoint, p *Params) ([]byte, error) {
	for {
		wait, err := c.lim.reserve(ep.weight, ep.order)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", ep.method, ep.path, err)
		}
		if wait <= 0 {
			break
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			return nil, fmt.Errorf("%s %s: waiting %s for the limit window: %w", ep.method, ep.path, wait.Round(time.Millisecond), ErrThrottled)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s %s: %w: %w", ep.method, ep.path, errNotSent, err)
		}
	}
	req, err := c.build(ctx, ep, p)
	if err != nil {
		return nil, err
	}
	body, err := c.breakers[ep.group].Execute(func() ([]byte, error) { return c.send(req, ep) })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, fmt.Errorf("%s %s: %s endpoints: %w", ep.method, ep.path, ep.group, ErrCircuitOpen)
	}
	return body, err
}

// build makes the HTTP request. Signed requests get recvWindow, timestamp
// and, last, signature; everything travels in the query string, and the
// signed text is exactly the query string sent.
func (c *Client) build(ctx context.Context, ep endpoint, p *Params) (*http.Request, error) {
	q := make([]byte, 0, 512)
	if p != nil {
		q = p.AppendEncoded(q)
	}
	if ep.signed {
		if len(q) > 0 {
			q = append(q, '&')
		}
		q = append(q, "recvWindow="...)
		q = strconv.AppendInt(q, c.recvWindow.Milliseconds(), 10)
		q = append(q, "&timestamp="...)
		q = strconv.AppendInt(q, c.Timestamp(), 10)
		sig := c.signer.Sign(q)
		q = append(q, "&signature="...)
		q = appendEscaped(q, sig)
	}
	u := c.base + ep.path
	if len(q) > 0 {
		u += "?" + string(q)
	}
	req, err := http.NewRequestWithContext(ctx, ep.method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %v", ep.method, ep.path, errNotSent, err)
	}
	if c.signer != nil {
		req.Header.Set("X-MBX-APIKEY", c.signer.APIKey())
	}
	return req, nil
}

// maxBody bounds a response body (a full exchangeInfo is a few megabytes).
const maxBody = 32 << 20

func (c *Client) send(req *http.Request, ep endpoint) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		// Strip the URL: it carries the signature.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		// A failed dial (refused, no route, DNS) never sent a byte.
		var oe *net.OpError
		var de *net.DNSError
		if errors.As(err, &oe) && oe.Op == "dial" || errors.As(err, &de) {
			return nil, fmt.Errorf("%s %s: %w: %w", ep.method, ep.path, errNotSent, err)
		}
		return nil, fmt.Errorf("%s %s: %w", ep.method, ep.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	ra := c.lim.update(resp.StatusCode, resp.Header)
	if ra > 0 {
		c.alert(AlertRateLimit, fmt.Sprintf("%s %s: HTTP %d, backing off %s", ep.method, ep.path, resp.StatusCode, ra))
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading body: %w", ep.method, ep.path, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%s %s: body over %d bytes: %w", ep.method, ep.path, maxBody, ErrBadResponse)
	}
	if resp.StatusCode != http.StatusOK {
		ae := parseAPIError(resp.StatusCode, body)
		ae.RetryAfter = ra
		return nil, fmt.Errorf("%s %s: %w", ep.method, ep.path, ae)
	}
	return body, nil
}

// Timestamp returns the time to stamp a request with, in Unix milliseconds:
// the local clock plus the offset measured by SyncTime, less half the
// sample's round trip and Config.ClockMargin, so that an error of the
// estimate never puts it ahead of the server's clock.
func (c *Client) Timestamp() int64 {
	c.mu.Lock()
	off := c.offsetMs - (c.rtt/2 + c.margin).Milliseconds()
	c.mu.Unlock()
	return c.now().UnixMilli() + off
}

// TimeOffset returns the measured server-minus-local offset, the round-trip
// time of the sample it came from, and whether a sync has succeeded.
func (c *Client) TimeOffset() (offset, rtt time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Duration(c.offsetMs) * time.Millisecond, c.rtt, c.synced
}

// SyncTime measures the offset between the local and the server clock from
// TimeSamples calls to GET /api/v3/time, keeping the sample with the smallest
// round trip: offset = serverTime − (sent + received)/2.
func (c *Client) SyncTime(ctx context.Context) error {
	best := time.Duration(-1)
	var bestOff int64
	var lastErr error
	ep := c.ep.time
	for range c.samples {
		t0 := c.now()
		body, err := c.once(ctx, ep, nil)
		t1 := c.now()
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		st, err := DecodeServerTime(body)
		if err != nil {
			lastErr = err
			continue
		}
		rtt := t1.Sub(t0)
		if best < 0 || rtt < best {
			mid := t0.UnixMilli() + rtt.Milliseconds()/2
			best, bestOff = rtt, st-mid
		}
	}
	if best < 0 {
		return fmt.Errorf("sync time: no sample succeeded: %w", lastErr)
	}
	c.mu.Lock()
	c.offsetMs, c.rtt, c.synced, c.syncedAt = bestOff, best, true, c.now()
	c.mu.Unlock()
	return nil
}

// RunTimeSync resyncs the clock every interval until ctx ends. Failures are
// alerted and retried at the next tick.
func (c *Client) RunTimeSync(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.SyncTime(ctx); err != nil && ctx.Err() == nil {
				c.alert(AlertTimeSync, err.Error())
			}
		}
	}
}
