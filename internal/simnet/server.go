package simnet

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// security says what a route needs from the caller.
type security uint8

const (
	secNone   security = iota // public
	secSigned                 // API key, timestamp and signature
)

// route is one REST endpoint.
type route struct {
	sec security
	// weight is the request weight; weightFn, when set, computes it from
	// the parameters.
	weight   int
	weightFn func(p *params) int
	// zeroOnSuccess marks order placement and cancels, which cost no weight
	// when they succeed (since 2026-04-02).
	zeroOnSuccess bool
	// orderCount marks endpoints whose replies carry X-MBX-ORDER-COUNT-*.
	orderCount bool
	fn         func(c *call) (any, *apiError)
}

// call is one request being served; handlers run with x.mu held.
type call struct {
	x     *Exchange
	p     *params
	key   *Key
	acct  *account
	now   time.Time
	nowMs int64
	// rawJSON, when set, is sent as the body instead of the handler's value.
	rawJSON []byte
}

// ipWeight is the request weight used by one IP in the current minute, and
// its ban.
type ipWeight struct {
	minute     int64
	used       int
	violations int
	bannedTill int64 // Unix ms
}

// weightLimit is REQUEST_WEIGHT per minute (exchangeInfo.rateLimits).
const weightLimit = 6000

// banAfter is how many requests an IP may send while rate limited in one
// minute before it is banned; banFor is the first ban's length.
const (
	banAfter = 20
	banFor   = 2 * time.Minute
)

// Handler returns the REST and WebSocket API as an http.Handler.
func (x *Exchange) Handler() http.Handler {
	routes := x.routes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.serve(w, r, routes)
	})
}

func (x *Exchange) serve(w http.ResponseWriter, r *http.Request, routes map[string]map[string]*route) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			x.cfg.Logf("simnet: panic serving %s %s: %v", r.Method, r.URL.Path, v)
			writeError(w, errInternal)
		}
	}()
	if x.serveWS(w, r) {
		return
	}
	byMethod, ok := routes[r.URL.Path]
	if !ok {
		if strings.HasPrefix(r.URL.Path, "/api/v3/userDataStream") {
			writeError(w, errf(http.StatusGone, codeUnknown, "This endpoint has been removed; subscribe to user data through the WebSocket API."))
			return
		}
		writeError(w, errNotFound)
		return
	}
	rt, ok := byMethod[r.Method]
	if !ok {
		writeError(w, errMethod)
		return
	}
	fault := x.faults.decide(rt.orderCount)
	if fault.delay > 0 {
		time.Sleep(fault.delay)
	}
	switch fault.kind {
	case faultRateLimited:
		writeError(w, errFaultBurst)
		return
	case faultErrorBefore:
		writeError(w, errUnknownStatus)
		return
	}
	body := ""
	if r.Body != nil && r.Method != http.MethodGet {
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
			if err != nil {
				writeError(w, errf(http.StatusBadRequest, codeIllegalChars, "Request body could not be read."))
				return
			}
			if len(b) > maxBodyBytes {
				writeError(w, errf(http.StatusRequestEntityTooLarge, codeTooManyParams, "Request body too large."))
				return
			}
			body = string(b)
		}
	}
	now := x.cfg.Now().Add(x.faults.skew())
	res := x.handleLocked(r, rt, body, now)
	x.publishUser(res.events)
	if res.early != nil {
		if res.used >= 0 {
			w.Header()[hdrWeight] = []string{strconv.Itoa(res.used)}
		}
		writeError(w, res.early)
		return
	}
	aerr, used, c := res.aerr, res.used, res.c
	cnt10, cntDay := res.cnt10, res.cntDay
	out := res.out

	h := w.Header()
	h[hdrWeight] = []string{strconv.Itoa(used)}
	switch fault.kind {
	case faultErrorAfter:
		writeError(w, errUnknownStatus)
		return
	case faultTimeoutAfter:
		time.Sleep(time.Duration(x.faults.p.TimeoutMs) * time.Millisecond)
		writeError(w, errTimeout)
		return
	}
	if rt.orderCount && c.acct != nil && aerr == nil {
		h[hdrCount10s] = []string{strconv.FormatInt(cnt10, 10)}
		h[hdrCount1d] = []string{strconv.FormatInt(cntDay, 10)}
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if c.rawJSON != nil {
		h[hdrContentType] = jsonContentType
		w.Write(c.rawJSON)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// authenticate checks the API key, the signature and the timestamp the way
// Binance does, and loads the caller's account. x.mu must be held.
func (c *call) authenticate(apiKey string) *apiError {
	if apiKey == "" || len(apiKey) > 256 {
		return errAPIKeyFormat
	}
	k := c.x.lookupKey(apiKey)
	if k == nil {
		return errRejectedKey
	}
	if !c.p.hasSig || c.p.signature == "" {
		return errMandatory("signature")
	}
	ts := c.p.get("timestamp")
	if ts == "" {
		return errMandatory("timestamp")
	}
	if !k.verify(c.p.payload, c.p.signature) {
		return errBadSignature
	}
	if e := checkTimestamp(ts, c.p.get("recvWindow"), c.now); e != nil {
		return e
	}
	c.key = k
	c.acct = c.x.accounts[k.APIKey]
	if c.acct == nil {
		c.x.ensureAccount(k)
		c.acct = c.x.accounts[k.APIKey]
	}
	return nil
}

// checkTimestamp applies Binance's spot timing rules: timestamp in ms (or
// µs when it has 16 digits), not before 2017-01-01 and less than 1000 ms
// ahead of the server; recvWindow defaults to 5000 ms, may carry three
// decimals (µs) and is at most 60000; the request is refused once
// server time − timestamp exceeds it.
func checkTimestamp(ts, rw string, now time.Time) *apiError {
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || t <= 0 {
		return errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.")
	}
	tsUs := t * 1000
	if t >= 1e15 { // microseconds
		tsUs = t
	}
	windowUs := int64(5000 * 1000)
	if rw != "" {
		ms, frac, hasFrac := strings.Cut(rw, ".")
		whole, err := strconv.ParseInt(ms, 10, 64)
		if err != nil || whole < 0 || (hasFrac && (len(frac) == 0 || len(frac) > 3)) {
			return errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'recvWindow'; legal range is '^[0-9]{1,20}(\\.[0-9]{1,3})?$'.")
		}
		us := int64(0)
		if hasFrac {
			for len(frac) < 3 {
				frac += "0"
			}
			us, err = strconv.ParseInt(frac, 10, 64)
			if err != nil || us < 0 {
				return errf(http.StatusBadRequest, codeIllegalChars, "Illegal characters found in parameter 'recvWindow'; legal range is '^[0-9]{1,20}(\\.[0-9]{1,3})?$'.")
			}
		}
		if whole > 60000 || (whole == 60000 && us > 0) {
			return errRecvWindow
		}
		windowUs = whole*1000 + us
	}
	nowUs := now.UnixMicro()
	const jan2017Us = 1483228800000000
	switch {
	case tsUs < jan2017Us:
		return errOutsideWindow
	case tsUs >= nowUs+1_000_000:
		return errAhead
	case nowUs-tsUs > windowUs:
		return errOutsideWindow
	}
	return nil
}

// clientIP is the request's remote IP without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Response headers, in canonical form so that setting them costs no
// canonicalization.
const (
	hdrWeight      = "X-Mbx-Used-Weight-1m"
	hdrCount10s    = "X-Mbx-Order-Count-10s"
	hdrCount1d     = "X-Mbx-Order-Count-1d"
	hdrContentType = "Content-Type"
)

var jsonContentType = []string{"application/json;charset=UTF-8"}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, errInternal)
		return
	}
	w.Header()[hdrContentType] = jsonContentType
	w.WriteHeader(status)
	w.Write(data)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(e.RetryAfter, 10))
	}
	writeJSON(w, e.Status, e)
}

