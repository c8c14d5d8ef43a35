package simnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"
)

// FaultProfile says which faults simnet injects and how often. Rates are
// probabilities in [0, 1] drawn per request (REST) or per message (streams)
// from a generator seeded with the exchange's seed, so a run with the same
// seed and the same requests sees the same faults.
type FaultProfile struct {
	Name string `json:"name"`
	// LatencyMinMs and LatencyMaxMs bound the delay added to every REST
	// request, drawn uniformly.
	LatencyMinMs int `json:"latency_min_ms"`
	LatencyMaxMs int `json:"latency_max_ms"`
	// ServerErrorRate is the share of order and cancel requests answered
	// 503 with -1001; half of them are refused before, half after the
	// request took effect, so the outcome is unknown to the client, as on
	// Binance.
	ServerErrorRate float64 `json:"server_error_rate"`
	// TimeoutRate is the share of order and cancel requests that take
	// effect and are answered, after TimeoutMs, with -1007 (status unknown).
	TimeoutRate float64 `json:"timeout_rate"`
	TimeoutMs   int     `json:"timeout_ms"`
	// BurstRate is the chance that a request starts a burst of BurstLength
	// requests answered 429 (-1003) with Retry-After.
	BurstRate   float64 `json:"burst_rate"`
	BurstLength int     `json:"burst_length"`
	// RejectRate is the share of new orders refused with -1008 (server
	// busy, not placed).
	RejectRate float64 `json:"reject_rate"`
	// ClockSkewMs shifts the server's clock: /api/v3/time, the timestamp
	// checks and event times.
	ClockSkewMs int64 `json:"clock_skew_ms"`
	// LiquidityScale multiplies the synthetic book's depth (0 means 1); a
	// thin book makes partial fills and expired MARKET orders common.
	LiquidityScale float64 `json:"liquidity_scale"`
	// Stream faults, per message: the connection is closed, the message is
	// sent twice, held back and sent after the next one, or delayed.
	WSDisconnectRate float64 `json:"ws_disconnect_rate"`
	WSDuplicateRate  float64 `json:"ws_duplicate_rate"`
	WSReorderRate    float64 `json:"ws_reorder_rate"`
	WSDelayRate      float64 `json:"ws_delay_rate"`
	WSDelayMs        int     `json:"ws_delay_ms"`
}

// builtinProfiles are the built-in fault profiles (read-only; LoadProfile
// hands out copies).
var builtinProfiles = map[string]FaultProfile{
	"none": {Name: "none"},
	"mild": {
		Name: "mild", LatencyMinMs: 5, LatencyMaxMs: 50, ServerErrorRate: 0.01, TimeoutRate: 0.005, TimeoutMs: 2000,
		BurstRate: 0.002, BurstLength: 3, RejectRate: 0.01, ClockSkewMs: 300, LiquidityScale: 0.5,
		WSDisconnectRate: 0.0005, WSDuplicateRate: 0.01, WSReorderRate: 0.01, WSDelayRate: 0.01, WSDelayMs: 200,
	},
	"harsh": {
		Name: "harsh", LatencyMinMs: 20, LatencyMaxMs: 400, ServerErrorRate: 0.08, TimeoutRate: 0.03, TimeoutMs: 5000,
		BurstRate: 0.02, BurstLength: 10, RejectRate: 0.05, ClockSkewMs: 900, LiquidityScale: 0.1,
		WSDisconnectRate: 0.005, WSDuplicateRate: 0.05, WSReorderRate: 0.05, WSDelayRate: 0.05, WSDelayMs: 1000,
	},
}

// LoadProfile returns the built-in profile name, or reads a JSON profile
// file (unknown keys are errors).
func LoadProfile(name string) (*FaultProfile, error) {
	if p, ok := builtinProfiles[name]; ok {
		return &p, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("fault profile %q is not none, mild, harsh or a readable file: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p FaultProfile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("fault profile %s: %w", name, err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("fault profile %s: %w", name, err)
	}
	return &p, nil
}

// Validate reports every out-of-range setting at once.
func (p *FaultProfile) Validate() error {
	var errs []string
	for _, r := range []struct {
		name string
		v    float64
	}{{"server_error_rate", p.ServerErrorRate}, {"timeout_rate", p.TimeoutRate}, {"burst_rate", p.BurstRate},
		{"reject_rate", p.RejectRate}, {"ws_disconnect_rate", p.WSDisconnectRate}, {"ws_duplicate_rate", p.WSDuplicateRate},
		{"ws_reorder_rate", p.WSReorderRate}, {"ws_delay_rate", p.WSDelayRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			errs = append(errs, fmt.Sprintf("%s %v must be in [0, 1]", r.name, r.v))
		}
	}
	if p.LatencyMinMs < 0 || p.LatencyMaxMs < p.LatencyMinMs || p.LatencyMaxMs > 60000 {
		errs = append(errs, fmt.Sprintf("latency %d..%d ms must satisfy 0 <= min <= max <= 60000", p.LatencyMinMs, p.LatencyMaxMs))
	}
	if p.TimeoutMs < 0 || p.TimeoutMs > 60000 || p.WSDelayMs < 0 || p.WSDelayMs > 60000 {
		errs = append(errs, "timeout_ms and ws_delay_ms must be in [0, 60000]")
	}
	if p.BurstLength < 0 || p.BurstLength > 10000 {
		errs = append(errs, fmt.Sprintf("burst_length %d must be in [0, 10000]", p.BurstLength))
	}
	if p.ClockSkewMs < -60000 || p.ClockSkewMs > 60000 {
		errs = append(errs, fmt.Sprintf("clock_skew_ms %d must be in [-60000, 60000]", p.ClockSkewMs))
	}
	if !(p.LiquidityScale >= 0 && p.LiquidityScale <= 100) {
		errs = append(errs, fmt.Sprintf("liquidity_scale %v must be in [0, 100]", p.LiquidityScale))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	return nil
}

// faultState draws the faults; nil injects none.
type faultState struct {
	p     FaultProfile
	mu    sync.Mutex
	rng   *rand.Rand
	burst int
}

func newFaultState(p *FaultProfile, seed uint64) *faultState {
	if p == nil || p.Name == "none" || *p == (FaultProfile{Name: p.Name}) {
		return nil
	}
	return &faultState{p: *p, rng: rand.New(rand.NewPCG(seed, 0x5eed_fa17))}
}

type faultKind uint8

const (
	faultNone faultKind = iota
	faultRateLimited
	faultErrorBefore
	faultErrorAfter
	faultTimeoutAfter
)

// decision is what happens to one REST request.
type decision struct {
	delay time.Duration
	kind  faultKind
}

// decide draws the faults of one request; trade marks order and cancel
// requests, the only ones that get 5xx and timeouts.
func (f *faultState) decide(trade bool) decision {
	if f == nil {
		return decision{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var d decision
	if f.p.LatencyMaxMs > 0 {
		d.delay = time.Duration(f.p.LatencyMinMs+f.rng.IntN(f.p.LatencyMaxMs-f.p.LatencyMinMs+1)) * time.Millisecond
	}
	if f.burst > 0 {
		f.burst--
		d.kind = faultRateLimited
		return d
	}
	if f.p.BurstLength > 0 && f.rng.Float64() < f.p.BurstRate {
		f.burst = f.p.BurstLength - 1
		d.kind = faultRateLimited
		return d
	}
	if trade {
		r := f.rng.Float64()
		switch {
		case r < f.p.ServerErrorRate/2:
			d.kind = faultErrorBefore
		case r < f.p.ServerErrorRate:
			d.kind = faultErrorAfter
		case r < f.p.ServerErrorRate+f.p.TimeoutRate:
			d.kind = faultTimeoutAfter
		}
	}
	return d
}

// skew is the server clock's offset.
func (f *faultState) skew() time.Duration {
	if f == nil {
		return 0
	}
	return time.Duration(f.p.ClockSkewMs) * time.Millisecond
}

// rejectOrder draws whether a new order is refused as server busy.
func (f *faultState) rejectOrder() *apiError {
	if f == nil || f.p.RejectRate == 0 {
		return nil
	}
	f.mu.Lock()
	r := f.rng.Float64()
	f.mu.Unlock()
	if r < f.p.RejectRate {
		return errf(http.StatusServiceUnavailable, -1008, "Spot server is currently overloaded with other requests. Please try again in a few minutes.")
	}
	return nil
}

// chance draws a stream fault with probability p.
func (f *faultState) chance(p float64) bool {
	if f == nil || p == 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < p
}

var (
	errUnknownStatus = errf(http.StatusServiceUnavailable, codeDisconnected, "Internal error; unable to process your request. Please try again.")
	errTimeout       = errf(http.StatusServiceUnavailable, codeTimeout, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
	errFaultBurst    = &apiError{Status: http.StatusTooManyRequests, Code: codeTooManyRequests, Msg: "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.", RetryAfter: 1}
)