// lockedResult is what handleLocked hands back to serve.
type lockedResult struct {
	early         *apiError // a refusal before the handler (ban, weight)
	aerr          *apiError
	out           any
	used          int
	c             *call
	cnt10, cntDay int64
	events        []userEvent
}

// handleLocked runs the weight accounting, authentication and the handler
// with x.mu held; the deferred unlock keeps the exchange usable even if a
// handler panics.
func (x *Exchange) handleLocked(r *http.Request, rt *route, body string, now time.Time) lockedResult {
	ip := clientIP(r)
	nowMs := now.UnixMilli()
	x.mu.Lock()
	defer x.mu.Unlock()
	res := lockedResult{used: -1}
	// Bans and the weight limit come first: a banned IP is refused whatever
	// it sends.
	wt := x.weights[ip]
	if wt == nil {
		wt = &ipWeight{}
		x.weights[ip] = wt
	}
	if m := nowMs / 60_000; wt.minute != m {
		wt.minute, wt.used, wt.violations = m, 0, 0
	}
	if wt.bannedTill > nowMs {
		till := wt.bannedTill
		e := errf(http.StatusTeapot, codeTooManyRequests, "Way too much request weight used; IP banned until %d. Please use WebSocket Streams for live updates to avoid bans.", till)
		e.RetryAfter = (till - nowMs + 999) / 1000
		res.early = e
		return res
	}
	p, aerr := parseParams(r.URL.RawQuery, body)
	weight := rt.weight
	if aerr == nil && rt.weightFn != nil {
		weight = rt.weightFn(p)
	}
	if x.cfg.Limits && wt.used+weight > weightLimit {
		wt.violations++
		var e *apiError
		if wt.violations > banAfter {
			wt.bannedTill = nowMs + banFor.Milliseconds()
			e = errf(http.StatusTeapot, codeTooManyRequests, "Way too much request weight used; IP banned until %d. Please use WebSocket Streams for live updates to avoid bans.", wt.bannedTill)
			e.RetryAfter = int64(banFor.Seconds())
		} else {
			e = errf(http.StatusTooManyRequests, codeTooManyRequests, "Too much request weight used; current limit is %d request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.", weightLimit)
			e.RetryAfter = 60 - (nowMs/1000)%60
		}
		res.used = wt.used
		res.early = e
		return res
	}
	c := &call{x: x, p: p, now: now, nowMs: nowMs}
	var out any
	if aerr == nil && rt.sec == secSigned {
		aerr = c.authenticate(r.Header.Get("X-MBX-APIKEY"))
	}
	if aerr == nil {
		out, aerr = rt.fn(c)
	}
	if aerr != nil || !rt.zeroOnSuccess {
		wt.used += weight
	}
	used := wt.used
	var cnt10, cntDay int64
	if rt.orderCount && c.acct != nil {
		cnt10, cntDay = c.acct.count10s, c.acct.countDay
	}
	res.events = x.takeEvents()
	res.aerr, res.used, res.c, res.cnt10, res.cntDay, res.out = aerr, used, c, cnt10, cntDay, out
	return res
}
